// The price ladder of one side: levels live in pages of 64 consecutive prices, each page with
// a bitmap of its non-empty levels; the side keeps its non-empty pages in a vector sorted so
// the best page is at the back. So:
//   - best price: cached, O(1); after the best level empties, the back page's first set bit;
//   - emptying the best level: the next bit of that page or the next page, O(1);
//   - a level by price: the back page (the usual case near the touch) or a binary search
//     over the pages in use, O(log pages); a cancel never searches (the order knows its page);
//   - memory grows with the prices in use (2 KiB per 64 prices), not with the price range, so
//     a BTC-PERPETUAL book spanning 200,000 ticks and a 3,000-tick option book cost the same
//     when their orders sit near the touch. Pages come from the book's pool and go back to
//     it when their last level empties (reused, never freed).
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "book/detail/memory.hpp"
#include "book/detail/pool.hpp"  // kNil

namespace strike::book::detail {

inline constexpr unsigned kPageShift = 6;
inline constexpr std::int64_t kPageSize = std::int64_t{1} << kPageShift;

// An empty level is all-default (the invariant that lets a released page be reused as is).
struct Level {
  std::int64_t visible = 0;  // displayed quantity
  std::int64_t total = 0;    // displayed + hidden
  std::uint32_t head = kNil;
  std::uint32_t tail = kNil;
  std::uint32_t count = 0;
};

struct Page {
  Level levels[kPageSize];
  std::int64_t key = 0;    // first price of the page / 64 (floor)
  std::uint64_t bits = 0;  // bit i: levels[i] is non-empty
  std::uint32_t next_free = kNil;
};

// Pages by index. acquire() may grow the storage (doubling), which moves pages: never hold a
// Page& or Level& across it.
class PagePool {
 public:
  std::uint32_t acquire(std::int64_t key) {
    if (free_ == kNil) grow(capacity() == 0 ? 4 : capacity() * 2);
    const std::uint32_t i = free_;
    free_ = pages_[i].next_free;
    pages_[i].key = key;
    ++in_use_;
    return i;
  }
  void release(std::uint32_t i) noexcept {
    release_raw(i);
    --in_use_;
  }
  Page& operator[](std::uint32_t i) noexcept { return pages_[i]; }
  const Page& operator[](std::uint32_t i) const noexcept { return pages_[i]; }
  std::uint32_t in_use() const noexcept { return in_use_; }
  std::uint32_t capacity() const noexcept { return static_cast<std::uint32_t>(pages_.size()); }
  std::size_t bytes() const noexcept { return pages_.capacity() * sizeof(Page); }
  void reserve(std::uint32_t n) {
    if (capacity() < n) grow(n);
  }

 private:
  void grow(std::uint32_t n) {
    const std::uint32_t first = capacity();
    pages_.resize(n);
    for (std::uint32_t i = n; i-- > first;) release_raw(i);
  }
  void release_raw(std::uint32_t i) noexcept {
    pages_[i].next_free = free_;
    free_ = i;
  }
  std::vector<Page, PoolAllocator<Page>> pages_;
  std::uint32_t free_ = kNil;
  std::uint32_t in_use_ = 0;
};

struct LevelRef {
  std::uint32_t page = kNil;
  std::uint32_t slot = 0;
  bool found() const noexcept { return page != kNil; }
};

class Ladder {
 public:
  explicit Ladder(bool high_is_best = true) noexcept : high_is_best_(high_is_best) {}

  [[gnu::always_inline]] bool empty() const noexcept { return best_.page == kNil; }
  bool high_is_best() const noexcept { return high_is_best_; }
  std::size_t page_count() const noexcept { return refs_.size(); }
  std::size_t bytes() const noexcept { return refs_.capacity() * sizeof(Ref); }
  void reserve(std::size_t pages) { refs_.reserve(pages); }

  // Precondition: !empty().
  [[gnu::always_inline]] LevelRef best() const noexcept { return best_; }
  [[gnu::always_inline]] std::int64_t best_price() const noexcept { return best_price_; }
  static std::int64_t price_of(const PagePool& pool, LevelRef l) noexcept {
    return pool[l.page].key * kPageSize + l.slot;
  }
  // `better(a, b)`: a is a better price than b on this side.
  bool better(std::int64_t a, std::int64_t b) const noexcept { return high_is_best_ ? a > b : a < b; }

  // The non-empty level at a price, or !found().
  LevelRef find(const PagePool& pool, std::int64_t price) const noexcept {
    const std::int64_t key = price >> kPageShift;
    const auto slot = static_cast<std::uint32_t>(price & (kPageSize - 1));
    const std::size_t i = position(key);
    if (i == refs_.size() || refs_[i].key != key) return {};
    if ((pool[refs_[i].page].bits >> slot & 1u) == 0) return {};
    return {refs_[i].page, slot};
  }
  // The level at a price, adding its page if needed. The caller links an order into it and
  // calls set_nonempty() if it was empty.
  [[gnu::always_inline]] LevelRef find_or_add(PagePool& pool, std::int64_t price) {
    const std::int64_t key = price >> kPageShift;
    const auto slot = static_cast<std::uint32_t>(price & (kPageSize - 1));
    // Most adds land in the best page or the one behind it.
    const std::size_t n = refs_.size();
    if (n != 0 && refs_[n - 1].key == key) return {refs_[n - 1].page, slot};
    if (n > 1 && refs_[n - 2].key == key) return {refs_[n - 2].page, slot};
    const std::size_t i = position(key);
    if (i < refs_.size() && refs_[i].key == key) return {refs_[i].page, slot};
    const std::uint32_t page = pool.acquire(key);
    refs_.insert(refs_.begin() + static_cast<std::ptrdiff_t>(i), Ref{key, page});
    return {page, slot};
  }
  [[gnu::always_inline]] void set_nonempty(PagePool& pool, LevelRef l) noexcept {
    Page& p = pool[l.page];
    p.bits |= std::uint64_t{1} << l.slot;
    const std::int64_t price = p.key * kPageSize + l.slot;
    if (best_.page == kNil || better(price, best_price_)) {
      best_ = l;
      best_price_ = price;
    }
  }
  // After the level's last order left: clears its bit; releases the page when it empties.
  [[gnu::always_inline]] void set_empty(PagePool& pool, LevelRef l) noexcept {
    Page& p = pool[l.page];
    p.bits &= ~(std::uint64_t{1} << l.slot);
    const bool was_best = l.page == best_.page && l.slot == best_.slot;
    if (p.bits == 0) {
      if (refs_.back().page == l.page) {
        refs_.pop_back();
      } else {
        const std::size_t i = position(p.key);
        refs_.erase(refs_.begin() + static_cast<std::ptrdiff_t>(i));
      }
      pool.release(l.page);
    }
    if (was_best) find_best(pool);
  }

  // Visits non-empty levels best to worst: f(LevelRef, price) returns false to stop.
  template <class F>
  void for_each(const PagePool& pool, F&& f) const {
    for (std::size_t r = refs_.size(); r-- > 0;) {
      const Page& p = pool[refs_[r].page];
      std::uint64_t bits = p.bits;
      while (bits != 0) {
        unsigned slot = 0;
        if (high_is_best_) {
          slot = 63u - static_cast<unsigned>(std::countl_zero(bits));
          bits &= ~(std::uint64_t{1} << slot);
        } else {
          slot = static_cast<unsigned>(std::countr_zero(bits));
          bits &= bits - 1;
        }
        if (!f(LevelRef{refs_[r].page, slot}, p.key * kPageSize + slot)) return;
      }
    }
  }

  // For validate(): pages sorted best-last, none empty, each page's key matches, best cached.
  bool consistent(const PagePool& pool) const noexcept {
    for (std::size_t i = 0; i < refs_.size(); ++i) {
      if (pool[refs_[i].page].bits == 0 || pool[refs_[i].page].key != refs_[i].key) return false;
      if (i > 0 && !better(refs_[i].key, refs_[i - 1].key)) return false;
    }
    Ladder copy = *this;
    copy.find_best(pool);
    return copy.best_.page == best_.page && copy.best_.slot == best_.slot && (empty() || copy.best_price_ == best_price_);
  }

 private:
  struct Ref {
    std::int64_t key;
    std::uint32_t page;
  };
  // First index whose key is not worse than `key` (refs_ run worst to best).
  std::size_t position(std::int64_t key) const noexcept {
    const auto it = std::lower_bound(refs_.begin(), refs_.end(), key, [this](const Ref& r, std::int64_t k) {
      return high_is_best_ ? r.key < k : r.key > k;
    });
    return static_cast<std::size_t>(it - refs_.begin());
  }

  void find_best(const PagePool& pool) noexcept {
    if (refs_.empty()) {
      best_ = LevelRef{};
      return;
    }
    const Page& p = pool[refs_.back().page];
    const unsigned slot = high_is_best_ ? 63u - static_cast<unsigned>(std::countl_zero(p.bits))
                                        : static_cast<unsigned>(std::countr_zero(p.bits));
    best_ = LevelRef{refs_.back().page, slot};
    best_price_ = p.key * kPageSize + slot;
  }

  std::vector<Ref> refs_;  // worst page first, best page last
  LevelRef best_;          // page == kNil: the side is empty
  std::int64_t best_price_ = 0;
  bool high_is_best_;
};

}  // namespace strike::book::detail
