// MpscRing<T>: a bounded, lock-free, multi-producer single-consumer queue of plain values.
//
// The pipeline's ingress: every producer (command-line reader, gateway I/O threads) pushes
// commands; the sequencer thread alone drains them. Capacity is a power of two fixed at
// construction, slots are allocated once, and a full ring refuses with
// PushStatus::back_pressured. Ordering: values of one producer arrive in the order it pushed
// them; values of different producers interleave in the order their claims succeeded.
//
// Algorithm: Dmitry Vyukov's bounded queue specialised to one consumer. Every slot carries a
// sequence word saying whose turn it is: a producer may fill the slot of position p when its
// sequence is p, claims p with a CAS on tail_, copies the value and stores p + 1 (release);
// the consumer reads the slot of position h when its sequence is h + 1, copies the value and
// stores h + N (release), which hands the slot to the producer of the next lap. Producers
// therefore never read head_, and the consumer never touches tail_.
//
// Progress: lock-free for producers (a failed CAS means another producer advanced). Like every
// array-based MPSC queue (Aeron's ManyToOneRingBuffer included), a producer descheduled
// between its claim and its publish delays the consumer at that slot until it resumes.
//
// Memory layout (positions are 64-bit counters that never wrap; index = position & mask):
//
//     0                                                              128
//     +--------------------------------------------------------------+
//     | tail_    next position to claim        (producers CAS)        |
//     +--------------------------------------------------------------+ 128
//     | head_    next position to read         (consumer writes)      |
//     +--------------------------------------------------------------+ 256
//     | slots_, mask_                           (read-only)           |
//     +--------------------------------------------------------------+
//
//     slots_ (one allocation, 128-byte aligned), each slot = sequence word + value:
//     +------+-------+------+-------+------+-------+-- ... --+------+---------+
//     | seq0 | T [0] | seq1 | T [1] | seq2 | T [2] |         | seqN-1 T [N-1]  |
//     +------+-------+------+-------+------+-------+-- ... --+------+---------+
//     slot i starts with seq = i. For the position p that maps to it:
//       seq == p      free, a producer may claim p
//       seq == p + 1  filled with the value of position p, the consumer may read it
//       seq == p + N  read and released; free for position p + N (the next lap)
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "core/cache_line.hpp"
#include "core/spsc_ring.hpp"  // PushStatus, RingHandler

namespace strike {

template <class T>
class MpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "rings carry plain values");
  static_assert(std::is_default_constructible_v<T>, "slots are preallocated");

 public:
  // Throws std::invalid_argument unless capacity is a power of two >= 2 (configuration time).
  explicit MpscRing(std::size_t capacity) : slots_(detail::checked_ring_capacity(capacity)), mask_(capacity - 1) {
    for (std::size_t i = 0; i < capacity; ++i) slots_[i].seq.store(i, std::memory_order_relaxed);
  }
  MpscRing(const MpscRing&) = delete;
  MpscRing& operator=(const MpscRing&) = delete;

  // Any thread.
  [[nodiscard]] PushStatus try_push(const T& value) noexcept {
    std::uint64_t pos = tail_.value.load(std::memory_order_relaxed);
    for (;;) {
      Slot& slot = slots_[pos & mask_];
      const std::uint64_t seq = slot.seq.load(std::memory_order_acquire);
      const auto lag = static_cast<std::int64_t>(seq - pos);
      if (lag == 0) {
        if (tail_.value.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed, std::memory_order_relaxed)) {
          slot.value = value;
          slot.seq.store(pos + 1, std::memory_order_release);
          return PushStatus::ok;
        }
        // pos now holds the tail another producer advanced to; retry there.
      } else if (lag < 0) {
        return PushStatus::back_pressured;  // the consumer has not yet released this slot
      } else {
        pos = tail_.value.load(std::memory_order_relaxed);  // lost a race; catch up
      }
    }
  }

  // Consumer thread only.
  [[nodiscard]] bool try_pop(T& out) noexcept {
    return drain([&out](const T& v) { out = v; }, 1) == 1;
  }

  // Consumer thread only: hands up to `limit` values to f in claim order, stopping at the
  // first position whose producer has not published yet. Returns the number consumed.
  template <RingHandler<T> F>
  std::size_t drain(F&& f, std::size_t limit = SIZE_MAX) noexcept(std::is_nothrow_invocable_v<F&, const T&>) {
    std::uint64_t head = head_.value.load(std::memory_order_relaxed);
    std::size_t n = 0;
    while (n < limit) {
      Slot& slot = slots_[head & mask_];
      if (slot.seq.load(std::memory_order_acquire) != head + 1) break;
      if (!detail::handle(f, slot.value)) break;
      slot.seq.store(head + mask_ + 1, std::memory_order_release);
      ++head;
      ++n;
    }
    if (n > 0) head_.value.store(head, std::memory_order_relaxed);
    return n;
  }

  std::size_t capacity() const noexcept { return mask_ + 1; }
  // Claimed minus consumed: counts values whose producer is still copying them in.
  std::size_t size_approx() const noexcept {
    const std::uint64_t head = head_.value.load(std::memory_order_relaxed);
    const std::uint64_t tail = tail_.value.load(std::memory_order_relaxed);
    return tail >= head ? static_cast<std::size_t>(tail - head) : 0;
  }

 private:
  struct Slot {
    std::atomic<std::uint64_t> seq{0};
    T value{};
  };
  struct alignas(kCacheLinePad) Position {
    std::atomic<std::uint64_t> value{0};
  };

  Position tail_;
  Position head_;
  alignas(kCacheLinePad) CacheAlignedArray<Slot> slots_;
  std::uint64_t mask_;
};

}  // namespace strike
