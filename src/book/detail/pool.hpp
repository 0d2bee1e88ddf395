// Storage the book grows into and then reuses: a pool whose chunks double in size (so a
// quiet book costs a few KiB and a busy one never copies), and an open-addressing map from
// 64-bit keys to 32-bit handles. Neither ever shrinks: after warm-up to a high-water mark
// there is no allocation. Neither's layout reaches any output (only lookups do).
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <memory>

#include "core/assert.hpp"

namespace strike::book::detail {

inline constexpr std::uint32_t kNil = 0xffff'ffffu;

// Handles 0..capacity()-1 index chunks of 2^kFirstLog2, 2^(kFirstLog2+1), ... elements.
// Element addresses are stable (chunks never move).
template <class T, unsigned kFirstLog2>
class GrowingPool {
 public:
  static constexpr unsigned kMaxChunks = 32 - kFirstLog2;

  T& operator[](std::uint32_t i) noexcept { return at(i); }
  const T& operator[](std::uint32_t i) const noexcept { return const_cast<GrowingPool*>(this)->at(i); }
  std::uint32_t capacity() const noexcept { return capacity_; }

  // Adds the next chunk; returns the first new handle.
  std::uint32_t grow() {
    STRIKE_ASSERT(chunk_count_ < kMaxChunks, "pool exhausted");
    const std::uint32_t first = capacity_;
    const std::uint64_t n = std::uint64_t{1} << (kFirstLog2 + chunk_count_);
    STRIKE_ASSERT(capacity_ + n < kNil, "pool exhausted");
    chunks_[chunk_count_++] = std::make_unique<T[]>(n);
    capacity_ += static_cast<std::uint32_t>(n);
    return first;
  }
  std::size_t bytes() const noexcept { return std::size_t{capacity_} * sizeof(T); }

 private:
  T& at(std::uint32_t i) noexcept {
    const std::uint64_t j = std::uint64_t{i} + (std::uint64_t{1} << kFirstLog2);
    const unsigned top = 63u - static_cast<unsigned>(std::countl_zero(j));
    const unsigned c = top - kFirstLog2;
    return chunks_[c][j - (std::uint64_t{1} << top)];
  }

  std::array<std::unique_ptr<T[]>, kMaxChunks> chunks_{};
  std::uint32_t chunk_count_ = 0;
  std::uint32_t capacity_ = 0;
};

// Linear probing with backward-shift deletion (no tombstones), load <= 1/2, Fibonacci
// hashing (engine-assigned ids are dense venue-wide, sparse in one book). O(1) expected.
class HandleMap {
 public:
  std::uint32_t find(std::uint64_t key) const noexcept {
    if (size_ == 0) return kNil;
    for (std::uint32_t i = slot_of(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.value == kNil) return kNil;
      if (s.key == key) return s.value;
    }
  }
  // Precondition: key absent.
  void insert(std::uint64_t key, std::uint32_t value) {
    if ((size_ + 1) * 2 > capacity()) rehash(capacity() == 0 ? 16 : capacity() * 2);
    std::uint32_t i = slot_of(key);
    while (slots_[i].value != kNil) i = (i + 1) & mask_;
    slots_[i] = Slot{key, value};
    ++size_;
  }
  // Returns the removed value or kNil.
  std::uint32_t erase(std::uint64_t key) noexcept {
    if (size_ == 0) return kNil;
    std::uint32_t i = slot_of(key);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].value == kNil) return kNil;
      if (slots_[i].key == key) break;
    }
    const std::uint32_t value = slots_[i].value;
    // Shift back every following entry whose home is at or before the hole.
    for (std::uint32_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].value == kNil) break;
      const std::uint32_t home = slot_of(slots_[j].key);
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i].value = kNil;
    --size_;
    return value;
  }
  void reserve(std::uint32_t n) {
    std::uint32_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (cap > capacity()) rehash(cap);
  }
  std::uint32_t size() const noexcept { return size_; }
  std::uint32_t capacity() const noexcept { return capacity_; }
  std::size_t bytes() const noexcept { return std::size_t{capacity()} * sizeof(Slot); }

 private:
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t value = kNil;
  };
  std::uint32_t slot_of(std::uint64_t key) const noexcept {
    return static_cast<std::uint32_t>((key * 0x9e37'79b9'7f4a'7c15ull) >> shift_);
  }
  void rehash(std::uint32_t cap) {
    auto old = std::move(slots_);
    const std::uint32_t old_cap = capacity();
    slots_ = std::make_unique<Slot[]>(cap);
    capacity_ = cap;
    mask_ = cap - 1;
    shift_ = 64u - static_cast<unsigned>(std::countr_zero(cap));
    size_ = 0;
    for (std::uint32_t i = 0; i < old_cap; ++i)
      if (old[i].value != kNil) insert(old[i].key, old[i].value);
  }

  std::unique_ptr<Slot[]> slots_;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 0;
  std::uint32_t mask_ = 0;
  unsigned shift_ = 64;
};

}  // namespace strike::book::detail
