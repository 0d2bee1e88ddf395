// Results held back until the journal makes their command durable, then released in the
// order they were produced. A result that belongs to no command (a query, a decode error)
// waits for the commands before it, so a client never sees a state the journal could still
// lose, and responses keep their request order.
#pragma once

#include <deque>
#include <utility>

#include "core/units.hpp"

namespace strike::venue {

template <class T>
class ReleaseQueue {
 public:
  // `after`: the sequence that must be durable first (the command's own, or the last one).
  void push(SeqNo after, T value) { items_.emplace_back(after, std::move(value)); }

  // Hands every result whose sequence is durable to f, in order. Returns how many.
  template <class F>
  int release(SeqNo durable, F&& f) {
    int n = 0;
    while (!items_.empty() && items_.front().first <= durable) {
      f(std::move(items_.front().second));
      items_.pop_front();
      ++n;
    }
    return n;
  }
  bool empty() const noexcept { return items_.empty(); }
  std::size_t size() const noexcept { return items_.size(); }

 private:
  std::deque<std::pair<SeqNo, T>> items_;
};

}  // namespace strike::venue
