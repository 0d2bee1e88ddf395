#include "clearing/index_twap.hpp"

#include <algorithm>

#include "core/checked_math.hpp"

namespace strike::clearing {

void IndexTwap::update(Timestamp t, RefPrice price) {
  STRIKE_ASSERT(updates_.empty() || updates_.back().time <= t, "index update out of time order");
  if (!updates_.empty() && updates_.back().time == t) {
    updates_.back().price = price;  // the later of two updates at one instant wins
  } else {
    updates_.push_back(Point{t, price});
  }
  // Drop what no window ending at or after t can need: keep one point at or before t - window.
  const std::int64_t horizon = t.ns() - window_ns_;
  while (updates_.size() >= 2 && updates_[1].time.ns() <= horizon) updates_.pop_front();
}

Result<RefPrice, Errc> IndexTwap::average(Timestamp end) const noexcept {
  const std::int64_t start = end.ns() - window_ns_;
  int128 weighted = 0;
  std::int64_t covered = 0;
  for (std::size_t i = 0; i < updates_.size(); ++i) {
    const std::int64_t from = std::max(updates_[i].time.ns(), start);
    const std::int64_t to = i + 1 < updates_.size() ? std::min(updates_[i + 1].time.ns(), end.ns()) : end.ns();
    if (to <= from) continue;
    weighted += int128{updates_[i].price.raw()} * (to - from);
    covered += to - from;
  }
  if (covered == 0) {
    // Only an update exactly at `end` (or none): the average is that value if it exists.
    for (auto it = updates_.rbegin(); it != updates_.rend(); ++it)
      if (it->time <= end) return it->price;
    return fail(Errc::no_index_price);
  }
  auto avg = div_round_128(weighted, covered, Rounding::half_even);
  return RefPrice{static_cast<std::int64_t>(avg.value())};  // an average of int64 prices fits
}

}  // namespace strike::clearing
