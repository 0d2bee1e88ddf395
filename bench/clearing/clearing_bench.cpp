// What clearing costs per fill: premium, positions, realized PnL and fees, for the three
// contract shapes. The engine benchmark (bench/engine) measures the same inside the whole
// command path; this isolates clearing.
#include <benchmark/benchmark.h>

#include <random>

#include "clearing/clearing.hpp"

namespace {

using namespace strike;
using namespace strike::clearing;

void run_fills(benchmark::State& state, std::string_view instrument_name, std::int64_t price_level) {
  InstrumentRegistry registry = load_default_instruments().value();
  Clearing clearing(registry);
  const InstrumentId instrument = registry.find(instrument_name)->id;
  std::vector<AccountId> accounts;
  for (int i = 0; i < 64; ++i) {
    accounts.push_back(clearing.create_account(std::nullopt).value());
    for (const Currency& c : registry.currencies().all())
      if (clearing.holds(c.id)) (void)clearing.deposit(accounts.back(), Money{c.id, 1'000'000'000'000'000});
  }
  // A fixed stream of fills between random accounts at prices around the level.
  std::mt19937_64 rng(42);
  std::vector<Fill> fills(4096);
  for (std::size_t i = 0; i < fills.size(); ++i) {
    const AccountId b = accounts[rng() % accounts.size()];
    AccountId s = accounts[rng() % accounts.size()];
    if (s == b) s = accounts[(b.raw() % accounts.size())];
    const std::int64_t tick = registry.get(instrument).ticks.tick_at(Price{price_level});
    fills[i] = Fill{instrument, i, b, s, (rng() & 1) != 0, Price{price_level + static_cast<std::int64_t>(rng() % 64) * tick},
                    Qty{1 + static_cast<std::int64_t>(rng() % 100)}};
  }
  std::size_t i = 0;
  for (auto _ : state) {
    FillResult r = clearing.on_fill(fills[i++ & 4095]);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_FillInversePerpetual(benchmark::State& s) { run_fills(s, "BTC-PERPETUAL", 200'000); }
void BM_FillLinearPerpetual(benchmark::State& s) { run_fills(s, "BTC_USDC-PERPETUAL", 100'000); }
void BM_FillInverseOption(benchmark::State& s) { run_fills(s, "BTC-25DEC26-100000-C", 500); }
BENCHMARK(BM_FillInversePerpetual);
BENCHMARK(BM_FillLinearPerpetual);
BENCHMARK(BM_FillInverseOption);

}  // namespace

BENCHMARK_MAIN();
