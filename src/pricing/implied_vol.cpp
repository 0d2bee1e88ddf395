// "Let's Be Rational" (P. Jäckel, 2013/2015), following the structure of the author's
// reference implementation: normalised Black function in four regions, the four-branch
// rational-cubic initial guess with its lower/upper transformed maps, and Householder(3)
// iterations on the branch's objective function, capped at two.
#include "pricing/implied_vol.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <initializer_list>
#include <limits>

#include "pricing/math.hpp"

namespace strike::pricing {
namespace {

using math::log;
// Scalar code: the branchy forms evaluate only the interval needed (same bits).
inline double exp(double x) { return math::exp_branchy(x); }
inline double norm_cdf(double z) { return math::norm_cdf_branchy(z); }
inline double norm_pdf(double z) { return math::norm_pdf_branchy(z); }

constexpr double kDblEpsilon = DBL_EPSILON;
constexpr double kDblMin = DBL_MIN;
constexpr double kDblMax = DBL_MAX;
constexpr double kSqrtDblMin = 1.4916681462400413e-154;
constexpr double kSqrtDblMax = 1.3407807929942596e154;
constexpr double kFourthRootDblEpsilon = 1.220703125e-4;
constexpr double kSixteenthRootDblEpsilon = 0.10566243270259357;
constexpr double kSqrtThree = 1.732050807568877293527446341505872366942805253810;
constexpr double kSqrtOneOverThree = 0.577350269189625764509148780501957455647601751270;
constexpr double kTwoPiOverSqrtTwentySeven = 1.209199576156145233729385505094770488189377498728;
constexpr double kPiOverSix = 0.523598775598298873077107230546583814032861566563;
constexpr double kTwoPi = 6.283185307179586476925286766559005768394338798750;
constexpr double kAsymptoticExpansionAccuracyThreshold = -10.0;
constexpr double kSmallTExpansionThreshold = 2.0 * kSixteenthRootDblEpsilon;
constexpr double kDenormalisationCutoff = 0.0;
constexpr int kMaxIterations = 2;

double square(double x) { return x * x; }
bool is_below_horizon(double x) { return std::fabs(x) < kDenormalisationCutoff; }

// erfcx on the whole real line: erfcx(-y) = 2 e^(y^2) - erfcx(y).
double erfcx_signed(double y) {
  return y >= 0 ? math::erfcx_branchy(y) : 2.0 * exp(y * y) - math::erfcx_branchy(-y);
}

// Inverse of Phi: Wichura's AS241 (PPND16), accurate to about 1e-16.
double inverse_norm_cdf(double u) {
  if (u <= 0) return -kDblMax;
  if (u >= 1) return kDblMax;
  const double q = u - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q *
           (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r + 6.7265770927008700853e+4) * r +
                4.5921953931549871457e+4) * r + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r +
             1.3314166789178437745e+2) * r + 3.3871328727963666080e0) /
           (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r + 3.9307895800092710610e+4) * r +
                2.1213794301586595867e+4) * r + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r +
             4.2313330701600911252e+1) * r + 1.0);
  }
  double r = std::sqrt(-log(q < 0 ? u : 1.0 - u));
  double ret;
  if (r < 5.0) {
    r -= 1.6;
    ret = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r + 2.41780725177450611770e-1) * r +
               1.27045825245236838258e0) * r + 3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r +
            4.63033784615654529590e0) * r + 1.42343711074968357734e0) /
          (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r + 1.51986665636164571966e-2) * r +
               1.48103976427480074590e-1) * r + 6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r +
            2.05319162663775882187e0) * r + 1.0);
  } else {
    r -= 5.0;
    ret = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 1.24266094738807843860e-3) * r +
               2.65321895265761230930e-2) * r + 2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r +
            5.46378491116411436990e0) * r + 6.65790464350110377720e0) /
          (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r + 1.84631831751005468180e-5) * r +
               7.86869131145613259100e-4) * r + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r +
            5.99832206555887937690e-1) * r + 1.0);
  }
  return q < 0 ? -ret : ret;
}

// ---- rational cubic interpolation (Delbourgo & Gregory 1985), as in Jäckel's rationalcubic.cpp
constexpr double kMinimumRationalCubicControlParameter = -(1.0 - 1.4901161193847656e-08);  // -(1 - sqrt(eps))
constexpr double kMaximumRationalCubicControlParameter = 2.0 / (kDblEpsilon * kDblEpsilon);

bool is_zero(double x) { return std::fabs(x) < kDblMin; }

double rational_cubic_interpolation(double x, double x_l, double x_r, double y_l, double y_r, double d_l, double d_r,
                                    double r) {
  const double h = x_r - x_l;
  if (std::fabs(h) <= 0) return 0.5 * (y_l + y_r);
  const double t = (x - x_l) / h;
  if (!(r >= kMaximumRationalCubicControlParameter)) {
    const double omt = 1 - t, t2 = t * t, omt2 = omt * omt;
    return (y_r * t2 * t + (r * y_r - h * d_r) * t2 * omt + (r * y_l + h * d_l) * t * omt2 + y_l * omt2 * omt) /
           (1 + (r - 3) * t * omt);
  }
  return y_r * t + y_l * (1 - t);  // linear, without over- or underflow
}

// The control parameter r that makes the interpolant's second derivative match at the left
// (or right) end; Delbourgo & Gregory's formula, clamped when the denominator vanishes.
double control_parameter_to_fit_second_derivative(double x_l, double x_r, double y_l, double y_r, double d_l,
                                                  double d_r, double second_derivative, bool left_side) {
  const double h = x_r - x_l, numerator = 0.5 * h * second_derivative + (d_r - d_l);
  if (is_zero(numerator)) return 0;
  const double denominator = left_side ? (y_r - y_l) / h - d_l : d_r - (y_r - y_l) / h;
  if (is_zero(denominator))
    return numerator > 0 ? kMaximumRationalCubicControlParameter : kMinimumRationalCubicControlParameter;
  return numerator / denominator;
}

double minimum_rational_cubic_control_parameter(double d_l, double d_r, double s, bool prefer_shape_preservation) {
  const bool monotonic = d_l * s >= 0 && d_r * s >= 0, convex = d_l <= s && s <= d_r, concave = d_l >= s && s >= d_r;
  if (!monotonic && !convex && !concave) return kMinimumRationalCubicControlParameter;
  const double d_r_m_d_l = d_r - d_l, d_r_m_s = d_r - s, s_m_d_l = s - d_l;
  double r1 = -kDblMax, r2 = r1;
  if (monotonic) {
    if (!is_zero(s))
      r1 = (d_r + d_l) / s;
    else if (prefer_shape_preservation)
      r1 = kMaximumRationalCubicControlParameter;
  }
  if (convex || concave) {
    if (!(is_zero(s_m_d_l) || is_zero(d_r_m_s)))
      r2 = std::max(std::fabs(d_r_m_d_l / d_r_m_s), std::fabs(d_r_m_d_l / s_m_d_l));
    else if (prefer_shape_preservation)
      r2 = kMaximumRationalCubicControlParameter;
  } else if (monotonic && prefer_shape_preservation) {
    r2 = kMaximumRationalCubicControlParameter;
  }
  return std::max(kMinimumRationalCubicControlParameter, std::max(r1, r2));
}

double convex_control_parameter(double x_l, double x_r, double y_l, double y_r, double d_l, double d_r,
                                double second_derivative, bool prefer_shape_preservation, bool left_side) {
  const double r =
      control_parameter_to_fit_second_derivative(x_l, x_r, y_l, y_r, d_l, d_r, second_derivative, left_side);
  const double r_min =
      minimum_rational_cubic_control_parameter(d_l, d_r, (y_r - y_l) / (x_r - x_l), prefer_shape_preservation);
  return std::max(r, r_min);
}
double convex_control_parameter_left(double x_l, double x_r, double y_l, double y_r, double d_l, double d_r,
                                     double second_derivative_l, bool prefer_shape_preservation) {
  return convex_control_parameter(x_l, x_r, y_l, y_r, d_l, d_r, second_derivative_l, prefer_shape_preservation, true);
}
double convex_control_parameter_right(double x_l, double x_r, double y_l, double y_r, double d_l, double d_r,
                                      double second_derivative_r, bool prefer_shape_preservation) {
  return convex_control_parameter(x_l, x_r, y_l, y_r, d_l, d_r, second_derivative_r, prefer_shape_preservation, false);
}

// ---- normalised Black function
double householder_factor(double newton, double halley, double hh3) {
  return (1 + 0.5 * halley * newton) / (1 + newton * (halley + hh3 * newton * (1.0 / 6.0)));
}

double normalised_intrinsic(double x, double q) {
  if (q * x <= 0) return 0;
  const double x2 = x * x;
  if (x2 < 98 * kFourthRootDblEpsilon)  // series of 2 sinh(x/2); 98 = (92897280)^(1/4)
    return std::fabs(std::max((q < 0 ? -1 : 1) * x *
                                  (1 + x2 * ((1.0 / 24.0) +
                                             x2 * ((1.0 / 1920.0) + x2 * ((1.0 / 322560.0) + (1.0 / 92897280.0) * x2)))),
                              0.0));
  const double b_max = exp(0.5 * x), one_over_b_max = 1 / b_max;
  return std::fabs(std::max((q < 0 ? -1 : 1) * (b_max - one_over_b_max), 0.0));
}

double normalised_intrinsic_call(double x) { return normalised_intrinsic(x, 1); }

// Region 1: asymptotic expansion for h << 0 (A&S 26.2.12), 17th order in q = (h/r)^2.
double asymptotic_expansion_of_normalised_black_call(double h, double t) {
  const double e = (t / h) * (t / h), r = ((h + t) * (h - t)), q = (h / r) * (h / r);
  const double sum =
      (2.0 + q * (-6.0E0 - 2.0 * e + 3.0 * q * (1.0E1 + e * (2.0E1 + 2.0 * e) + 5.0 * q * (-1.4E1 + e * (-7.0E1 + e * (-4.2E1 - 2.0 * e)) + 7.0 * q * (1.8E1 + e * (1.68E2 + e * (2.52E2 + e * (7.2E1 + 2.0 * e))) + 9.0 * q * (-2.2E1 + e * (-3.3E2 + e * (-9.24E2 + e * (-6.6E2 + e * (-1.1E2 - 2.0 * e)))) + 1.1E1 * q * (2.6E1 + e * (5.72E2 + e * (2.574E3 + e * (3.432E3 + e * (1.43E3 + e * (1.56E2 + 2.0 * e))))) + 1.3E1 * q * (-3.0E1 + e * (-9.1E2 + e * (-6.006E3 + e * (-1.287E4 + e * (-1.001E4 + e * (-2.73E3 + e * (-2.1E2 - 2.0 * e)))))) + 1.5E1 * q * (3.4E1 + e * (1.36E3 + e * (1.2376E4 + e * (3.8896E4 + e * (4.862E4 + e * (2.4752E4 + e * (4.76E3 + e * (2.72E2 + 2.0 * e))))))) + 1.7E1 * q * (-3.8E1 + e * (-1.938E3 + e * (-2.3256E4 + e * (-1.00776E5 + e * (-1.84756E5 + e * (-1.51164E5 + e * (-5.4264E4 + e * (-7.752E3 + e * (-3.42E2 - 2.0 * e)))))))) + 1.9E1 * q * (4.2E1 + e * (2.66E3 + e * (4.0698E4 + e * (2.3256E5 + e * (5.8786E5 + e * (7.05432E5 + e * (4.0698E5 + e * (1.08528E5 + e * (1.197E4 + e * (4.2E2 + 2.0 * e))))))))) + 2.1E1 * q * (-4.6E1 + e * (-3.542E3 + e * (-6.7298E4 + e * (-4.90314E5 + e * (-1.63438E6 + e * (-2.704156E6 + e * (-2.288132E6 + e * (-9.80628E5 + e * (-2.01894E5 + e * (-1.771E4 + e * (-5.06E2 - 2.0 * e)))))))))) + 2.3E1 * q * (5.0E1 + e * (4.6E3 + e * (1.0626E5 + e * (9.614E5 + e * (4.08595E6 + e * (8.9148E6 + e * (1.04006E7 + e * (6.53752E6 + e * (2.16315E6 + e * (3.542E5 + e * (2.53E4 + e * (6.0E2 + 2.0 * e))))))))))) + 2.5E1 * q * (-5.4E1 + e * (-5.85E3 + e * (-1.6146E5 + e * (-1.77606E6 + e * (-9.37365E6 + e * (-2.607579E7 + e * (-4.01166E7 + e * (-3.476772E7 + e * (-1.687257E7 + e * (-4.44015E6 + e * (-5.9202E5 + e * (-3.51E4 + e * (-7.02E2 - 2.0 * e)))))))))))) + 2.7E1 * q * (5.8E1 + e * (7.308E3 + e * (2.3751E5 + e * (3.12156E6 + e * (2.003001E7 + e * (6.919458E7 + e * (1.3572783E8 + e * (1.5511752E8 + e * (1.0379187E8 + e * (4.006002E7 + e * (8.58429E6 + e * (9.5004E5 + e * (4.7502E4 + e * (8.12E2 + 2.0 * e))))))))))))) + 2.9E1 * q * (-6.2E1 + e * (-8.99E3 + e * (-3.39822E5 + e * (-5.25915E6 + e * (-4.032015E7 + e * (-1.6934463E8 + e * (-4.1250615E8 + e * (-6.0108039E8 + e * (-5.3036505E8 + e * (-2.8224105E8 + e * (-8.870433E7 + e * (-1.577745E7 + e * (-1.472562E6 + e * (-6.293E4 + e * (-9.3E2 - 2.0 * e)))))))))))))) + 3.1E1 * q * (6.6E1 + e * (1.0912E4 + e * (4.74672E5 + e * (8.544096E6 + e * (7.71342E7 + e * (3.8707344E8 + e * (1.14633288E9 + e * (2.07431664E9 + e * (2.33360622E9 + e * (1.6376184E9 + e * (7.0963464E8 + e * (1.8512208E8 + e * (2.7768312E7 + e * (2.215136E6 + e * (8.184E4 + e * (1.056E3 + 2.0 * e))))))))))))))) + 3.3E1 * (-7.0E1 + e * (-1.309E4 + e * (-6.49264E5 + e * (-1.344904E7 + e * (-1.4121492E8 + e * (-8.344518E8 + e * (-2.9526756E9 + e * (-6.49588632E9 + e * (-9.0751353E9 + e * (-8.1198579E9 + e * (-4.6399188E9 + e * (-1.6689036E9 + e * (-3.67158792E8 + e * (-4.707164E7 + e * (-3.24632E6 + e * (-1.0472E5 + e * (-1.19E3 - 2.0 * e))))))))))))))))) * q)))))))))))))))));
  const double b = math::kInvSqrt2Pi * exp(-0.5 * (h * h + t * t)) * (t / r) * sum;
  return std::fabs(std::max(b, 0.0));
}

// Region 2: small-t expansion of Y(h+t) - Y(h-t) to 12th order in t.
// e = e^(-(h^2+t^2)/2), which normalised_vega_impl() shares.
double small_t_expansion_of_normalised_black_call(double h, double t, double e) {
  const double a = 1 + h * math::kSqrtPiOver2 * erfcx_signed(-math::kInvSqrt2 * h);
  const double b = math::kInvSqrt2Pi * e * math::small_t_expansion(a, h * h, t);
  return std::fabs(std::max(b, 0.0));
}

// Region 3: b dominated by its first term (h + t > 0.85).
double normalised_black_call_using_norm_cdf(double x, double s) {
  const double h = x / s, t = 0.5 * s, b_max = exp(0.5 * x);
  const double b = norm_cdf(h + t) * b_max - norm_cdf(h - t) / b_max;
  return std::fabs(std::max(b, 0.0));
}

// Region 4: one exponential (e, as for region 2) and a difference of two erfcx rationals.
double normalised_black_call_using_erfcx(double h, double t, double e) {
  const double b = 0.5 * e * (erfcx_signed(-math::kInvSqrt2 * (h + t)) - erfcx_signed(-math::kInvSqrt2 * (h - t)));
  return std::fabs(std::max(b, 0.0));
}

double normalised_vega_impl(double x, double s) {
  const double ax = std::fabs(x);
  if (ax <= 0) return math::kInvSqrt2Pi * exp(-0.125 * s * s);
  return s <= 0 || s <= ax * kSqrtDblMin ? 0 : math::kInvSqrt2Pi * exp(-0.5 * (square(x / s) + square(0.5 * s)));
}

struct BlackAndVega {
  double b, vega;
};

// b(x, s) of the call and, with kWithVega, dB/ds: regions 2 and 4 and the vega use the same
// exponential, e^(-(h^2+t^2)/2) (the very expression normalised_vega_impl() evaluates), so the
// solver, which needs both at every point, pays for it once. Same bits as separate calls.
template <bool kWithVega>
BlackAndVega normalised_black_call_and_vega(double x, double s) {
  if (x > 0) {  // in-the-money: parity (the vega is even in x)
    const BlackAndVega otm = normalised_black_call_and_vega<kWithVega>(-x, s);
    return {normalised_intrinsic_call(x) + otm.b, otm.vega};
  }
  const double ax = std::fabs(x);
  const auto vega = [&] { return kWithVega ? normalised_vega_impl(x, s) : 0.0; };
  if (s <= ax * kDenormalisationCutoff) return {normalised_intrinsic_call(x), vega()};
  // Region 1 when h < eta and t < tau + |h| - |eta|, written without divisions by s.
  if (x < s * kAsymptoticExpansionAccuracyThreshold &&
      0.5 * s * s + x < s * (kSmallTExpansionThreshold + kAsymptoticExpansionAccuracyThreshold))
    return {asymptotic_expansion_of_normalised_black_call(x / s, 0.5 * s), vega()};
  const bool small_t = 0.5 * s < kSmallTExpansionThreshold;
  if (!small_t && x + 0.5 * s * s > s * 0.85) return {normalised_black_call_using_norm_cdf(x, s), vega()};
  const double h = x / s, t = 0.5 * s, e = exp(-0.5 * (h * h + t * t));
  // normalised_vega_impl's special cases: x = 0 (its own expression) and underflow.
  const double v = !kWithVega ? 0.0 : (ax <= 0 || s <= 0 || s <= ax * kSqrtDblMin) ? vega() : math::kInvSqrt2Pi * e;
  return {small_t ? small_t_expansion_of_normalised_black_call(h, t, e) : normalised_black_call_using_erfcx(h, t, e), v};
}

double normalised_black_call(double x, double s) { return normalised_black_call_and_vega<false>(x, s).b; }

// ---- the transformed maps of the lowest and highest branches
struct MapValue {
  double f, fp, fpp;
};

MapValue f_lower_map_and_first_two_derivatives(double x, double s) {
  const double ax = std::fabs(x), z = kSqrtOneOverThree * ax / s, y = z * z, s2 = s * s;
  const double phi_cap = norm_cdf(-z), phi = norm_pdf(z);
  // e^(2y + s^2/4) as the square of e^(y + s^2/8): this only shapes the initial guess.
  const double e = exp(y + 0.125 * s * s);
  MapValue m;
  m.fpp = kPiOverSix * y / (s2 * s) * phi_cap *
          (8 * kSqrtThree * s * ax + (3 * s2 * (s2 - 8) - 8 * x * x) * phi_cap / phi) * (e * e);
  if (is_below_horizon(s)) {
    m.fp = 1;
    m.f = 0;
  } else {
    const double phi2 = phi_cap * phi_cap;
    m.fp = kTwoPi * y * phi2 * e;
    m.f = is_below_horizon(x) ? 0 : kTwoPiOverSqrtTwentySeven * ax * (phi2 * phi_cap);
  }
  return m;
}

double inverse_f_lower_map(double x, double f) {
  if (is_below_horizon(f)) return 0;
  const double cube_root = exp(log(f / (kTwoPiOverSqrtTwentySeven * std::fabs(x))) / 3.0);
  return std::fabs(x / (kSqrtThree * inverse_norm_cdf(cube_root)));
}

MapValue f_upper_map_and_first_two_derivatives(double x, double s) {
  MapValue m;
  m.f = norm_cdf(-0.5 * s);
  if (is_below_horizon(x)) {
    m.fp = -0.5;
    m.fpp = 0;
  } else {
    const double w = square(x / s);
    m.fp = -0.5 * exp(0.5 * w);
    m.fpp = math::kSqrtPiOver2 * exp(w + 0.125 * s * s) * w / s;
  }
  return m;
}

double inverse_f_upper_map(double f) { return -2.0 * inverse_norm_cdf(f); }

// Householder(3) with bracketing and the bisection fallback of the reference implementation.
struct Iteration {
  double s, ds = -kDblMax, ds_previous = 0, s_left = kDblMin, s_right = kDblMax;
  int iterations = 0, direction_reversal_count = 0;

  // Returns false when the bracket has collapsed (converged).
  bool guard() {
    if (ds * ds_previous < 0) ++direction_reversal_count;
    if (iterations > 0 && (direction_reversal_count == 3 || !(s > s_left && s < s_right))) {
      s = 0.5 * (s_left + s_right);
      if (s_right - s_left <= kDblEpsilon * s) return false;
      direction_reversal_count = 0;
      ds = 0;
    }
    ds_previous = ds;
    return true;
  }
  void tighten(double b, double beta) {
    if (b > beta && s < s_right)
      s_right = s;
    else if (b < beta && s > s_left)
      s_left = s;
  }
  bool running() const { return iterations < kMaxIterations && std::fabs(ds) > kDblEpsilon * s; }
  void step() {
    ds = std::max(-0.5 * s, ds);
    s += ds;
    ++iterations;
  }
};

// beta: normalised out-of-the-money call price, x <= 0. Checked by the caller: 0 < beta < b_max.
// b_max_otm: e^(x/2) of the out-of-the-money call it maps to when the caller has it (else NaN).
double unchecked_normalised_implied_vol(double beta, double x, double q, double b_max_otm) {
  if (q * x > 0) {  // subtract intrinsic, map to out-of-the-money
    beta = std::fabs(std::max(beta - normalised_intrinsic(x, q), 0.0));
    q = -q;
  }
  if (q < 0) {  // puts to calls (reciprocal strike)
    x = -x;
    q = -q;
  }
  const double b_max = std::isnan(b_max_otm) ? exp(0.5 * x) : b_max_otm;
  Iteration it;
  it.s = -kDblMax;
  const double s_c = std::sqrt(std::fabs(2 * x));
  const auto [b_c, v_c] = normalised_black_call_and_vega<true>(x, s_c);

  if (beta < b_c) {
    const double s_l = s_c - b_c / v_c;
    const double b_l = normalised_black_call(x, s_l);
    if (beta < b_l) {
      const MapValue m = f_lower_map_and_first_two_derivatives(x, s_l);
      const double r_ll = convex_control_parameter_right(0., b_l, 0., m.f, 1., m.fp, m.fpp, true);
      double f = rational_cubic_interpolation(beta, 0., b_l, 0., m.f, 1., m.fp, r_ll);
      if (!(f > 0)) {  // round-off for extreme |x|: quadratic through f(0)=0, f(b_l), f'(0)=1
        const double t = beta / b_l;
        f = (m.f * t + b_l * (1 - t)) * t;
      }
      it.s = inverse_f_lower_map(x, f);
      it.s_right = s_l;
      // Objective g(s) = 1/ln(b(s)) - 1/ln(beta).
      const double ln_beta = log(beta), inv_ln_beta = 1 / ln_beta;
      for (; it.running(); it.step()) {
        if (!it.guard()) break;
        const auto [b, bp] = normalised_black_call_and_vega<true>(x, it.s);
        it.tighten(b, beta);
        if (b <= 0 || bp <= 0) {  // underflow: bisect this iteration
          it.ds = 0.5 * (it.s_left + it.s_right) - it.s;
        } else {
          // One division per reciprocal; the step's rounding does not reach the root.
          const double ln_b = log(b), bpob = bp / b, inv_s = 1 / it.s, h = x * inv_s, inv_ln_b = 1 / ln_b;
          const double b_halley = h * h * inv_s - it.s * 0.25;
          const double newton = (ln_beta - ln_b) * ln_b * inv_ln_beta / bpob;
          const double halley = b_halley - bpob * (1 + 2 * inv_ln_b);
          const double b_hh3 = b_halley * b_halley - 3 * square(h * inv_s) - 0.25;
          const double hh3 = b_hh3 + 2 * square(bpob) * (1 + 3 * inv_ln_b * (1 + inv_ln_b)) -
                             3 * b_halley * bpob * (1 + 2 * inv_ln_b);
          it.ds = newton * householder_factor(newton, halley, hh3);
        }
      }
      return it.s;
    }
    const double v_l = normalised_vega_impl(x, s_l);
    const double r_lm = convex_control_parameter_right(b_l, b_c, s_l, s_c, 1 / v_l, 1 / v_c, 0.0, false);
    it.s = rational_cubic_interpolation(beta, b_l, b_c, s_l, s_c, 1 / v_l, 1 / v_c, r_lm);
    it.s_left = s_l;
    it.s_right = s_c;
  } else {
    const double s_h = v_c > kDblMin ? s_c + (b_max - b_c) / v_c : s_c;
    const double b_h = normalised_black_call(x, s_h);
    if (beta <= b_h) {
      const double v_h = normalised_vega_impl(x, s_h);
      const double r_hm = convex_control_parameter_left(b_c, b_h, s_c, s_h, 1 / v_c, 1 / v_h, 0.0, false);
      it.s = rational_cubic_interpolation(beta, b_c, b_h, s_c, s_h, 1 / v_c, 1 / v_h, r_hm);
      it.s_left = s_c;
      it.s_right = s_h;
    } else {
      const MapValue m = f_upper_map_and_first_two_derivatives(x, s_h);
      double f = 0;
      if (m.fpp > -kSqrtDblMax && m.fpp < kSqrtDblMax) {
        const double r_hh = convex_control_parameter_left(b_h, b_max, m.f, 0., m.fp, -0.5, m.fpp, true);
        f = rational_cubic_interpolation(beta, b_h, b_max, m.f, 0., m.fp, -0.5, r_hh);
      }
      if (f <= 0) {  // quadratic through f(b_h), f(b_max)=0, f'(b_max)=-1/2
        const double h = b_max - b_h, t = (beta - b_h) / h;
        f = (m.f * (1 - t) + 0.5 * h * t) * (1 - t);
      }
      it.s = inverse_f_upper_map(f);
      it.s_left = s_h;
      if (beta > 0.5 * b_max) {
        // Objective g(s) = ln(b_max - beta) - ln(b_max - b(s)).
        for (; it.running(); it.step()) {
          if (!it.guard()) break;
          const auto [b, bp] = normalised_black_call_and_vega<true>(x, it.s);
          it.tighten(b, beta);
          if (b >= b_max || bp <= kDblMin) {
            it.ds = 0.5 * (it.s_left + it.s_right) - it.s;
          } else {
            const double b_max_minus_b = b_max - b;
            const double g = log((b_max - beta) / b_max_minus_b), gp = bp / b_max_minus_b;
            const double inv_s = 1 / it.s, h = x * inv_s;
            const double b_halley = h * h * inv_s - it.s * 0.25;
            const double b_hh3 = b_halley * b_halley - 3 * square(h * inv_s) - 0.25;
            const double newton = -g / gp, halley = b_halley + gp, hh3 = b_hh3 + gp * (2 * gp + 3 * b_halley);
            it.ds = newton * householder_factor(newton, halley, hh3);
          }
        }
        return it.s;
      }
    }
  }
  // Middle branches: g(s) = b(s) - beta.
  for (; it.running(); it.step()) {
    if (!it.guard()) break;
    const auto [b, bp] = normalised_black_call_and_vega<true>(x, it.s);
    it.tighten(b, beta);
    const double newton = (beta - b) / bp;
    const double inv_s = 1 / it.s, h = x * inv_s;  // the step's rounding does not reach the root
    const double halley = h * h * inv_s - it.s * 0.25;
    const double hh3 = halley * halley - 3 * square(h * inv_s) - 0.25;
    it.ds = newton * householder_factor(newton, halley, hh3);
  }
  return it.s;
}

}  // namespace

double normalised_black(double x, double s, double theta) noexcept {
  return normalised_black_call(theta < 0 ? -x : x, s);  // reciprocal-strike call-put equivalence
}

double normalised_vega(double x, double s) noexcept { return normalised_vega_impl(x, s); }

Result<double, Errc> normalised_implied_vol(double beta, double x, double theta) noexcept {
  if (std::isnan(beta) || std::isnan(x) || std::isnan(theta)) return fail(Errc::pricing_nan_input);
  if (!std::isfinite(x) || !std::isfinite(beta) || beta < 0) return fail(Errc::pricing_invalid_input);
  // A put on x is a call on -x (reciprocal strike): map first, so the intrinsic value is the
  // very expression normalised_black_call() adds, to the bit.
  if (theta < 0) x = -x;
  const double intrinsic = normalised_intrinsic_call(x);
  if (beta < intrinsic) return fail(Errc::pricing_below_intrinsic);
  const double time_value = beta - intrinsic;
  if (beta >= exp(0.5 * x) && time_value > 0) return fail(Errc::pricing_above_bound);
  if (!(time_value > 0) || time_value < kDblMin) return fail(Errc::pricing_not_identifiable);
  return unchecked_normalised_implied_vol(beta, x, 1.0, std::numeric_limits<double>::quiet_NaN());
}

namespace {

// The option as (x = ln(F/K), K): every bound and the normalisation come from the accurate x,
// as in the pricing kernel, so a price from the kernel maps back without a rounded F.
Result<double, Errc> implied_vol_of_undiscounted(double q, double price, double x, double strike, double expiry) {
  const double intrinsic = q * x > 0 ? std::max(q * strike * math::expm1(x), 0.0) : 0.0;
  // Within a few ulp of the intrinsic value the price carries no time value: rounding, not a
  // quote below intrinsic.
  const double at_intrinsic = 4 * kDblEpsilon * intrinsic;
  if (price < intrinsic - at_intrinsic) return fail(Errc::pricing_below_intrinsic);
  const double time_value = price - intrinsic;
  const double half = exp(0.5 * x);  // sqrt(F/K)
  if (price >= (q > 0 ? strike * half * half : strike) && time_value > at_intrinsic)
    return fail(Errc::pricing_above_bound);
  // Normalise the out-of-the-money equivalent: time value / sqrt(F K); the intrinsic value is
  // subtracted exactly in price space rather than in normalised space.
  const double beta = time_value / (strike * half);
  if (!(time_value > at_intrinsic) || beta < kDblMin) return fail(Errc::pricing_not_identifiable);
  const double q_otm = q * x > 0 ? -q : q;
  const double b_max = q_otm < 0 ? exp(-0.5 * x) : half;  // of the out-of-the-money call
  if (beta >= b_max) return fail(Errc::pricing_above_bound);
  return unchecked_normalised_implied_vol(beta, x, q_otm, b_max) / std::sqrt(expiry);
}

// price / e^(-rT); at r = 0 (Deribit's) e^0 is 1 exactly, so skipping it changes no bit.
double undiscounted(double price, double rate, double expiry) {
  return rate == 0 ? price : price / exp(-rate * expiry);
}

Errc check_iv_inputs(std::initializer_list<double> in, double price, double underlying, double strike,
                     double expiry) {
  for (double d : in)
    if (std::isnan(d)) return Errc::pricing_nan_input;
  if (!(expiry > 0)) return Errc::pricing_zero_time;
  for (double d : in)
    if (!std::isfinite(d)) return Errc::pricing_invalid_input;
  if (!(underlying > 0) || !(strike > 0) || price < 0) return Errc::pricing_invalid_input;
  return Errc::ok;
}

// ---- bounded form
//
// Error analysis (u = 2^-53, eps = 2u). The kernel prices V = fl(fl(df K) fl(fl(m b) + d)) with
// d = expm1(x) and m b the out-of-the-money term; the solver divides by the same df (same exp,
// same bits) and subtracts I = fl(K d) from the same x. So the time value it sees, P/df - I
// (exact by Sterbenz), differs from the kernel's exact K m b by at most 2u P (the sum and the
// product) + u I at rate 0, and 4u P + u I otherwise (df K and the division): 1.5 and 2.5 eps of
// the undiscounted price, allowed for as 2 and 3. The relative error of b itself (a few ulp of the
// time value) is allowed for as 8 eps of it.
constexpr double kRoundingEpsAtZeroRate = 2.0;
constexpr double kRoundingEpsDiscounted = 3.0;
// Beyond this relative perturbation of the time value (times the curvature of b), the first-order
// uncertainty delta / vega is replaced by solving at both ends.
constexpr double kLinearLimit = 0x1p-10;

// unchecked_normalised_implied_vol() on a time value in price units: 0 when it underflows (the
// lower end of an interval), +inf at or above the bound.
double solve_time_value(double time_value, double scale, double x, double q_otm, double b_max) {
  const double beta = time_value / scale;
  if (!(beta >= kDblMin)) return 0;
  if (beta >= b_max) return INFINITY;
  return unchecked_normalised_implied_vol(beta, x, q_otm, b_max);
}

// price_uncertainty: the caller's, already undiscounted.
Result<ImpliedVol, Errc> bounded_of_undiscounted(double q, double price, double x, double strike, double expiry,
                                                 double rounding_eps, double max_uncertainty, double price_uncertainty) {
  // The checks and the normalisation of implied_vol_of_undiscounted(), in the same order.
  const double intrinsic = q * x > 0 ? std::max(q * strike * math::expm1(x), 0.0) : 0.0;
  const double at_intrinsic = 4 * kDblEpsilon * intrinsic;
  if (price < intrinsic - at_intrinsic) return fail(Errc::pricing_below_intrinsic);
  const double time_value = price - intrinsic;
  const double half = exp(0.5 * x);
  if (price >= (q > 0 ? strike * half * half : strike) && time_value > at_intrinsic)
    return fail(Errc::pricing_above_bound);
  const double scale = strike * half;
  const double beta = time_value / scale;
  const double q_otm = q * x > 0 ? -q : q;
  const double b_max = q_otm < 0 ? exp(-0.5 * x) : half;
  if (beta >= b_max && time_value > at_intrinsic) return fail(Errc::pricing_above_bound);
  if (!(max_uncertainty >= 0) || !(price_uncertainty >= 0) || !std::isfinite(price_uncertainty))
    return fail(Errc::pricing_invalid_input);

  const double delta =
      rounding_eps * kDblEpsilon * price + 8 * kDblEpsilon * std::max(time_value, 0.0) + price_uncertainty;
  const double sqrt_t = std::sqrt(expiry);
  double s = 0, u = 0;
  if (time_value > 0 && beta >= kDblMin) {
    // The plain solver's answer, to the bit.
    s = unchecked_normalised_implied_vol(beta, x, q_otm, b_max);
    const double v = normalised_vega_impl(x, s);
    const double solver = 10 * kDblEpsilon * (s + beta / v);
    // ds = delta/b' (1 + r c2 / 2 + ...), r = delta / time value, c2 = |b'' b / b'^2| with
    // b''/b' = x^2/s^3 - s/4 (d ln vega / ds).
    const double r = delta / time_value, c2 = std::fabs(x * x / (s * s * s) - 0.25 * s) * beta / v;
    if (v > 0 && r * c2 <= kLinearLimit) {
      u = delta / scale / v * (1 + r * c2) + solver;
    } else {
      const double lo = solve_time_value(time_value - delta, scale, x, q_otm, b_max);
      const double hi = solve_time_value(time_value + delta, scale, x, q_otm, b_max);
      u = std::max(s - lo, hi - s) + solver;
    }
  } else {
    // No representable time value: the interval is [0, the upper end].
    const double hi = solve_time_value(time_value + delta, scale, x, q_otm, b_max);
    if (!(hi > 0)) return fail(Errc::pricing_not_identifiable);
    const double v = normalised_vega_impl(x, hi);
    s = 0.5 * hi;
    u = 0.5 * hi + 10 * kDblEpsilon * (hi + (time_value + delta) / scale / v);
  }
  const ImpliedVol out{s / sqrt_t, u / sqrt_t};
  if (!(out.uncertainty <= max_uncertainty)) return fail(Errc::pricing_not_identifiable);
  return out;
}

}  // namespace

Result<double, Errc> implied_vol_black76(OptionType type, double price, double forward, double strike, double expiry,
                                         double rate) noexcept {
  if (const Errc e = check_iv_inputs({price, forward, strike, expiry, rate}, price, forward, strike, expiry);
      e != Errc::ok)
    return fail(e);
  return implied_vol_of_undiscounted(type == OptionType::call ? 1.0 : -1.0, undiscounted(price, rate, expiry),
                                     math::log_ratio(forward, strike), strike, expiry);
}

Result<double, Errc> implied_vol_bsm(OptionType type, double price, double spot, double strike, double expiry,
                                     double rate, double dividend) noexcept {
  if (const Errc e = check_iv_inputs({price, spot, strike, expiry, rate, dividend}, price, spot, strike, expiry);
      e != Errc::ok)
    return fail(e);
  return implied_vol_of_undiscounted(type == OptionType::call ? 1.0 : -1.0, undiscounted(price, rate, expiry),
                                     math::log_ratio(spot, strike) + (rate - dividend) * expiry, strike, expiry);
}

Result<double, Errc> implied_vol(const OptionSpec& spec, double price) noexcept {
  return spec.model == Model::bsm
             ? implied_vol_bsm(spec.type, price, spec.underlying, spec.strike, spec.expiry, spec.rate, spec.dividend)
             : implied_vol_black76(spec.type, price, spec.underlying, spec.strike, spec.expiry, spec.rate);
}

Result<ImpliedVol, Errc> implied_vol_black76_bounded(OptionType type, double price, double forward, double strike,
                                                     double expiry, double rate, double max_uncertainty,
                                                     double price_uncertainty) noexcept {
  if (const Errc e = check_iv_inputs({price, forward, strike, expiry, rate}, price, forward, strike, expiry);
      e != Errc::ok)
    return fail(e);
  return bounded_of_undiscounted(type == OptionType::call ? 1.0 : -1.0, undiscounted(price, rate, expiry),
                                 math::log_ratio(forward, strike), strike, expiry,
                                 rate == 0 ? kRoundingEpsAtZeroRate : kRoundingEpsDiscounted, max_uncertainty,
                                 undiscounted(price_uncertainty, rate, expiry));
}

Result<ImpliedVol, Errc> implied_vol_bsm_bounded(OptionType type, double price, double spot, double strike,
                                                 double expiry, double rate, double dividend,
                                                 double max_uncertainty, double price_uncertainty) noexcept {
  if (const Errc e = check_iv_inputs({price, spot, strike, expiry, rate, dividend}, price, spot, strike, expiry);
      e != Errc::ok)
    return fail(e);
  return bounded_of_undiscounted(type == OptionType::call ? 1.0 : -1.0, undiscounted(price, rate, expiry),
                                 math::log_ratio(spot, strike) + (rate - dividend) * expiry, strike, expiry,
                                 rate == 0 ? kRoundingEpsAtZeroRate : kRoundingEpsDiscounted, max_uncertainty,
                                 undiscounted(price_uncertainty, rate, expiry));
}

Result<ImpliedVol, Errc> implied_vol_bounded(const OptionSpec& spec, double price, double max_uncertainty,
                                             double price_uncertainty) noexcept {
  return spec.model == Model::bsm
             ? implied_vol_bsm_bounded(spec.type, price, spec.underlying, spec.strike, spec.expiry, spec.rate,
                                       spec.dividend, max_uncertainty, price_uncertainty)
             : implied_vol_black76_bounded(spec.type, price, spec.underlying, spec.strike, spec.expiry, spec.rate,
                                           max_uncertainty, price_uncertainty);
}

}  // namespace strike::pricing
