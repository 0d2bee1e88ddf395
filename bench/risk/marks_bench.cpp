// What marks cost the engine per call:
//   - OptionMarks::recompute() of the default configuration's BTC option chain (config/
//     instruments.toml: 3 expiries x 9 strikes x call/put, 2 of the expiries with a future),
//     booked around a skewed smile: forwards, quote IVs, 3 SVI fits, marks, batch Greeks;
//   - reprice() of the same chain (an index move: no quote IVs' fits);
//   - recompute() of the real Deribit chain of 2020-05-21 (326 options, 7 expiries), if present;
//   - FuturesMark::update() + mark() for one sample.
// Run: build/release/bench/risk/risk_bench --benchmark_repetitions=9 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/instrument_registry.hpp"
#include "pricing/black.hpp"
#include "pricing/deribit_chain.hpp"
#include "pricing/price_csv.hpp"
#include "risk/futures_mark.hpp"
#include "risk/option_marks.hpp"

namespace {

using namespace strike;
using namespace strike::risk;

RefPrice ref(double v) { return RefPrice{std::llround(v * 1e8)}; }

struct BenchChain {
  Timestamp now;
  RefPrice index;
  std::vector<ExpiryInput> expiries;
  std::vector<OptionInput> options;
  ChainInput input() const { return {now, index, expiries, options}; }
};

// The default configuration's BTC inverse options, quoted 2% around a skewed smile on 0.0005 /
// 0.0001 ticks, on 2026-06-01 08:00 UTC with the index at 100,000.
BenchChain default_btc_chain() {
  const InstrumentRegistry registry = load_default_instruments().value();
  const CurrencyId btc = registry.currencies().find("BTC")->id;
  BenchChain c;
  c.now = at_utc_hour({2026, 6, 1}, 8).value();
  const double index = 100'000;
  c.index = ref(index);
  std::map<std::int64_t, std::optional<RefPrice>> expiries;  // expiry -> future mark
  for (const Instrument& i : registry.all())
    if (i.base == btc && i.settlement == Settlement::inverse && i.kind != InstrumentKind::perpetual)
      expiries.try_emplace(i.expiry.ns(), std::nullopt);
  for (auto& [ns, mark] : expiries) {
    const double years = static_cast<double>(ns - c.now.ns()) / (365 * 86400e9);
    for (const Instrument& i : registry.all())
      if (i.base == btc && i.kind == InstrumentKind::future && i.expiry.ns() == ns) mark = ref(index * std::exp(0.05 * years));
    c.expiries.push_back({Timestamp::from_ns(ns), mark});
  }
  for (const Instrument& i : registry.all()) {
    if (i.base != btc || i.settlement != Settlement::inverse || !i.is_option()) continue;
    const auto e = static_cast<std::uint32_t>(
        std::find_if(c.expiries.begin(), c.expiries.end(), [&](const ExpiryInput& x) { return x.expiry == i.expiry; }) -
        c.expiries.begin());
    const double years = static_cast<double>(i.expiry.ns() - c.now.ns()) / (365 * 86400e9);
    const double f = index * std::exp(0.05 * years);
    const double k = static_cast<double>(to_scaled(i.strike, 0).value());
    const double x = std::log(k / f), vol = 0.55 - 0.15 * x + 0.3 * x * x;
    const auto type = i.symbol.option_type == OptionType::call ? pricing::OptionType::call : pricing::OptionType::put;
    const double coin = pricing::black76(type, f, k, years, vol).value().price / f;
    auto tick = [](double p) { return p < 0.005 ? 0.0001 : 0.0005; };
    OptionInput o;
    o.id = i.id;
    o.expiry = e;
    o.type = type;
    o.strike = ref(k);
    const double bid = std::floor(coin * 0.98 / tick(coin)) * tick(coin), ask = std::ceil(coin * 1.02 / tick(coin)) * tick(coin);
    if (bid > 0) o.bid = ref(bid);
    o.ask = ref(ask);
    c.options.push_back(o);
  }
  return c;
}

void run(benchmark::State& state, BenchChain c, bool refit) {
  OptionMarks marks = OptionMarks::make({}).value();
  ChainMarks out;
  if (!marks.recompute(c.input(), out)) state.SkipWithError("recompute failed");
  for (auto _ : state) {
    c.now = Timestamp::from_ns(c.now.ns() + 1'000'000);
    const auto r = refit ? marks.recompute(c.input(), out) : marks.reprice(c.input(), out);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(out.options.data());
  }
  state.counters["options"] = static_cast<double>(c.options.size());
  state.counters["expiries"] = static_cast<double>(c.expiries.size());
}

void BM_OptionMarksRecompute_DefaultBtcChain(benchmark::State& state) { run(state, default_btc_chain(), true); }
void BM_OptionMarksReprice_DefaultBtcChain(benchmark::State& state) { run(state, default_btc_chain(), false); }

void BM_OptionMarksRecompute_DeribitChain(benchmark::State& state) {
  const std::string path = STRIKE_SHARED_DATA_DIR "/deribit/btc_option_chain_2020-05-21.csv";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("no Deribit chain");
    return;
  }
  std::ifstream file(path);
  const auto quotes = pricing::deribit::read_chain(file).value();
  // Books from the same file.
  std::ifstream again(path);
  std::string line;
  std::vector<std::string> header, f;
  std::getline(again, line);
  (void)pricing::split_csv_record(line, header);
  auto col = [&](std::string_view n) { return std::find(header.begin(), header.end(), n) - header.begin(); };
  std::map<std::string, std::pair<double, double>> books;
  double index = 0;
  while (std::getline(again, line)) {
    if (!pricing::split_csv_record(line, f) || f.size() != header.size()) continue;
    books[f[col("instrument_name")]] = {std::stod(f[col("best_bid_price")]), std::stod(f[col("best_ask_price")])};
    index = std::stod(f[col("index_price")]);
  }
  BenchChain c;
  std::int64_t now_ms = quotes.front().timestamp_ms;
  std::map<std::int64_t, std::vector<double>> fwd;
  for (const auto& q : quotes) {
    now_ms = std::min(now_ms, q.timestamp_ms);
    fwd[q.expiry_ms].push_back(q.underlying_price);
  }
  c.now = Timestamp::from_ms(now_ms);
  c.index = ref(index);
  std::map<std::int64_t, std::uint32_t> at;
  for (auto& [ms, v] : fwd) {
    std::sort(v.begin(), v.end());
    at[ms] = static_cast<std::uint32_t>(c.expiries.size());
    c.expiries.push_back({Timestamp::from_ms(ms), ref(v[v.size() / 2])});
  }
  std::uint32_t id = 0;
  for (const auto& q : quotes) {
    OptionInput o;
    o.id = InstrumentId{id++};
    o.expiry = at[q.expiry_ms];
    o.type = q.type;
    o.strike = ref(q.strike);
    const auto [bid, ask] = books[q.instrument];
    if (bid > 0) o.bid = ref(bid);
    if (ask > 0) o.ask = ref(ask);
    c.options.push_back(o);
  }
  run(state, std::move(c), true);
}

void BM_FuturesMarkUpdateAndMark(benchmark::State& state) {
  FuturesMark m = FuturesMark::make({}).value();
  std::int64_t ns = 0, i = 0;
  for (auto _ : state) {
    ns += 250'000'000;
    const RefPrice index{9'000'000'000'000 + (i & 63) * 1'000'000};
    const BookTop top{RefPrice{index.raw() + 500'000'000}, RefPrice{index.raw() + 600'000'000}};
    (void)m.update(Timestamp::from_ns(ns), index, top);
    benchmark::DoNotOptimize(m.mark(Timestamp::from_ns(ns), index));
    ++i;
  }
}

BENCHMARK(BM_OptionMarksRecompute_DefaultBtcChain)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OptionMarksReprice_DefaultBtcChain)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OptionMarksRecompute_DeribitChain)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FuturesMarkUpdateAndMark);

}  // namespace

BENCHMARK_MAIN();
