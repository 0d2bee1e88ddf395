// Exact conversion between decimal text and fixed point. Nothing here goes through double:
// "0.0005" is exactly 5 units at scale 4, "1e-05" (as JSON writes tick sizes) is exactly
// 1 unit at scale 5, and a value that does not fit the requested scale is precision_loss,
// never silently rounded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace strike {

inline constexpr int kMaxDecimalScale = 18;

// value = units * 10^-scale, with scale in [0, 18]. parse_decimal() returns the smallest scale
// that represents the value (trailing zeros dropped), so equal values compare equal.
struct Decimal {
  std::int64_t units = 0;
  int scale = 0;

  bool operator==(const Decimal&) const = default;
  bool is_zero() const noexcept { return units == 0; }
  bool is_positive() const noexcept { return units > 0; }
};

// Accepts [+-]digits[.digits][(e|E)[+-]digits]; no spaces, no empty parts ("1." or ".5" are
// invalid_number), at most 38 significant digits before normalisation.
Result<Decimal, Errc> parse_decimal(std::string_view text) noexcept;

// The value in units of 10^-scale, exactly, or precision_loss / overflow.
Result<std::int64_t, Errc> to_scaled(Decimal value, int scale) noexcept;

// parse_decimal + to_scaled: parse_scaled("0.0005", 4) == 5.
Result<std::int64_t, Errc> parse_scaled(std::string_view text, int scale) noexcept;

// How many `step`s make `value`, exactly: steps_of(0.0105, 0.0005) == 21; 0.0104 is
// precision_loss. step must be positive.
Result<std::int64_t, Errc> steps_of(Decimal value, Decimal step) noexcept;

// step * count as a Decimal (overflow checked).
Result<Decimal, Errc> times(Decimal step, std::int64_t count) noexcept;

// Shortest exact text: format_decimal({5, 4}) == "0.0005", {50000, 0} == "50000", {-15, 1} == "-1.5".
std::string format_decimal(Decimal value);
inline std::string format_scaled(std::int64_t units, int scale) { return format_decimal({units, scale}); }

// Three-way comparison of two decimals, exact.
int compare(Decimal a, Decimal b) noexcept;

}  // namespace strike
