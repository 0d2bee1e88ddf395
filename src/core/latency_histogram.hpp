// LatencyHistogram: a log-linear histogram of non-negative integer values (nanoseconds, in
// practice), for latency percentiles in benchmarks and load tools (HdrHistogram's layout).
//
// Values below 256 are counted exactly; above, each power-of-two range [2^k, 2^(k+1)) is cut
// into 128 equal buckets, so a reported percentile is at most 1/128 (0.8%) above the true
// value and never below it (a bucket reports its highest value, like HdrHistogram's
// highestEquivalentValue). min and max are exact. Covers the whole uint64 range.
//
// Costs: record() is a bit_width, a shift and an increment (a few ns, no allocation); the
// counters are 7424 x 8 bytes = 58 KiB, allocated once at construction. One histogram per
// thread; merge() combines them afterwards.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace strike {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;  // per power of two
  static constexpr std::uint64_t kExactBelow = 2 * kSubBuckets;       // 256
  static constexpr std::size_t kBuckets = (64 - kSubBucketBits) * kSubBuckets + kSubBuckets;

  LatencyHistogram() : counts_(kBuckets, 0) {}

  void record(std::uint64_t value) noexcept { record_n(value, 1); }
  void record_n(std::uint64_t value, std::uint64_t n) noexcept {
    counts_[bucket_of(value)] += n;
    total_ += n;
    sum_ += static_cast<long double>(value) * static_cast<long double>(n);
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }

  void merge(const LatencyHistogram& other) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  void reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
    sum_ = 0;
    min_ = std::numeric_limits<std::uint64_t>::max();
    max_ = 0;
  }

  std::uint64_t count() const noexcept { return total_; }
  std::uint64_t min() const noexcept { return total_ == 0 ? 0 : min_; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept { return total_ == 0 ? 0.0 : static_cast<double>(sum_ / total_); }

  // The smallest bucket bound v such that at least p percent of the values are <= v
  // (0 < p <= 100; 0 when empty). percentile(100) == max().
  std::uint64_t percentile(double p) const noexcept {
    if (total_ == 0) return 0;
    if (p >= 100.0) return max_;
    const auto rank = std::clamp<std::uint64_t>(
        static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_))), 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(highest_in_bucket(i), max_);
    }
    return max_;
  }

  // The bucket a value falls in, and the largest value of a bucket (exposed for tests).
  static std::size_t bucket_of(std::uint64_t v) noexcept {
    if (v < kExactBelow) return static_cast<std::size_t>(v);
    const int shift = std::bit_width(v) - (kSubBucketBits + 1);
    return static_cast<std::size_t>((static_cast<std::uint64_t>(shift) + 1) * kSubBuckets + (v >> shift) - kSubBuckets);
  }
  static std::uint64_t highest_in_bucket(std::size_t i) noexcept {
    if (i < kExactBelow) return i;
    const std::uint64_t shift = i / kSubBuckets - 1;
    const std::uint64_t low = (i % kSubBuckets + kSubBuckets) << shift;
    return low + ((std::uint64_t{1} << shift) - 1);
  }

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  long double sum_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

}  // namespace strike
