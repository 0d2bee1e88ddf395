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
// The *_bounded forms answer also where little time value is left (deep in the money): the
// volatility together with how far the price determines it (ImpliedVol::uncertainty), refusing
// only when that is wider than the caller's bound. Where the plain form solves, they return the
// very same volatility (same bits); they cost one more vega (and, for prices within about a
// million ulp of the intrinsic value, two more solves).
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

// A volatility and how far the price determines it: every volatility whose price, as this
// library computes it (evaluate(), the batch kernel) from the same inputs, could round to the
// given price lies in [vol - uncertainty, vol + uncertainty]. The rounding allowed for is that
// of the kernel's last operations and of the intrinsic value subtracted here: 2 ulp of the
// undiscounted price at rate 0, 3 ulp otherwise (the analysis is in implied_vol.cpp), plus the
// solver's own error, 10 eps (s + b/b'). A price from elsewhere (a coin premium times the
// forward, a conversion from integer units) carries its own rounding on top: the caller passes it
// as price_uncertainty (absolute, in the units of the price, >= 0).
struct ImpliedVol {
  double vol = 0;
  double uncertainty = 0;
};

// Half a volatility point: the default bound below which a volatility is worth returning.
inline constexpr double kDefaultMaxVolUncertainty = 0.005;

// As the plain forms, but also where the time value is within the rounding of the intrinsic
// value: the volatility with its uncertainty when uncertainty <= max_uncertainty; otherwise
// pricing_not_identifiable (also for prices the plain form solves but that do not determine the
// volatility to within the bound). Where the price carries no representable time value at all,
// the interval is [0, upper end] and vol is its midpoint. Other codes as the plain forms;
// max_uncertainty NaN or < 0, or price_uncertainty not finite or < 0: pricing_invalid_input.
Result<ImpliedVol, Errc> implied_vol_black76_bounded(OptionType type, double price, double forward, double strike,
                                                     double expiry, double rate = 0,
                                                     double max_uncertainty = kDefaultMaxVolUncertainty,
                                                     double price_uncertainty = 0) noexcept;
Result<ImpliedVol, Errc> implied_vol_bsm_bounded(OptionType type, double price, double spot, double strike,
                                                 double expiry, double rate, double dividend,
                                                 double max_uncertainty = kDefaultMaxVolUncertainty,
                                                 double price_uncertainty = 0) noexcept;
Result<ImpliedVol, Errc> implied_vol_bounded(const OptionSpec& spec, double price,
                                             double max_uncertainty = kDefaultMaxVolUncertainty,
                                             double price_uncertainty = 0) noexcept;

}  // namespace strike::pricing
