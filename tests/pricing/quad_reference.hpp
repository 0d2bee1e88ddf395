// A __float128 (113-bit) evaluation of the same closed forms, from the same double inputs: the
// yardstick for "accurate" in these tests. Its own error is ~1e-30 relative except where the
// answer underflows double anyway.
#pragma once

#include <quadmath.h>

#include "pricing/black.hpp"

namespace strike::pricing::testing {

using quad = __float128;

inline quad q_cdf(quad z) { return quad(0.5) * erfcq(-z / sqrtq(quad(2))); }
inline quad q_pdf(quad z) { return expq(-z * z / 2) / sqrtq(2 * acosq(quad(-1))); }

struct QuadGreeks {
  quad price, delta, gamma, vega, theta, rho, vanna, volga, charm;
};

inline QuadGreeks quad_greeks(const OptionSpec& o) {
  const quad sign = o.type == OptionType::call ? 1 : -1;
  const quad s0 = o.underlying, k = o.strike, t = o.expiry, vol = o.vol, r = o.rate;
  const quad q = o.model == Model::bsm ? quad(o.dividend) : r;
  const quad df = expq(-r * t), dq = expq(-q * t), f = s0 * expq((r - q) * t);
  const quad sd = vol * sqrtq(t);
  const quad d1 = logq(f / k) / sd + sd / 2, d2 = d1 - sd;
  QuadGreeks g;
  // Out-of-the-money value plus intrinsic, so the reference itself does not cancel.
  const bool itm = sign * (f - k) > 0;
  const quad otm_sign = itm ? -sign : sign;
  const quad otm = df * otm_sign * (f * q_cdf(otm_sign * d1) - k * q_cdf(otm_sign * d2));
  g.price = otm + (itm ? df * sign * (f - k) : 0);
  g.delta = dq * sign * q_cdf(sign * d1);
  g.gamma = dq * q_pdf(d1) / (s0 * sd);
  g.vega = dq * s0 * q_pdf(d1) * sqrtq(t);
  const quad carry = r - q;
  g.theta = r * g.price - carry * s0 * g.delta - dq * s0 * q_pdf(d1) * vol / (2 * sqrtq(t));
  g.rho = o.model == Model::bsm ? sign * t * k * df * q_cdf(sign * d2) : -t * g.price;
  g.vanna = -dq * q_pdf(d1) * d2 / vol;
  g.volga = g.vega * d1 * d2 / vol;
  g.charm = q * g.delta - dq * q_pdf(d1) * (carry / sd - d2 / (2 * t));
  return g;
}

inline double rel_err(double x, quad ref) {
  if (ref == 0) return x == 0 ? 0 : 1;
  return (double)fabsq((quad(x) - ref) / ref);
}

}  // namespace strike::pricing::testing
