// Published values (Haug, "Option Pricing Formulas", 1998, as tabulated in QuantLib's
// test-suite/europeanoption.cpp) and the properties any European pricer must have.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "pricing/black.hpp"
#include "pricing/deribit.hpp"

namespace strike::pricing {
namespace {

struct HaugCase {
  OptionType type;
  double strike, spot, q, r, t, vol, value;
};

// type, strike, spot, q, r, t, vol, value (QuantLib rounds t to whole days of an Actual/360
// year: t*360+0.5; every t here is a whole number of days, so the same t applies).
constexpr HaugCase kHaugValues[] = {
    {OptionType::call, 65.00, 60.00, 0.00, 0.08, 0.25, 0.30, 2.1334},
    {OptionType::put, 95.00, 100.00, 0.05, 0.10, 0.50, 0.20, 2.4648},
    {OptionType::put, 19.00, 19.00, 0.10, 0.10, 0.75, 0.28, 1.7011},
    {OptionType::call, 19.00, 19.00, 0.10, 0.10, 0.75, 0.28, 1.7011},
    {OptionType::call, 1.60, 1.56, 0.08, 0.06, 0.50, 0.12, 0.0291},
    {OptionType::put, 70.00, 75.00, 0.05, 0.10, 0.50, 0.35, 4.0870},
    {OptionType::call, 100.00, 90.00, 0.10, 0.10, 0.10, 0.15, 0.0205},
    {OptionType::call, 100.00, 100.00, 0.10, 0.10, 0.10, 0.15, 1.8734},
    {OptionType::call, 100.00, 110.00, 0.10, 0.10, 0.10, 0.15, 9.9413},
    {OptionType::call, 100.00, 90.00, 0.10, 0.10, 0.10, 0.25, 0.3150},
    {OptionType::call, 100.00, 100.00, 0.10, 0.10, 0.10, 0.25, 3.1217},
    {OptionType::call, 100.00, 110.00, 0.10, 0.10, 0.10, 0.25, 10.3556},
    {OptionType::call, 100.00, 90.00, 0.10, 0.10, 0.10, 0.35, 0.9474},
    {OptionType::call, 100.00, 100.00, 0.10, 0.10, 0.10, 0.35, 4.3693},
    {OptionType::call, 100.00, 110.00, 0.10, 0.10, 0.10, 0.35, 11.1381},
    {OptionType::call, 100.00, 90.00, 0.10, 0.10, 0.50, 0.15, 0.8069},
    {OptionType::call, 100.00, 100.00, 0.10, 0.10, 0.50, 0.15, 4.0232},
    {OptionType::call, 100.00, 110.00, 0.10, 0.10, 0.50, 0.15, 10.5769},
    {OptionType::call, 100.00, 90.00, 0.10, 0.10, 0.50, 0.25, 2.7026},
    {OptionType::call, 100.00, 100.00, 0.10, 0.10, 0.50, 0.25, 6.6997},
    {OptionType::call, 100.00, 110.00, 0.10, 0.10, 0.50, 0.25, 12.7857},
    {OptionType::call, 100.00, 90.00, 0.10, 0.10, 0.50, 0.35, 4.9329},
    {OptionType::call, 100.00, 100.00, 0.10, 0.10, 0.50, 0.35, 9.3679},
    {OptionType::call, 100.00, 110.00, 0.10, 0.10, 0.50, 0.35, 15.3086},
    {OptionType::put, 100.00, 90.00, 0.10, 0.10, 0.10, 0.15, 9.9210},
    {OptionType::put, 100.00, 100.00, 0.10, 0.10, 0.10, 0.15, 1.8734},
    {OptionType::put, 100.00, 110.00, 0.10, 0.10, 0.10, 0.15, 0.0408},
    {OptionType::put, 100.00, 90.00, 0.10, 0.10, 0.10, 0.25, 10.2155},
    {OptionType::put, 100.00, 100.00, 0.10, 0.10, 0.10, 0.25, 3.1217},
    {OptionType::put, 100.00, 110.00, 0.10, 0.10, 0.10, 0.25, 0.4551},
    {OptionType::put, 100.00, 90.00, 0.10, 0.10, 0.10, 0.35, 10.8479},
    {OptionType::put, 100.00, 100.00, 0.10, 0.10, 0.10, 0.35, 4.3693},
    {OptionType::put, 100.00, 110.00, 0.10, 0.10, 0.10, 0.35, 1.2376},
    {OptionType::put, 100.00, 90.00, 0.10, 0.10, 0.50, 0.15, 10.3192},
    {OptionType::put, 100.00, 100.00, 0.10, 0.10, 0.50, 0.15, 4.0232},
    {OptionType::put, 100.00, 110.00, 0.10, 0.10, 0.50, 0.15, 1.0646},
    {OptionType::put, 100.00, 90.00, 0.10, 0.10, 0.50, 0.25, 12.2149},
    {OptionType::put, 100.00, 100.00, 0.10, 0.10, 0.50, 0.25, 6.6997},
    {OptionType::put, 100.00, 110.00, 0.10, 0.10, 0.50, 0.25, 3.2734},
    {OptionType::put, 100.00, 90.00, 0.10, 0.10, 0.50, 0.35, 14.4452},
    {OptionType::put, 100.00, 100.00, 0.10, 0.10, 0.50, 0.35, 9.3679},
    {OptionType::put, 100.00, 110.00, 0.10, 0.10, 0.50, 0.35, 5.7963},
    {OptionType::call, 40.00, 42.00, 0.08, 0.04, 0.75, 0.35, 5.0975},
};

TEST(Black, HaugTableOfBsmValuesIsReproducedToFourDecimals) {
  for (const HaugCase& c : kHaugValues) {
    const auto g = bsm(c.type, c.spot, c.strike, c.t, c.vol, c.r, c.q);
    ASSERT_TRUE(g.ok());
    EXPECT_NEAR(g->price, c.value, 1e-4) << "K=" << c.strike << " S=" << c.spot << " vol=" << c.vol;
  }
}

TEST(Black, HaugBlack76ExampleGivesTheSameValueForCallAndPut) {
  // Haug p. 4: futures option F = K = 19, T = 0.75, r = 0.10, vol = 0.28 -> 1.7011 both ways.
  const auto c = black76(OptionType::call, 19, 19, 0.75, 0.28, 0.10).value();
  const auto p = black76(OptionType::put, 19, 19, 0.75, 0.28, 0.10).value();
  EXPECT_NEAR(c.price, 1.7011, 1e-4);
  EXPECT_NEAR(p.price, 1.7011, 1e-4);
  EXPECT_EQ(c.price, p.price);  // F == K: parity makes them equal, and the kernel is symmetric
}

TEST(Black, HaugGreekValuesAreReproduced) {
  // Haug pp. 11-16 (QuantLib testGreekValues): delta, gamma, vega, theta, rho.
  EXPECT_NEAR(bsm(OptionType::call, 105, 100, 0.5, 0.36, 0.10, 0.10)->delta, 0.5946, 1e-4);
  EXPECT_NEAR(bsm(OptionType::put, 105, 100, 0.5, 0.36, 0.10, 0.10)->delta, -0.3566, 1e-4);
  EXPECT_NEAR(bsm(OptionType::call, 55, 60, 0.75, 0.30, 0.10, 0.00)->gamma, 0.0278, 1e-4);
  EXPECT_NEAR(bsm(OptionType::put, 55, 60, 0.75, 0.30, 0.10, 0.00)->gamma, 0.0278, 1e-4);
  EXPECT_NEAR(bsm(OptionType::call, 55, 60, 0.75, 0.30, 0.10, 0.00)->vega, 18.9358, 1e-4);
  EXPECT_NEAR(bsm(OptionType::put, 55, 60, 0.75, 0.30, 0.10, 0.00)->vega, 18.9358, 1e-4);
  EXPECT_NEAR(bsm(OptionType::put, 430, 405, 1.0 / 12.0, 0.20, 0.07, 0.05)->theta, -31.1924, 1e-4);
  // Haug's theta per day uses 365 days, as Deribit does.
  EXPECT_NEAR(deribit::theta(bsm(OptionType::put, 430, 405, 1.0 / 12.0, 0.20, 0.07, 0.05)->theta), -0.0855, 1e-4);
  EXPECT_NEAR(bsm(OptionType::call, 72, 75, 1.0, 0.19, 0.09, 0.00)->rho, 38.7325, 1e-4);
}

TEST(Black, InvalidInputsGetTypedErrors) {
  EXPECT_EQ(black76(OptionType::call, std::nan(""), 100, 1, 0.5).error(), Errc::pricing_nan_input);
  EXPECT_EQ(black76(OptionType::call, 100, 100, 0, 0.5).error(), Errc::pricing_zero_time);
  EXPECT_EQ(black76(OptionType::call, 100, 100, -1, 0.5).error(), Errc::pricing_zero_time);
  EXPECT_EQ(black76(OptionType::call, 100, -5, 1, 0.5).error(), Errc::pricing_invalid_input);
  EXPECT_EQ(black76(OptionType::call, 100, 100, 1, 0).error(), Errc::pricing_invalid_input);
  EXPECT_EQ(bsm(OptionType::put, 100, 100, 1, 0.5, INFINITY, 0).error(), Errc::pricing_invalid_input);
}

// Seeded random options in a moderate domain where finite differences are meaningful.
OptionSpec moderate_option(std::mt19937_64& rng, Model model) {
  std::uniform_real_distribution<double> u(0, 1);
  OptionSpec o;
  o.model = model;
  o.type = u(rng) < 0.5 ? OptionType::call : OptionType::put;
  o.underlying = 50 + 100 * u(rng);
  o.expiry = 0.05 + 2 * u(rng);
  o.vol = 0.1 + 1.2 * u(rng);
  o.rate = -0.01 + 0.08 * u(rng);
  o.dividend = model == Model::bsm ? 0.05 * u(rng) : 0;
  o.strike = o.underlying * std::exp((u(rng) * 4 - 2) * o.vol * std::sqrt(o.expiry));
  return o;
}

constexpr std::uint64_t kSeed = 7;

TEST(BlackProperties, PutCallParityHolds) {
  std::mt19937_64 rng(kSeed);
  for (int i = 0; i < 20000; ++i) {
    OptionSpec o = moderate_option(rng, i % 2 ? Model::bsm : Model::black76);
    o.type = OptionType::call;
    const double c = evaluate(o)->price;
    o.type = OptionType::put;
    const double p = evaluate(o)->price;
    const double df = std::exp(-o.rate * o.expiry);
    const double parity = df * (forward_of(o) - o.strike);  // C - P = DF (F - K)
    ASSERT_NEAR(c - p, parity, 1e-12 * (o.underlying + o.strike)) << "seed " << kSeed << " case " << i;
  }
}

TEST(BlackProperties, GreeksEqualFiniteDifferencesOfThePrice) {
  std::mt19937_64 rng(kSeed + 1);
  for (int i = 0; i < 3000; ++i) {
    const OptionSpec o = moderate_option(rng, i % 2 ? Model::bsm : Model::black76);
    const Greeks g = evaluate(o).value();
    auto bump = [&](auto field, double rel, auto get) {
      OptionSpec up = o, dn = o;
      const double step = rel * std::max(std::fabs(up.*field), 1e-3);
      up.*field += step;
      dn.*field -= step;
      return std::pair{(get(evaluate(up).value()) - get(evaluate(dn).value())) / (2 * step),
                       (get(evaluate(up).value()) - 2 * get(g) + get(evaluate(dn).value())) / (step * step)};
    };
    auto price = [](const Greeks& x) { return x.price; };
    auto delta = [](const Greeks& x) { return x.delta; };
    const auto [d_s, g_s] = bump(&OptionSpec::underlying, 1e-4, price);
    const auto [v_s, vv_s] = bump(&OptionSpec::vol, 1e-4, price);
    const auto [t_s, unused_t] = bump(&OptionSpec::expiry, 1e-5, price);
    const auto [r_s, unused_r] = bump(&OptionSpec::rate, 1e-3, price);
    const auto [vanna_s, unused_v] = bump(&OptionSpec::vol, 1e-4, delta);
    const auto [charm_s, unused_c] = bump(&OptionSpec::expiry, 1e-5, delta);
    const double scale = o.underlying;
    const std::string ctx = "seed " + std::to_string(kSeed + 1) + " case " + std::to_string(i);
    EXPECT_NEAR(g.delta, d_s, 1e-6) << ctx;
    EXPECT_NEAR(g.gamma, g_s, 1e-5 / scale + 1e-4 * std::fabs(g.gamma)) << ctx;
    EXPECT_NEAR(g.vega, v_s, 1e-6 * scale) << ctx;
    EXPECT_NEAR(g.volga, vv_s, 1e-4 * scale + 1e-4 * std::fabs(g.volga)) << ctx;
    EXPECT_NEAR(g.theta, -t_s, 1e-5 * scale) << ctx;
    EXPECT_NEAR(g.rho, r_s, 1e-6 * scale) << ctx;
    EXPECT_NEAR(g.vanna, vanna_s, 1e-6) << ctx;
    EXPECT_NEAR(g.charm, -charm_s, 1e-5 * (1 + std::fabs(g.charm))) << ctx;
  }
}

TEST(BlackProperties, PriceIsStrictlyIncreasingInVolatility) {
  std::mt19937_64 rng(kSeed + 2);
  for (int i = 0; i < 2000; ++i) {
    OptionSpec o = moderate_option(rng, Model::black76);
    double previous = -1;
    for (double vol = 0.05; vol < 4.0; vol *= 1.07) {
      o.vol = vol;
      const Greeks g = evaluate(o).value();
      // Strictly increasing wherever the change is representable: not when the price is 0
      // (far out of the money at low vol) or the time value is below the price's last bit.
      if (g.vega * vol * 0.07 > 1e-14 * g.price && g.price > 1e-290) {
        ASSERT_GT(g.price, previous) << "case " << i << " vol " << vol;
      }
      ASSERT_GE(g.price, previous) << "case " << i << " vol " << vol;
      previous = g.price;
    }
  }
}

TEST(InverseOptions, CoinPremiumIsUsdOverForwardAndNetDeltaIsPremiumAdjusted) {
  const OptionSpec o{Model::black76, OptionType::call, 9100, 10000, 36.0 / 365, 0.8, 0, 0};
  const Greeks usd = evaluate(o).value();
  const CoinGreeks coin = evaluate_coin(o).value();
  EXPECT_DOUBLE_EQ(coin.price, usd.price / 9100);
  EXPECT_DOUBLE_EQ(coin.net_delta, usd.delta - usd.price / 9100);
  // Coin Greeks are derivatives of the coin premium V/F: check by finite differences.
  auto coin_price = [&](double f, double vol, double t) {
    OptionSpec b = o;
    b.underlying = f;
    b.vol = vol;
    b.expiry = t;
    return evaluate(b)->price / f;
  };
  const double hf = 0.5, hv = 1e-4, ht = 1e-6;
  EXPECT_NEAR(coin.delta, (coin_price(9100 + hf, 0.8, o.expiry) - coin_price(9100 - hf, 0.8, o.expiry)) / (2 * hf), 1e-12);
  EXPECT_NEAR(coin.gamma,
              (coin_price(9100 + hf, 0.8, o.expiry) - 2 * coin.price + coin_price(9100 - hf, 0.8, o.expiry)) / (hf * hf),
              1e-11);
  EXPECT_NEAR(coin.vega, (coin_price(9100, 0.8 + hv, o.expiry) - coin_price(9100, 0.8 - hv, o.expiry)) / (2 * hv), 1e-9);
  EXPECT_NEAR(coin.theta, -(coin_price(9100, 0.8, o.expiry + ht) - coin_price(9100, 0.8, o.expiry - ht)) / (2 * ht), 1e-7);
  EXPECT_NEAR(coin.vanna,
              ((coin_price(9100 + hf, 0.8 + hv, o.expiry) - coin_price(9100 - hf, 0.8 + hv, o.expiry)) -
               (coin_price(9100 + hf, 0.8 - hv, o.expiry) - coin_price(9100 - hf, 0.8 - hv, o.expiry))) /
                  (4 * hf * hv),
              1e-9);
  EXPECT_NEAR(coin.net_delta, 9100 * coin.delta, 1e-15);
}

TEST(DeribitUnits, VegaIsPerVolPointAndThetaPerCalendarDay) {
  EXPECT_DOUBLE_EQ(deribit::vega(12.5), 0.125);
  EXPECT_DOUBLE_EQ(deribit::theta(-365.0), -1.0);
  EXPECT_DOUBLE_EQ(deribit::years_between_ms(0, 365LL * 86'400'000), 1.0);
}

}  // namespace
}  // namespace strike::pricing
