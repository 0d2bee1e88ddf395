// Implied volatility by Peter Jäckel's "Let's Be Rational" (Wilmott 2015): a rational-cubic
// initial guess on four branches of transformed price, then at most two Householder(3)
// steps, which reach machine precision for every price where volatility is identifiable.
// No loop runs longer than two iterations (plus bisection fallbacks only for |ln(F/K)| of
// hundreds, where the guess leaves its bracket).
//
// Inputs are validated and answered with explicit codes, never a silently wrong number:
// pricing_nan_input, pricing_zero_time (T <= 0), pricing_invalid_input (F, K not > 0,
// negative price), pricing_below_intrinsic, pricing_above_bound (call >= F, put >= K in
// undiscounted terms), pricing_not_identifiable (no representable time value: the price is
// the intrinsic value to the last bit, or the normalised time value underflows).
//
// Elementary functions come from math.hpp, so results are bit-identical on every CPU.
#pragma once

#include "core/result.hpp"
#include "pricing/black.hpp"

namespace strike::pricing {

// b(x, s) = price / sqrt(F K) of an undiscounted call (theta = +1) or put (-1) with
// x = ln(F/K), s = sigma sqrt(T); accurate to a few ulp everywhere (Jäckel's four regions).
double normalised_black(double x, double s, double theta) noexcept;

// dB/ds of the normalised call (= put) price.
double normalised_vega(double x, double s) noexcept;

// s such that normalised_black(x, s, theta) == beta.
Result<double, Errc> normalised_implied_vol(double beta, double x, double theta) noexcept;

// Implied volatility from a discounted premium in USD (black76: on the forward; bsm: on
// spot with rate and dividend). For inverse options multiply the coin premium by F first.
Result<double, Errc> implied_vol_black76(OptionType type, double price, double forward, double strike, double expiry,
                                         double rate = 0) noexcept;
Result<double, Errc> implied_vol_bsm(OptionType type, double price, double spot, double strike, double expiry,
                                     double rate, double dividend) noexcept;
// Either, by spec.model; spec.vol is ignored.
Result<double, Errc> implied_vol(const OptionSpec& spec, double price) noexcept;

}  // namespace strike::pricing
