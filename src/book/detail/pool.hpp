// Open-addressing maps from 64-bit keys to 32-bit handles, for the book's order ids and
// account records (and the engine's order views). They grow by doubling and never shrink:
// after warm-up to a high-water mark they never allocate. Their layout never reaches an
// output (only lookups do).
//
// Linear probing with backward-shift deletion (no tombstones), load <= 1/2. Ids come from
// the engine in increasing order, dense or strided: groups of four consecutive keys share a
// cache line (a new order's probe hits the line the previous one touched), and the group
// number is Fibonacci-hashed so strided or clustered keys still spread. O(1) expected.
//
//   HandleMap        16-byte slots holding the full key: find(key).
//   TaggedHandleMap  8-byte slots holding the key's low 32 bits (half the memory, so a
//                    100,000-order map is 2 MiB, not 4): find(key, key_of) confirms a tag
//                    match against the full key the caller stores with the handle's object
//                    (the book reads that order's line anyway).
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>

#include "book/detail/memory.hpp"
#include "core/assert.hpp"

namespace strike::book::detail {

inline constexpr std::uint32_t kNil = 0xffff'ffffu;

template <bool kTagged>
class BasicHandleMap {
  using Key = std::conditional_t<kTagged, std::uint32_t, std::uint64_t>;

 public:
  // The handle of `key`, or kNil. key_of(handle) -> the full key of that handle's object.
  template <class KeyOf>
  std::uint32_t find(std::uint64_t key, const KeyOf& key_of) const noexcept {
    if (size_ == 0) return kNil;
    const auto k = static_cast<Key>(key);
    for (std::uint32_t i = slot_of(static_cast<std::uint32_t>(key));; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.value == kNil) return kNil;
      if (s.key == k && (!kTagged || key_of(s.value) == key)) return s.value;
    }
  }
  std::uint32_t find(std::uint64_t key) const noexcept
    requires(!kTagged)
  {
    return find(key, [](std::uint32_t) { return std::uint64_t{0}; });
  }
  // Precondition: key absent.
  void insert(std::uint64_t key, std::uint32_t value) {
    if ((size_ + 1) * 2 > capacity_) rehash(capacity_ == 0 ? 16 : capacity_ * 2);
    place(static_cast<Key>(key), value);
    ++size_;
  }
  // Removes key, known to map to value.
  void erase(std::uint64_t key, std::uint32_t value) noexcept {
    std::uint32_t i = slot_of(static_cast<std::uint32_t>(key));
    while (slots_[i].value != value) i = (i + 1) & mask_;
    remove_at(i);
  }
  // Removes key; returns its handle, or kNil if absent.
  std::uint32_t erase(std::uint64_t key) noexcept
    requires(!kTagged)
  {
    const std::uint32_t value = find(key);
    if (value != kNil) erase(key, value);
    return value;
  }
  void reserve(std::uint32_t n) {
    std::uint32_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (cap > capacity_) rehash(cap);
  }
  std::uint32_t size() const noexcept { return size_; }
  std::size_t bytes() const noexcept { return std::size_t{capacity_} * sizeof(Slot); }

 private:
  struct Slot {
    Key key = 0;
    std::uint32_t value = kNil;
  };
  std::uint32_t slot_of(std::uint32_t low) const noexcept {
    const auto group = static_cast<std::uint32_t>((std::uint64_t{low >> 2} * 0x9e37'79b9'7f4a'7c15ull) >> shift_);
    return ((group << 2) | (low & 3u)) & mask_;
  }
  void place(Key key, std::uint32_t value) noexcept {
    std::uint32_t i = slot_of(static_cast<std::uint32_t>(key));
    while (slots_[i].value != kNil) i = (i + 1) & mask_;
    slots_[i] = Slot{key, value};
  }
  // Empties slot i, shifting back every following entry whose home is at or before the hole.
  void remove_at(std::uint32_t i) noexcept {
    for (std::uint32_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].value == kNil) break;
      const std::uint32_t home = slot_of(static_cast<std::uint32_t>(slots_[j].key));
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i].value = kNil;
    --size_;
  }

  // Slots on 64-byte boundaries, so a group of four never straddles a cache line.
  struct FreeSlots {
    std::uint32_t n;
    void operator()(Slot* p) const noexcept { pool_free(p, n * sizeof(Slot), 64); }
  };
  using Slots = std::unique_ptr<Slot[], FreeSlots>;
  static Slots make_slots(std::uint32_t n) {
    auto* p = static_cast<Slot*>(pool_allocate(n * sizeof(Slot), 64));
    for (std::uint32_t i = 0; i < n; ++i) new (p + i) Slot{};
    return Slots(p, FreeSlots{n});
  }
  void rehash(std::uint32_t cap) {
    STRIKE_ASSERT(cap != 0 && cap <= (1u << 31), "map too large");
    Slots old = std::move(slots_);
    const std::uint32_t old_cap = capacity_;
    slots_ = make_slots(cap);
    capacity_ = cap;
    mask_ = cap - 1;
    shift_ = 64u - static_cast<unsigned>(std::countr_zero(cap)) + 2;  // group index: log2(cap) - 2 bits
    for (std::uint32_t i = 0; i < old_cap; ++i)
      if (old[i].value != kNil) place(old[i].key, old[i].value);
  }

  Slots slots_{nullptr, FreeSlots{0}};
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 0;
  std::uint32_t mask_ = 0;
  unsigned shift_ = 64;
};

using HandleMap = BasicHandleMap<false>;
using TaggedHandleMap = BasicHandleMap<true>;

}  // namespace strike::book::detail
