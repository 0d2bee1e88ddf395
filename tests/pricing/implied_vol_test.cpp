// Let's Be Rational: round trips to the attainable precision |ds| <= 10 eps (s + b/b'), the
// explicit status codes, and the deep wings where QuantLib's solvers fail. The bounded form:
// deep in-the-money prices with little time value answered with an uncertainty that holds.
#include <gtest/gtest.h>

#include <ql/pricingengines/blackformula.hpp>

#include <bit>
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

// A deep in-the-money option, ITM by 4-10 standard deviations, over the oracle test's domain
// (both models, rates 0 and [-2%, 10%], F from 1 to 1e5, 1 minute to 5 years, vol 1%-400%).
OptionSpec deep_in_the_money(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  OptionSpec o;
  o.model = u(rng) < 0.5 ? Model::black76 : Model::bsm;
  o.type = u(rng) < 0.5 ? OptionType::call : OptionType::put;
  o.underlying = std::exp(u(rng) * std::log(1e5));
  o.expiry = std::exp(std::log(1.0 / 525600) + u(rng) * (std::log(5.0) - std::log(1.0 / 525600)));
  o.vol = std::exp(std::log(0.01) + u(rng) * (std::log(4.0) - std::log(0.01)));
  o.rate = u(rng) < 0.5 ? 0.0 : -0.02 + 0.12 * u(rng);
  o.dividend = o.model == Model::bsm ? -0.02 + 0.12 * u(rng) : 0.0;
  const double depth = 4 + 6 * u(rng);
  o.strike = forward_of(o) * std::exp((o.type == OptionType::call ? -1 : 1) * depth * o.vol * std::sqrt(o.expiry));
  return o;
}

TEST(ImpliedVolBounded, DeepInTheMoneyPricesThatDetermineTheVolAreAnsweredWithABoundThatHolds) {
  constexpr std::uint64_t kGridSeed = 7;
  constexpr int kCases = 400'000;
  std::printf("seed %llu, %d deep in-the-money cases\n", static_cast<unsigned long long>(kGridSeed), kCases);
  std::mt19937_64 rng(kGridSeed);
  int refused_before = 0, refused_now = 0, rescued = 0, newly_refused = 0;
  double min_rescued = INFINITY, max_rescued = 0, plain_worst_on_newly_refused = 0;
  for (int i = 0; i < kCases; ++i) {
    const OptionSpec o = deep_in_the_money(rng);
    const double price = evaluate(o).value().price;
    const auto plain = implied_vol(o, price);
    const auto bounded = implied_vol_bounded(o, price);
    refused_before += !plain.ok();
    refused_now += !bounded.ok();
    if (!bounded.ok()) {
      ASSERT_TRUE(bounded.error() == Errc::pricing_not_identifiable || bounded.error() == Errc::pricing_below_intrinsic)
          << "case " << i << ": " << name(bounded.error());
      if (plain.ok()) {
        ++newly_refused;
        plain_worst_on_newly_refused = std::max(plain_worst_on_newly_refused, std::fabs(plain.value() - o.vol));
      }
      continue;
    }
    const ImpliedVol iv = bounded.value();
    ASSERT_LE(iv.uncertainty, kDefaultMaxVolUncertainty) << "case " << i;
    ASSERT_LE(std::fabs(iv.vol - o.vol), iv.uncertainty)
        << "case " << i << " vol " << o.vol << " got " << iv.vol << " +- " << iv.uncertainty;
    if (plain.ok()) {
      ASSERT_EQ(std::bit_cast<std::uint64_t>(plain.value()), std::bit_cast<std::uint64_t>(iv.vol)) << "case " << i;
    } else {
      ++rescued;
      min_rescued = std::min(min_rescued, iv.uncertainty);
      max_rescued = std::max(max_rescued, iv.uncertainty);
    }
  }
  std::printf("refused before %d (%.2f%%), now %d (%.2f%%): %d (%.2f%%) answered now with uncertainty %.3f-%.3f vol "
              "points; %d the plain form answers are refused (its worst error on them: %.2f vol points)\n",
              refused_before, 100.0 * refused_before / kCases, refused_now, 100.0 * refused_now / kCases, rescued,
              100.0 * rescued / kCases, 100 * min_rescued, 100 * max_rescued, newly_refused,
              100 * plain_worst_on_newly_refused);
  EXPECT_GT(rescued, kCases / 400);  // about 0.5% of the grid
}

TEST(ImpliedVolBounded, AnswersWithThePlainFormsBitsAndABoundThatHoldsAcrossTheDomain) {
  std::printf("seed %llu\n", static_cast<unsigned long long>(kSeed + 2));
  std::mt19937_64 rng(kSeed + 2);
  std::uniform_real_distribution<double> u(0, 1);
  int answered = 0;
  for (int i = 0; i < 100'000; ++i) {
    OptionSpec o;
    o.model = i % 2 ? Model::bsm : Model::black76;
    o.type = u(rng) < 0.5 ? OptionType::call : OptionType::put;
    o.underlying = 100 * std::exp(u(rng) * 6 - 3);
    o.expiry = std::exp(std::log(1.0 / 525600) + u(rng) * std::log(5.0 * 525600));
    o.vol = std::exp(std::log(0.01) + u(rng) * std::log(400.0));
    o.rate = i % 4 < 2 ? 0.0 : 0.05 * u(rng);
    o.dividend = o.model == Model::bsm ? 0.03 * u(rng) : 0;
    o.strike = forward_of(o) * std::exp((u(rng) * 16 - 8) * o.vol * std::sqrt(o.expiry));
    const double price = evaluate(o).value().price;
    const auto plain = implied_vol(o, price);
    const auto bounded = implied_vol_bounded(o, price, INFINITY);
    if (plain.ok()) {
      ASSERT_TRUE(bounded.ok()) << "case " << i;
      ASSERT_EQ(std::bit_cast<std::uint64_t>(plain.value()), std::bit_cast<std::uint64_t>(bounded.value().vol));
    }
    if (!bounded.ok()) continue;
    ++answered;
    ASSERT_LE(std::fabs(bounded.value().vol - o.vol), bounded.value().uncertainty) << "case " << i;
  }
  EXPECT_GT(answered, 90'000);
}

TEST(ImpliedVolBounded, APriceThePlainFormRefusesIsAnsweredWithItsBound) {
  // 17 minutes to expiry, a put 0.88% in the money (4.3 standard deviations): 50.2046 of the price
  // is intrinsic value, its time value is within 4 ulp of it.
  const double f = 5693.3309985551205, k = 5743.5356319954672, t = 3.2645380563610359e-05, vol = 0.20584682305990554;
  const double price = black76(OptionType::put, f, k, t, vol).value().price;
  EXPECT_EQ(implied_vol_black76(OptionType::put, price, f, k, t).error(), Errc::pricing_not_identifiable);
  const auto iv = implied_vol_black76_bounded(OptionType::put, price, f, k, t);
  ASSERT_TRUE(iv.ok());
  EXPECT_LE(iv.value().uncertainty, 0.005);
  EXPECT_GT(iv.value().uncertainty, 0.0001);
  EXPECT_NEAR(iv.value().vol, vol, iv.value().uncertainty);
  // A tighter bound than the price gives is refused.
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::put, price, f, k, t, 0, 0.0001).error(),
            Errc::pricing_not_identifiable);
}

TEST(ImpliedVolBounded, EveryUnsolvableInputHasAnExplicitCode) {
  const double f = 100, k = 120, t = 0.5;
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::call, std::nan(""), f, k, t).error(), Errc::pricing_nan_input);
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::call, 1.0, f, k, 0).error(), Errc::pricing_zero_time);
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::call, -1.0, f, k, t).error(), Errc::pricing_invalid_input);
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::put, 19.999, f, k, t).error(), Errc::pricing_below_intrinsic);
  // Exactly the intrinsic value: only volatilities up to ~3% give a price that rounds to it.
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::put, 20.0, f, k, t).error(), Errc::pricing_not_identifiable);
  const auto at_intrinsic = implied_vol_black76_bounded(OptionType::put, 20.0, f, k, t, 0, INFINITY);
  ASSERT_TRUE(at_intrinsic.ok());
  // The interval [0, upper end]: vol is its midpoint (plus the solver's own error in the bound).
  EXPECT_LE(at_intrinsic.value().vol - at_intrinsic.value().uncertainty, 0.0);
  EXPECT_NEAR(at_intrinsic.value().vol, at_intrinsic.value().uncertainty, 1e-12);
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::put, 120.0, f, k, t).error(), Errc::pricing_above_bound);
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::call, 0.0, f, k, t).error(), Errc::pricing_not_identifiable);
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::call, 5.0, f, k, t, 0, -1).error(), Errc::pricing_invalid_input);
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::call, 5.0, f, k, t, 0, std::nan("")).error(),
            Errc::pricing_invalid_input);
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::call, 5.0, f, k, t, 0, 0.005, -1e-9).error(),
            Errc::pricing_invalid_input);
  EXPECT_EQ(implied_vol_black76_bounded(OptionType::call, 5.0, f, k, t, 0, 0.005, INFINITY).error(),
            Errc::pricing_invalid_input);
}

TEST(ImpliedVolBounded, TheCallersOwnPriceUncertaintyWidensTheBound) {
  const double f = 9000, k = 10000, t = 0.1, vol = 0.6;
  const double price = black76(OptionType::call, f, k, t, vol).value().price;
  const ImpliedVol exact = implied_vol_black76_bounded(OptionType::call, price, f, k, t).value();
  const double vega = black76(OptionType::call, f, k, t, vol).value().vega;
  // Half a 0.0001 BTC tick at F = 9000 is 0.45 USD: about 0.45 / vega of volatility.
  const ImpliedVol tick = implied_vol_black76_bounded(OptionType::call, price, f, k, t, 0, 0.005, 0.45).value();
  EXPECT_EQ(std::bit_cast<std::uint64_t>(exact.vol), std::bit_cast<std::uint64_t>(tick.vol));
  EXPECT_LT(exact.uncertainty, 1e-12);
  EXPECT_NEAR(tick.uncertainty, 0.45 / vega, 0.01 * 0.45 / vega);
  EXPECT_GE(tick.uncertainty, 0.45 / vega);
}

}  // namespace
}  // namespace strike::pricing
