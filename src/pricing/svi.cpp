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
  // w, w', w'' from one square root: r = sqrt((k-m)^2 + sigma^2).
  const double d = k - m, r = std::sqrt(d * d + sigma * sigma), inv_r = 1.0 / r;
  const double w = a + b * (rho * d + r), w1 = b * (rho + d * inv_r), w2 = b * sigma * sigma * inv_r * inv_r * inv_r;
  const double inv_w = 1.0 / w;
  const double t = 1.0 - 0.5 * k * w1 * inv_w;
  return t * t - 0.25 * w1 * w1 * (inv_w + 0.25) + 0.5 * w2;
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

constexpr int kPenaltyGrid = 41;

// Penalty grid over [-2.5, 2.5], sinh-spaced: dense near the money (step ~0.01) where short
// expiries put all their curvature, sparse in the wings.
double penalty_k(int i) {
  const double u = -1.0 + 2.0 * i / (kPenaltyGrid - 1);
  const double e = math::exp(4.0 * u), sinh4 = 27.28991719712775;
  return kGridHalfWidth * 0.5 * (e - 1.0 / e) / sinh4;
}

// Zeliade's quasi-explicit reduction (De Marco & Martini, 2009): for fixed (m, sigma), raw SVI
// is linear in (a, d, c) = (a, rho b sigma, b sigma): w = a + d y + c sqrt(y^2 + 1) with
// y = (k - m)/sigma. The constraints become c >= 0, |d| <= c, c + |d| <= 2 sigma (Lee) and
// a >= -sqrt(c^2 - d^2) (w >= 0). The inner problem is a weighted linear least squares on that
// polytope, solved exactly by checking the interior, the faces and the vertices.
struct Sums {
  // Weighted moments of the basis (1, y, z) and of the target W.
  double s11 = 0, s1y = 0, s1z = 0, syy = 0, syz = 0, szz = 0, s1w = 0, syw = 0, szw = 0, sww = 0;
};

struct Adc {
  double a, d, c;
};

double sse(const Sums& m, const Adc& p) {
  const double a = p.a, d = p.d, c = p.c;
  return m.sww - 2 * (a * m.s1w + d * m.syw + c * m.szw) + a * a * m.s11 + d * d * m.syy + c * c * m.szz +
         2 * (a * d * m.s1y + a * c * m.s1z + d * c * m.syz);
}

// Least squares of W ~ a + alpha u where u = beta_y y + beta_z z (+ offset_z z fixed):
// returns (a, alpha). Used for every face: u and the fixed part are linear in y and z.
struct Line {
  double a, alpha;
};
Line fit_line(const Sums& m, double by, double bz, double oz) {
  // target T = W - oz z ; basis (1, u)
  const double s1u = by * m.s1y + bz * m.s1z;
  const double suu = by * by * m.syy + 2 * by * bz * m.syz + bz * bz * m.szz;
  const double s1t = m.s1w - oz * m.s1z;
  const double sut = by * m.syw + bz * m.szw - oz * (by * m.syz + bz * m.szz);
  const double det = m.s11 * suu - s1u * s1u;
  if (!(std::fabs(det) > 1e-300)) return {s1t / m.s11, 0.0};
  return {(suu * s1t - s1u * sut) / det, (m.s11 * sut - s1u * s1t) / det};
}

Adc solve_inner(const Sums& m, double sigma) {
  Adc best{m.s1w / m.s11, 0, 0};  // c = d = 0
  double best_sse = sse(m, best);
  auto consider = [&](const Adc& p) {
    const bool feasible = p.c >= 0 && std::fabs(p.d) <= p.c * (1 + 1e-12) && p.c + std::fabs(p.d) <= 2 * sigma * (1 + 1e-12);
    if (!feasible) return;
    const double e = sse(m, p);
    if (e < best_sse) {
      best_sse = e;
      best = p;
    }
  };
  // Interior: the 3x3 normal equations (Cramer).
  const double A[3][3] = {{m.s11, m.s1y, m.s1z}, {m.s1y, m.syy, m.syz}, {m.s1z, m.syz, m.szz}};
  const double r[3] = {m.s1w, m.syw, m.szw};
  auto det3 = [](const double M[3][3]) {
    return M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
           M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
  };
  const double det = det3(A);
  if (std::fabs(det) > 1e-300) {
    double sol[3];
    for (int j = 0; j < 3; ++j) {
      double B[3][3];
      for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 3; ++k) B[i][k] = k == j ? r[i] : A[i][k];
      sol[j] = det3(B) / det;
    }
    consider({sol[0], sol[1], sol[2]});
  }
  // Faces d = +-c: w = a + c (z +- y).
  for (double s : {1.0, -1.0}) {
    const Line l = fit_line(m, s, 1.0, 0.0);
    consider({l.a, s * l.alpha, l.alpha});
  }
  // Faces c = 2 sigma - |d|: w = a + d (y -+ z) + 2 sigma z.
  for (double s : {1.0, -1.0}) {
    const Line l = fit_line(m, 1.0, -s, 2 * sigma);
    consider({l.a, l.alpha, 2 * sigma - s * l.alpha});
  }
  // Vertices (c, d) = (sigma, +-sigma), (2 sigma, 0): only a is free.
  for (const auto& [c, d] : {std::pair{sigma, sigma}, std::pair{sigma, -sigma}, std::pair{2 * sigma, 0.0}}) {
    const double a = (m.s1w - d * m.s1y - c * m.s1z) / m.s11;
    consider({a, d, c});
  }
  // w >= 0: a >= -sqrt(c^2 - d^2).
  best.a = std::max(best.a, -std::sqrt(std::max(best.c * best.c - best.d * best.d, 0.0)));
  return best;
}

SviParams to_params(const Adc& p, double m, double sigma) {
  SviParams q;
  q.m = m;
  q.sigma = sigma;
  q.b = p.c / sigma;
  q.rho = p.c > 0 ? std::clamp(p.d / p.c, -1 + 1e-12, 1 - 1e-12) : 0.0;
  q.b = std::min(q.b, 2.0 / (1.0 + std::fabs(q.rho)));  // Lee, after the rho clamp
  q.a = std::max(p.a, -q.b * q.sigma * std::sqrt(1 - q.rho * q.rho));
  return q;
}

struct Outer {
  std::span<const SmilePoint> points;
  double expiry, w_scale;
  const SviSlice* shorter;

  SviParams params(double m, double log_sigma) const {
    const double sigma = math::exp(std::clamp(log_sigma, -9.0, 2.0));
    Sums s;
    for (const SmilePoint& p : points) {
      const double y = (p.k - m) / sigma, z = std::sqrt(y * y + 1);
      const double wt = p.weight / (4 * p.iv * p.iv * expiry * expiry);  // dw -> d(iv): 1/(2 iv T)
      const double target = p.iv * p.iv * expiry;
      s.s11 += wt;
      s.s1y += wt * y;
      s.s1z += wt * z;
      s.syy += wt * y * y;
      s.syz += wt * y * z;
      s.szz += wt * z * z;
      s.s1w += wt * target;
      s.syw += wt * y * target;
      s.szw += wt * z * target;
      s.sww += wt * target * target;
    }
    return to_params(solve_inner(s, sigma), m, sigma);
  }

  double operator()(double m, double log_sigma) const {
    const SviParams p = params(m, log_sigma);
    double err = 0, wsum = 0;
    for (const SmilePoint& pt : points) {
      const double r = (std::sqrt(std::max(p.total_variance(pt.k), 0.0) / expiry) - pt.iv) * 100.0;
      err += pt.weight * r * r;
      wsum += pt.weight;
    }
    double penalty = 0;
    for (int i = 0; i < kPenaltyGrid; ++i) {
      const double k = penalty_k(i);
      const double g = p.durrleman_g(k);
      if (g < 1e-4) penalty += 1e7 * (1e-4 - g) * (1e-4 - g);
      if (shorter) {
        const double gap = (p.total_variance(k) - shorter->params.total_variance(k)) / w_scale;
        if (gap < 1e-6) penalty += 1e8 * (1e-6 - gap) * (1e-6 - gap);
      }
    }
    return err / wsum + penalty;
  }
};

// Deterministic Nelder-Mead in two dimensions (standard coefficients).
std::array<double, 2> nelder_mead_2d(const Outer& f, std::array<double, 2> start, std::array<double, 2> step,
                                     int max_iter, double& best_value) {
  std::array<std::array<double, 2>, 3> x{start, start, start};
  x[1][0] += step[0];
  x[2][1] += step[1];
  std::array<double, 3> fx;
  for (int i = 0; i < 3; ++i) fx[i] = f(x[i][0], x[i][1]);
  for (int iter = 0; iter < max_iter; ++iter) {
    std::array<int, 3> o{0, 1, 2};
    std::sort(o.begin(), o.end(), [&](int i, int j) { return fx[i] < fx[j] || (fx[i] == fx[j] && i < j); });
    const int b = o[0], s = o[1], w = o[2];
    if (fx[w] - fx[b] <= 1e-10 * (1 + fx[b]) && std::fabs(x[w][0] - x[b][0]) + std::fabs(x[w][1] - x[b][1]) < 1e-7) break;
    const std::array<double, 2> c{(x[b][0] + x[s][0]) / 2, (x[b][1] + x[s][1]) / 2};
    auto along = [&](double t) { return std::array<double, 2>{c[0] + t * (x[w][0] - c[0]), c[1] + t * (x[w][1] - c[1])}; };
    const auto r = along(-1.0);
    const double fr = f(r[0], r[1]);
    if (fr < fx[b]) {
      const auto e = along(-2.0);
      const double fe = f(e[0], e[1]);
      if (fe < fr) {
        x[w] = e;
        fx[w] = fe;
      } else {
        x[w] = r;
        fx[w] = fr;
      }
    } else if (fr < fx[s]) {
      x[w] = r;
      fx[w] = fr;
    } else {
      const auto cc = fr < fx[w] ? along(-0.5) : along(0.5);
      const double fc = f(cc[0], cc[1]);
      if (fc < std::min(fr, fx[w])) {
        x[w] = cc;
        fx[w] = fc;
      } else {
        for (int i : {s, w}) {
          x[i] = {x[b][0] + 0.5 * (x[i][0] - x[b][0]), x[b][1] + 0.5 * (x[i][1] - x[b][1])};
          fx[i] = f(x[i][0], x[i][1]);
        }
      }
    }
  }
  int best = 0;
  for (int i = 1; i < 3; ++i)
    if (fx[i] < fx[best]) best = i;
  best_value = fx[best];
  return x[best];
}

}  // namespace

Result<SviSlice, Errc> fit_svi(std::span<const SmilePoint> points, double expiry, const SviSlice* shorter) {
  if (!(expiry > 0) || points.size() < 5) return fail(Errc::pricing_fit_failed);
  double weight_sum = 0, w_atm = 0, best_abs_k = INFINITY, k_min_iv = 0, min_iv = INFINITY;
  for (const SmilePoint& p : points) {
    if (!(p.weight > 0) || !(p.iv > 0) || !std::isfinite(p.k) || !std::isfinite(p.iv))
      return fail(Errc::pricing_fit_failed);
    weight_sum += p.weight;
    if (std::fabs(p.k) < best_abs_k) {
      best_abs_k = std::fabs(p.k);
      w_atm = p.iv * p.iv * expiry;
    }
    if (p.iv < min_iv) {
      min_iv = p.iv;
      k_min_iv = p.k;
    }
  }
  const Outer f{points, expiry, w_atm, shorter};
  // Fixed starts (no RNG): the vertex at the money and at the smile's minimum, narrow and wide.
  std::array<double, 2> best{0, math::log(0.1)};
  double best_value = INFINITY;
  for (double m0 : {0.0, k_min_iv})
    for (double s0 : {0.05, 0.3}) {
      double value = 0;
      const auto x = nelder_mead_2d(f, {m0, math::log(s0)}, {0.1, 0.5}, 200, value);
      if (value < best_value) {
        best_value = value;
        best = x;
      }
    }

  SviSlice s;
  s.expiry = expiry;
  s.params = f.params(best[0], best[1]);
  // Calendar repair: if the fine grid still finds w below the shorter expiry's anywhere, lift
  // the slice by the largest deficit (raising a keeps every other constraint).
  if (shorter) {
    double deficit = 0;
    for (int i = 0; i <= kGridSteps; ++i) {
      const double k = -kGridHalfWidth + 2 * kGridHalfWidth * i / kGridSteps;
      deficit = std::max(deficit, shorter->params.total_variance(k) - s.params.total_variance(k));
    }
    if (deficit > 0) s.params.a += deficit * (1 + 1e-9) + 1e-15;
  }
  s.points = points.size();
  double sse_iv = 0;
  for (const SmilePoint& p : points) {
    const double r = (s.iv(p.k) - p.iv) * 100.0;
    sse_iv += p.weight * r * r;
  }
  s.rmse_vol_points = std::sqrt(sse_iv / weight_sum);
  s.butterfly = check_butterfly(s.params);
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
