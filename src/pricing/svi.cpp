#include "pricing/svi.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "pricing/math.hpp"

namespace strike::pricing {

double SviParams::total_variance(double k) const noexcept {
  const double d = k - m;
  return a + b * (rho * d + std::sqrt(d * d + sigma * sigma));
}
double SviParams::dw(double k) const noexcept {
  const double d = k - m;
  return b * (rho + d / std::sqrt(d * d + sigma * sigma));
}
double SviParams::d2w(double k) const noexcept {
  const double d = k - m, r = std::sqrt(d * d + sigma * sigma);
  return b * sigma * sigma / (r * r * r);
}
double SviParams::durrleman_g(double k) const noexcept {
  const double w = total_variance(k), w1 = dw(k), w2 = d2w(k);
  const double t = 1.0 - k * w1 / (2.0 * w);
  return t * t - w1 * w1 / 4.0 * (1.0 / w + 0.25) + w2 / 2.0;
}
bool SviParams::satisfies_constraints() const noexcept {
  return b >= 0 && std::fabs(rho) < 1 && sigma > 0 && a + b * sigma * std::sqrt(1 - rho * rho) >= 0 &&
         b * (1 + std::fabs(rho)) <= 2;
}

double SviSlice::iv(double k) const noexcept { return std::sqrt(std::max(params.total_variance(k), 0.0) / expiry); }

ArbitrageCheck check_butterfly(const SviParams& p) noexcept {
  ArbitrageCheck c;
  c.min_g = INFINITY;
  for (int i = 0; i <= kGridSteps; ++i) {
    const double k = -kGridHalfWidth + 2 * kGridHalfWidth * i / kGridSteps;
    const double g = p.durrleman_g(k);
    if (g < c.min_g) {
      c.min_g = g;
      c.k_at_min_g = k;
    }
  }
  c.butterfly_free = c.min_g >= 0;
  return c;
}

namespace {

constexpr int kDim = 5;
using Vec = std::array<double, kDim>;
constexpr int kPenaltyGrid = 61;

// Penalty grid over [-2.5, 2.5], sinh-spaced: dense near the money (step ~0.01) where short
// expiries put all their curvature, sparse in the wings.
double penalty_k(int i) {
  const double u = -1.0 + 2.0 * i / (kPenaltyGrid - 1);
  const double e = math::exp(4.0 * u), sinh4 = 27.28991719712775;
  return kGridHalfWidth * 0.5 * (e - 1.0 / e) / sinh4;
}

double tanh_(double x) { return 1.0 - 2.0 / (math::exp(2.0 * x) + 1.0); }

// Unconstrained u -> SVI parameters that satisfy every constraint by construction.
SviParams decode(const Vec& u, double w_scale) {
  SviParams p;
  p.rho = tanh_(std::clamp(u[1], -6.0, 6.0)) * (1 - 1e-9);
  p.b = 2.0 / (1.0 + std::fabs(p.rho)) / (1.0 + math::exp(-std::clamp(u[0], -40.0, 40.0)));  // Lee: b(1+|rho|) < 2
  p.sigma = math::exp(std::clamp(u[2], -12.0, 3.0));
  p.m = u[3];
  p.a = -p.b * p.sigma * std::sqrt(1 - p.rho * p.rho) + w_scale * math::exp(std::clamp(u[4], -40.0, 5.0));
  return p;
}

struct Objective {
  std::span<const SmilePoint> points;
  double expiry, w_scale, weight_sum;
  const SviSlice* shorter;

  double operator()(const Vec& u) const {
    const SviParams p = decode(u, w_scale);
    double sse = 0;
    for (const SmilePoint& pt : points) {
      const double iv = std::sqrt(std::max(p.total_variance(pt.k), 0.0) / expiry);
      const double r = (iv - pt.iv) * 100.0;  // vol points
      sse += pt.weight * r * r;
    }
    double penalty = 0;
    for (int i = 0; i < kPenaltyGrid; ++i) {
      const double k = penalty_k(i);
      const double g = p.durrleman_g(k);
      if (g < 1e-4) penalty += 1e3 * (1e-4 - g) * (1e-4 - g) * 1e4;
      if (shorter) {
        const double gap = p.total_variance(k) - shorter->params.total_variance(k);
        const double need = 1e-6 * w_scale;
        if (gap < need) penalty += 1e4 * ((need - gap) / w_scale) * ((need - gap) / w_scale) * 1e4;
      }
    }
    return sse / weight_sum + penalty;
  }
};

// Deterministic Nelder-Mead (standard coefficients), from a start and a per-axis step.
Vec nelder_mead(const Objective& f, Vec start, const Vec& step, int max_iter, double& best_value) {
  std::array<Vec, kDim + 1> x;
  std::array<double, kDim + 1> fx;
  x[0] = start;
  for (int i = 0; i < kDim; ++i) {
    x[i + 1] = start;
    x[i + 1][i] += step[i];
  }
  for (int i = 0; i <= kDim; ++i) fx[i] = f(x[i]);
  for (int iter = 0; iter < max_iter; ++iter) {
    std::array<int, kDim + 1> order;
    for (int i = 0; i <= kDim; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](int i, int j) { return fx[i] < fx[j] || (fx[i] == fx[j] && i < j); });
    const int best = order[0], worst = order[kDim], second = order[kDim - 1];
    if (fx[worst] - fx[best] <= 1e-12 * (1 + fx[best])) break;
    Vec centroid{};
    for (int i = 0; i <= kDim; ++i)
      if (i != worst)
        for (int d = 0; d < kDim; ++d) centroid[d] += x[i][d] / kDim;
    auto along = [&](double t) {
      Vec v;
      for (int d = 0; d < kDim; ++d) v[d] = centroid[d] + t * (x[worst][d] - centroid[d]);
      return v;
    };
    const Vec r = along(-1.0);
    const double fr = f(r);
    if (fr < fx[best]) {
      const Vec e = along(-2.0);
      const double fe = f(e);
      if (fe < fr) {
        x[worst] = e;
        fx[worst] = fe;
      } else {
        x[worst] = r;
        fx[worst] = fr;
      }
    } else if (fr < fx[second]) {
      x[worst] = r;
      fx[worst] = fr;
    } else {
      const Vec c = fr < fx[worst] ? along(-0.5) : along(0.5);
      const double fc = f(c);
      if (fc < std::min(fr, fx[worst])) {
        x[worst] = c;
        fx[worst] = fc;
      } else {  // shrink toward the best
        for (int i = 0; i <= kDim; ++i) {
          if (i == best) continue;
          for (int d = 0; d < kDim; ++d) x[i][d] = x[best][d] + 0.5 * (x[i][d] - x[best][d]);
          fx[i] = f(x[i]);
        }
      }
    }
  }
  int best = 0;
  for (int i = 1; i <= kDim; ++i)
    if (fx[i] < fx[best]) best = i;
  best_value = fx[best];
  return x[best];
}

}  // namespace

Result<SviSlice, Errc> fit_svi(std::span<const SmilePoint> points, double expiry, const SviSlice* shorter) {
  if (!(expiry > 0) || points.size() < 5) return fail(Errc::pricing_fit_failed);
  double weight_sum = 0, w_atm = 0, best_abs_k = INFINITY, k_lo = INFINITY, k_hi = -INFINITY;
  for (const SmilePoint& p : points) {
    if (!(p.weight > 0) || !(p.iv > 0) || !std::isfinite(p.k) || !std::isfinite(p.iv))
      return fail(Errc::pricing_fit_failed);
    weight_sum += p.weight;
    if (std::fabs(p.k) < best_abs_k) {
      best_abs_k = std::fabs(p.k);
      w_atm = p.iv * p.iv * expiry;
    }
    k_lo = std::min(k_lo, p.k);
    k_hi = std::max(k_hi, p.k);
  }
  const Objective f{points, expiry, w_atm, weight_sum, shorter};
  // Fixed starts (no RNG): skew down, flat, skew up; then a restart from the best.
  const double b_starts[] = {0.05, 0.2};
  const double rho_starts[] = {-0.4, 0.0, 0.4};
  Vec best_u{};
  double best_value = INFINITY;
  const Vec step{1.0, 0.5, 0.7, 0.1, 0.5};
  for (double b0 : b_starts) {
    for (double rho0 : rho_starts) {
      // u0 = logit(b (1 + |rho|) / 2), u1 = atanh(rho), a chosen so that w(0) ~ w_atm.
      const double frac = std::clamp(b0 * (1 + std::fabs(rho0)) / 2, 1e-6, 1 - 1e-6);
      const double sigma0 = 0.1;
      const double a_min = -b0 * sigma0 * std::sqrt(1 - rho0 * rho0);
      const double a0 = w_atm - b0 * sigma0;  // w(m = 0) = a + b sigma
      const Vec start{math::log(frac / (1 - frac)), 0.5 * math::log((1 + rho0) / (1 - rho0)), math::log(sigma0), 0.0,
                      math::log(std::max(a0 - a_min, 1e-3 * w_atm) / w_atm)};
      double value = 0;
      const Vec u = nelder_mead(f, start, step, 600, value);
      if (value < best_value) {
        best_value = value;
        best_u = u;
      }
    }
  }
  double value = 0;
  best_u = nelder_mead(f, best_u, Vec{0.2, 0.1, 0.1, 0.02, 0.1}, 800, value);

  SviSlice s;
  s.expiry = expiry;
  s.params = decode(best_u, w_atm);
  s.points = points.size();
  double sse = 0;
  for (const SmilePoint& p : points) {
    const double r = (s.iv(p.k) - p.iv) * 100.0;
    sse += p.weight * r * r;
  }
  s.rmse_vol_points = std::sqrt(sse / weight_sum);
  s.butterfly = check_butterfly(s.params);
  (void)k_lo;
  (void)k_hi;
  return s;
}

Result<SviSurface, Errc> SviSurface::make(std::vector<SviSlice> slices) {
  if (slices.empty()) return fail(Errc::pricing_fit_failed);
  for (std::size_t i = 1; i < slices.size(); ++i)
    if (!(slices[i].expiry > slices[i - 1].expiry)) return fail(Errc::pricing_fit_failed);
  SviSurface s;
  s.slices_ = std::move(slices);
  return s;
}

double SviSurface::total_variance(double k, double t) const noexcept {
  const auto& s = slices_;
  if (t <= s.front().expiry) return s.front().params.total_variance(k) * t / s.front().expiry;
  if (t >= s.back().expiry) return s.back().params.total_variance(k) * t / s.back().expiry;
  std::size_t i = 1;
  while (s[i].expiry < t) ++i;
  const double t0 = s[i - 1].expiry, t1 = s[i].expiry;
  const double w0 = s[i - 1].params.total_variance(k), w1 = s[i].params.total_variance(k);
  return w0 + (w1 - w0) * (t - t0) / (t1 - t0);
}

double SviSurface::mark_iv(double strike, double forward, double t) const noexcept {
  return std::sqrt(std::max(total_variance(math::log_ratio(strike, forward), t), 0.0) / t);
}

double SviSurface::min_calendar_spread() const noexcept {
  double spread = INFINITY;
  for (std::size_t i = 1; i < slices_.size(); ++i)
    for (int j = 0; j <= kGridSteps; ++j) {
      const double k = -kGridHalfWidth + 2 * kGridHalfWidth * j / kGridSteps;
      spread = std::min(spread, slices_[i].params.total_variance(k) - slices_[i - 1].params.total_variance(k));
    }
  return spread;
}

}  // namespace strike::pricing
