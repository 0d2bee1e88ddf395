// Snapshots, state hash and memory: what the engine relies on to hold hundreds of books,
// snapshot them and recover them exactly.
#include <gtest/gtest.h>

#include "book_fixture.hpp"
#include "op_stream.hpp"

namespace strike::book::testing {
namespace {

using Book = OrderBook<RecordingSink>;

TEST(BookSnapshot, ARestoredBookHashesTheSameAndBehavesTheSameForever) {
  std::vector<Event> a_events, b_events;
  Book a(stream_config(), RecordingSink{&a_events});
  OpSource source{Xoshiro(99)};
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 3000; ++i) {
      a_events.clear();
      (void)apply(a, source.next());
      source.observe(a_events);
    }
    const BookSnapshot snap = a.snapshot();
    Book b(BookConfig{}, RecordingSink{&b_events});
    const auto restored = b.restore(snap);
    ASSERT_TRUE(restored.ok()) << restored.error().to_string();
    ASSERT_EQ(b.state_hash(), a.state_hash());
    ASSERT_EQ(b.snapshot(), snap);
    ASSERT_GT(snap.orders.size(), 5u);
    // Both books now see the same 2,000 commands: identical events and hashes throughout.
    OpSource fork = source;
    for (int i = 0; i < 2000; ++i) {
      const Op op = fork.next();
      a_events.clear();
      b_events.clear();
      ASSERT_EQ(apply(a, op), apply(b, op));
      ASSERT_EQ(a_events, b_events) << "round " << round << " op " << i << ": " << describe(op);
      ASSERT_EQ(a.state_hash(), b.state_hash());
      fork.observe(a_events);
    }
    source = fork;
  }
}

TEST(BookSnapshot, StateHashDependsOnStateNotOnHistoryOrMemoryLayout) {
  std::vector<Event> ev;
  Book a(BookConfig{}, RecordingSink{&ev});
  Book b(BookConfig{}, RecordingSink{&ev});
  // a reaches the state through 200 orders and 100 cancels (its pools hold freed slots in
  // between); b places only the survivors.
  for (std::uint64_t i = 1; i <= 200; ++i) {
    ASSERT_EQ(a.submit(limit(i, i % 3, i % 2 ? Side::buy : Side::sell, i % 2 ? 100 - i % 7 : 120 + i % 5, 1 + i % 4),
                       Timestamp::from_ns(1)),
              Errc::ok);
  }
  for (std::uint64_t i = 1; i <= 200; i += 4) ASSERT_EQ(a.cancel(OrderId{i}, AccountId{i % 3}, Timestamp::from_ns(1)), Errc::ok);
  for (std::uint64_t i = 2; i <= 200; i += 4) ASSERT_EQ(a.cancel(OrderId{i}, AccountId{i % 3}, Timestamp::from_ns(1)), Errc::ok);
  for (std::uint64_t i = 1; i <= 200; ++i) {
    if (i % 4 == 1 || i % 4 == 2) continue;
    ASSERT_EQ(b.submit(limit(i, i % 3, i % 2 ? Side::buy : Side::sell, i % 2 ? 100 - i % 7 : 120 + i % 5, 1 + i % 4),
                       Timestamp::from_ns(1)),
              Errc::ok);
  }
  EXPECT_EQ(a.state_hash(), b.state_hash());
  // Any difference in state shows: one lot less on one order, or time moving.
  const std::uint64_t h = b.state_hash();
  ASSERT_EQ(b.amend(AmendOrder{OrderId{3}, AccountId{0}, Price{100 - 3}, Qty{3}, Price{}}, Timestamp::from_ns(1)), Errc::ok);
  EXPECT_NE(b.state_hash(), h);
  a.advance_time(Timestamp::from_ns(2));
  EXPECT_NE(a.state_hash(), h);
}

TEST(BookSnapshot, RestoreRefusesAnInconsistentSnapshotAndKeepsTheBook) {
  std::vector<Event> ev;
  Book b(BookConfig{}, RecordingSink{&ev});
  ASSERT_EQ(b.submit(limit(1, 1, Side::buy, 100, 5), Timestamp{}), Errc::ok);
  const std::uint64_t h = b.state_hash();
  BookSnapshot s = b.snapshot();
  OrderState ask = s.orders[0];
  ask.id = OrderId{2};
  ask.side = Side::sell;
  ask.price = Price{99};  // crosses the bid
  s.orders.push_back(ask);
  auto r = b.restore(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::book_bad_snapshot);
  s.orders.back().price = Price{101};
  s.orders.back().id = OrderId{1};  // duplicate id
  EXPECT_FALSE(b.restore(s).ok());
  s.orders.back().id = OrderId{2};
  s.orders.back().visible = Qty{6};  // shows more than it has
  EXPECT_FALSE(b.restore(s).ok());
  EXPECT_EQ(b.state_hash(), h);
  s.orders.back().visible = Qty{5};
  EXPECT_TRUE(b.restore(s).ok());
  EXPECT_EQ(b.best_ask(), Price{101});
}

TEST(BookMemory, AnEmptyBookCostsAFewHundredBytesAndGrowsWithUse) {
  OrderBook<NullSink> empty(BookConfig{});
  EXPECT_EQ(empty.memory_bytes(), 0u);
  EXPECT_LT(sizeof(OrderBook<NullSink>), 2048u);  // 300 option books: well under 1 MB
  // A perpetual priced near 200,000 ticks: 2,000 orders within 150 ticks of the touch
  // need a few 64-price pages, not a ladder over the whole range.
  BookConfig perp;
  perp.max_price = Price{4'000'000};
  OrderBook<NullSink> b(perp);
  for (std::uint64_t i = 0; i < 2000; ++i) {
    const bool buy = i % 2 == 0;
    const std::int64_t px = buy ? 200'000 - static_cast<std::int64_t>(i % 150) : 200'001 + static_cast<std::int64_t>(i % 150);
    ASSERT_EQ(b.submit(limit(i + 1, i % 10, buy ? Side::buy : Side::sell, px, 1), Timestamp{}), Errc::ok);
  }
  EXPECT_LT(b.memory_bytes(), 600u * 1024);
  // Orders spread over the whole range cost pages where they sit, and the book stays exact.
  for (std::uint64_t i = 0; i < 200; ++i)
    ASSERT_EQ(b.submit(limit(10'000 + i, 1, Side::buy, 1 + static_cast<std::int64_t>(i) * 999, 1), Timestamp{}), Errc::ok);
  EXPECT_EQ(b.best_bid(), Price{200'000});
  EXPECT_TRUE(b.validate().ok());
}

}  // namespace
}  // namespace strike::book::testing
