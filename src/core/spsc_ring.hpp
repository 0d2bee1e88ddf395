// SpscRing<T>: a bounded, lock-free, single-producer single-consumer queue of plain values.
//
// The pipeline's engine -> consumer channel (events to the publisher, results to a gateway).
// Capacity is a power of two fixed at construction and the slots are allocated once; a full
// ring refuses with PushStatus::back_pressured (never grows, never blocks). The consumer
// drains in batches and publishes its progress once per batch. Exactly one thread may push
// and exactly one (other) thread may pop; T must be trivially copyable.
//
// Costs: a push is a slot copy and one release store; the producer reads the consumer's index
// only when its cached copy says the ring looks full. A drain reads the producer's index once
// per batch and publishes its own once per batch, so in steady state the two threads share
// few cache lines besides the slots themselves.
//
// Memory layout (positions are 64-bit counters that never wrap; index = position & mask):
//
//     0                                                              128
//     +--------------------------------------------------------------+
//     | tail_        next position to write       (producer writes)  |
//     | head_cache_  producer's last view of head_ (producer only)    |
//     +--------------------------------------------------------------+ 128
//     | head_        next position to read        (consumer writes)  |
//     |                                                               |
//     +--------------------------------------------------------------+ 256
//     | slots_, mask_                              (read-only)        |
//     +--------------------------------------------------------------+
//
//     slots_ (one allocation, 128-byte aligned):
//     +---------+---------+---------+---------+-- ... --+-----------+
//     |  T [0]  |  T [1]  |  T [2]  |  T [3]  |         | T [N - 1] |
//     +---------+---------+---------+---------+-- ... --+-----------+
//                    ^ head & mask        ^ tail & mask
//     filled: [head, tail), tail - head <= N; the producer writes a slot, then publishes
//     tail (release); the consumer reads tail (acquire), copies slots, publishes head (release).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <type_traits>

#include "core/cache_line.hpp"

namespace strike {

enum class PushStatus : std::uint8_t {
  ok,
  back_pressured,  // the ring is full: retry later, or shed the load upstream
};

// A drain handler is f(const T&) returning void (always consumed) or bool: false leaves the
// value in the ring (not consumed) and ends the drain, so a consumer can stop when its own
// downstream is full.
template <class F, class T>
concept RingHandler = std::is_invocable_v<F&, const T&>;

namespace detail {
template <class F, class T>
inline bool handle(F& f, const T& v) {
  if constexpr (std::is_same_v<std::invoke_result_t<F&, const T&>, bool>) {
    return f(v);
  } else {
    f(v);
    return true;
  }
}

inline std::size_t checked_ring_capacity(std::size_t capacity) {
  if (capacity < 2 || !std::has_single_bit(capacity))
    throw std::invalid_argument("ring capacity must be a power of two >= 2");
  return capacity;
}
}  // namespace detail

template <class T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "rings carry plain values");
  static_assert(std::is_default_constructible_v<T>, "slots are preallocated");

 public:
  // Throws std::invalid_argument unless capacity is a power of two >= 2 (configuration time).
  explicit SpscRing(std::size_t capacity)
      : slots_(detail::checked_ring_capacity(capacity)), mask_(capacity - 1) {}
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer thread only.
  [[nodiscard]] PushStatus try_push(const T& value) noexcept {
    const std::uint64_t tail = producer_.tail.load(std::memory_order_relaxed);
    if (tail - producer_.head_cache > mask_) {
      producer_.head_cache = consumer_.head.load(std::memory_order_acquire);
      if (tail - producer_.head_cache > mask_) return PushStatus::back_pressured;
    }
    slots_[tail & mask_] = value;
    producer_.tail.store(tail + 1, std::memory_order_release);
    return PushStatus::ok;
  }

  // Producer thread only: pushes a prefix of `values` that fits, publishing once; returns
  // how many were pushed (0 when full).
  [[nodiscard]] std::size_t try_push_n(std::span<const T> values) noexcept {
    const std::uint64_t tail = producer_.tail.load(std::memory_order_relaxed);
    std::size_t room = capacity() - (tail - producer_.head_cache);
    if (room < values.size()) {
      producer_.head_cache = consumer_.head.load(std::memory_order_acquire);
      room = capacity() - (tail - producer_.head_cache);
    }
    const std::size_t n = values.size() < room ? values.size() : room;
    for (std::size_t i = 0; i < n; ++i) slots_[(tail + i) & mask_] = values[i];
    if (n > 0) producer_.tail.store(tail + n, std::memory_order_release);
    return n;
  }

  // Consumer thread only.
  [[nodiscard]] bool try_pop(T& out) noexcept {
    return drain([&out](const T& v) { out = v; }, 1) == 1;
  }

  // Consumer thread only: hands up to `limit` values, oldest first, to f and publishes the
  // new head once. Returns the number consumed.
  template <RingHandler<T> F>
  std::size_t drain(F&& f, std::size_t limit = SIZE_MAX) noexcept(std::is_nothrow_invocable_v<F&, const T&>) {
    const std::uint64_t head = consumer_.head.load(std::memory_order_relaxed);
    const std::uint64_t tail = producer_.tail.load(std::memory_order_acquire);  // once per batch
    if (tail == head) return 0;
    std::uint64_t available = tail - head;
    if (available > limit) available = limit;
    std::uint64_t n = 0;
    while (n < available && detail::handle(f, slots_[(head + n) & mask_])) ++n;
    if (n > 0) consumer_.head.store(head + n, std::memory_order_release);
    return static_cast<std::size_t>(n);
  }

  std::size_t capacity() const noexcept { return mask_ + 1; }
  // Exact only when called from one side while the other is quiescent.
  std::size_t size_approx() const noexcept {
    const std::uint64_t head = consumer_.head.load(std::memory_order_acquire);
    const std::uint64_t tail = producer_.tail.load(std::memory_order_acquire);
    return tail >= head ? static_cast<std::size_t>(tail - head) : 0;
  }

 private:
  struct alignas(kCacheLinePad) Producer {
    std::atomic<std::uint64_t> tail{0};
    std::uint64_t head_cache = 0;
  };
  struct alignas(kCacheLinePad) Consumer {
    std::atomic<std::uint64_t> head{0};
  };

  Producer producer_;
  Consumer consumer_;
  alignas(kCacheLinePad) CacheAlignedArray<T> slots_;
  std::uint64_t mask_;
};

}  // namespace strike
