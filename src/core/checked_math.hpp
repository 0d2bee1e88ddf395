// Checked integer arithmetic with explicit rounding: the only way money and quantities are
// multiplied or divided in strike. Products go through 128-bit intermediates, so
// a * b / c is exact before the single rounding step, and every overflow is reported as
// Errc::overflow instead of being undefined behaviour. All functions are constexpr and
// allocation-free; cost is a few nanoseconds (one 128-bit division).
#pragma once

#include <cstdint>
#include <limits>

#include "core/result.hpp"

namespace strike {

__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;

enum class Rounding : std::uint8_t {
  down,         // toward negative infinity (floor)
  up,           // toward positive infinity (ceiling)
  toward_zero,  // truncation
  half_even,    // to nearest, ties to even (banker's rounding)
  // Against the account: the amount is signed from the account's point of view (credit > 0,
  // debit < 0) and rounds toward negative infinity, so rounding never favours the account:
  // a credit is never rounded up and a debit is never rounded toward zero. The residue belongs
  // to the venue's rounding account.
  against_account,
};

constexpr Result<std::int64_t, Errc> checked_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return fail(Errc::overflow);
  return r;
}

constexpr Result<std::int64_t, Errc> checked_sub(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return fail(Errc::overflow);
  return r;
}

constexpr Result<std::int64_t, Errc> checked_mul(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return fail(Errc::overflow);
  return r;
}

// Narrows a 128-bit value to int64, or reports overflow.
constexpr Result<std::int64_t, Errc> narrow(int128 v) noexcept {
  if (v > std::numeric_limits<std::int64_t>::max() || v < std::numeric_limits<std::int64_t>::min())
    return fail(Errc::overflow);
  return static_cast<std::int64_t>(v);
}

namespace detail {

// Applies `mode` to a truncated quotient q = num / den with remainder r != 0. Generic over the
// width so 64-bit operands take the 64-bit divide (a few ns) and only wide products pay for
// the 128-bit one.
template <class I, class U>
constexpr I round_quotient(I q, I r, I num, I den, Rounding mode) noexcept {
  const bool negative = (num < 0) != (den < 0);  // sign of the exact quotient
  switch (mode) {
    case Rounding::toward_zero:
      return q;
    case Rounding::down:
    case Rounding::against_account:
      return negative ? q - 1 : q;
    case Rounding::up:
      return negative ? q : q + 1;
    case Rounding::half_even: {
      // Compare 2|r| with |den| without overflow: |r| < |den| <= 2^(bits-1), so use unsigned.
      const U abs_r = r < 0 ? U{0} - static_cast<U>(r) : static_cast<U>(r);
      const U abs_d = den < 0 ? U{0} - static_cast<U>(den) : static_cast<U>(den);
      const U twice = abs_r * 2;  // fits: abs_r < 2^(bits-1)
      const bool away = twice > abs_d || (twice == abs_d && (q % 2 != 0));
      if (!away) return q;
      return negative ? q - 1 : q + 1;
    }
  }
  return q;
}

}  // namespace detail

// num / den rounded as asked, exactly, in 128 bits. den == 0 is division_by_zero.
constexpr Result<int128, Errc> div_round_128(int128 num, int128 den, Rounding mode) noexcept {
  if (den == 0) return fail(Errc::division_by_zero);
  constexpr int128 kMin = static_cast<int128>(static_cast<uint128>(1) << 127);
  if (num == kMin && den == -1) return fail(Errc::overflow);
  const int128 q = num / den;  // truncates toward zero
  const int128 r = num % den;
  if (r == 0) return q;
  return detail::round_quotient<int128, uint128>(q, r, num, den, mode);
}

// a / b rounded as asked.
constexpr Result<std::int64_t, Errc> div_round(std::int64_t a, std::int64_t b, Rounding mode) noexcept {
  if (b == 0) return fail(Errc::division_by_zero);
  if (a == std::numeric_limits<std::int64_t>::min() && b == -1) return fail(Errc::overflow);
  const std::int64_t q = a / b;
  const std::int64_t r = a % b;
  if (r == 0) return q;
  return detail::round_quotient<std::int64_t, std::uint64_t>(q, r, a, b, mode);
}

// a * b / c computed exactly in 128 bits, then rounded once. The workhorse of fees, PnL and
// unit conversion: mul_div(qty, price, scale, Rounding::against_account). When a * b fits in
// 64 bits (the common case) the division is done in 64 bits, with the same result.
constexpr Result<std::int64_t, Errc> mul_div(std::int64_t a, std::int64_t b, std::int64_t c,
                                             Rounding mode) noexcept {
  std::int64_t product = 0;
  if (!__builtin_mul_overflow(a, b, &product)) return div_round(product, c, mode);
  auto q = div_round_128(static_cast<int128>(a) * b, c, mode);  // |a*b| < 2^126: no overflow
  if (!q) return fail(q.error());
  return narrow(q.value());
}

// a * b * c / d with every product checked in 128 bits and one rounding step: the contract
// arithmetic of clearing (lots x price x a per-instrument factor / a power of ten). Operands
// that fit 64 bits with a 64-bit product take the 64-bit path (a multiply, and a divide only
// when d != 1); the result is the same either way.
constexpr Result<std::int64_t, Errc> mul_mul_div(int128 a, int128 b, int128 c, int128 d, Rounding mode) noexcept {
  constexpr int128 kMax = std::numeric_limits<std::int64_t>::max(), kMin = std::numeric_limits<std::int64_t>::min();
  const auto fits = [&](int128 v) { return v >= kMin && v <= kMax; };
  if (fits(a) && fits(b) && fits(c) && fits(d)) {
    std::int64_t ab = 0, abc = 0;
    if (!__builtin_mul_overflow(static_cast<std::int64_t>(a), static_cast<std::int64_t>(b), &ab) &&
        !__builtin_mul_overflow(ab, static_cast<std::int64_t>(c), &abc)) {
      if (d == 1) return abc;
      return div_round(abc, static_cast<std::int64_t>(d), mode);
    }
  }
  int128 ab = 0, abc = 0;
  if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(ab, c, &abc)) return fail(Errc::overflow);
  auto q = div_round_128(abc, d, mode);
  if (!q) return fail(q.error());
  return narrow(q.value());
}

// 10^exp as int64 for exp in [0, 18] (a table lookup).
constexpr std::int64_t pow10(int exp) noexcept {
  constexpr std::int64_t kPowers[19] = {1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000,
                                        1'000'000'000, 10'000'000'000, 100'000'000'000, 1'000'000'000'000,
                                        10'000'000'000'000, 100'000'000'000'000, 1'000'000'000'000'000,
                                        10'000'000'000'000'000, 100'000'000'000'000'000,
                                        1'000'000'000'000'000'000};
  STRIKE_ASSERT(exp >= 0 && exp <= 18, "pow10({})", exp);
  return kPowers[exp];
}

}  // namespace strike
