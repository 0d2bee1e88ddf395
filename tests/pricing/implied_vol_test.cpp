// Let's Be Rational: round trips to the attainable precision |ds| <= 10 eps (s + b/b'), the
// explicit status codes, and the deep wings where QuantLib's solvers fail.
#include <gtest/gtest.h>

#include <ql/pricingengines/blackformula.hpp>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <random>

#include "pricing/black.hpp"
#include "pricing/implied_vol.hpp"

namespace strike::pricing {
namespace {

constexpr std::uint64_t kSeed = 42;

TEST(ImpliedVol, NormalisedRoundTripIsWithinTenTimesTheAttainablePrecision) {
  std::mt19937_64 rng(kSeed);
  std::uniform_real_distribution<double> u(0, 1);
  int solved = 0, unidentifiable = 0;
  double worst = 0;
  for (int i = 0; i < 200'000; ++i) {
    const double s = std::exp(std::log(1e-5) + u(rng) * (std::log(9.0) - std::log(1e-5)));
    const double x = i % 4 == 0 ? (u(rng) * 2 - 1) * 5 : (u(rng) * 2 - 1) * 14 * s;  // to 14 sd in each wing
    const double theta = u(rng) < 0.5 ? 1.0 : -1.0;
    const double beta = normalised_black(x, s, theta);
    const auto iv = normalised_implied_vol(beta, x, theta);
    if (!iv.ok()) {
      // Only when no time value survives in double: beta is the intrinsic value to the last bit,
      // or the out-of-the-money value underflows.
      ASSERT_EQ(iv.error(), Errc::pricing_not_identifiable) << "x=" << x << " s=" << s << " beta=" << beta;
      ++unidentifiable;
      continue;
    }
    ++solved;
    const double vega = normalised_vega(x, s);
    const double attainable = DBL_EPSILON * (s + beta / vega);
    const double err = std::fabs(iv.value() - s);
    worst = std::max(worst, err / attainable);
    ASSERT_LE(err, 10 * attainable) << "seed " << kSeed << " case " << i << " x=" << x << " s=" << s
                                    << " theta=" << theta << " beta=" << beta << " got " << iv.value();
  }
  std::printf("solved %d, not identifiable %d, worst error %.2f x eps (s + b/b')\n", solved, unidentifiable, worst);
  EXPECT_GT(solved, 120'000);  // the rest: deep in the money, time value below the last bit
}

TEST(ImpliedVol, PriceRoundTripRecoversTheVolatilityOfTheKernelPrice) {
  std::mt19937_64 rng(kSeed + 1);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 50'000; ++i) {
    OptionSpec o;
    o.model = i % 2 ? Model::bsm : Model::black76;
    o.type = u(rng) < 0.5 ? OptionType::call : OptionType::put;
    o.underlying = 100 * std::exp(u(rng) * 6 - 3);
    o.expiry = std::exp(std::log(1.0 / 525600) + u(rng) * std::log(5.0 * 525600));
    o.vol = std::exp(std::log(0.01) + u(rng) * std::log(400.0));
    o.rate = 0.05 * u(rng);
    o.dividend = o.model == Model::bsm ? 0.03 * u(rng) : 0;
    o.strike = forward_of(o) * std::exp((u(rng) * 16 - 8) * o.vol * std::sqrt(o.expiry));
    const Greeks g = evaluate(o).value();
    const auto iv = implied_vol(o, g.price);
    if (!iv.ok()) {
      ASSERT_EQ(iv.error(), Errc::pricing_not_identifiable) << "case " << i;
      continue;
    }
    // The kernel's price carries its own rounding (a few 1e-16 relative): allow it through vega.
    const double tol = 10 * DBL_EPSILON * o.vol + 2e-13 * g.price / g.vega;
    ASSERT_NEAR(iv.value(), o.vol, tol) << "case " << i << " price " << g.price;
  }
}

TEST(ImpliedVol, EveryUnsolvableInputHasAnExplicitCode) {
  const double f = 100, k = 120, t = 0.5;
  EXPECT_EQ(implied_vol_black76(OptionType::call, std::nan(""), f, k, t).error(), Errc::pricing_nan_input);
  EXPECT_EQ(implied_vol_black76(OptionType::call, 1.0, std::nan(""), k, t).error(), Errc::pricing_nan_input);
  EXPECT_EQ(implied_vol_black76(OptionType::call, 1.0, f, k, 0).error(), Errc::pricing_zero_time);
  EXPECT_EQ(implied_vol_black76(OptionType::call, 1.0, f, k, -0.1).error(), Errc::pricing_zero_time);
  EXPECT_EQ(implied_vol_black76(OptionType::call, -1.0, f, k, t).error(), Errc::pricing_invalid_input);
  EXPECT_EQ(implied_vol_black76(OptionType::call, 1.0, f, -k, t).error(), Errc::pricing_invalid_input);
  // In the money put: intrinsic 20.
  EXPECT_EQ(implied_vol_black76(OptionType::put, 19.999, f, k, t).error(), Errc::pricing_below_intrinsic);
  EXPECT_EQ(implied_vol_black76(OptionType::put, 20.0, f, k, t).error(), Errc::pricing_not_identifiable);
  EXPECT_EQ(implied_vol_black76(OptionType::put, 120.0, f, k, t).error(), Errc::pricing_above_bound);
  EXPECT_EQ(implied_vol_black76(OptionType::call, 100.0, f, k, t).error(), Errc::pricing_above_bound);
  EXPECT_EQ(implied_vol_black76(OptionType::call, 0.0, f, k, t).error(), Errc::pricing_not_identifiable);
  // Discounting: the bound applies to the undiscounted premium.
  EXPECT_EQ(implied_vol_black76(OptionType::call, 96.0, f, k, t, 0.1).error(), Errc::pricing_above_bound);
  EXPECT_TRUE(implied_vol_black76(OptionType::call, 5.0, f, k, t, 0.1).ok());
}

TEST(ImpliedVol, DeepOutOfTheMoneyPricesBelowOneTrillionthOfTheForwardAreSolvedWhereQuantLibIsNot) {
  // Prices below 1e-12 F: QuantLib 1.29's blackFormulaImpliedStdDev throws or lands far off
  // here; ours recovers the volatility to ~1e-15 relative.
  int quantlib_failed = 0, cases = 0;
  double quantlib_worst = 0;
  for (double k : {150.0, 200.0, 300.0, 500.0, 1000.0}) {
    for (double vol : {0.05, 0.1, 0.15, 0.2, 0.3}) {
      const double f = 100, t = 1.0;
      const double price = black76(OptionType::call, f, k, t, vol).value().price;
      if (!(price < 1e-12 * f) || price < 1e-300) continue;
      ++cases;
      const auto iv = implied_vol_black76(OptionType::call, price, f, k, t);
      ASSERT_TRUE(iv.ok()) << "K=" << k << " vol=" << vol;
      EXPECT_NEAR(iv.value(), vol, 1e-14 * vol) << "K=" << k << " price=" << price;
      try {
        const double ql = QuantLib::blackFormulaImpliedStdDev(QuantLib::Option::Call, k, f, price, 1.0, 0.0,
                                                              QuantLib::Null<QuantLib::Real>(), 1e-12, 100) /
                          std::sqrt(t);
        quantlib_worst = std::max(quantlib_worst, std::fabs(ql - vol));
        if (std::fabs(ql - vol) > 1e-6) ++quantlib_failed;
      } catch (const std::exception&) {
        ++quantlib_failed;
      }
    }
  }
  std::printf("%d deep out-of-the-money cases: QuantLib failed or was off by > 1e-6 on %d (worst finite error %.3g)\n",
              cases, quantlib_failed, quantlib_worst);
  EXPECT_GE(cases, 10);
}

TEST(ImpliedVol, SolvesInAFixedSmallNumberOfIterationsAndIsDeterministic) {
  // The same input gives the same bits on every call (no state, no iteration-order effects).
  const double a = implied_vol_black76(OptionType::put, 0.0123, 9100, 8000, 0.05).value();
  const double b = implied_vol_black76(OptionType::put, 0.0123, 9100, 8000, 0.05).value();
  EXPECT_EQ(std::bit_cast<std::uint64_t>(a), std::bit_cast<std::uint64_t>(b));
}

}  // namespace
}  // namespace strike::pricing
