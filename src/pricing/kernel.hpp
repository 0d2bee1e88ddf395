// The one price-and-Greeks formula every entry point uses: the scalar API is this kernel on
// one option, the batch API runs its stages as loops over blocks that GCC vectorises. Because
// math.hpp is IEEE arithmetic whose branch-free and branchy forms give the same bits, the
// scalar result and every vector lane agree to the bit.
//
// Black-76 is BSM with carry 0 (q = r, so the forward is the input), which keeps one formula.
// Prices go through Jäckel's normalised Black function b(x, s) of the out-of-the-money option
// plus the intrinsic value, so the deep wings do not subtract two nearly equal terms:
//   x = ln(F/K), s = sigma sqrt(T), h = -|x|/s, t = s/2
//   b = 1/2 e^(-(h^2+t^2)/2) [erfcx(-(h+t)/sqrt2) - erfcx(-(h-t)/sqrt2)]        (t >= tau)
//   b = e^(-(h^2+t^2)/2)/sqrt(2 pi) * (Jäckel's 12th-order expansion in t)    (t <  tau)
// Greeks are products of phi(d1) and Phi(d1), both from the same erfcx values, so they keep
// their relative accuracy wherever they are representable.
#pragma once

#include "pricing/math.hpp"

namespace strike::pricing::detail {

// 2 eps^(1/16): below it the small-t expansion of b is accurate to machine precision (Jäckel).
inline constexpr double kSmallTThreshold = 0.21132486540518713;

struct KernelOut {
  double price, delta, gamma, vega, theta, rho, vanna, volga, charm;
};

// The kernel is written in stages so that the batch loop can run each stage over a block of
// options (short loop bodies that keep their values in registers and whose iterations overlap)
// while the scalar API runs them back to back: the same operations in the same order either
// way, so the same bits.
//   1. kernel_setup_args: everything that depends only on the inputs (sqrt, log), and the
//      exponents of the four exponentials.
//   2. kernel_setup_exp: the exponentials.
//   3. erfcx of the three arguments kernel_erfcx_args() gives (y0, y1, y2).
//   4. kernel_finish: the normalised price, the value and the Greeks.

struct KernelSetup {
  double sqrt_t, s, df, dq, x, inv_s, h, ho, half_s, e0, bm, ibm;
};

// Preconditions (checked by callers): s0, k, t, vol > 0 and finite, r, q finite. q is the
// dividend (bsm); ignored for black76. Leaves the exponents in df, dq, e0 and bm.
template <bool kBsm>
STRIKE_PRICING_INLINE KernelSetup kernel_setup_args(double s0, double k, double t, double vol, double r,
                                                    double q) noexcept {
  using namespace math;
  KernelSetup p;
  p.sqrt_t = std::sqrt(t);
  p.s = vol * p.sqrt_t;
  // ln(F/K) from the inputs without rounding F first (bsm: ln(S/K) + (r - q) T).
  p.x = kBsm ? log_ratio(s0, k) + (r - q) * t : log_ratio(s0, k);
  const double ax = p.x < 0 ? -p.x : p.x;
  p.inv_s = 1.0 / p.s;  // 1/vol = inv_s sqrt_t, 1/sqrt_t = inv_s vol, 1/t = (inv_s vol)^2
  p.h = p.x * p.inv_s;
  p.ho = -(p.h < 0 ? -p.h : p.h);  // h of the out-of-the-money option, <= 0
  p.half_s = 0.5 * p.s;
  p.df = -r * t;
  p.dq = kBsm ? -q * t : p.df;
  p.e0 = -0.5 * (p.h * p.h + p.half_s * p.half_s);
  p.bm = 0.5 * ax;
  p.ibm = 0.0;  // set by kernel_setup_exp
  return p;
}

// The exponentials, in place. kZeroRate: the caller knows r == 0 (the crypto case), and
// e^(-0 T) is 1 exactly (math.hpp's exp of +-0 is 1), so skipping it changes no bit.
// kBranchy: scalar callers (same bits).
template <bool kBsm, bool kZeroRate = false, bool kBranchy = false>
STRIKE_PRICING_INLINE void kernel_setup_exp(KernelSetup& p) noexcept {
  using math::exp, math::exp_branchy;
  p.df = kZeroRate ? 1.0 : kBranchy ? exp_branchy(p.df) : exp(p.df);
  p.dq = !kBsm ? p.df : kBranchy ? exp_branchy(p.dq) : exp(p.dq);
  p.e0 = kBranchy ? exp_branchy(p.e0) : exp(p.e0);
  p.bm = kBranchy ? exp_branchy(p.bm) : exp(p.bm);
  p.ibm = 1.0 / p.bm;
}

struct ErfcxArgs {
  double a0, a1, a2;
};
// y0 = erfcx(a0) (small-t expansion), y1 = erfcx(a1), y2 = erfcx(a2) (out-of-the-money price).
STRIKE_PRICING_INLINE ErfcxArgs kernel_erfcx_args(const KernelSetup& p) noexcept {
  const double u1 = p.ho + p.half_s;
  return {-p.ho * math::kInvSqrt2, (u1 < 0 ? -u1 : u1) * math::kInvSqrt2, (p.half_s - p.ho) * math::kInvSqrt2};
}

// sign: +1 call, -1 put; the other inputs as for kernel_setup_args().
template <bool kBsm>
STRIKE_PRICING_INLINE KernelOut kernel_finish(double sign, double s0, double k, double t, double vol, double r, double q,
                                              const KernelSetup& p, double y0, double y1, double y2) noexcept {
  using namespace math;
  const double sqrt_t = p.sqrt_t, df = p.df, dq = p.dq, x = p.x, inv_s = p.inv_s, h = p.h, ho = p.ho,
               half_s = p.half_s, e0 = p.e0, bm = p.bm, ibm = p.ibm;

  // Out-of-the-money normalised price.
  const double u1 = ho + half_s;
  const double b_general = u1 > 0 ? ibm - 0.5 * e0 * (y1 + y2) : 0.5 * e0 * (y1 - y2);
  // Small-t expansion (Jäckel, "Let's Be Rational", eq. for Y(h+t) - Y(h-t)); a = 1 + h Y(h).
  const double a = 1.0 + ho * kSqrtPiOver2 * y0;
  const double b_small = kInvSqrt2Pi * e0 * small_t_expansion(a, ho * ho, half_s);
  double b = half_s < kSmallTThreshold ? b_small : b_general;
  b = b > 0 ? b : 0.0;

  // V = DF K (e^(x/2) b + (sign (e^x - 1))^+): from the accurate x, never from a rounded F.
  const double diff = sign * expm1(x);
  const double value = df * k * ((x >= 0 ? bm : ibm) * b + (diff > 0 ? diff : 0.0));

  // phi(d1) and Phi(sign d1) from the same pieces: e^(-d1^2/2) = e0 e^(-x/2).
  const double d1 = h + half_s;
  const double d2 = h - half_s;
  const double e1 = e0 * (x >= 0 ? ibm : bm);
  const double pdf1 = kInvSqrt2Pi * e1;
  const double q1 = 0.5 * e1 * (x >= 0 ? y2 : y1);  // Phi(-|d1|)
  const double n1 = sign * d1 <= 0 ? q1 : 1.0 - q1;  // Phi(sign d1)
  // Phi(sign d2) likewise (bsm rho): e^(-d2^2/2) = e0 e^(x/2).
  const double q2 = 0.5 * e0 * (x >= 0 ? bm : ibm) * (x >= 0 ? y1 : y2);
  const double n2 = sign * d2 <= 0 ? q2 : 1.0 - q2;

  KernelOut o;
  o.price = value;
  o.delta = dq * sign * n1;
  const double inv_vol = inv_s * sqrt_t, inv_sqrt_t = inv_s * vol;
  o.gamma = dq * pdf1 * inv_s / s0;
  o.vega = dq * s0 * pdf1 * sqrt_t;
  const double carry = kBsm ? r - q : 0.0;
  o.theta = r * value - carry * s0 * o.delta - 0.5 * dq * s0 * pdf1 * vol * inv_sqrt_t;
  o.rho = kBsm ? sign * t * k * df * n2 : -t * value;  // bsm: K T e^(-rT) Phi(d2), no cancellation
  o.vanna = -dq * pdf1 * d2 * inv_vol;
  o.volga = o.vega * d1 * d2 * inv_vol;
  const double qq = kBsm ? q : r;
  o.charm = qq * o.delta - dq * pdf1 * (carry * inv_s - 0.5 * d2 * inv_sqrt_t * inv_sqrt_t);
  return o;
}

template <bool kBsm>
STRIKE_PRICING_INLINE KernelOut price_kernel(double sign, double s0, double k, double t, double vol, double r,
                                             double q) noexcept {
  KernelSetup p = kernel_setup_args<kBsm>(s0, k, t, vol, r, q);
  kernel_setup_exp<kBsm, false, true>(p);
  const ErfcxArgs a = kernel_erfcx_args(p);
  // Scalar: the branchy erfcx evaluates one interval, with the same bits.
  return kernel_finish<kBsm>(sign, s0, k, t, vol, r, q, p, math::erfcx_branchy(a.a0), math::erfcx_branchy(a.a1),
                             math::erfcx_branchy(a.a2));
}

}  // namespace strike::pricing::detail
