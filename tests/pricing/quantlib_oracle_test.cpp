// QuantLib 1.29 as an oracle on 120,000 seeded random options across the domain (expiries from
// a minute to 5 years, vols 1%-400%, strikes up to 12 standard deviations into either wing,
// rates and dividends from -2% to 10%). A __float128 evaluation of the same formulas decides
// where QuantLib is itself accurate; there ours must agree with QuantLib to 1e-12 relative.
// Everywhere, ours must be within its stated accuracy of the __float128 value.
#include <gtest/gtest.h>

#include <ql/pricingengines/blackcalculator.hpp>
#include <ql/pricingengines/blackformula.hpp>

#include <cmath>
#include <cstdio>
#include <random>

#include "pricing/black.hpp"
#include "pricing/implied_vol.hpp"
#include "quad_reference.hpp"

namespace strike::pricing {
namespace {

using testing::quad;
using testing::quad_greeks;
using testing::rel_err;

constexpr std::uint64_t kSeed = 20260521;
constexpr int kCases = 120'000;

OptionSpec random_option(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  OptionSpec o;
  o.model = u(rng) < 0.5 ? Model::black76 : Model::bsm;
  o.type = u(rng) < 0.5 ? OptionType::call : OptionType::put;
  o.underlying = std::exp(std::log(1.0) + u(rng) * std::log(1e5));
  o.expiry = std::exp(std::log(1.0 / 525600) + u(rng) * (std::log(5.0) - std::log(1.0 / 525600)));
  o.vol = std::exp(std::log(0.01) + u(rng) * (std::log(4.0) - std::log(0.01)));
  o.rate = -0.02 + 0.12 * u(rng);
  o.dividend = o.model == Model::bsm ? -0.02 + 0.12 * u(rng) : 0.0;
  const double sd = o.vol * std::sqrt(o.expiry);
  o.strike = o.underlying * std::exp((u(rng) * 24 - 12) * sd);  // up to 12 sd in either wing
  return o;
}

struct Stats {
  const char* name;
  int compared = 0, ql_inaccurate = 0;
  double max_vs_ql = 0, max_vs_quad = 0;
};

TEST(QuantLibOracle, PricesAndGreeksAgreeWhereQuantLibIsAccurate) {
  std::printf("seed %llu, %d cases\n", static_cast<unsigned long long>(kSeed), kCases);
  std::mt19937_64 rng(kSeed);
  Stats st[7] = {{"price"}, {"delta"}, {"gamma"}, {"vega"}, {"theta"}, {"rho"}, {"theta,vanna,volga,charm (vs size of their terms)"}};
  for (int i = 0; i < kCases; ++i) {
    const OptionSpec o = random_option(rng);
    const Greeks g = evaluate(o).value();
    const testing::QuadGreeks ref = quad_greeks(o);
    const double f = forward_of(o);
    const double df = std::exp(-o.rate * o.expiry);
    QuantLib::BlackCalculator bc(o.type == OptionType::call ? QuantLib::Option::Call : QuantLib::Option::Put,
                                 o.strike, f, o.vol * std::sqrt(o.expiry), df);
    const double spot = o.underlying;
    const double ql[6] = {bc.value(), bc.delta(spot), bc.gamma(spot), bc.vega(o.expiry), bc.theta(spot, o.expiry),
                          o.model == Model::bsm ? bc.rho(o.expiry) : -o.expiry * bc.value()};
    const double ours[6] = {g.price, g.delta, g.gamma, g.vega, g.theta, g.rho};
    const quad qref[6] = {ref.price, ref.delta, ref.gamma, ref.vega, ref.theta, ref.rho};
    for (int j = 0; j < 6; ++j) {
      // Values below 1e-300 are at the edge of double's range: relative accuracy is not defined.
      if (fabsq(qref[j]) < 1e-290) continue;
      const double e_ours = rel_err(ours[j], qref[j]);
      st[j].max_vs_quad = std::max(st[j].max_vs_quad, e_ours);
      if (rel_err(ql[j], qref[j]) > 1e-13) {
        ++st[j].ql_inaccurate;
        continue;
      }
      ++st[j].compared;
      const double e = std::fabs(ours[j] - ql[j]) / std::fabs(ql[j]);
      st[j].max_vs_ql = std::max(st[j].max_vs_ql, e);
      ASSERT_LE(e, 1e-12) << st[j].name << " case " << i << " F=" << f << " K=" << o.strike << " T=" << o.expiry
                          << " vol=" << o.vol << " ours=" << ours[j] << " ql=" << ql[j];
    }
    // Ours against __float128 everywhere. Price, delta, gamma, vega and rho keep 1e-12 relative.
    for (int j : {0, 1, 2, 3, 5}) {
      if (fabsq(qref[j]) > 1e-290) {
        ASSERT_LE(rel_err(ours[j], qref[j]), 1e-12) << st[j].name << " case " << i;
      }
    }
    // Theta, vanna, volga and charm cross zero inside the domain (they are sums, or carry a
    // factor d2 or d1 d2): their error is bounded relative to the size of their terms.
    const double sd = o.vol * std::sqrt(o.expiry);
    const double h = std::fabs(std::log(f / o.strike)) / sd, t = sd / 2;
    const double dq = o.model == Model::bsm ? std::exp(-o.dividend * o.expiry) : df;
    const double pdf = (double)testing::q_pdf(quad(std::log(f / o.strike) / sd + t));
    const double carry = o.model == Model::bsm ? o.rate - o.dividend : 0.0;
    const double qq = o.model == Model::bsm ? o.dividend : o.rate;
    const double theta_terms = std::fabs(o.rate * g.price) + std::fabs(carry * o.underlying * g.delta) +
                               dq * o.underlying * pdf * o.vol / (2 * std::sqrt(o.expiry));
    const double vanna_terms = dq * pdf * (h + t) / o.vol;
    const double volga_terms = g.vega * (h * h + t * t) / o.vol;
    const double charm_terms = std::fabs(qq * g.delta) + dq * pdf * (std::fabs(carry) / sd + (h + t) / (2 * o.expiry));
    const double errs[4] = {(double)fabsq(quad(g.theta) - ref.theta) / theta_terms,
                            (double)fabsq(quad(g.vanna) - ref.vanna) / vanna_terms,
                            (double)fabsq(quad(g.volga) - ref.volga) / volga_terms,
                            (double)fabsq(quad(g.charm) - ref.charm) / charm_terms};
    for (int j = 0; j < 4; ++j) {
      if (!(theta_terms > 1e-290 && vanna_terms > 1e-290 && volga_terms > 1e-290 && charm_terms > 1e-290)) break;
      st[6].max_vs_quad = std::max(st[6].max_vs_quad, errs[j]);
      ASSERT_LE(errs[j], 1e-12) << "theta/vanna/volga/charm #" << j << " case " << i;
    }
  }
  for (const Stats& s : st)
    std::printf("%-50s compared with QuantLib %6d (QuantLib inaccurate %6d): max rel diff %.2e; max rel err vs quad %.2e\n",
                s.name, s.compared, s.ql_inaccurate, s.max_vs_ql, s.max_vs_quad);
  for (int j = 0; j < 6; ++j) EXPECT_GT(st[j].compared, kCases / 4) << st[j].name;
}

TEST(QuantLibOracle, ImpliedVolRoundTripsOnTheSameCasesIncludingWhereQuantLibFails) {
  // Same seed and domain. For each option: its kernel price -> our implied vol -> compare with
  // the input vol to within 10x the attainable precision, 10 eps (sigma + price/vega); QuantLib's
  // blackFormulaImpliedStdDev (accuracy 1e-12, 100 iterations) on the same price for contrast.
  std::mt19937_64 rng(kSeed);
  int solved = 0, unidentifiable = 0, ql_failed = 0, ql_compared = 0;
  double worst = 0, ql_worst = 0;
  for (int i = 0; i < kCases; ++i) {
    const OptionSpec o = random_option(rng);
    const Greeks g = evaluate(o).value();
    const auto iv = implied_vol(o, g.price);
    if (!iv.ok()) {
      ASSERT_EQ(iv.error(), Errc::pricing_not_identifiable) << "case " << i;
      ++unidentifiable;
      continue;
    }
    ++solved;
    const double attainable = 2.220446049250313e-16 * (o.vol + g.price / g.vega);
    const double err = std::fabs(iv.value() - o.vol);
    worst = std::max(worst, err / attainable);
    ASSERT_LE(err, 10 * attainable) << "case " << i << " vol " << o.vol << " price " << g.price;
    if (i % 4 != 0) continue;  // QuantLib's solver is slow and throws: a quarter of the cases is enough contrast
    ++ql_compared;
    const double f = forward_of(o), df = std::exp(-o.rate * o.expiry);
    try {
      const double ql = QuantLib::blackFormulaImpliedStdDev(
                            o.type == OptionType::call ? QuantLib::Option::Call : QuantLib::Option::Put, o.strike, f,
                            g.price, df, 0.0, QuantLib::Null<QuantLib::Real>(), 1e-12, 100) /
                        std::sqrt(o.expiry);
      const double e = std::fabs(ql - o.vol);
      if (e > 1e-6 * o.vol) ++ql_failed;
      ql_worst = std::max(ql_worst, e);
    } catch (const std::exception&) {
      ++ql_failed;
    }
  }
  std::printf("ours: %d solved (worst %.2f x eps (sigma + price/vega)), %d not identifiable; QuantLib: %d of %d "
              "threw or were off by > 1e-6 relative (worst finite error %.3g)\n",
              solved, worst, unidentifiable, ql_failed, ql_compared, ql_worst);
  EXPECT_GT(solved, kCases * 3 / 4);
}

}  // namespace
}  // namespace strike::pricing
