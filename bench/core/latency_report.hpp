// Reports a LatencyHistogram as Google Benchmark counters (p50/p99/p99.9/max in ns), so every
// latency row in docs/benchmarks.md has the same columns. Shared by the component benches.
#pragma once

#include <benchmark/benchmark.h>

#include "core/latency_histogram.hpp"

namespace strike::bench {

inline void report_latency(benchmark::State& state, const LatencyHistogram& h) {
  state.counters["p50_ns"] = static_cast<double>(h.percentile(50));
  state.counters["p99_ns"] = static_cast<double>(h.percentile(99));
  state.counters["p999_ns"] = static_cast<double>(h.percentile(99.9));
  state.counters["max_ns"] = static_cast<double>(h.max());
  state.counters["samples"] = static_cast<double>(h.count());
}

}  // namespace strike::bench
