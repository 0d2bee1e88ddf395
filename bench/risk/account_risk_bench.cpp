// Risk as the engine runs it (risk/account_risk.hpp) over a real clearing state, on a BTC book of
// 200 options (5 expiries x 20 strikes x call and put) and a perpetual:
//   BM_OrderRisk/pm and /sm   one order of an account holding 100 option positions: the
//                             pre-trade check (admit: its margin with the order, equity from
//                             clearing) plus the post-trade update of a fill and of its undo.
//                             Target <= 1 us per order under portfolio margin.
//   BM_RemarginAfterIndexMove the index moves: the portfolio grid is recomputed (one batch pricing
//                             pass), then each of 100,000 portfolio-margined accounts with 20
//                             positions gets its margin and available funds. Target <= 50 ms.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "../core/latency_report.hpp"
#include "risk/account_risk.hpp"

namespace {

using namespace strike;
using namespace strike::risk;

const Timestamp kNow = Timestamp::from_ns(1'780'300'800LL * kNsPerSecond);  // 2026-06-01 08:00 UTC
constexpr std::int64_t kSat = 100'000'000;

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
[[option_series]]
underlying = "BTC"
expiries = ["26JUN26", "31JUL26", "25SEP26", "25DEC26", "26MAR27"]
strikes = [)" + strikes + R"(]
contract_size = "1"
min_trade_amount = "0.1"
tick_size = "0.0001"
)";
}

// A clearing state with accounts holding option positions, marks and an index, and the risk
// layer over it.
struct Venue {
  InstrumentRegistry registry;
  std::unique_ptr<clearing::Clearing> clearing;
  std::unique_ptr<AccountRisk> risk;
  std::vector<InstrumentId> options;
  CurrencyId btc;

  explicit Venue(std::size_t accounts) {
    registry = parse_instrument_config(book_toml(), "bench.toml").value();
    clearing::ClearingConfig cc;
    cc.max_accounts = accounts + 1;
    clearing = std::make_unique<clearing::Clearing>(registry, cc);
    risk = AccountRisk::make(registry, RiskConfig(registry.currencies())).value();
    btc = registry.currencies().find("BTC")->id;
    for (const Instrument& ins : registry.all())
      if (ins.is_option()) options.push_back(ins.id);
    clearing->begin_command(SeqNo{1}, kNow);
    (void)clearing->set_index(btc, RefPrice{100'000LL * kSat});
    for (const InstrumentId o : options) (void)clearing->set_mark(o, RefPrice{3'000'000});  // 0.03 BTC
    for (std::size_t a = 0; a <= accounts; ++a) {  // account 1 is every trade's counterparty
      (void)clearing->create_account(std::nullopt);
      (void)clearing->deposit(AccountId{a + 1}, Money{btc, 1'000 * kSat});
      risk->add_account();
    }
    set_markets();
  }
  void set_markets() {
    std::vector<InstrumentMarket> market(registry.size());
    for (const Instrument& ins : registry.all()) market[ins.id.raw()] = InstrumentMarket{100'000.0, ins.is_option() ? 0.6 : 0.0};
    std::vector<double> index(registry.currencies().all().size(), 0.0);
    index[btc.raw()] = static_cast<double>(clearing->index(btc)->raw()) / 1e8;
    risk->set_markets(kNow, market, index);
  }
  // `account` buys lots of each of `count` options from account 1 (shorts 1 lot for every 5th).
  void hold(AccountId account, std::size_t first, std::size_t count) {
    for (std::size_t k = 0; k < count; ++k) {
      const InstrumentId i = options[(first + k) % options.size()];
      const bool sell = k % 5 == 4;
      const std::int64_t lots = 1 + static_cast<std::int64_t>(k % 3);
      (void)clearing->on_fill(clearing::Fill{i, k + 1, sell ? AccountId{1} : account, sell ? account : AccountId{1}, true,
                                             Price{300}, Qty{lots}});
      risk->position_changed(*clearing, account, i, sell ? -lots : lots);
      risk->position_changed(*clearing, AccountId{1}, i, sell ? lots : -lots);
    }
  }
};

void BM_OrderRisk(benchmark::State& state) {
  const bool pm = state.range(0) == 1;
  Venue v(1);
  const AccountId a{2};
  if (pm && !v.risk->set_model(*v.clearing, a, MarginModel::segregated_pm)) state.SkipWithError("model refused");
  v.hold(a, 0, 100);
  LatencyHistogram h;
  std::size_t k = 0;
  using Clock = std::chrono::steady_clock;
  const auto ns = [](Clock::time_point from, Clock::time_point to) {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count());
  };
  std::uint64_t seq = 1, total = 0;
  for (auto _ : state) {
    const InstrumentId i = v.options[k++ % 100];
    v.clearing->begin_command(SeqNo{++seq}, kNow);
    // Timed: the pre-trade check, and risk's post-trade update once clearing has booked the fill.
    // Not timed: clearing's booking, and the undo that keeps every iteration on the same account.
    const auto t0 = Clock::now();
    const Errc admitted = v.risk->admit(*v.clearing, a, OrderChange{i, 1, 0, 300, 0});
    const auto t1 = Clock::now();
    (void)v.clearing->on_fill(clearing::Fill{i, seq, a, AccountId{1}, true, Price{300}, Qty{1}});
    const auto t2 = Clock::now();
    v.risk->position_changed(*v.clearing, a, i, 1);
    const auto t3 = Clock::now();
    (void)v.clearing->on_fill(clearing::Fill{i, seq, AccountId{1}, a, true, Price{300}, Qty{1}});
    v.risk->position_changed(*v.clearing, a, i, -1);
    benchmark::DoNotOptimize(admitted);
    const std::uint64_t order = ns(t0, t1) + ns(t2, t3);
    total += order;
    h.record(order);
  }
  state.counters["risk_ns_per_order"] = static_cast<double>(total) / static_cast<double>(state.iterations());
  bench::report_latency(state, h);
}

void BM_RemarginAfterIndexMove(benchmark::State& state) {
  const std::size_t accounts = static_cast<std::size_t>(state.range(0));
  Venue v(accounts);
  for (std::size_t a = 0; a < accounts; ++a) {
    const AccountId id{a + 2};
    (void)v.risk->set_model(*v.clearing, id, MarginModel::segregated_pm);
    v.hold(id, a * 7, 20);
  }
  std::int64_t index = 100'000;
  std::int64_t checksum = 0;
  std::uint64_t seq = 1;
  for (auto _ : state) {
    v.clearing->begin_command(SeqNo{++seq}, kNow);
    index = index == 100'000 ? 97'000 : 100'000;  // a 3% move and back
    (void)v.clearing->set_index(v.btc, RefPrice{index * kSat});
    v.risk->values_moved();
    v.set_markets();
    for (std::size_t a = 0; a < accounts; ++a)
      if (const auto m = v.risk->margin(*v.clearing, AccountId{a + 2}, v.btc)) checksum += m->available;
  }
  benchmark::DoNotOptimize(checksum);
  state.counters["accounts"] = static_cast<double>(accounts);
}

BENCHMARK(BM_OrderRisk)->Arg(1)->Arg(0)->ArgName("pm");
BENCHMARK(BM_RemarginAfterIndexMove)->Arg(100'000)->Unit(benchmark::kMillisecond)->Iterations(4);

}  // namespace

BENCHMARK_MAIN();
