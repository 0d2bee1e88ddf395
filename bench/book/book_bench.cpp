// Order book throughput and latency on the shared reproducible stream (shared_stream.hpp)
// and its deep-queue variant. Rows, commands and figures: docs/benchmarks.md, ## book.
//   BM_Stream/<shallow|deep>/<sink>: whole stream replayed into a fresh book; items/s = ops/s.
//   BM_StreamLatency/<shallow|deep>: the same with each operation timed; counters are
//     percentiles in ns over all operations and per kind (add, cancel, take).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "book/order_book.hpp"
#include "latency.hpp"
#include "shared_stream.hpp"

namespace strike::book::bench {
namespace {

const std::vector<StreamOp>& stream(bool deep) {
  static const std::vector<StreamOp> shallow = make_stream(kShallowTakeMax);
  static const std::vector<StreamOp> deep_ops = make_stream(kDeepTakeMax);
  return deep ? deep_ops : shallow;
}

// What an engine's output stage does with events: copy them into a preallocated ring.
struct RingSink {
  alignas(64) unsigned char* ring;
  std::size_t pos = 0;
  static constexpr std::size_t kBytes = 1 << 16;
  template <class E>
  void on(const E& e) noexcept {
    if (pos + sizeof(E) > kBytes) pos = 0;
    std::memcpy(ring + pos, &e, sizeof(E));
    pos += sizeof(E);
  }
};

template <class Sink>
void run_stream(benchmark::State& state, bool deep, Sink sink) {
  const auto& ops = stream(deep);
  std::size_t resting = 0;
  for (auto _ : state) {
    state.PauseTiming();
    {
      OrderBook<Sink> book(BookConfig{}, sink);
      state.ResumeTiming();
      for (std::size_t i = 0; i < ops.size(); ++i) benchmark::DoNotOptimize(apply(book, ops[i], static_cast<std::int64_t>(i)));
      state.PauseTiming();
      resting = book.resting_count();
    }  // the book's destruction is not timed
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ops.size()));
  state.counters["resting_at_end"] = static_cast<double>(resting);
}

void BM_Stream_Ring(benchmark::State& state) {
  static std::vector<unsigned char> ring(RingSink::kBytes);
  run_stream(state, state.range(0) != 0, RingSink{ring.data()});
}
void BM_Stream_Null(benchmark::State& state) { run_stream(state, state.range(0) != 0, NullSink{}); }

void BM_StreamLatency(benchmark::State& state) {
  const bool deep = state.range(0) != 0;
  const auto& ops = stream(deep);
  static std::vector<unsigned char> ring(RingSink::kBytes);
  LatencyHistogram all, by_kind[3];
  for (auto _ : state) {
    OrderBook<RingSink> book(BookConfig{}, RingSink{ring.data()});
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const std::uint64_t t0 = tsc_now();
      benchmark::DoNotOptimize(apply(book, ops[i], static_cast<std::int64_t>(i)));
      const std::uint64_t t = tsc_now() - t0;
      all.add_ticks(t);
      by_kind[ops[i].kind].add_ticks(t);
    }
  }
  // The timer's own cost, measured the same way around nothing.
  LatencyHistogram empty;
  for (int i = 0; i < 100'000; ++i) {
    const std::uint64_t t0 = tsc_now();
    empty.add_ticks(tsc_now() - t0);
  }
  state.counters["p50_ns"] = all.percentile(0.50);
  state.counters["p99_ns"] = all.percentile(0.99);
  state.counters["p999_ns"] = all.percentile(0.999);
  state.counters["max_ns"] = all.max();
  static const char* const kKinds[] = {"add", "cancel", "take"};
  for (int k = 0; k < 3; ++k) {
    state.counters[std::string(kKinds[k]) + "_p50_ns"] = by_kind[k].percentile(0.50);
    state.counters[std::string(kKinds[k]) + "_p99_ns"] = by_kind[k].percentile(0.99);
  }
  state.counters["timer_p50_ns"] = empty.percentile(0.50);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ops.size()));
}

// Cancel cost against queue depth at a fixed book size: 65,536 buy orders in levels of
// `depth` orders; each iteration cancels a uniformly chosen order and adds a new one at its
// price (so the depth stays put). O(1) cancel means the same cost at every depth; what
// changes is only which cache lines are warm.
void BM_CancelAndReplaceVsQueueDepth(benchmark::State& state) {
  constexpr std::uint32_t kOrders = 65'536;
  const auto depth = static_cast<std::uint32_t>(state.range(0));
  OrderBook<NullSink> book(BookConfig{});
  struct Live {
    std::uint64_t id;
    std::int64_t price;
  };
  std::vector<Live> live(kOrders);
  std::uint64_t next_id = 1;
  NewOrder o;
  o.account = AccountId{1};
  o.qty = Qty{1};
  for (std::uint32_t i = 0; i < kOrders; ++i) {
    live[i] = {next_id++, 1'000'000 - static_cast<std::int64_t>(i / depth)};
    o.id = OrderId{live[i].id};
    o.price = Price{live[i].price};
    (void)book.submit(o, Timestamp{});
  }
  Xoshiro256 rng(7);
  for (auto _ : state) {
    Live& l = live[rng() % kOrders];
    benchmark::DoNotOptimize(book.cancel(OrderId{l.id}, AccountId{1}, Timestamp{}));
    l.id = next_id++;
    o.id = OrderId{l.id};
    o.price = Price{l.price};
    benchmark::DoNotOptimize(book.submit(o, Timestamp{}));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

BENCHMARK(BM_CancelAndReplaceVsQueueDepth)->ArgName("depth")->Arg(1)->Arg(64)->Arg(700)->Arg(65'536);
BENCHMARK(BM_Stream_Ring)->ArgName("deep")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_Stream_Null)->ArgName("deep")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_StreamLatency)->ArgName("deep")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace strike::book::bench

BENCHMARK_MAIN();
