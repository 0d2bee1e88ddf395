// Elementary functions for pricing, written once in plain IEEE double arithmetic (+, -, *, /,
// sqrt and bit operations only; no libm call, no table lookup, no FMA: the pricing targets are
// compiled with -ffp-contract=off). The functions are branch-free (selects, not jumps), so GCC
// vectorises loops that call them at any ISA level, and the result is bit-identical whether a
// value is computed by the scalar API, the SSE4.2 fallback, the AVX2 kernel or the AVX-512
// kernel: correctly rounded operations give the same bits at every vector width. The *_branchy
// forms, for scalar callers, evaluate only the interval needed with the same operations.
//
// Accuracy (measured against __float128 references in tests/pricing/math_test.cpp): exp, log and
// log_ratio within 1 ulp, expm1 within 2, erfcx within 4, norm_cdf within 4 ulp relative in the
// lower tail (down to ~-37.5, where it underflows) and absolute in the upper tail.
//
// The erfcx rationals are W. J. Cody's ("Rational Chebyshev approximations for the error
// function", Math. Comp. 23, 1969), the ones Jäckel's "Let's Be Rational" builds on.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

#define STRIKE_PRICING_INLINE [[gnu::always_inline]] inline

namespace strike::pricing::math {

inline constexpr double kSqrt2 = 1.414213562373095048801688724209698079;
inline constexpr double kInvSqrt2 = 0.707106781186547524400844362104849039;
inline constexpr double kInvSqrtPi = 0.564189583547756286948079451560772586;
inline constexpr double kInvSqrt2Pi = 0.398942280401432677939946059934381868;
inline constexpr double kSqrtPiOver2 = 1.253314137315500251207882642405522627;
// ln 2 split so that n * kLn2Hi is exact for |n| < 2^11.
inline constexpr double kLn2Hi = 6.93147180369123816490e-01;
inline constexpr double kLn2Lo = 1.90821492927058770002e-10;
inline constexpr double kLog2e = 1.442695040888963407359924681001892137;

namespace detail {

// 1.5 * 2^52: adding it rounds a double of magnitude < 2^51 to an integer held in the low
// mantissa bits, in a way that vectorises without a double -> int64 conversion (AVX2 has none).
inline constexpr double kRoundMagic = 6755399441055744.0;
inline constexpr std::uint64_t kRoundMagicBits = 0x4338000000000000ULL;

// 2^n for an integer-valued double n in [-1022, 1023].
STRIKE_PRICING_INLINE double pow2i(double n) noexcept {
  const std::uint64_t k = std::bit_cast<std::uint64_t>(n + kRoundMagic) - kRoundMagicBits;  // n as int64
  return std::bit_cast<double>((k + 1023) << 52);
}

}  // namespace detail

// e^r - 1 for |r| <= 0.347: r + r^2 p(r), p the Taylor series to r^11 (truncation < 5e-18
// relative), evaluated by Estrin's scheme: a dependency chain of 4 multiply-adds instead of 12,
// which is what scalar callers (the implied-vol solver) wait on.
STRIKE_PRICING_INLINE double expm1_reduced(double r) noexcept {
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const double q0 = 0.5 + r * (1.0 / 6.0);
  const double q1 = 1.0 / 24.0 + r * (1.0 / 120.0);
  const double q2 = 1.0 / 720.0 + r * (1.0 / 5040.0);
  const double q3 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
  const double q4 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
  const double q5 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
  const double p = (q0 + q1 * r2) + (q2 + q3 * r2) * r4 + (q4 + q5 * r2) * r8;
  return p * r2 + r;  // the leading term stays exact
}

// e^(a + b), with b a small correction to a (|b| < 2^-20 |a| or |b| < 1e-6): the extra
// precision of a split argument, so e^(-z^2/2) keeps its accuracy for large |z|.
// Underflows to 0 (through the subnormals, correctly scaled) and overflows to +inf.
namespace detail {
// e^(a + b) = (m1 + 1) 2^n, m1 = e^r - 1 in [-0.293, 0.415].
struct ExpParts {
  double m1, n;
};
STRIKE_PRICING_INLINE ExpParts exp_parts(double a, double b) noexcept {
  a = a < -746.0 ? -746.0 : (a > 710.0 ? 710.0 : a);
  const double n = (a * kLog2e + kRoundMagic) - kRoundMagic;  // round(a / ln 2)
  const double r = ((a - n * kLn2Hi) - n * kLn2Lo) + b;        // |r| <= 0.347
  return {expm1_reduced(r), n};
}
// (m1 + 1) 2^n in two steps so results in the subnormal range round once, correctly.
STRIKE_PRICING_INLINE double exp_scale(ExpParts e) noexcept {
  const double n1 = (e.n * 0.5 + kRoundMagic) - kRoundMagic;
  return (e.m1 + 1.0) * pow2i(n1) * pow2i(e.n - n1);
}
}  // namespace detail

STRIKE_PRICING_INLINE double exp_hilo(double a, double b) noexcept { return detail::exp_scale(detail::exp_parts(a, b)); }

STRIKE_PRICING_INLINE double exp(double x) noexcept { return exp_hilo(x, 0.0); }

// The same values with a branch, for scalar code: where p 2^n is a normal number both of
// exp_scale's products are exact, so one product gives the same bits.
inline double exp_hilo_branchy(double a, double b) noexcept {
  const detail::ExpParts e = detail::exp_parts(a, b);
  return e.n >= -1021.0 && e.n <= 1023.0 ? (e.m1 + 1.0) * detail::pow2i(e.n) : detail::exp_scale(e);
}
inline double exp_branchy(double x) noexcept { return exp_hilo_branchy(x, 0.0); }

// e^x - 1 without cancellation near 0. For |x| <= ln(2)/2 exp's reduction gives n = 0 and
// r = x exactly (x log2(e) rounds to 0, ties to even at +-1/2), so its m1 is the answer: one
// polynomial serves both cases.
STRIKE_PRICING_INLINE double expm1(double x) noexcept {
  const bool near0 = (x < 0 ? -x : x) <= 0.34657359027997264;  // ln(2)/2
  const detail::ExpParts e = detail::exp_parts(x, 0.0);
  return near0 ? e.m1 : detail::exp_scale(e) - 1.0;
}

// e^(-z^2/2) with z^2 split exactly into hi + lo, accurate to a few ulp for every z.
template <bool kBranchy = false>
STRIKE_PRICING_INLINE double exp_minus_half_square(double z) noexcept {
  const double zh = std::bit_cast<double>(std::bit_cast<std::uint64_t>(z) & 0xFFFFFFFFF8000000ULL);
  const double hi = -0.5 * (zh * zh);  // exact: zh has 26 significant bits
  const double lo = -0.5 * ((z - zh) * (z + zh));
  return kBranchy ? exp_hilo_branchy(hi, lo) : exp_hilo(hi, lo);
}

// Natural logarithm of a positive normal double (0 -> -inf is not needed by pricing and not
// provided: callers validate their inputs first).
STRIKE_PRICING_INLINE double log(double x) noexcept {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  // exponent as a double without an int64 -> double conversion
  double e = std::bit_cast<double>((bits >> 52) | 0x4330000000000000ULL) - 4503599627370496.0 - 1023.0;
  double m = std::bit_cast<double>((bits & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL);  // [1, 2)
  const bool big = m > kSqrt2;
  m = big ? m * 0.5 : m;
  e = big ? e + 1.0 : e;
  // log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716: series in z = s^2 to z^11.
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  // p = 1/3 + z/5 + ... + z^10/23 by Estrin's scheme (short dependency chain).
  const double z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
  const double p = ((1.0 / 3.0 + z * (1.0 / 5.0)) + (1.0 / 7.0 + z * (1.0 / 9.0)) * z2) +
                   ((1.0 / 11.0 + z * (1.0 / 13.0)) + (1.0 / 15.0 + z * (1.0 / 17.0)) * z2) * z4 +
                   ((1.0 / 19.0 + z * (1.0 / 21.0)) + (1.0 / 23.0) * z2) * z8;
  // log(m) = f - 2s*(f/2) ... written as the fdlibm-style split to keep f exact:
  // 2 atanh(s) = 2s + 2s*z*p ; 2s = f - s*f, so log(m) = f - s*f + 2s*z*p.
  const double hfsq = s * f;
  const double logm = f - (hfsq - 2.0 * s * z * p);
  return e * kLn2Hi + (logm + e * kLn2Lo);
}

// ln(a/b) for positive normal a, b, to a few ulp even when a/b is close to 1: the rounding
// residual of the quotient, a - (a/b) b, is recovered exactly with Dekker's product (no FMA)
// and added as a first-order correction. log(a/b) alone has an absolute error of ~1e-16,
// which is a relative error of 1e-16/|ln(a/b)| near the money.
STRIKE_PRICING_INLINE double log_ratio(double a, double b) noexcept {
  const double q = a / b;
  constexpr double kSplit = 134217729.0;  // 2^27 + 1
  const double qc = kSplit * q, bc = kSplit * b;
  const double qh = qc - (qc - q), ql = q - qh;
  const double bh = bc - (bc - b), bl = b - bh;
  const double p = q * b;
  const double e = ((qh * bh - p) + qh * bl + ql * bh) + ql * bl;  // q*b = p + e exactly
  const double residual = (a - p) - e;                              // a - q*b, exact (Sterbenz)
  return log(q) + residual / a;
}

// erfcx(y) = e^(y^2) erfc(y), y >= 0, on Cody's three intervals. Each interval is written
// with a single division (numerator and denominator folded), so the branch-free selection
// costs three polynomial evaluations and one division.

// |y| <= 0.46875: e^(y^2) (1 - y A(y^2)/B(y^2)) = e^(y^2) (B - y A) / B.
struct Ratio {
  double num, den;
};
// Cody's first-interval rational, erf(y)/y = A(y^2)/B(y^2), as numerator and denominator.
STRIKE_PRICING_INLINE Ratio erf_ab(double ysq) noexcept {
  double an = 1.85777706184603153e-1 * ysq;
  double ad = ysq;
  an = (an + 3.16112374387056560e00) * ysq;
  ad = (ad + 2.36012909523441209e01) * ysq;
  an = (an + 1.13864154151050156e02) * ysq;
  ad = (ad + 2.44024637934444173e02) * ysq;
  an = (an + 3.77485237685302021e02) * ysq;
  ad = (ad + 1.28261652607737228e03) * ysq;
  return {an + 3.20937758913846947e03, ad + 2.84423683343917062e03};
}

STRIKE_PRICING_INLINE Ratio erfcx_small_ratio(double y) noexcept {
  const double ysq = y * y;
  const Ratio ab = erf_ab(ysq);
  return {(ab.den - y * ab.num) * (expm1_reduced(ysq) + 1.0), ab.den};  // ysq <= 0.22: no range reduction
}

// erf(y)/y for |y| <= 0.46875 (Cody's first interval), as a function of y^2.
STRIKE_PRICING_INLINE double erf_over_y(double ysq) noexcept {
  const Ratio ab = erf_ab(ysq);
  return ab.num / ab.den;
}

// 0.46875 < y <= 4: C(y)/D(y).
STRIKE_PRICING_INLINE Ratio erfcx_mid_ratio(double y) noexcept {
  double cn = 2.15311535474403846e-8 * y;
  double cd = y;
  cn = (cn + 5.64188496988670089e-1) * y;
  cd = (cd + 1.57449261107098347e01) * y;
  cn = (cn + 8.88314979438837594e00) * y;
  cd = (cd + 1.17693950891312499e02) * y;
  cn = (cn + 6.61191906371416295e01) * y;
  cd = (cd + 5.37181101862009858e02) * y;
  cn = (cn + 2.98635138197400131e02) * y;
  cd = (cd + 1.62138957456669019e03) * y;
  cn = (cn + 8.81952221241769090e02) * y;
  cd = (cd + 3.29079923573345963e03) * y;
  cn = (cn + 1.71204761263407058e03) * y;
  cd = (cd + 4.36261909014324716e03) * y;
  cn = (cn + 2.05107837782607147e03) * y;
  cd = (cd + 3.43936767414372164e03) * y;
  return {cn + 1.23033935479799725e03, cd + 1.23033935480374942e03};
}

// y > 4: (1/sqrt(pi) - w P(w)/Q(w)) / y with w = 1/y^2. With z = y^2 and the polynomials
// multiplied through by z^5 this is (z Q~(z)/sqrt(pi) - P~(z)) / (z y Q~(z)), one division.
// Beyond y = 1e8 the correction is below 5e-17 relative and 1/(y sqrt(pi)) is exact enough.
STRIKE_PRICING_INLINE Ratio erfcx_large_ratio(double y) noexcept {
  const bool huge = y > 1e8;
  const double yc = huge ? 1e8 : y;
  const double z = yc * yc;
  // Cody's w P(w)/Q(w) times z^5/z^5: Horner in z, from the w^0 coefficients down to w^5.
  double pn = 6.58749161529837803e-4;
  double pd = 2.33520497626869185e-3;
  pn = pn * z + 1.60837851487422766e-2;
  pd = pd * z + 6.05183413124413191e-2;
  pn = pn * z + 1.25781726111229246e-1;
  pd = pd * z + 5.27905102951428412e-1;
  pn = pn * z + 3.60344899949804439e-1;
  pd = pd * z + 1.87295284992346047e00;
  pn = pn * z + 3.05326634961232344e-1;
  pd = pd * z + 2.56852019228982242e00;
  pn = pn * z + 1.63153871373020978e-2;
  pd = pd * z + 1.0;
  // w P/Q = pn / (z pd) with pn, pd as built above (degree 5 in z).
  const Ratio rational{z * pd * kInvSqrtPi - pn, z * pd * yc};
  return huge ? Ratio{kInvSqrtPi, y} : rational;
}

// Branch-free erfcx(y), y >= 0: all three intervals, one division. A vector caller that knows
// no argument of a block is <= 0.46875 (kSmall false) or none is > 4 or NaN (kLarge false)
// leaves that interval out: the selection would not have picked it, so the bits are the same.
template <bool kSmall = true, bool kLarge = true>
STRIKE_PRICING_INLINE double erfcx(double y) noexcept {
  const bool is_small = kSmall && y <= 0.46875, is_mid = !kLarge || y <= 4.0;
  Ratio r = erfcx_mid_ratio(is_mid ? y : 4.0);
  if constexpr (kLarge) {
    const Ratio l = erfcx_large_ratio(is_mid ? 4.0 : y);
    r = {is_mid ? r.num : l.num, is_mid ? r.den : l.den};
  }
  if constexpr (kSmall) {
    const Ratio s = erfcx_small_ratio(is_small ? y : 0.0);
    r = {is_small ? s.num : r.num, is_small ? s.den : r.den};
  }
  return r.num / r.den;
}

// The same values with branches, for scalar code (the implied-vol solver): only the interval
// needed is evaluated, and the operations are the same, so the bits are the same.
inline double erfcx_branchy(double y) noexcept {
  const Ratio r = y <= 0.46875 ? erfcx_small_ratio(y) : (y <= 4.0 ? erfcx_mid_ratio(y) : erfcx_large_ratio(y));
  return r.num / r.den;
}

// erfcx on Cody's two outer intervals only (y > 0.46875), branch-free.
STRIKE_PRICING_INLINE double erfcx_tail(double y) noexcept {
  const bool is_mid = y <= 4.0;
  const Ratio m = erfcx_mid_ratio(is_mid ? y : 4.0);
  const Ratio l = erfcx_large_ratio(is_mid ? 4.0 : y);
  return (is_mid ? m.num : l.num) / (is_mid ? m.den : l.den);
}

// Standard normal density.
STRIKE_PRICING_INLINE double norm_pdf(double z) noexcept { return kInvSqrt2Pi * exp_minus_half_square(z); }
inline double norm_pdf_branchy(double z) noexcept { return kInvSqrt2Pi * exp_minus_half_square<true>(z); }

// Standard normal distribution Phi(z), accurate relative to itself in the lower tail.
STRIKE_PRICING_INLINE double norm_cdf(double z) noexcept {
  const double y = (z < 0 ? -z : z) * kInvSqrt2;
  // Central: Phi = 1/2 + (z/2) erf(y)/(y sqrt 2)
  const double yc = y <= 0.46875 ? y : 0.0;
  const double central = 0.5 + (0.5 * kInvSqrt2) * z * erf_over_y(yc * yc);
  // Tails: Q = e^(-z^2/2) erfcx(|z|/sqrt 2) / 2; Phi = Q (z < 0) or 1 - Q.
  const double yt = y > 0.46875 ? y : 0.5;
  const double q = 0.5 * exp_minus_half_square(z) * erfcx_tail(yt);
  const double tail = z < 0 ? q : 1.0 - q;
  return y <= 0.46875 ? central : tail;
}

// norm_cdf with branches (scalar code): same operations, same bits.
inline double norm_cdf_branchy(double z) noexcept {
  const double y = (z < 0 ? -z : z) * kInvSqrt2;
  if (y <= 0.46875) return 0.5 + (0.5 * kInvSqrt2) * z * erf_over_y(y * y);
  const Ratio r = y <= 4.0 ? erfcx_mid_ratio(y) : erfcx_large_ratio(y);
  const double q = 0.5 * exp_minus_half_square<true>(z) * (r.num / r.den);
  return z < 0 ? q : 1.0 - q;
}

// Jäckel's small-t expansion of Y(h+t) - Y(h-t) to 12th order in t ("Let's Be Rational"), with
// a = 1 + h sqrt(pi/2) erfcx(-h/sqrt2) and h2 = h^2; the normalised Black price is
// e^(-(h^2+t^2)/2)/sqrt(2 pi) times this. Shared by the pricing kernel and the implied-vol solver.
STRIKE_PRICING_INLINE double small_t_expansion(double a, double h2, double t) noexcept {
  const double w = t * t;
  return 2.0 * t *
      (a + w * ((-1.0 + 3.0 * a + a * h2) * (1.0 / 6.0) +
                w * ((-7.0 + 15.0 * a + h2 * (-1.0 + 10.0 * a + a * h2)) * (1.0 / 120.0) +
                     w * ((-57.0 + 105.0 * a + h2 * (-18.0 + 105.0 * a + h2 * (-1.0 + 21.0 * a + a * h2))) * (1.0 / 5040.0) +
                          w * ((-561.0 + 945.0 * a + h2 * (-285.0 + 1260.0 * a + h2 * (-33.0 + 378.0 * a + h2 * (-1.0 + 36.0 * a + a * h2)))) * (1.0 / 362880.0) +
                               w * ((-6555.0 + 10395.0 * a + h2 * (-4680.0 + 17325.0 * a + h2 * (-840.0 + 6930.0 * a + h2 * (-52.0 + 990.0 * a + h2 * (-1.0 + 55.0 * a + a * h2))))) * (1.0 / 39916800.0) +
                                    ((-89055.0 + 135135.0 * a + h2 * (-82845.0 + 270270.0 * a + h2 * (-20370.0 + 135135.0 * a + h2 * (-1926.0 + 25740.0 * a + h2 * (-75.0 + 2145.0 * a + h2 * (-1.0 + 78.0 * a + a * h2)))))) * w) * (1.0 / 6227020800.0)))))));
}

}  // namespace strike::pricing::math
