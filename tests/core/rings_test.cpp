#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/mpsc_ring.hpp"
#include "core/spsc_ring.hpp"

namespace strike {
namespace {

struct Message {
  std::uint32_t producer = 0;
  std::uint64_t seq = 0;
  std::uint64_t payload[2] = {0, 0};
};

// Sanitizer builds run the stress tests with fewer messages (TSan is ~10x slower).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kStressMessages = 60'000;
#else
constexpr std::uint64_t kStressMessages = 1'000'000;
#endif

template <class Ring>
class RingContract : public ::testing::Test {};
using RingTypes = ::testing::Types<SpscRing<Message>, MpscRing<Message>>;
TYPED_TEST_SUITE(RingContract, RingTypes);

TYPED_TEST(RingContract, RejectsACapacityThatIsNotAPowerOfTwo) {
  EXPECT_THROW(TypeParam(0), std::invalid_argument);
  EXPECT_THROW(TypeParam(1), std::invalid_argument);
  EXPECT_THROW(TypeParam(12), std::invalid_argument);
  EXPECT_NO_THROW(TypeParam(16));
}

TYPED_TEST(RingContract, FullRingIsBackPressuredAndRecoversAfterAPop) {
  TypeParam ring(8);
  for (std::uint64_t i = 0; i < 8; ++i) ASSERT_EQ(ring.try_push(Message{0, i, {}}), PushStatus::ok);
  EXPECT_EQ(ring.try_push(Message{0, 8, {}}), PushStatus::back_pressured);
  EXPECT_EQ(ring.size_approx(), 8u);
  Message m;
  ASSERT_TRUE(ring.try_pop(m));
  EXPECT_EQ(m.seq, 0u);
  EXPECT_EQ(ring.try_push(Message{0, 8, {}}), PushStatus::ok);
  EXPECT_EQ(ring.try_push(Message{0, 9, {}}), PushStatus::back_pressured);
}

TYPED_TEST(RingContract, EmptyRingPopsNothing) {
  TypeParam ring(4);
  Message m;
  EXPECT_FALSE(ring.try_pop(m));
  EXPECT_EQ(ring.drain([](const Message&) {}), 0u);
}

TYPED_TEST(RingContract, KeepsFifoOrderAcrossManyWraps) {
  TypeParam ring(4);
  std::uint64_t next_in = 0, next_out = 0;
  for (int round = 0; round < 1000; ++round) {
    const int burst = 1 + round % 4;
    for (int i = 0; i < burst; ++i) ASSERT_EQ(ring.try_push(Message{0, next_in++, {}}), PushStatus::ok);
    ring.drain([&](const Message& m) { EXPECT_EQ(m.seq, next_out++); });
  }
  EXPECT_EQ(next_out, next_in);
}

TYPED_TEST(RingContract, DrainStopsAtItsLimit) {
  TypeParam ring(16);
  for (std::uint64_t i = 0; i < 10; ++i) ASSERT_EQ(ring.try_push(Message{0, i, {}}), PushStatus::ok);
  std::vector<std::uint64_t> got;
  EXPECT_EQ(ring.drain([&](const Message& m) { got.push_back(m.seq); }, 3), 3u);
  EXPECT_EQ(got, (std::vector<std::uint64_t>{0, 1, 2}));
  EXPECT_EQ(ring.drain([&](const Message& m) { got.push_back(m.seq); }), 7u);
  EXPECT_EQ(got.back(), 9u);
}

TYPED_TEST(RingContract, HandlerReturningFalseLeavesTheValueInTheRing) {
  TypeParam ring(8);
  for (std::uint64_t i = 0; i < 5; ++i) ASSERT_EQ(ring.try_push(Message{0, i, {}}), PushStatus::ok);
  std::vector<std::uint64_t> got;
  auto take_two = [&](const Message& m) {
    if (got.size() == 2) return false;
    got.push_back(m.seq);
    return true;
  };
  EXPECT_EQ(ring.drain(take_two), 2u);
  Message m;
  ASSERT_TRUE(ring.try_pop(m));
  EXPECT_EQ(m.seq, 2u);  // the refused value is the next one out
  EXPECT_EQ(ring.size_approx(), 2u);
}

TEST(SpscRing, BatchPushFillsWhatFitsAndPublishesOnce) {
  SpscRing<std::uint64_t> ring(8);
  std::vector<std::uint64_t> values(11);
  for (std::uint64_t i = 0; i < values.size(); ++i) values[i] = i;
  EXPECT_EQ(ring.try_push_n(values), 8u);
  EXPECT_EQ(ring.try_push_n(values), 0u);
  std::uint64_t v = 0;
  ASSERT_TRUE(ring.try_pop(v));
  EXPECT_EQ(v, 0u);
  EXPECT_EQ(ring.try_push_n(std::span<const std::uint64_t>(values).subspan(8)), 1u);
  std::vector<std::uint64_t> got;
  ring.drain([&](std::uint64_t x) { got.push_back(x); });
  EXPECT_EQ(got, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(SpscRing, TwoThreadsTransferEveryValueInOrder) {
  SpscRing<Message> ring(1024);
  std::thread producer([&] {
    for (std::uint64_t i = 1; i <= kStressMessages; ++i) {
      const Message m{0, i, {i * 3, ~i}};
      while (ring.try_push(m) == PushStatus::back_pressured) std::this_thread::yield();
    }
  });
  std::uint64_t expected = 1, bad = 0;
  while (expected <= kStressMessages) {
    const std::size_t n = ring.drain([&](const Message& m) {
      if (m.seq != expected || m.payload[0] != expected * 3 || m.payload[1] != ~expected) ++bad;
      ++expected;
    });
    if (n == 0) std::this_thread::yield();
  }
  producer.join();
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(ring.size_approx(), 0u);
}

// The ingress contract under contention: four producers hammer a small ring (constant
// back-pressure and wrap-around); every message arrives exactly once, and each producer's
// messages arrive in the order it sent them. Part of `make tsan-test`.
TEST(MpscRing, ManyProducersLoseNothingAndKeepPerProducerOrder) {
  constexpr std::uint32_t kProducers = 4;
  const std::uint64_t per_producer = kStressMessages / kProducers;
  MpscRing<Message> ring(64);
  std::atomic<bool> go{false};
  std::vector<std::thread> producers;
  std::vector<std::uint64_t> back_pressured(kProducers, 0);
  for (std::uint32_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint64_t i = 1; i <= per_producer; ++i) {
        const Message m{p, i, {p * 1'000'000'000ull + i, i ^ 0x5a5a}};
        while (ring.try_push(m) == PushStatus::back_pressured) {
          ++back_pressured[p];
          std::this_thread::yield();
        }
      }
    });
  }
  go.store(true, std::memory_order_release);
  std::vector<std::uint64_t> next(kProducers, 1);
  std::uint64_t received = 0, out_of_order = 0, corrupt = 0;
  while (received < per_producer * kProducers) {
    const std::size_t n = ring.drain([&](const Message& m) {
      if (m.producer >= kProducers || m.payload[0] != m.producer * 1'000'000'000ull + m.seq ||
          m.payload[1] != (m.seq ^ 0x5a5a)) {
        ++corrupt;
        return;
      }
      if (m.seq != next[m.producer]) ++out_of_order;
      next[m.producer] = m.seq + 1;
    }, 32);
    received += n;
    if (n == 0) std::this_thread::yield();
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(corrupt, 0u);
  EXPECT_EQ(out_of_order, 0u);
  for (std::uint32_t p = 0; p < kProducers; ++p) EXPECT_EQ(next[p], per_producer + 1) << "producer " << p;
  Message extra;
  EXPECT_FALSE(ring.try_pop(extra));
}

}  // namespace
}  // namespace strike
