// Per-operation latency for the book benchmarks: the TSC read around each operation (lfence
// on both sides, so the operation cannot leak out of the window), converted to ns with a
// frequency calibrated against steady_clock, into a histogram with 1 ns buckets up to
// 64 us (and the exact maximum). Percentiles, never averages alone.
#pragma once

#include <x86intrin.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace strike::book::bench {

inline std::uint64_t tsc_now() noexcept {
  _mm_lfence();
  const std::uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}

// TSC ticks per ns (constant_tsc/nonstop_tsc machines).
inline double tsc_per_ns() {
  static const double rate = [] {
    const auto c0 = std::chrono::steady_clock::now();
    const std::uint64_t t0 = tsc_now();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const std::uint64_t t1 = tsc_now();
    const auto c1 = std::chrono::steady_clock::now();
    return static_cast<double>(t1 - t0) / static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(c1 - c0).count());
  }();
  return rate;
}

class LatencyHistogram {
 public:
  static constexpr std::size_t kBuckets = 65'536;  // ns

  LatencyHistogram() : counts_(kBuckets + 1, 0) {}
  void add_ticks(std::uint64_t ticks) noexcept {
    const auto ns = static_cast<std::uint64_t>(static_cast<double>(ticks) / tsc_per_ns());
    ++counts_[ns < kBuckets ? ns : kBuckets];
    if (ns > max_) max_ = ns;
    ++n_;
  }
  // Smallest bucket (ns) at or below which a fraction q of the samples lie.
  double percentile(double q) const noexcept {
    const auto want = static_cast<std::uint64_t>(q * static_cast<double>(n_));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > want) return i == kBuckets ? static_cast<double>(max_) : static_cast<double>(i);
    }
    return static_cast<double>(max_);
  }
  double max() const noexcept { return static_cast<double>(max_); }
  std::uint64_t count() const noexcept { return n_; }

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t max_ = 0;
  std::uint64_t n_ = 0;
};

}  // namespace strike::book::bench
