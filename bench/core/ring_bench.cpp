// The pipeline's plumbing: ring throughput between threads, ring round-trip latency per idle
// strategy, CRC32C and histogram costs. The machine has 2 cores shared with other builds, so
// the throughput rows yield (instead of spinning) when the ring is full or empty: a spinning
// thread that has lost its core to another process would only burn the slice its peer needs.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/agent_runner.hpp"
#include "core/crc32c.hpp"
#include "core/idle_strategy.hpp"
#include "core/latency_histogram.hpp"
#include "core/mpsc_ring.hpp"
#include "core/spsc_ring.hpp"
#include "latency_report.hpp"

namespace {

using strike::PushStatus;

// A command-sized value: 64 bytes.
struct Value {
  std::uint64_t seq = 0;
  std::uint64_t body[7] = {};
};

constexpr std::uint64_t kMessages = 2'000'000;

template <class Ring>
void push_all(Ring& ring, std::uint64_t first, std::uint64_t count) {
  Value v;
  for (std::uint64_t i = 0; i < count; ++i) {
    v.seq = first + i;
    while (ring.try_push(v) == PushStatus::back_pressured) std::this_thread::yield();
  }
}

// One iteration: `producers` threads push kMessages in total; the benchmark thread drains.
template <class Ring>
void ring_throughput(benchmark::State& state, int producers) {
  Ring ring(static_cast<std::size_t>(state.range(0)));
  std::uint64_t checksum = 0;
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p)
      threads.emplace_back([&ring, p, producers] { push_all(ring, p * kMessages, kMessages / producers); });
    std::uint64_t received = 0;
    while (received < kMessages / producers * producers) {
      const std::size_t n = ring.drain([&](const Value& v) { checksum += v.seq; });
      if (n == 0) std::this_thread::yield();
      received += n;
    }
    for (auto& t : threads) t.join();
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * (kMessages / producers * producers)));
  state.SetBytesProcessed(state.items_processed() * static_cast<std::int64_t>(sizeof(Value)));
}

void BM_SpscThroughput(benchmark::State& state) { ring_throughput<strike::SpscRing<Value>>(state, 1); }
BENCHMARK(BM_SpscThroughput)->Arg(1024)->Arg(65536)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MpscThroughput1Producer(benchmark::State& state) { ring_throughput<strike::MpscRing<Value>>(state, 1); }
BENCHMARK(BM_MpscThroughput1Producer)->Arg(1024)->Arg(65536)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MpscThroughput2Producers(benchmark::State& state) { ring_throughput<strike::MpscRing<Value>>(state, 2); }
BENCHMARK(BM_MpscThroughput2Producers)->Arg(65536)->Unit(benchmark::kMillisecond)->UseRealTime();

// Echoes every ping back; the duty cycle idles with the strategy under test.
struct Echo {
  strike::SpscRing<Value>& in;
  strike::SpscRing<Value>& out;
  int do_work() {
    return static_cast<int>(in.drain([&](const Value& v) { return out.try_push(v) == PushStatus::ok; }));
  }
};

// Round trip ping -> echo agent -> pong, one message in flight (Aeron's Ping/Pong sample).
// With `spin` both threads own a core; `park` shows the wake-up cost of a sleeping agent.
void BM_SpscRoundTrip(benchmark::State& state, strike::IdleStrategy idle) {
  strike::SpscRing<Value> ping(1024), pong(1024);
  Echo echo{ping, pong};
  strike::AgentRunner runner(echo, idle, "echo");
  runner.start();
  strike::LatencyHistogram rtt;
  Value v, back;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    ++v.seq;
    while (ping.try_push(v) != PushStatus::ok) strike::cpu_relax();
    while (!pong.try_pop(back)) strike::cpu_relax();
    rtt.record(static_cast<std::uint64_t>((std::chrono::steady_clock::now() - t0).count()));
  }
  runner.stop();
  strike::bench::report_latency(state, rtt);
}
BENCHMARK_CAPTURE(BM_SpscRoundTrip, spin, strike::IdleStrategy::spin())->UseRealTime()->Iterations(200000);
BENCHMARK_CAPTURE(BM_SpscRoundTrip, yield, strike::IdleStrategy::yield())->UseRealTime()->Iterations(200000);
BENCHMARK_CAPTURE(BM_SpscRoundTrip, park, strike::IdleStrategy::park())->UseRealTime()->Iterations(200000);

void crc_bench(benchmark::State& state, std::uint32_t (*fn)(const void*, std::size_t, std::uint32_t)) {
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(state.range(0)));
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 31);
  std::uint32_t crc = 0;
  for (auto _ : state) {
    crc = fn(buf.data(), buf.size(), crc);
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
void BM_Crc32cSse42(benchmark::State& state) { crc_bench(state, strike::detail::crc32c_sse42); }
void BM_Crc32cTable(benchmark::State& state) { crc_bench(state, strike::detail::crc32c_table); }
BENCHMARK(BM_Crc32cSse42)->Arg(92)->Arg(4096);
BENCHMARK(BM_Crc32cTable)->Arg(92)->Arg(4096);

void BM_HistogramRecord(benchmark::State& state) {
  strike::LatencyHistogram h;
  std::uint64_t v = 12345;
  for (auto _ : state) {
    v = v * 6364136223846793005ull + 1442695040888963407ull;
    h.record(v >> 44);
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecord);

}  // namespace
BENCHMARK_MAIN();
