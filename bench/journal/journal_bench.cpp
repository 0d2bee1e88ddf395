// Journal throughput, commit latency and replay speed with 64-byte payloads (a command-sized
// record is 92 bytes on disk), in each durability mode, on tmpfs (/dev/shm) and on a real
// disk (STRIKE_BENCH_DISK_DIR, default ./journal-bench-tmp, i.e. the checkout's disk when run
// by `make bench`). The producer (the sequencer's role) and the flusher are two threads; the
// machine has 2 cores, shared with other builds: spreads are wide, see docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "../core/bench_dir.hpp"
#include "../core/latency_report.hpp"
#include "core/idle_strategy.hpp"
#include "core/latency_histogram.hpp"
#include "journal/journal_reader.hpp"
#include "journal/journal_writer.hpp"

namespace {

namespace fs = std::filesystem;
using namespace strike;
using namespace strike::journal;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kPayload = 64;
constexpr std::uint64_t kRecords = 1'000'000;

using strike::bench::BenchDir;
using strike::bench::Disk;

std::unique_ptr<JournalWriter> open_writer(const fs::path& dir, Durability d) {
  WriterOptions o;
  o.durability = d;
  auto w = JournalWriter::open(dir, JournalEnd{}, o);
  if (!w) {
    std::fprintf(stderr, "%s\n", w.error().to_string().c_str());
    std::abort();
  }
  return std::move(w).value();
}

std::vector<std::byte> payload() {
  std::vector<std::byte> p(kPayload);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::byte>(i * 13);
  return p;
}

// Saturating append: the producer appends kRecords as fast as back-pressure allows while the
// flusher group-commits; the clock stops when the last record is durable.
void BM_Append(benchmark::State& state, Durability mode, Disk disk) {
  const auto p = payload();
  WriterStats stats;
  for (auto _ : state) {
    state.PauseTiming();
    BenchDir dir(disk, "journal-bench-tmp-append");
    auto w = open_writer(dir.path, mode);
    w->start_flusher(IdleStrategy::yield());
    state.ResumeTiming();
    for (std::uint64_t i = 0; i < kRecords; ++i) {
      while (w->append(Timestamp::from_ns(static_cast<std::int64_t>(i)), 1, p).status == AppendStatus::back_pressured)
        std::this_thread::yield();  // the flusher needs the core (2 shared cores)
    }
    if (!w->wait_durable(SeqNo{kRecords}, IdleStrategy::yield())) std::abort();
    state.PauseTiming();
    stats = w->stats();
    (void)w->close();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kRecords));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kRecords * (kPayload + kRecordHeaderSize)));
  state.counters["batches"] = static_cast<double>(stats.batches);
  state.counters["records_per_batch"] = static_cast<double>(stats.records) / static_cast<double>(std::max<std::uint64_t>(1, stats.batches));
  state.counters["syncs"] = static_cast<double>(stats.syncs);
}
BENCHMARK_CAPTURE(BM_Append, fsync_tmpfs, Durability::fsync, Disk::tmpfs)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_Append, fsync_disk, Durability::fsync, Disk::disk)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_Append, os_tmpfs, Durability::os, Disk::tmpfs)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_Append, os_disk, Durability::os, Disk::disk)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_Append, none, Durability::none, Disk::tmpfs)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// The CPU cost per record of the journal path on one thread, without I/O: framing + CRC32C
// on append, SHA-256 chain on flush (do_work every 4096 records). Robust to the machine's
// load (CPU time), and the ceiling of the two-thread rows above.
void BM_AppendAndHashOneThread(benchmark::State& state) {
  const auto p = payload();
  auto w = open_writer("/nonexistent-unused", Durability::none);
  std::int64_t i = 0;
  for (auto _ : state) {
    if (w->append(Timestamp::from_ns(i), 1, p).status != AppendStatus::ok) std::abort();
    if ((++i & 4095) == 0) benchmark::DoNotOptimize(w->do_work());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kPayload + kRecordHeaderSize));
}
BENCHMARK(BM_AppendAndHashOneThread);

// Commit latency at a fixed offered rate, coordinated-omission-free: each record's latency
// runs from its intended send time (start + i / rate), not from when it was actually sent,
// to the moment the producer sees durable_sequence() cover it. The producer polls between
// sends, so latencies carry up to one send interval of observation delay.
void BM_CommitLatency(benchmark::State& state, Durability mode, Disk disk) {
  const auto p = payload();
  const double rate = static_cast<double>(state.range(0));
  const std::uint64_t n = std::min<std::uint64_t>(kRecords, static_cast<std::uint64_t>(rate));  // ~1 s of load
  LatencyHistogram h;
  std::vector<Clock::time_point> intended(n + 1);
  for (auto _ : state) {
    state.PauseTiming();
    BenchDir dir(disk, "journal-bench-tmp-latency");
    auto w = open_writer(dir.path, mode);
    w->start_flusher(IdleStrategy::yield());
    state.ResumeTiming();
    const auto start = Clock::now() + std::chrono::milliseconds(1);
    std::uint64_t next_durable = 1;
    auto observe = [&] {
      const std::uint64_t d = w->durable_sequence().raw();
      if (d < next_durable) return;
      const auto now = Clock::now();
      for (; next_durable <= d; ++next_durable)
        h.record(static_cast<std::uint64_t>((now - intended[next_durable]).count()));
    };
    for (std::uint64_t i = 1; i <= n; ++i) {
      intended[i] = start + std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(i - 1) * 1e9 / rate));
      while (Clock::now() < intended[i]) {
        observe();
        std::this_thread::yield();  // leave the second core to the flusher on this shared machine
      }
      while (w->append(Timestamp::from_ns(static_cast<std::int64_t>(i)), 1, p).status == AppendStatus::back_pressured)
        observe();
      observe();
    }
    while (next_durable <= n) observe();
    state.PauseTiming();
    (void)w->close();
    state.ResumeTiming();
  }
  strike::bench::report_latency(state, h);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK_CAPTURE(BM_CommitLatency, os_tmpfs, Durability::os, Disk::tmpfs)->Arg(1'000'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_CommitLatency, os_disk, Durability::os, Disk::disk)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_CommitLatency, fsync_tmpfs, Durability::fsync, Disk::tmpfs)->Arg(1'000'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_CommitLatency, fsync_disk, Durability::fsync, Disk::disk)->Arg(1'000'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// Replay: a verifying read of kRecords records (92 MB) from the page cache.
void BM_Replay(benchmark::State& state, bool verify_chain, Disk disk) {
  BenchDir dir(disk, "journal-bench-tmp-replay");
  {
    auto w = open_writer(dir.path, Durability::os);
    w->start_flusher(IdleStrategy::yield());
    const auto p = payload();
    for (std::uint64_t i = 0; i < kRecords; ++i)
      while (w->append(Timestamp::from_ns(static_cast<std::int64_t>(i)), 1, p).status == AppendStatus::back_pressured)
        std::this_thread::yield();
    (void)w->close();
  }
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    JournalReader::Options o;
    o.verify_chain = verify_chain;
    auto reader = JournalReader::open(dir.path, o).value();
    RecordView r;
    std::uint64_t n = 0, sum = 0;
    while (reader.next(r) == ReadStatus::record) {
      ++n;
      sum += r.payload.size();
    }
    if (n != kRecords) std::abort();
    benchmark::DoNotOptimize(sum);
    bytes = reader.stats().bytes;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kRecords));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}
BENCHMARK_CAPTURE(BM_Replay, chain_tmpfs, true, Disk::tmpfs)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Replay, crc_only_tmpfs, false, Disk::tmpfs)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Replay, chain_disk_cached, true, Disk::disk)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
