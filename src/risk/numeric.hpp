// The few places where risk's double estimates meet integers: the rounding rule by which an
// estimate (EMA premium, Black price) becomes integer reference units, independent of the
// floating-point rounding mode, and venue-time spans as doubles without integer overflow.
//
// Invariants: round_half_even(x) is the integer nearest to x, ties to the even one, for every
// finite |x| < 2^62 (callers bound their values far below that). ns_between() is exact whenever
// the span fits int64, and never overflows. Costs: a few instructions each.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/time.hpp"

namespace strike::risk {

inline std::int64_t round_half_even(double x) noexcept {
  const double f = std::floor(x);
  const double rest = x - f;  // exact: f and x share the binade or f is 0
  auto n = static_cast<std::int64_t>(f);
  if (rest > 0.5 || (rest == 0.5 && (n & 1) != 0)) ++n;
  return n;
}

// to - from in nanoseconds, as a double: the exact difference rounded once (also when it does not
// fit int64, e.g. a damaged snapshot's time against a real one).
inline double ns_between(Timestamp from, Timestamp to) noexcept {
  std::int64_t d = 0;
  if (!__builtin_sub_overflow(to.ns(), from.ns(), &d)) return static_cast<double>(d);
  return static_cast<double>(to.ns()) - static_cast<double>(from.ns());
}

// Units of 10^-8 (RefPrice, kRefPriceScale) per 1.0 of the price currency.
inline constexpr double kRefUnitsPerOne = 1e8;

}  // namespace strike::risk
