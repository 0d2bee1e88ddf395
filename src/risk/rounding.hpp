// Where risk's double estimates (EMA premiums, Black prices) become integer reference units:
// one explicit rounding rule, independent of the floating-point rounding mode.
//
// Invariants: round_half_even(x) is the integer nearest to x, ties to the even one, for every
// finite |x| < 2^62 (callers bound their values far below that); nothing else is rounded here.
// Costs: a floor and two compares.
#pragma once

#include <cmath>
#include <cstdint>

namespace strike::risk {

inline std::int64_t round_half_even(double x) noexcept {
  const double f = std::floor(x);
  const double rest = x - f;  // exact: f and x share the binade or f is 0
  auto n = static_cast<std::int64_t>(f);
  if (rest > 0.5 || (rest == 0.5 && (n & 1) != 0)) ++n;
  return n;
}

// Units of 10^-8 (RefPrice, kRefPriceScale) per 1.0 of the price currency.
inline constexpr double kRefUnitsPerOne = 1e8;

}  // namespace strike::risk
