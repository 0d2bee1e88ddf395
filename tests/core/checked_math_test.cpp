// Checked arithmetic against an independent reference: the reference rounds with the textbook
// floor-based definitions (ceil(x) = -floor(-x), half-even via floor((2n + d) / 2d) with a tie
// test), while the code under test adjusts a truncating quotient by the remainder's sign.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "core/checked_math.hpp"

namespace strike {
namespace {

int128 floor_div(int128 n, int128 d) {
  int128 q = n / d;
  if ((n % d != 0) && ((n < 0) != (d < 0))) --q;
  return q;
}

int128 reference_round(int128 n, int128 d, Rounding mode) {
  switch (mode) {
    case Rounding::down:
    case Rounding::against_account:
      return floor_div(n, d);
    case Rounding::up:
      return -floor_div(-n, d);
    case Rounding::toward_zero:
      return (n < 0) != (d < 0) ? -floor_div(-n, d) : floor_div(n, d);
    case Rounding::half_even: {
      if (d < 0) {
        n = -n;
        d = -d;
      }
      const int128 q = floor_div(2 * n + d, 2 * d);  // round half up
      const bool tie = (2 * n + d) % (2 * d) == 0;
      return tie && (q % 2 != 0) ? q - 1 : q;
    }
  }
  return 0;
}

constexpr Rounding kModes[] = {Rounding::down, Rounding::up, Rounding::toward_zero, Rounding::half_even,
                               Rounding::against_account};

// Values spread over every magnitude: a random bit width, then a random value of that width.
std::int64_t random_value(std::mt19937_64& rng) {
  const int bits = static_cast<int>(rng() % 64);
  const std::int64_t magnitude = bits == 0 ? 0 : static_cast<std::int64_t>(rng() >> (64 - bits));
  return (rng() & 1) ? -magnitude : magnitude;
}

TEST(CheckedMath, MulDivMatchesTheReferenceInEveryRoundingMode) {
  const std::uint64_t seed = 20261125;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  int overflows = 0;
  for (int i = 0; i < 200'000; ++i) {
    const std::int64_t a = random_value(rng), b = random_value(rng);
    std::int64_t c = random_value(rng);
    if (c == 0) c = 1;
    for (Rounding mode : kModes) {
      const int128 expected = reference_round(static_cast<int128>(a) * b, c, mode);
      auto got = mul_div(a, b, c, mode);
      const bool fits = expected >= INT64_MIN && expected <= INT64_MAX;
      ASSERT_EQ(got.ok(), fits) << a << " * " << b << " / " << c;
      if (fits) {
        ASSERT_EQ(got.value(), static_cast<std::int64_t>(expected)) << a << " * " << b << " / " << c << " mode " << int(mode);
      } else {
        ASSERT_EQ(got.error(), Errc::overflow);
        ++overflows;
      }
    }
  }
  EXPECT_GT(overflows, 0) << "the generator must reach the overflow region";
}

TEST(CheckedMath, HalfEvenRoundsTiesToEven) {
  EXPECT_EQ(div_round(5, 2, Rounding::half_even).value(), 2);
  EXPECT_EQ(div_round(7, 2, Rounding::half_even).value(), 4);
  EXPECT_EQ(div_round(-5, 2, Rounding::half_even).value(), -2);
  EXPECT_EQ(div_round(-7, 2, Rounding::half_even).value(), -4);
  EXPECT_EQ(div_round(5, -2, Rounding::half_even).value(), -2);
  EXPECT_EQ(div_round(6, 4, Rounding::half_even).value(), 2);  // 1.5 -> 2
  EXPECT_EQ(div_round(10, 4, Rounding::half_even).value(), 2);  // 2.5 -> 2
  EXPECT_EQ(div_round(11, 4, Rounding::half_even).value(), 3);  // 2.75 -> 3
}

TEST(CheckedMath, AgainstTheAccountNeverFavoursTheAccount) {
  // A credit of 7/2 units is 3, a debit of 7/2 units is -4: the account never gains the half.
  EXPECT_EQ(div_round(7, 2, Rounding::against_account).value(), 3);
  EXPECT_EQ(div_round(-7, 2, Rounding::against_account).value(), -4);
  EXPECT_EQ(mul_div(-1, 1, 3, Rounding::against_account).value(), -1);
}

TEST(CheckedMath, OverflowIsReportedNotUndefined) {
  EXPECT_EQ(checked_add(INT64_MAX, 1).error(), Errc::overflow);
  EXPECT_EQ(checked_sub(INT64_MIN, 1).error(), Errc::overflow);
  EXPECT_EQ(checked_mul(INT64_MIN, -1).error(), Errc::overflow);
  EXPECT_EQ(div_round(INT64_MIN, -1, Rounding::down).error(), Errc::overflow);
  EXPECT_EQ(mul_div(INT64_MAX, INT64_MAX, 1, Rounding::down).error(), Errc::overflow);
  EXPECT_EQ(mul_div(INT64_MAX, INT64_MAX, INT64_MAX, Rounding::down).value(), INT64_MAX);
  EXPECT_EQ(div_round(1, 0, Rounding::up).error(), Errc::division_by_zero);
}

TEST(CheckedMath, AddSubMulMatchWideArithmetic) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100'000; ++i) {
    const std::int64_t a = random_value(rng), b = random_value(rng);
    const int128 sum = static_cast<int128>(a) + b, diff = static_cast<int128>(a) - b, prod = static_cast<int128>(a) * b;
    auto fits = [](int128 v) { return v >= INT64_MIN && v <= INT64_MAX; };
    ASSERT_EQ(checked_add(a, b).ok(), fits(sum));
    ASSERT_EQ(checked_sub(a, b).ok(), fits(diff));
    ASSERT_EQ(checked_mul(a, b).ok(), fits(prod));
    if (fits(prod)) {
      ASSERT_EQ(checked_mul(a, b).value(), static_cast<std::int64_t>(prod));
    }
  }
}

}  // namespace
}  // namespace strike
