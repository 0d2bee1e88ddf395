// What a snapshot of a large state costs the sequencer. A venue holding 1,000,000 resting orders
// (BTC-PERPETUAL, 2,000 accounts, tmpfs, durability os):
// - BM_SaveOnTheEngineThread: Engine::save of that state, the pause the sequencer took for every
//   snapshot before the snapshotter (venue/snapshotter.hpp) existed;
// - BM_SequencerDuringASnapshot/1: admin/snapshot is requested, and the sequencer keeps taking
//   commands (cancels of unknown orders: the cheapest command, so a pause shows up whole) at a
//   steady rate until the snapshotter has written the file; each submit's latency goes into a
//   histogram, and `max` is the longest the sequencer was held up while the snapshot was taken.
//   /0 is the same without a snapshot, in the same run: the machine's own noise.
#include <benchmark/benchmark.h>

#include <chrono>

#include "core/bench_dir.hpp"
#include "core/latency_histogram.hpp"
#include "core/latency_report.hpp"
#include "venue/venue.hpp"

namespace {

using namespace strike;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kStart = 1'796'083'200LL * kNsPerSecond;
constexpr std::uint64_t kOrders = 1'000'000;
constexpr std::uint64_t kAccounts = 2'000;

const InstrumentRegistry& registry() {
  static const InstrumentRegistry r = load_default_instruments().value();
  return r;
}

engine::EngineConfig config() {
  engine::EngineConfig c;
  c.max_open_orders_per_book = kOrders;  // 500 per account and book by default
  return c;
}

// Accounts with collateral, then 1M bids and asks that do not cross, 25 per price level.
template <class Submit>
void fill_book(Submit&& submit) {
  const InstrumentId perp = registry().find("BTC-PERPETUAL")->id;
  const CurrencyId btc = registry().currencies().find("BTC")->id;
  for (std::uint64_t a = 1; a <= kAccounts; ++a) {
    submit(engine::CreateAccount{});
    submit(engine::Deposit{AccountId{a}, btc, 1'000'000LL * 100'000'000});
  }
  for (std::uint64_t i = 0; i < kOrders; ++i) {
    engine::NewOrder o;
    o.account = AccountId{1 + i % kAccounts};
    o.instrument = perp;
    o.side = i % 2 ? Side::buy : Side::sell;
    const std::int64_t level = static_cast<std::int64_t>(i / 50);  // ticks of 0.5 USD
    o.price = Price{o.side == Side::buy ? 180'000 - level : 220'000 + level};
    o.qty = Qty{1 + static_cast<std::int64_t>(i % 7)};
    submit(o);
  }
}

void BM_SaveOnTheEngineThread(benchmark::State& state) {
  engine::Engine e(registry(), config());
  std::uint64_t seq = 0;
  fill_book([&](const engine::CommandBody& b) { (void)e.apply(engine::Command{SeqNo{++seq}, Timestamp::from_ns(kStart), b}); });
  if (e.open_order_count() != kOrders) state.SkipWithError("the book did not take every order");
  std::vector<std::byte> bytes;
  for (auto _ : state) {
    bytes.clear();
    e.save(bytes);
    benchmark::DoNotOptimize(bytes.data());
  }
  state.counters["snapshot_MB"] = static_cast<double>(bytes.size()) / 1e6;
}

// Commands at a steady 100,000 per second (one every 10 us, scheduled: a late one is not
// postponed), each submit timed, for as long as the snapshotter needs to write the snapshot
// (arg 1) or for the same number of commands with no snapshot (arg 0, the baseline of the same
// run: what the machine itself costs). The longest submit is the pause a snapshot caused.
void BM_SequencerDuringASnapshot(benchmark::State& state) {
  const bool snapshot = state.range(0) == 1;
  bench::BenchDir dir(bench::Disk::tmpfs, "strike-snapshot-bench");
  venue::VenueOptions options;
  options.data_dir = dir.path;
  options.durability = journal::Durability::os;
  options.snapshot_every = 0;  // only the one requested
  options.engine = config();
  auto v = venue::Venue::open(registry(), options).value();
  std::int64_t t = kStart;
  const auto submit = [&](const engine::CommandBody& b) {
    const engine::Outcome* o = nullptr;
    while (v->submit(b, Timestamp::from_ns(++t), o) == venue::SubmitStatus::back_pressured) cpu_relax();
  };
  fill_book(submit);
  if (v->engine().open_order_count() != kOrders) state.SkipWithError("the book did not take every order");
  constexpr auto kInterval = std::chrono::microseconds(10);
  LatencyHistogram h;
  std::uint64_t commands = 0;
  static std::uint64_t commands_with_snapshot = 200'000;  // set by the arg-1 run, reused by arg 0
  for (auto _ : state) {
    if (snapshot) v->request_snapshot();
    const SeqNo wanted = v->engine().last_seq();
    std::uint64_t n = 0;
    auto next = Clock::now();
    while (snapshot ? v->snapshots()->last_written() < wanted : n < commands_with_snapshot) {
      while (Clock::now() < next) cpu_relax();
      const auto begin = Clock::now();
      submit(engine::CancelOrder{AccountId{1}, OrderId{UINT64_MAX}});
      h.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - begin).count()));
      next += kInterval;
      ++n;
    }
    commands += n;
    if (snapshot) commands_with_snapshot = n;
  }
  state.counters["commands"] = static_cast<double>(commands);
  bench::report_latency(state, h);
  (void)v->close();
}

BENCHMARK(BM_SaveOnTheEngineThread)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_SequencerDuringASnapshot)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
