// math.hpp against __float128 references, and the branchy scalar forms against the
// branch-free ones bit for bit.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <quadmath.h>

#include "pricing/math.hpp"

namespace strike::pricing::math {
namespace {

using quad = __float128;
double rel(double v, quad ref) { return (double)fabsq((quad(v) - ref) / ref); }
constexpr double kUlp = 2.220446049250313e-16;

quad erfcx_ref(double y) {
  if (y < 100) return expq(quad(y) * y) * erfcq(quad(y));
  const quad z = 1 / (quad(y) * y);
  return 1 / (sqrtq(acosq(quad(-1))) * y) * (1 - z / 2 + 3 * z * z / 4 - 15 * z * z * z / 8 + 105 * z * z * z * z / 16);
}

TEST(Math, ExpIsWithinOneUlpOverTheNormalRange) {
  double worst = 0;
  for (double x = -708; x < 709; x += 0.0173) worst = std::max(worst, rel(exp(x), expq(quad(x))));
  std::printf("exp: worst %.2f ulp\n", worst / kUlp);
  EXPECT_LT(worst, 1.0 * kUlp);
  EXPECT_EQ(exp(-800), 0.0);
  EXPECT_EQ(exp(800), INFINITY);
  EXPECT_GT(exp(-740), 0.0);  // subnormal results are produced, not flushed
}

TEST(Math, ExpMinusHalfSquareKeepsItsAccuracyForLargeArguments) {
  double worst = 0;
  for (double z = -37; z < 37; z += 0.00731) worst = std::max(worst, rel(exp_minus_half_square(z), expq(-quad(z) * z / 2)));
  std::printf("exp(-z^2/2): worst %.2f ulp\n", worst / kUlp);
  EXPECT_LT(worst, 2.0 * kUlp);
}

TEST(Math, LogAndLogRatioAreWithinOneUlp) {
  double worst = 0, worst_ratio = 0, worst_m1 = 0;
  for (double x = 1e-300; x < 1e300; x *= 1.0173) worst = std::max(worst, rel(log(x), logq(quad(x))));
  // Near the money: ln(a/b) for a/b within 1e-8 of 1, where log(a/b) alone loses digits.
  for (double d = 1e-12; d < 0.5; d *= 1.01) {
    const double a = 100.0 * (1 + d), b = 100.0;
    worst_ratio = std::max(worst_ratio, rel(log_ratio(a, b), logq(quad(a) / quad(b))));
    worst_m1 = std::max(worst_m1, rel(expm1(d), expm1q(quad(d))));
    worst_m1 = std::max(worst_m1, rel(expm1(-d), expm1q(-quad(d))));
  }
  std::printf("log: %.2f ulp, log_ratio near 1: %.2f ulp, expm1: %.2f ulp\n", worst / kUlp, worst_ratio / kUlp,
              worst_m1 / kUlp);
  EXPECT_LT(worst, 1.0 * kUlp);
  EXPECT_LT(worst_ratio, 4.0 * kUlp);
  EXPECT_LT(worst_m1, 2.0 * kUlp);
}

TEST(Math, ErfcxAndNormCdfAreWithinAFewUlp) {
  double worst = 0, worst_cdf = 0;
  for (double y = 0; y < 1e9; y = y < 10 ? y + 3e-4 : y * 1.003) worst = std::max(worst, rel(erfcx(y), erfcx_ref(y)));
  for (double z = -37.5; z < 8; z += 0.000731) {
    const quad ref = erfcq(-quad(z) / sqrtq(quad(2))) / 2;
    worst_cdf = std::max(worst_cdf, rel(norm_cdf(z), ref));
  }
  std::printf("erfcx: worst %.2f ulp; norm_cdf: worst %.2f ulp relative\n", worst / kUlp, worst_cdf / kUlp);
  EXPECT_LT(worst, 4.0 * kUlp);
  EXPECT_LT(worst_cdf, 8.0 * kUlp);
}

TEST(Math, BranchyScalarFormsGiveTheSameBitsAsTheBranchFreeOnes) {
  for (double y = 0; y < 50; y += 0.000917) {
    ASSERT_EQ(std::bit_cast<std::uint64_t>(erfcx(y)), std::bit_cast<std::uint64_t>(erfcx_branchy(y))) << y;
    ASSERT_EQ(std::bit_cast<std::uint64_t>(norm_cdf(y - 25)), std::bit_cast<std::uint64_t>(norm_cdf_branchy(y - 25)))
        << y - 25;
    ASSERT_EQ(std::bit_cast<std::uint64_t>(norm_pdf(y - 25)), std::bit_cast<std::uint64_t>(norm_pdf_branchy(y - 25)))
        << y - 25;
  }
  // exp across the whole range, subnormal results and overflow included.
  for (double x = -760; x < 720; x += 0.00731)
    ASSERT_EQ(std::bit_cast<std::uint64_t>(exp(x)), std::bit_cast<std::uint64_t>(exp_branchy(x))) << x;
}

}  // namespace
}  // namespace strike::pricing::math
