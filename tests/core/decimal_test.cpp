#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "core/decimal.hpp"

namespace strike {
namespace {

TEST(Decimal, ParsesTickSizesExactly) {
  EXPECT_EQ(parse_scaled("0.0005", 4).value(), 5);
  EXPECT_EQ(parse_scaled("0.0005", 8).value(), 50'000);
  EXPECT_EQ(parse_decimal("1e-05").value(), (Decimal{1, 5}));
  EXPECT_EQ(parse_decimal("40000.0").value(), (Decimal{40000, 0}));
  EXPECT_EQ(parse_decimal("-1.50").value(), (Decimal{-15, 1}));
  EXPECT_EQ(parse_decimal("2.5E+3").value(), (Decimal{2500, 0}));
  EXPECT_EQ(parse_decimal("0.000").value(), (Decimal{0, 0}));
}

TEST(Decimal, RefusesValuesThatDoNotFitTheScale) {
  EXPECT_EQ(parse_scaled("0.00051", 4).error(), Errc::precision_loss);
  EXPECT_EQ(parse_scaled("0.1", 0).error(), Errc::precision_loss);
  EXPECT_EQ(parse_decimal("0.0000000000000000001").error(), Errc::precision_loss);  // 19 decimals
  EXPECT_EQ(parse_scaled("92233720368.54775808", 8).error(), Errc::overflow);
  EXPECT_EQ(parse_scaled("92233720368.54775807", 8).value(), INT64_MAX);
  EXPECT_EQ(parse_scaled("-92233720368.54775808", 8).value(), INT64_MIN);
  EXPECT_EQ(parse_decimal("1e30").error(), Errc::overflow);
}

TEST(Decimal, RefusesMalformedText) {
  for (const char* bad : {"", "-", "+", ".5", "1.", "1..2", "1e", "1e+", "0x10", " 1", "1 ", "1,5", "nan", "inf", "--1", "1e99999"})
    EXPECT_FALSE(parse_decimal(bad).ok()) << "'" << bad << "'";
}

TEST(Decimal, FormatsTheShortestExactText) {
  EXPECT_EQ(format_decimal({5, 4}), "0.0005");
  EXPECT_EQ(format_decimal({50000, 0}), "50000");
  EXPECT_EQ(format_decimal({-15, 1}), "-1.5");
  EXPECT_EQ(format_decimal({1500, 3}), "1.5");
  EXPECT_EQ(format_decimal({INT64_MIN, 18}), "-9.223372036854775808");
  EXPECT_EQ(format_scaled(0, 8), "0");
}

TEST(Decimal, StepsOfCountsWholeTicksOnly) {
  const Decimal tick{5, 4};  // 0.0005
  EXPECT_EQ(steps_of(parse_decimal("0.0105").value(), tick).value(), 21);
  EXPECT_EQ(steps_of(parse_decimal("0.0104").value(), tick).error(), Errc::precision_loss);
  EXPECT_EQ(steps_of(parse_decimal("10").value(), Decimal{5, 1}).value(), 20);
  EXPECT_EQ(times(tick, 21).value(), (Decimal{105, 4}));
}

// Random (units, scale) pairs formatted by a reference that builds the text digit by digit
// from std::to_string, then parsed back: parse(format) is the identity on the value.
TEST(Decimal, RandomValuesRoundTripThroughText) {
  const std::uint64_t seed = 4242;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 100'000; ++i) {
    const std::int64_t units = static_cast<std::int64_t>(rng()) >> (rng() % 64);
    const int scale = static_cast<int>(rng() % 19);
    // Reference text: sign, integer part, '.', fraction padded to `scale` digits.
    std::string magnitude = std::to_string(static_cast<unsigned long long>(units < 0 ? 0ULL - static_cast<unsigned long long>(units)
                                                                                      : static_cast<unsigned long long>(units)));
    if (static_cast<int>(magnitude.size()) <= scale) magnitude.insert(0, static_cast<std::size_t>(scale) + 1 - magnitude.size(), '0');
    std::string text = (units < 0 ? "-" : "") + magnitude;
    if (scale > 0) text.insert(text.size() - static_cast<std::size_t>(scale), ".");
    auto parsed = parse_scaled(text, scale);
    ASSERT_TRUE(parsed.ok()) << text;
    ASSERT_EQ(parsed.value(), units) << text;
    ASSERT_EQ(compare(parse_decimal(format_decimal({units, scale})).value(), Decimal{units, scale}), 0) << text;
  }
}

}  // namespace
}  // namespace strike
