// Portfolio-margin costs (issue 10's targets), on a BTC book of 200 options (5 expiries x 20
// strikes x call and put) plus a perpetual and two dated futures:
//   BM_PortfolioOrder*        one order of an account holding 100 option positions: the
//                             pre-trade check (margin_with) plus the post-trade update
//                             (add_position, then margin). Target <= 1 us per order.
//   BM_RemarginAfterIndexMove the index moves: every vector is recomputed once (one batch
//                             pricing pass), then each of 100,000 accounts with 20 positions
//                             re-sums and takes its margin. Target <= 50 ms on one core.
// Commands and results: docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "../core/latency_report.hpp"
#include "risk/portfolio_margin.hpp"

namespace {

using namespace strike;
using namespace strike::risk;

const Timestamp kNow = Timestamp::from_ns(1'780'300'800LL * kNsPerSecond);  // 2026-06-01 08:00 UTC

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string book_toml() {
  std::string strikes;
  for (int k = 60'000; k < 160'000; k += 5'000) strikes += (strikes.empty() ? "\"" : ", \"") + std::to_string(k) + "\"";
  return R"(
[[currency]]
code = "BTC"
decimals = 8
[[currency]]
code = "USD"
decimals = 2
[[instrument]]
name = "BTC-PERPETUAL"
contract_size = "10"
min_trade_amount = "10"
tick_size = "0.5"
[[instrument]]
name = "BTC-25SEP26"
contract_size = "10"
min_trade_amount = "10"
tick_size = "2.5"
[[instrument]]
name = "BTC-25DEC26"
contract_size = "10"
min_trade_amount = "10"
tick_size = "2.5"
[[option_series]]
underlying = "BTC"
expiries = ["26JUN26", "31JUL26", "25SEP26", "25DEC26", "26MAR27"]
strikes = [)" + strikes + R"(]
contract_size = "1"
min_trade_amount = "0.1"
tick_size = "0.0001"
)";
}

struct Book {
  InstrumentRegistry registry;
  RiskConfig config;
  ScenarioTable table;
  std::vector<InstrumentMarket> market;
  std::vector<double> index;
  std::vector<InstrumentId> options, futures;
  CurrencyId btc;

  static Book make() {
    auto reg = parse_instrument_config(book_toml(), "bench.toml");
    if (!reg) {
      std::fprintf(stderr, "%s\n", reg.error().to_string().c_str());
      std::abort();
    }
    Book b{std::move(reg.value()), {}, {}, {}, {}, {}, {}, {}};
    b.config = RiskConfig(b.registry.currencies());
    b.table = ScenarioTable::make(b.registry, b.config).value();
    b.btc = b.registry.currencies().find("BTC")->id;
    for (const Instrument& ins : b.registry.all()) (ins.is_option() ? b.options : b.futures).push_back(ins.id);
    b.move_index(100'000);
    return b;
  }
  // Marks follow the index; a smile so the vols differ per strike.
  void move_index(double s) {
    index.assign(registry.currencies().all().size(), 0.0);
    index[btc.raw()] = s;
    market.clear();
    for (const Instrument& ins : registry.all()) {
      const double f = ins.has_expiry() ? s * 1.01 : s;
      const double moneyness = ins.is_option() ? std::log(to_double(ins.strike) / f) : 0.0;
      market.push_back(InstrumentMarket{f, ins.is_option() ? 0.55 + 0.3 * moneyness * moneyness : 0.0});
    }
    table.recompute(kNow, market, index);
  }
};

// --- one order, 100 option positions ----------------------------------------------------------

struct OrderSetup {
  Book book = Book::make();
  AccountPortfolio account{book.btc};
  std::vector<std::pair<InstrumentId, std::int64_t>> orders;

  OrderSetup() {
    std::mt19937_64 rng(42);
    std::vector<InstrumentId> held = book.options;
    std::shuffle(held.begin(), held.end(), rng);
    held.resize(100);
    for (InstrumentId id : held) {
      const std::int64_t lots = 1 + static_cast<std::int64_t>(rng() % 50);
      (void)account.add_position(book.table, id, rng() & 1 ? lots : -lots);
    }
    // Orders on the held options, small enough that positions rarely close.
    for (int i = 0; i < 4096; ++i) {
      const std::int64_t lots = 1 + static_cast<std::int64_t>(rng() % 3);
      orders.emplace_back(held[rng() % held.size()], rng() & 1 ? lots : -lots);
    }
  }
  // Pre-trade check, then the fill's post-trade update and the new margin.
  std::int64_t order(std::size_t i) {
    const auto& [id, lots] = orders[i & 4095];
    auto pre = account.margin_with(book.table, id, lots);
    (void)account.add_position(book.table, id, lots);
    auto post = account.margin(book.table);
    return pre.value().initial + post.value().initial;
  }
};

void BM_PortfolioOrderPreAndPostTrade(benchmark::State& state) {
  OrderSetup s;
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(s.order(i++));
  state.counters["positions"] = static_cast<double>(s.account.positions().size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PortfolioOrderPreAndPostTrade);

// The same with each order timed, for percentiles (adds the clock's ~20-40 ns per order).
void BM_PortfolioOrderLatency(benchmark::State& state) {
  OrderSetup s;
  LatencyHistogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    const std::int64_t t0 = now_ns();
    benchmark::DoNotOptimize(s.order(i++));
    h.record(static_cast<std::uint64_t>(now_ns() - t0));
  }
  bench::report_latency(state, h);
}
BENCHMARK(BM_PortfolioOrderLatency);

// --- re-margining 100,000 accounts ------------------------------------------------------------

void BM_RemarginAfterIndexMove(benchmark::State& state) {
  const std::size_t accounts_n = static_cast<std::size_t>(state.range(0));
  const std::size_t per_account = static_cast<std::size_t>(state.range(1));
  Book book = Book::make();
  std::vector<InstrumentId> all = book.options;
  all.insert(all.end(), book.futures.begin(), book.futures.end());
  std::mt19937_64 rng(7);
  std::vector<AccountPortfolio> accounts(accounts_n, AccountPortfolio(book.btc));
  for (AccountPortfolio& a : accounts) {
    for (std::size_t p = 0; p < per_account; ++p) {
      const InstrumentId id = all[rng() % all.size()];
      const std::int64_t lots = 1 + static_cast<std::int64_t>(rng() % (book.registry.get(id).is_option() ? 100 : 10'000));
      (void)a.add_position(book.table, id, rng() & 1 ? lots : -lots);
    }
  }
  LatencyHistogram vectors, sums;
  double s = 100'000;
  for (auto _ : state) {
    s = s == 100'000 ? 97'000 : 100'000;  // alternate: every vector changes
    const std::int64_t t0 = now_ns();
    book.move_index(s);  // vectors, once per instrument
    const std::int64_t t1 = now_ns();
    std::int64_t total = 0;
    AccountPortfolio::remargin_all(accounts, book.table,
                                   [&](std::size_t, const Result<Margin, Errc>& m) { total += m.value().initial; });
    benchmark::DoNotOptimize(total);
    vectors.record(static_cast<std::uint64_t>(t1 - t0));
    sums.record(static_cast<std::uint64_t>(now_ns() - t1));
  }
  // Medians and the best run: on a shared machine the minimum is the least disturbed one.
  state.counters["vectors_ms"] = static_cast<double>(vectors.percentile(50)) / 1e6;
  state.counters["accounts_ms"] = static_cast<double>(sums.percentile(50)) / 1e6;
  state.counters["accounts_min_ms"] = static_cast<double>(sums.min()) / 1e6;
  state.counters["accounts_max_ms"] = static_cast<double>(sums.max()) / 1e6;
  state.counters["instruments"] = static_cast<double>(all.size());
}
BENCHMARK(BM_RemarginAfterIndexMove)->Args({100'000, 20})->Args({10'000, 20})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
