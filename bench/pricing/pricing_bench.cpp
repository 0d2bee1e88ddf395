// Pricing cost, with QuantLib 1.29 side by side in the same binary (oracle and baseline only;
// never linked into the product). Items per second = options (or solves) per second.
#include <benchmark/benchmark.h>

#include <ql/pricingengines/blackcalculator.hpp>
#include <ql/pricingengines/blackformula.hpp>

#include <cmath>
#include <fstream>
#include <vector>

#include "pricing/batch.hpp"
#include "pricing/deribit_chain.hpp"
#include "pricing/implied_vol.hpp"
#include "pricing/svi.hpp"
#include "workloads.hpp"

namespace {

using namespace strike::pricing;

using bench::Book;
using bench::IvGrid;
constexpr std::size_t kN = bench::kBookSize;

void BM_BatchPriceAndAllGreeks(benchmark::State& state) {
  const Isa isa = static_cast<Isa>(state.range(0));
  if (!isa_supported(isa)) {
    state.SkipWithError("ISA not supported by this CPU");
    return;
  }
  Book b;
  for (auto _ : state) {
    evaluate_batch(Model::black76, b.in(), b.outputs(), isa);
    benchmark::DoNotOptimize(b.out[0].data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kN));
  state.SetLabel(std::string(to_string(isa)));
}
BENCHMARK(BM_BatchPriceAndAllGreeks)->Arg(0)->Arg(1)->Arg(2);

void BM_ScalarEvaluate(benchmark::State& state) {
  Book b;
  std::size_t i = 0;
  for (auto _ : state) {
    auto g = black76(b.type[i], b.f[i], b.k[i], b.t[i], b.vol[i]);
    benchmark::DoNotOptimize(g);
    i = (i + 1) & (kN - 1);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ScalarEvaluate);

// QuantLib: price + delta, gamma, vega, theta, rho (BlackCalculator has no vanna/volga/charm).
void BM_QuantLibBlackCalculator(benchmark::State& state) {
  Book b;
  std::size_t i = 0;
  for (auto _ : state) {
    QuantLib::BlackCalculator c(b.type[i] == OptionType::call ? QuantLib::Option::Call : QuantLib::Option::Put, b.k[i],
                                b.f[i], b.vol[i] * std::sqrt(b.t[i]), 1.0);
    double s = c.value() + c.deltaForward() + c.gammaForward() + c.vega(b.t[i]) + c.theta(b.f[i], b.t[i]) +
               c.rho(b.t[i]);
    benchmark::DoNotOptimize(s);
    i = (i + 1) & (kN - 1);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_QuantLibBlackCalculator);

// Implied vol over bench::IvGrid (wings to +-6 sd, vols 5%-300%, 1 day to 2 years).
void BM_ImpliedVolLetsBeRational(benchmark::State& state) {
  IvGrid g;
  std::size_t i = 0;
  for (auto _ : state) {
    auto v = implied_vol_black76(g.type[i], g.price[i], g.f[i], g.k[i], g.t[i]);
    benchmark::DoNotOptimize(v);
    if (++i == g.price.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["grid"] = static_cast<double>(g.price.size());
}
BENCHMARK(BM_ImpliedVolLetsBeRational);

// QuantLib's accurate route: blackFormulaImpliedStdDev (Newton-safe to 1e-12 from its guess).
void BM_QuantLibImpliedVol(benchmark::State& state) {
  IvGrid g;
  std::size_t i = 0, failures = 0;
  for (auto _ : state) {
    try {
      double v = QuantLib::blackFormulaImpliedStdDev(
          g.type[i] == OptionType::call ? QuantLib::Option::Call : QuantLib::Option::Put, g.k[i], g.f[i], g.price[i], 1.0,
          0.0, QuantLib::Null<QuantLib::Real>(), 1e-12, 100);
      benchmark::DoNotOptimize(v);
    } catch (const std::exception&) {
      ++failures;
    }
    if (++i == g.price.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["failures"] = static_cast<double>(failures) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_QuantLibImpliedVol);

// SVI fit of one 40-strike expiry (two quotes per strike would be 80 points; here 40 points).
void BM_SviFit40Strikes(benchmark::State& state) {
  const SviParams truth{0.01, 0.12, -0.25, 0.03, 0.15};
  const double t = 0.1;
  std::vector<SmilePoint> pts;
  for (int i = 0; i < 40; ++i) {
    const double k = -0.8 + 1.6 * i / 39;
    pts.push_back({k, std::sqrt(truth.total_variance(k) / t) * (1 + 0.01 * ((i * 7) % 5 - 2) / 2.0), 1.0});
  }
  for (auto _ : state) {
    auto s = fit_svi(pts, t);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SviFit40Strikes)->Unit(benchmark::kMicrosecond);

// The real chain's 5JUN20 expiry (50 quotes on 25 out-of-the-money strikes).
void BM_SviFitRealExpiry(benchmark::State& state) {
  std::ifstream file(std::string(STRIKE_SHARED_DATA_DIR) + "/deribit/btc_option_chain_2020-05-21.csv");
  auto chain = deribit::read_chain(file);
  if (!chain) {
    state.SkipWithError("real data absent");
    return;
  }
  const auto sm = deribit::smiles(chain.value());
  const auto& s = sm[3];
  for (auto _ : state) {
    auto r = fit_svi(s.quotes, s.expiry);
    benchmark::DoNotOptimize(r);
  }
  state.counters["points"] = static_cast<double>(s.quotes.size());
}
BENCHMARK(BM_SviFitRealExpiry)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
