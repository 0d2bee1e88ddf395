// The time-weighted average of an index over a trailing window (30 minutes for expiry
// settlement), from the index updates the engine journaled. Each update holds from its time
// until the next one. Keeps only the updates the window can still need; integer arithmetic
// with a 128-bit accumulator, rounded half-even.
#pragma once

#include <deque>

#include "core/result.hpp"
#include "core/time.hpp"
#include "core/units.hpp"

namespace strike::clearing {

class IndexTwap {
 public:
  explicit IndexTwap(std::int64_t window_ns = 30LL * 60 * kNsPerSecond) : window_ns_(window_ns) {}

  // Updates arrive in non-decreasing time (the sequencer's clock). An out-of-order update is
  // a broken invariant.
  void update(Timestamp t, RefPrice price);
  bool has_value() const noexcept { return !updates_.empty(); }
  RefPrice last() const noexcept { return updates_.empty() ? RefPrice{0} : updates_.back().price; }

  // Average over [end - window, end]. The part of the window before the first update known is
  // left out (the average covers what was observed). Errors: no_index_price when no update
  // happened at or before `end`.
  Result<RefPrice, Errc> average(Timestamp end) const noexcept;

  struct Point {
    Timestamp time;
    RefPrice price;
  };
  const std::deque<Point>& points() const noexcept { return updates_; }

 private:
  std::int64_t window_ns_;
  std::deque<Point> updates_;  // the last update at or before (newest - window), then newer ones
};

}  // namespace strike::clearing
