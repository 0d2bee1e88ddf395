// Volatility surface: Gatheral's raw SVI per expiry, w(k) = a + b (rho (k - m) + sqrt((k - m)^2 + sigma^2))
// in total variance w = iv^2 T over log-moneyness k = ln(K/F), fitted to (k, iv, weight)
// points; calendar interpolation in total variance; a mark IV for any strike and expiry.
//
// Invariants of every fitted slice (enforced by the parameterisation, not checked after the
// fact): b >= 0, |rho| < 1, sigma > 0, a + b sigma sqrt(1 - rho^2) >= 0 (w >= 0 everywhere)
// and Lee's wing bound b (1 + |rho|) <= 2. Butterfly arbitrage (Durrleman's g(k) >= 0) and
// calendar arbitrage (w non-decreasing in T at every k) are penalised during the fit and then
// checked on a fine grid and reported, never assumed.
//
// Costs: a fit is a deterministic Nelder-Mead search (no RNG; fixed restarts), about 0.1-0.5 ms
// for a 40-strike expiry; evaluation is a few ns.
#pragma once

#include <span>
#include <vector>

#include "core/result.hpp"

namespace strike::pricing {

struct SviParams {
  double a = 0, b = 0, rho = 0, m = 0, sigma = 0.1;

  double total_variance(double k) const noexcept;
  double dw(double k) const noexcept;   // w'(k)
  double d2w(double k) const noexcept;  // w''(k)
  // Durrleman's density factor: g(k) >= 0 everywhere <=> no butterfly arbitrage.
  double durrleman_g(double k) const noexcept;
  bool satisfies_constraints() const noexcept;
};

struct SmilePoint {
  double k = 0;       // ln(K / F)
  double iv = 0;      // decimal
  double weight = 1;  // > 0
};

struct ArbitrageCheck {
  double min_g = 0;       // min of Durrleman's g on the grid
  double k_at_min_g = 0;
  bool butterfly_free = false;
};

struct SviSlice {
  double expiry = 0;  // years
  SviParams params;
  double rmse_vol_points = 0;  // weighted RMSE of iv against the fitted points, in vol points (1 = 1%)
  std::size_t points = 0;
  ArbitrageCheck butterfly;

  double iv(double k) const noexcept;
};

// Grid on which g(k) and calendar monotonicity are checked: k in [-kGridHalfWidth, +],
// kGridSteps + 1 points (step 0.005).
inline constexpr double kGridHalfWidth = 2.5;
inline constexpr int kGridSteps = 1000;

// Fits one expiry. `shorter` (optional) is the previous expiry's slice: the fit then also
// penalises w(k) < w_shorter(k) so the surface stays free of calendar arbitrage.
// Errors: pricing_fit_failed (fewer than 5 valid points, non-positive expiry).
Result<SviSlice, Errc> fit_svi(std::span<const SmilePoint> points, double expiry, const SviSlice* shorter = nullptr);

ArbitrageCheck check_butterfly(const SviParams& p) noexcept;

class SviSurface {
 public:
  // Slices must be sorted by strictly increasing expiry.
  static Result<SviSurface, Errc> make(std::vector<SviSlice> slices);

  const std::vector<SviSlice>& slices() const noexcept { return slices_; }
  // Total variance at log-moneyness k and expiry t: linear in t between slices at fixed k;
  // before the first slice w scales with t (w_1(k) t / t_1); beyond the last, likewise.
  double total_variance(double k, double t) const noexcept;
  // Mark IV for a strike and expiry, given that expiry's forward.
  double mark_iv(double strike, double forward, double t) const noexcept;
  // Smallest w_{i+1}(k) - w_i(k) over the grid and slice pairs (>= 0: no calendar arbitrage).
  double min_calendar_spread() const noexcept;

 private:
  std::vector<SviSlice> slices_;
};

}  // namespace strike::pricing
