// The engine on the book's shared stream (engine_stream.hpp): apply() alone on one thread;
// the whole pipeline through the rings (producer -> MPSC ring -> sequencer: journal append +
// apply -> results held until durable -> SPSC ring -> consumer) in each durability mode, on
// tmpfs and on the real disk (STRIKE_BENCH_DISK_DIR, default the current directory); latency
// from intended send time to durable result at a fixed rate; and replay / recovery speed.
// The machine has 2 cores shared with other builds: spreads are wide, see docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "core/agent_runner.hpp"
#include "core/bench_dir.hpp"
#include "core/latency_histogram.hpp"
#include "core/latency_report.hpp"
#include "core/mpsc_ring.hpp"
#include "core/spsc_ring.hpp"
#include "engine/engine.hpp"
#include "engine/engine_stream.hpp"
#include "venue/sequencer.hpp"

namespace {

namespace fs = std::filesystem;
using namespace strike;
using Clock = std::chrono::steady_clock;

const InstrumentRegistry& registry() {
  static const InstrumentRegistry r = load_default_instruments().value();
  return r;
}

const std::vector<engine::CommandBody>& stream() {
  static const std::vector<engine::CommandBody> s = engine::bench::engine_stream(registry(), book::bench::kStreamOps);
  return s;
}

std::int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }

// --- apply() alone ------------------------------------------------------------------------------

void BM_EngineApply(benchmark::State& state) {
  const auto& s = stream();
  std::size_t trades = 0, commands = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto e = std::make_unique<engine::Engine>(registry());
    state.ResumeTiming();
    std::uint64_t seq = 0;
    for (const engine::CommandBody& b : s) {
      const engine::Outcome& o = e->apply(engine::Command{SeqNo{++seq}, Timestamp::from_ns(engine::bench::kStreamStart + seq), b});
      for (const engine::Event& ev : o.events) trades += std::holds_alternative<engine::TradeExecuted>(ev);
    }
    commands += s.size();
    benchmark::DoNotOptimize(e->last_seq());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(commands));
  state.counters["trades_per_command"] = static_cast<double>(trades) / static_cast<double>(commands);
}
BENCHMARK(BM_EngineApply)->Unit(benchmark::kMillisecond)->Iterations(3);

// --- the pipeline -------------------------------------------------------------------------------

using strike::bench::BenchDir;
using strike::bench::Disk;

struct Input {
  engine::CommandBody body;
  std::int64_t intended_ns = 0;  // when the producer meant to send it
};
struct Ack {
  SeqNo seq;
  Errc status = Errc::ok;
  std::int64_t intended_ns = 0;
};

// Stamps each drained batch with one clock read, sequences the command, and acks it once
// durable into the consumer's ring.
struct AckHandler {
  using Sequencer = venue::Sequencer<Input, Ack, AckHandler>;
  SpscRing<Ack>& out;
  bool on_input(const Input& i, Sequencer& seq) {
    const engine::Outcome* o = nullptr;
    if (seq.submit(i.body, Timestamp::from_ns(engine::bench::kStreamStart + now_ns()), o) != venue::SubmitStatus::ok) return false;
    seq.hold(o->seq, Ack{o->seq, o->status, i.intended_ns});
    return true;
  }
  void publish(Ack&& a) {
    while (out.try_push(a) != PushStatus::ok) cpu_relax();
  }
  bool finished() const { return false; }
};

struct PipelineResult {
  double seconds = 0;
  std::size_t commands = 0;
  LatencyHistogram latency;
};

// Sends the stream at `rate` commands/s (0: as fast as back-pressure allows) and waits for
// every durable ack. The benchmark thread is both producer and consumer and every idle strategy
// yields: with the sequencer and the journal flusher that is three threads, and this machine
// has two cores (spinning threads would measure the scheduler's time slices).
PipelineResult run_pipeline(journal::Durability durability, Disk disk, double rate, std::size_t n) {
  const auto& s = stream();
  n = std::min(n, s.size());
  BenchDir dir(disk, "engine-bench-" + std::string(journal::to_string(durability)));
  venue::VenueOptions options;
  options.data_dir = dir.path;
  options.durability = durability;
  options.snapshot_every = 0;
  options.flusher_idle = IdleStrategy::yield();
  auto v = venue::Venue::open(registry(), options);
  if (!v) {
    std::fprintf(stderr, "%s\n", v.error().to_string().c_str());
    std::abort();
  }
  MpscRing<Input> in(1 << 16);
  SpscRing<Ack> out(1 << 16);
  AckHandler handler{out};
  AckHandler::Sequencer seq(in, *v.value(), handler);
  AgentRunner<AckHandler::Sequencer> runner(seq, IdleStrategy::yield(), "sequencer");
  PipelineResult r;
  runner.start();
  const std::int64_t start = now_ns();
  std::size_t sent = 0, acked = 0;
  while (acked < n) {
    int work = 0;
    // Send everything that is due (all of it when rate is 0) until the ring pushes back.
    while (sent < n) {
      Input input{s[sent], rate > 0 ? start + static_cast<std::int64_t>(static_cast<double>(sent) * 1e9 / rate) : 0};
      if ((rate > 0 && now_ns() < input.intended_ns) || in.try_push(input) != PushStatus::ok) break;
      ++sent;
      ++work;
    }
    Ack a;
    while (out.try_pop(a)) {
      ++acked;
      ++work;
      if (rate > 0) r.latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_ns() - a.intended_ns)));
    }
    if (work == 0) std::this_thread::yield();
  }
  r.seconds = static_cast<double>(now_ns() - start) / 1e9;
  r.commands = n;
  runner.stop();
  (void)v.value()->close();
  return r;
}

void BM_Pipeline(benchmark::State& state, journal::Durability durability, Disk disk) {
  PipelineResult r;
  for (auto _ : state) {
    r = run_pipeline(durability, disk, 0, stream().size());
    state.SetIterationTime(r.seconds);
  }
  state.counters["commands_per_s"] = static_cast<double>(r.commands) / r.seconds;
}
BENCHMARK_CAPTURE(BM_Pipeline, none, journal::Durability::none, Disk::tmpfs)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_Pipeline, os_tmpfs, journal::Durability::os, Disk::tmpfs)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_Pipeline, fsync_tmpfs, journal::Durability::fsync, Disk::tmpfs)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_Pipeline, fsync_disk, journal::Durability::fsync, Disk::disk)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);

// Latency from the intended send time to the durable ack at a fixed rate (no coordinated
// omission: a stalled pipeline makes every later command late, and that is counted).
void BM_PipelineLatency(benchmark::State& state, journal::Durability durability, Disk disk) {
  PipelineResult r;
  for (auto _ : state) {
    r = run_pipeline(durability, disk, static_cast<double>(state.range(0)), 1'000'000);
    state.SetIterationTime(r.seconds);
  }
  strike::bench::report_latency(state, r.latency);
  state.counters["rate_per_s"] = static_cast<double>(state.range(0));
}
BENCHMARK_CAPTURE(BM_PipelineLatency, os_tmpfs, journal::Durability::os, Disk::tmpfs)->Arg(1'000'000)->Arg(100'000)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_PipelineLatency, os_disk, journal::Durability::os, Disk::disk)->Arg(1'000'000)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);

// --- replay and recovery ------------------------------------------------------------------------

// Journals the setup and `n` operations of the shared stream (generated for `n`, so every
// cancel names a live order however long it is) into dir.
void write_journal(const fs::path& dir, std::size_t n, std::uint64_t snapshot_every) {
  venue::VenueOptions options;
  options.data_dir = dir;
  options.durability = journal::Durability::os;
  options.snapshot_every = snapshot_every;
  auto v = venue::Venue::open(registry(), options);
  std::int64_t t = engine::bench::kStreamStart;
  auto submit = [&](const engine::CommandBody& body) {
    const engine::Outcome* o = nullptr;
    while (v.value()->submit(body, Timestamp::from_ns(++t), o) == venue::SubmitStatus::back_pressured) cpu_relax();
  };
  for (const engine::CommandBody& b : engine::bench::stream_setup(registry())) submit(b);
  const InstrumentId perp = registry().find("BTC-PERPETUAL")->id;
  for (const auto& op : book::bench::make_stream(book::bench::kShallowTakeMax, n))
    submit(engine::bench::to_command(op, perp));
  (void)v.value()->close();
}

void BM_Replay(benchmark::State& state) {
  BenchDir dir(Disk::tmpfs, "engine-bench-replay");
  write_journal(dir.path, book::bench::kStreamOps, 0);
  std::uint64_t replayed = 0;
  for (auto _ : state) {
    auto rec = journal::Recovery::open(dir.path, journal::RecoveryOptions{.use_snapshots = false});
    venue::RecoveryReport report;
    auto e = venue::replay(registry(), {}, rec.value(), SeqNo{UINT64_MAX}, report);
    replayed += report.replayed;
    benchmark::DoNotOptimize(e.value()->last_seq());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(replayed));
}
BENCHMARK(BM_Replay)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// 10M commands journaled with a snapshot every 1M (the default), ending just before the next
// one: recovery is the newest snapshot plus the longest tail it can have (999,999), verified.
void BM_Recovery10M(benchmark::State& state) {
  BenchDir dir(Disk::disk, "engine-bench-recovery");
  write_journal(dir.path, 10'000'000 - 1 - engine::bench::stream_setup(registry()).size(), 1'000'000);
  std::uint64_t replayed = 0;
  for (auto _ : state) {
    auto rec = journal::Recovery::open(dir.path);
    venue::RecoveryReport report;
    auto e = venue::replay(registry(), {}, rec.value(), SeqNo{UINT64_MAX}, report);
    replayed = report.replayed;
    state.counters["from_snapshot"] = static_cast<double>(report.snapshot ? report.snapshot->raw() : 0);
    benchmark::DoNotOptimize(e.value()->last_seq());
  }
  state.counters["tail_replayed"] = static_cast<double>(replayed);
}
BENCHMARK(BM_Recovery10M)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
