// The matching rules of docs/book.md, one test each.
#include <gtest/gtest.h>

#include <array>

#include "book_fixture.hpp"
#include "core/instrument_registry.hpp"

namespace strike::book::testing {
namespace {

using B = BookTest;
constexpr Side kBuy = Side::buy;
constexpr Side kSell = Side::sell;

// ---- prices and priority

TEST_F(B, TradesPrintAtTheMakersPriceWhenABuyerTakes) {
  ASSERT_EQ(submit(limit(1, 10, kSell, 101, 5)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 20, kBuy, 105, 5)), Errc::ok);
  const auto trades = only<Trade>(take());
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].price, Price{101});
  EXPECT_EQ(trades[0].aggressor, kBuy);
  EXPECT_EQ(trades[0].maker, OrderId{1});
  EXPECT_EQ(trades[0].taker_account, AccountId{20});
}

TEST_F(B, TradesPrintAtTheMakersPriceWhenASellerTakes) {
  ASSERT_EQ(submit(limit(1, 10, kBuy, 99, 5)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 20, kSell, 90, 5)), Errc::ok);
  const auto trades = only<Trade>(take());
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].price, Price{99});
  EXPECT_EQ(trades[0].aggressor, kSell);
}

TEST_F(B, MarketableLimitFillsBestPriceFirstAndRestsTheRemainderAtItsLimit) {
  ASSERT_EQ(submit(limit(1, 1, kSell, 103, 4)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 1, kSell, 101, 4)), Errc::ok);
  ASSERT_EQ(submit(limit(3, 1, kSell, 102, 4)), Errc::ok);
  ASSERT_EQ(submit(limit(4, 1, kSell, 104, 4)), Errc::ok);
  take();
  ASSERT_EQ(submit(limit(9, 2, kBuy, 103, 20)), Errc::ok);
  const auto ev = take();
  const auto trades = only<Trade>(ev);
  ASSERT_EQ(trades.size(), 3u);
  EXPECT_EQ(trades[0].price, Price{101});
  EXPECT_EQ(trades[1].price, Price{102});
  EXPECT_EQ(trades[2].price, Price{103});
  EXPECT_EQ(trades[2].taker_remaining, Qty{8});
  EXPECT_EQ(book_.best_bid(), Price{103});  // rests at its own limit, not beyond
  EXPECT_EQ(book_.visible_at(kBuy, Price{103}), Qty{8});
  EXPECT_EQ(book_.best_ask(), Price{104});
  // Events: accepted, then per level its trades and its L2 delta, then the resting delta.
  EXPECT_TRUE(std::holds_alternative<Accepted>(ev.front()));
  EXPECT_EQ(std::get<LevelUpdate>(ev.back()), (LevelUpdate{kBuy, Price{103}, Qty{8}, 1}));
  EXPECT_EQ(std::get<LevelUpdate>(ev[2]), (LevelUpdate{kSell, Price{101}, Qty{0}, 0}));
  expect_valid();
}

TEST_F(B, AmendThatCrossesMatchesAtTheMakersPrice) {
  ASSERT_EQ(submit(limit(1, 1, kSell, 105, 5)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 2, kBuy, 100, 5)), Errc::ok);
  take();
  ASSERT_EQ(amend(2, 2, 110, 5), Errc::ok);
  const auto ev = take();
  const auto am = only<Amended>(ev);
  ASSERT_EQ(am.size(), 1u);
  EXPECT_FALSE(am[0].priority_kept);
  const auto trades = only<Trade>(ev);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].price, Price{105});
  EXPECT_EQ(trades[0].taker, OrderId{2});
  EXPECT_FALSE(book_.best_bid().has_value());
  EXPECT_FALSE(book_.best_ask().has_value());
  EXPECT_FALSE(book_.find(OrderId{2}).has_value());
  expect_valid();
}

TEST_F(B, IocRemainderIsCancelledAndReported) {
  ASSERT_EQ(submit(limit(1, 1, kSell, 100, 3)), Errc::ok);
  take();
  ASSERT_EQ(submit(with(limit(2, 2, kBuy, 100, 10), TimeInForce::ioc)), Errc::ok);
  const auto ev = take();
  ASSERT_EQ(only<Trade>(ev).size(), 1u);
  const auto c = only<Cancelled>(ev);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, OrderId{2});
  EXPECT_EQ(c[0].qty, Qty{7});
  EXPECT_EQ(c[0].reason, CancelReason::ioc_remainder);
  EXPECT_FALSE(book_.best_bid().has_value());
  EXPECT_EQ(book_.resting_count(), 0u);
}

TEST_F(B, CancelOfUnknownOrderIsRejected) {
  EXPECT_EQ(cancel(77, 1), Errc::book_unknown_order);
  const auto r = only<Rejected>(take());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].command, Command::cancel);
  EXPECT_EQ(r[0].reason, Errc::book_unknown_order);
}

TEST_F(B, CancelOrAmendOfAFilledOrCancelledOrderIsRejected) {
  ASSERT_EQ(submit(limit(1, 1, kSell, 100, 3)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 2, kBuy, 100, 3)), Errc::ok);  // fills 1 (and 2)
  ASSERT_EQ(submit(limit(3, 1, kSell, 120, 3)), Errc::ok);
  ASSERT_EQ(cancel(3, 1), Errc::ok);
  take();
  EXPECT_EQ(cancel(1, 1), Errc::book_unknown_order);  // filled maker
  EXPECT_EQ(cancel(2, 2), Errc::book_unknown_order);  // filled taker
  EXPECT_EQ(cancel(3, 1), Errc::book_unknown_order);  // cancelled
  EXPECT_EQ(amend(3, 1, 120, 2), Errc::book_unknown_order);
  EXPECT_EQ(only<Rejected>(take()).size(), 4u);
}

TEST_F(B, CancelByAnotherAccountIsRejectedWithADistinctReason) {
  ASSERT_EQ(submit(limit(1, 1, kSell, 100, 3)), Errc::ok);
  EXPECT_EQ(cancel(1, 2), Errc::book_not_owner);
  EXPECT_EQ(amend(1, 2, 100, 1), Errc::book_not_owner);
  EXPECT_TRUE(book_.find(OrderId{1}).has_value());
}

TEST_F(B, AnIdFreedByAFillOrACancelCanBeUsedAgain) {
  ASSERT_EQ(submit(limit(1, 1, kSell, 100, 3)), Errc::ok);
  EXPECT_EQ(submit(limit(1, 1, kSell, 101, 3)), Errc::book_duplicate_order_id);
  ASSERT_EQ(submit(limit(2, 2, kBuy, 100, 3)), Errc::ok);  // fills 1
  EXPECT_EQ(submit(limit(1, 1, kSell, 101, 3)), Errc::ok);
  ASSERT_EQ(cancel(1, 1), Errc::ok);
  EXPECT_EQ(submit(limit(1, 3, kBuy, 90, 4)), Errc::ok);
  EXPECT_EQ(book_.find(OrderId{1})->account, AccountId{3});
  expect_valid();
}

TEST_F(B, APartiallyFilledMakerKeepsItsPlaceInTheQueue) {
  ASSERT_EQ(submit(limit(1, 1, kSell, 100, 10)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 2, kSell, 100, 10)), Errc::ok);
  ASSERT_EQ(submit(limit(3, 3, kBuy, 100, 4)), Errc::ok);
  EXPECT_EQ(queue(kSell, 100), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(book_.find(OrderId{1})->qty, Qty{6});
  take();
  ASSERT_EQ(submit(limit(4, 3, kBuy, 100, 7)), Errc::ok);
  const auto trades = only<Trade>(take());
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].maker, OrderId{1});
  EXPECT_EQ(trades[0].qty, Qty{6});
  EXPECT_EQ(trades[1].maker, OrderId{2});
  EXPECT_EQ(trades[1].qty, Qty{1});
}

TEST_F(B, CancellingInTheMiddleOrAtTheHeadOfADeepQueueKeepsFifoOrder) {
  constexpr std::uint64_t kDepth = 2000;
  for (std::uint64_t i = 1; i <= kDepth; ++i) ASSERT_EQ(submit(limit(i, i % 7, kBuy, 100, 1)), Errc::ok);
  std::vector<std::uint64_t> want;
  for (std::uint64_t i = 1; i <= kDepth; ++i) {
    const bool cancelled = i == 1 || i == 2 || i == kDepth || i % 3 == 0;
    if (cancelled) {
      ASSERT_EQ(cancel(i, i % 7), Errc::ok);
    } else {
      want.push_back(i);
    }
  }
  EXPECT_EQ(queue(kBuy, 100), want);
  take();
  ASSERT_EQ(submit(limit(99999, 9, kSell, 100, static_cast<std::int64_t>(want.size()))), Errc::ok);
  const auto trades = only<Trade>(take());
  ASSERT_EQ(trades.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) ASSERT_EQ(trades[i].maker, OrderId{want[i]}) << i;
  expect_valid();
}

TEST_F(B, EmptyingTheBestLevelLeavesNoPhantomBestPrice) {
  ASSERT_EQ(submit(limit(1, 1, kBuy, 100, 1)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 1, kBuy, 98, 1)), Errc::ok);
  ASSERT_EQ(submit(limit(3, 1, kBuy, 30, 1)), Errc::ok);  // another page of the ladder
  ASSERT_EQ(cancel(1, 1), Errc::ok);
  EXPECT_EQ(book_.best_bid(), Price{98});
  EXPECT_EQ(book_.visible_at(kBuy, Price{100}), Qty{0});
  ASSERT_EQ(submit(limit(4, 2, kSell, 98, 1)), Errc::ok);  // fills the new best
  EXPECT_EQ(book_.best_bid(), Price{30});
  ASSERT_EQ(cancel(3, 1), Errc::ok);
  EXPECT_FALSE(book_.best_bid().has_value());
  std::array<DepthLevel, 4> d{};
  EXPECT_EQ(book_.depth(kBuy, d), 0u);
  expect_valid();
}

TEST_F(B, OneOrderSweepingFiveThousandMakersAtOnePriceFillsThemAllInOrder) {
  constexpr std::uint64_t kMakers = 5000;
  std::int64_t total = 0;
  for (std::uint64_t i = 1; i <= kMakers; ++i) {
    const auto q = static_cast<std::int64_t>(1 + i % 9);
    total += q;
    ASSERT_EQ(submit(limit(i, 1 + i % 50, kSell, 500, q)), Errc::ok);
  }
  take();
  ASSERT_EQ(submit(limit(100000, 999, kBuy, 500, total + 5)), Errc::ok);
  const auto ev = take();
  const auto trades = only<Trade>(ev);
  ASSERT_EQ(trades.size(), kMakers);
  std::int64_t filled = 0;
  for (std::uint64_t i = 0; i < kMakers; ++i) {
    ASSERT_EQ(trades[i].maker, OrderId{i + 1});
    ASSERT_EQ(trades[i].maker_remaining, Qty{0});
    filled += trades[i].qty.raw();
  }
  EXPECT_EQ(filled, total);
  EXPECT_EQ(trades.back().taker_remaining, Qty{5});
  // One L2 delta for the swept level, one for the remainder resting.
  const auto levels = only<LevelUpdate>(ev);
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_EQ(levels[0], (LevelUpdate{kSell, Price{500}, Qty{0}, 0}));
  EXPECT_EQ(levels[1], (LevelUpdate{kBuy, Price{500}, Qty{5}, 1}));
  EXPECT_EQ(book_.resting_count(), 1u);
  expect_valid();
}

// ---- amend

TEST_F(B, AmendingQuantityDownKeepsPriorityAndUpLosesIt) {
  ASSERT_EQ(submit(limit(1, 1, kBuy, 100, 10)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 2, kBuy, 100, 10)), Errc::ok);
  take();
  ASSERT_EQ(amend(1, 1, 100, 4), Errc::ok);
  auto ev = take();
  ASSERT_EQ(only<Amended>(ev).size(), 1u);
  EXPECT_TRUE(only<Amended>(ev)[0].priority_kept);
  EXPECT_EQ(only<LevelUpdate>(ev), (std::vector<LevelUpdate>{{kBuy, Price{100}, Qty{14}, 2}}));
  EXPECT_EQ(queue(kBuy, 100), (std::vector<std::uint64_t>{1, 2}));
  ASSERT_EQ(amend(1, 1, 100, 6), Errc::ok);
  ev = take();
  EXPECT_FALSE(only<Amended>(ev)[0].priority_kept);
  EXPECT_EQ(only<LevelUpdate>(ev), (std::vector<LevelUpdate>{{kBuy, Price{100}, Qty{16}, 2}}));
  EXPECT_EQ(queue(kBuy, 100), (std::vector<std::uint64_t>{2, 1}));
  expect_valid();
}

TEST_F(B, AmendingThePriceLosesPriority) {
  ASSERT_EQ(submit(limit(1, 1, kSell, 100, 1)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 2, kSell, 101, 1)), Errc::ok);
  ASSERT_EQ(amend(1, 1, 101, 1), Errc::ok);
  EXPECT_EQ(queue(kSell, 101), (std::vector<std::uint64_t>{2, 1}));
  EXPECT_EQ(book_.best_ask(), Price{101});
  expect_valid();
}

// ---- order types

TEST_F(B, FillOrKillFillsCompletelyOrNotAtAll) {
  ASSERT_EQ(submit(limit(1, 1, kSell, 100, 5)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 1, kSell, 101, 5)), Errc::ok);
  const auto before = book_.state_hash();
  take();
  ASSERT_EQ(submit(with(limit(3, 2, kBuy, 101, 11), TimeInForce::fok)), Errc::ok);
  auto ev = take();
  EXPECT_TRUE(only<Trade>(ev).empty());
  ASSERT_EQ(only<Cancelled>(ev).size(), 1u);
  EXPECT_EQ(only<Cancelled>(ev)[0].reason, CancelReason::fok_unfilled);
  EXPECT_EQ(book_.state_hash(), before);
  ASSERT_EQ(submit(with(limit(4, 2, kBuy, 101, 10), TimeInForce::fok)), Errc::ok);
  ev = take();
  EXPECT_EQ(only<Trade>(ev).size(), 2u);
  EXPECT_TRUE(only<Cancelled>(ev).empty());
  EXPECT_FALSE(book_.best_ask().has_value());
}

TEST_F(B, FillOrKillCountsHiddenIcebergQuantity) {
  NewOrder ice = limit(1, 1, kSell, 100, 30);
  ice.display = Qty{5};
  ASSERT_EQ(submit(ice), Errc::ok);
  take();
  ASSERT_EQ(submit(with(limit(2, 2, kBuy, 100, 30), TimeInForce::fok)), Errc::ok);
  const auto trades = only<Trade>(take());
  EXPECT_EQ(trades.size(), 6u);  // six slices of 5
  EXPECT_EQ(book_.resting_count(), 0u);
}

TEST_F(B, MarketOrderNeverTradesBeyondItsProtectionPrice) {
  BookConfig cfg;
  cfg.market_protection = Price{2};
  OrderBook<RecordingSink> b(cfg, RecordingSink{&events_});
  for (std::uint64_t i = 0; i < 5; ++i)
    ASSERT_EQ(b.submit(limit(i + 1, 1, kSell, 100 + static_cast<std::int64_t>(i), 1), Timestamp{}), Errc::ok);
  take();
  ASSERT_EQ(b.submit(market(9, 2, kBuy, 10), Timestamp{}), Errc::ok);
  const auto ev = take();
  EXPECT_EQ(only<Accepted>(ev)[0].price, Price{102});
  EXPECT_EQ(only<Trade>(ev).size(), 3u);  // 100, 101, 102
  ASSERT_EQ(only<Cancelled>(ev).size(), 1u);
  EXPECT_EQ(only<Cancelled>(ev)[0].qty, Qty{7});
  EXPECT_EQ(b.best_ask(), Price{103});
}

TEST_F(B, MarketOrderIsBoundedByAFractionOfTheBestPrice) {
  BookConfig cfg;
  cfg.market_protection_bps = 500;  // 5%
  OrderBook<RecordingSink> b(cfg, RecordingSink{&events_});
  for (const std::int64_t price : {2000, 2090, 2100, 2101, 2500})
    ASSERT_EQ(b.submit(limit(static_cast<std::uint64_t>(price), 1, kSell, price, 1), Timestamp{}), Errc::ok);
  take();
  // 5% of the best ask 2000 is 100 ticks: the order may trade up to 2100, not at 2101.
  ASSERT_EQ(b.submit(market(9, 2, kBuy, 10), Timestamp{}), Errc::ok);
  const auto ev = take();
  EXPECT_EQ(only<Accepted>(ev)[0].price, Price{2100});
  EXPECT_EQ(only<Trade>(ev).size(), 3u);
  EXPECT_EQ(b.best_ask(), Price{2101});
  // A sell: 5% below the best bid 1000 is 950.
  for (const std::int64_t price : {1000, 951, 950, 949})
    ASSERT_EQ(b.submit(limit(static_cast<std::uint64_t>(price), 1, kBuy, price, 1), Timestamp{}), Errc::ok);
  take();
  ASSERT_EQ(b.submit(market(10, 2, kSell, 10), Timestamp{}), Errc::ok);
  EXPECT_EQ(only<Trade>(take()).size(), 3u);
  EXPECT_EQ(b.best_bid(), Price{949});
  BookConfig bad;
  bad.market_protection_bps = 10'001;
  EXPECT_FALSE(bad.check().ok());
}

TEST_F(B, MarketOrderIsAlsoBoundedByThePriceBandAroundMark) {
  BookConfig cfg;
  cfg.price_band = Price{50};
  cfg.market_protection = Price{1000};
  OrderBook<RecordingSink> b(cfg, RecordingSink{&events_});
  ASSERT_EQ(b.submit(limit(1, 1, kSell, 100, 1), Timestamp{}), Errc::ok);
  ASSERT_EQ(b.submit(limit(2, 1, kSell, 140, 1), Timestamp{}), Errc::ok);
  b.set_price(PriceSource::mark, Price{80}, Timestamp{});  // band now 30..130
  take();
  ASSERT_EQ(b.submit(market(3, 2, kBuy, 5), Timestamp{}), Errc::ok);
  EXPECT_EQ(only<Trade>(take()).size(), 1u);
  EXPECT_EQ(b.best_ask(), Price{140});
}

TEST_F(B, MarketOrderMeetingNoLiquidityIsCancelled) {
  ASSERT_EQ(submit(market(1, 1, kSell, 5)), Errc::ok);
  const auto c = only<Cancelled>(take());
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].reason, CancelReason::ioc_remainder);
  EXPECT_EQ(c[0].qty, Qty{5});
}

TEST_F(B, PostOnlyThatWouldTakeIsRejected) {
  ASSERT_EQ(submit(limit(1, 1, kSell, 100, 5)), Errc::ok);
  NewOrder o = limit(2, 2, kBuy, 100, 5);
  o.post_only = PostOnly::reject;
  const auto before = book_.state_hash();
  EXPECT_EQ(submit(o), Errc::book_post_only_would_take);
  EXPECT_EQ(book_.state_hash(), before);
  o.price = Price{99};
  EXPECT_EQ(submit(o), Errc::ok);
}

TEST(PostOnly, RepricesToTheBestNonCrossingPriceOnTheTickGrid) {
  BookConfig cfg;
  cfg.tick_steps[0] = TickStep{Price{1000}, 5};  // 1-tick grid below 1000, 5 from there
  cfg.tick_step_count = 1;
  std::vector<Event> ev;
  OrderBook<RecordingSink> b(cfg, RecordingSink{&ev});
  NewOrder ask = limit(1, 1, kSell, 1010, 5);
  ASSERT_EQ(b.submit(ask, Timestamp{}), Errc::ok);
  NewOrder o = limit(2, 2, kBuy, 1020, 5);
  o.post_only = PostOnly::reprice;
  ASSERT_EQ(b.submit(o, Timestamp{}), Errc::ok);
  EXPECT_EQ(b.best_bid(), Price{1005});
  ASSERT_EQ(b.cancel(OrderId{2}, AccountId{2}, Timestamp{}), Errc::ok);
  ASSERT_EQ(b.amend(AmendOrder{OrderId{1}, AccountId{1}, Price{1000}, Qty{5}, Price{}}, Timestamp{}), Errc::ok);
  o.id = OrderId{3};
  ASSERT_EQ(b.submit(o, Timestamp{}), Errc::ok);
  EXPECT_EQ(b.best_bid(), Price{999});  // the step boundary: the finer grid below it
  EXPECT_TRUE(std::get<Accepted>(ev[ev.size() - 2]).repriced);
  EXPECT_EQ(b.config().floor_to_grid(Price{1004}), Price{1000});
  EXPECT_EQ(b.config().ceil_to_grid(Price{996}), Price{996});
  EXPECT_EQ(b.config().ceil_to_grid(Price{1001}), Price{1005});
}

TEST_F(B, IcebergShowsItsDisplayAndRefillsAtTheBackOfTheQueue) {
  NewOrder ice = limit(1, 1, kSell, 100, 25);
  ice.display = Qty{10};
  ASSERT_EQ(submit(ice), Errc::ok);
  ASSERT_EQ(submit(limit(2, 2, kSell, 100, 5)), Errc::ok);
  EXPECT_EQ(book_.visible_at(kSell, Price{100}), Qty{15});
  EXPECT_EQ(book_.total_at(kSell, Price{100}), Qty{30});
  take();
  ASSERT_EQ(submit(limit(3, 3, kBuy, 100, 12)), Errc::ok);
  const auto trades = only<Trade>(take());
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].maker, OrderId{1});
  EXPECT_EQ(trades[0].qty, Qty{10});
  EXPECT_EQ(trades[1].maker, OrderId{2});  // the refilled slice went behind order 2
  EXPECT_EQ(trades[1].qty, Qty{2});
  EXPECT_EQ(queue(kSell, 100), (std::vector<std::uint64_t>{2, 1}));
  const auto st = book_.find(OrderId{1});
  EXPECT_EQ(st->qty, Qty{15});
  EXPECT_EQ(st->visible, Qty{10});
  EXPECT_EQ(book_.visible_at(kSell, Price{100}), Qty{13});
  expect_valid();
}

TEST_F(B, GoodTillDateOrdersExpireWhenTimeReachesThemInExpiryThenIdOrder) {
  NewOrder a = with(limit(5, 1, kBuy, 100, 1), TimeInForce::gtd);
  a.expiry = Timestamp::from_ns(2'000);
  NewOrder b = with(limit(3, 1, kBuy, 99, 1), TimeInForce::gtd);
  b.expiry = Timestamp::from_ns(2'000);
  NewOrder c = with(limit(4, 1, kBuy, 98, 1), TimeInForce::gtd);
  c.expiry = Timestamp::from_ns(1'500);
  ASSERT_EQ(submit(a), Errc::ok);
  ASSERT_EQ(submit(b), Errc::ok);
  ASSERT_EQ(submit(c), Errc::ok);
  take();
  book_.advance_time(Timestamp::from_ns(1'999));
  auto cancelled = only<Cancelled>(take());
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].id, OrderId{4});
  EXPECT_EQ(cancelled[0].reason, CancelReason::expired);
  book_.advance_time(Timestamp::from_ns(2'000));
  cancelled = only<Cancelled>(take());
  ASSERT_EQ(cancelled.size(), 2u);
  EXPECT_EQ(cancelled[0].id, OrderId{3});
  EXPECT_EQ(cancelled[1].id, OrderId{5});
  EXPECT_EQ(book_.resting_count(), 0u);
  // Time never runs backwards: an earlier stamp counts as the latest seen.
  NewOrder late = with(limit(6, 1, kBuy, 100, 1), TimeInForce::gtd);
  late.expiry = Timestamp::from_ns(1'800);
  EXPECT_EQ(book_.submit(late, Timestamp::from_ns(1'000)), Errc::book_expiry_not_future);
}

TEST_F(B, ReduceOnlyIsCarriedIntoEveryEventOfTheOrder) {
  NewOrder m = limit(1, 1, kSell, 100, 5);
  m.reduce_only = true;
  ASSERT_EQ(submit(m), Errc::ok);
  NewOrder t = with(limit(2, 2, kBuy, 100, 8), TimeInForce::ioc);
  t.reduce_only = true;
  ASSERT_EQ(submit(t), Errc::ok);
  const auto ev = take();
  EXPECT_TRUE(only<Accepted>(ev)[0].reduce_only);
  EXPECT_TRUE(only<Accepted>(ev)[1].reduce_only);
  EXPECT_TRUE(only<Trade>(ev)[0].maker_reduce_only);
  EXPECT_TRUE(only<Trade>(ev)[0].taker_reduce_only);
  EXPECT_TRUE(only<Cancelled>(ev)[0].reduce_only);
}

// ---- stops

TEST_F(B, StopLimitWaitsOutsideTheBookUntilLastTradeReachesItsTrigger) {
  ASSERT_EQ(submit(limit(1, 1, kSell, 105, 10)), Errc::ok);
  ASSERT_EQ(submit(stop(2, 2, kBuy, OrderType::stop_limit, 104, 106, 3)), Errc::ok);
  EXPECT_EQ(book_.stop_count(), 1u);
  EXPECT_FALSE(book_.best_bid().has_value());
  EXPECT_EQ(only<LevelUpdate>(take()).size(), 1u);  // the ask only
  ASSERT_EQ(submit(limit(3, 3, kBuy, 105, 1)), Errc::ok);  // trades at 105 >= 104
  const auto ev = take();
  const auto trig = only<Triggered>(ev);
  ASSERT_EQ(trig.size(), 1u);
  EXPECT_EQ(trig[0].source_price, Price{105});
  const auto trades = only<Trade>(ev);
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[1].taker, OrderId{2});
  EXPECT_EQ(trades[1].qty, Qty{3});
  EXPECT_EQ(book_.stop_count(), 0u);
  expect_valid();
}

TEST_F(B, StopsOnMarkAndIndexTriggerWhenTheCallerMovesThosePrices) {
  price(PriceSource::mark, 100);
  price(PriceSource::index, 100);
  ASSERT_EQ(submit(limit(1, 1, kBuy, 90, 10)), Errc::ok);
  ASSERT_EQ(submit(stop(2, 2, kSell, OrderType::stop_market, 95, 0, 4, PriceSource::mark)), Errc::ok);
  ASSERT_EQ(submit(stop(3, 2, kSell, OrderType::take_limit, 110, 90, 2, PriceSource::index)), Errc::ok);
  EXPECT_EQ(submit(stop(4, 2, kSell, OrderType::stop_market, 101, 0, 4, PriceSource::mark)), Errc::book_trigger_reached);
  take();
  price(PriceSource::mark, 96);
  EXPECT_TRUE(only<Triggered>(take()).empty());
  price(PriceSource::mark, 95);
  auto ev = take();
  ASSERT_EQ(only<Triggered>(ev).size(), 1u);
  EXPECT_EQ(only<Trade>(ev)[0].qty, Qty{4});
  price(PriceSource::index, 111);
  ev = take();
  ASSERT_EQ(only<Triggered>(ev).size(), 1u);
  EXPECT_EQ(only<Triggered>(ev)[0].id, OrderId{3});
  EXPECT_EQ(book_.visible_at(kBuy, Price{90}), Qty{4});
}

TEST_F(B, ReachedStopsEnterClosestTriggerFirstThenFifoAndCascade) {
  for (std::uint64_t i = 0; i < 4; ++i) ASSERT_EQ(submit(limit(10 + i, 1, kBuy, 100 - static_cast<std::int64_t>(i), 1)), Errc::ok);
  ASSERT_EQ(submit(limit(20, 2, kSell, 100, 1)), Errc::ok);  // last = 100
  // Sell stops below: 99 (two, FIFO), 98; the first fills at 99 and moves last there.
  ASSERT_EQ(submit(stop(30, 3, kSell, OrderType::stop_market, 98, 0, 1)), Errc::ok);
  ASSERT_EQ(submit(stop(31, 3, kSell, OrderType::stop_market, 99, 0, 1)), Errc::ok);
  ASSERT_EQ(submit(stop(32, 3, kSell, OrderType::stop_market, 99, 0, 1)), Errc::ok);
  ASSERT_EQ(submit(stop(33, 3, kSell, OrderType::stop_market, 96, 0, 1)), Errc::ok);
  take();
  ASSERT_EQ(submit(limit(21, 2, kSell, 99, 1)), Errc::ok);  // last = 99
  const auto trig = only<Triggered>(take());
  std::vector<std::uint64_t> order;
  for (const auto& t : trig) order.push_back(t.id.raw());
  // 31 and 32 at 99, the cascade reaches 98 (30); 33 at 96 is not reached (last stops at 97).
  EXPECT_EQ(order, (std::vector<std::uint64_t>{31, 32, 30}));
  EXPECT_EQ(book_.stop_count(), 1u);
  EXPECT_EQ(book_.price(PriceSource::last), Price{97});
  expect_valid();
}

// With hold_triggered the owner takes each reached stop, in the order the book would fire them,
// and enters or refuses it; the cascade then goes on from the price the entered one moved.
TEST(HeldTriggers, TheOwnerTakesEachReachedStopInFiringOrderAndEntersOrRefusesIt) {
  BookConfig cfg;
  cfg.hold_triggered = true;
  std::vector<Event> events;
  OrderBook<RecordingSink> book(cfg, RecordingSink{&events});
  const Timestamp t = Timestamp::from_ns(1'000);
  for (std::uint64_t i = 0; i < 4; ++i) ASSERT_EQ(book.submit(limit(10 + i, 1, kBuy, 100 - static_cast<std::int64_t>(i), 1), t), Errc::ok);
  ASSERT_EQ(book.submit(limit(20, 2, kSell, 100, 1), t), Errc::ok);  // last = 100
  ASSERT_EQ(book.submit(stop(30, 3, kSell, OrderType::stop_market, 98, 0, 1), t), Errc::ok);
  ASSERT_EQ(book.submit(stop(31, 3, kSell, OrderType::stop_market, 99, 0, 1), t), Errc::ok);
  ASSERT_EQ(book.submit(stop(32, 3, kSell, OrderType::stop_market, 99, 0, 1), t), Errc::ok);
  ASSERT_EQ(book.submit(limit(21, 2, kSell, 99, 1), t), Errc::ok);  // last = 99: 31 and 32 reached
  EXPECT_TRUE(std::none_of(events.begin(), events.end(), [](const Event& e) { return std::holds_alternative<Triggered>(e); }))
      << "a held book fires nothing by itself";
  auto first = book.take_triggered();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id.raw(), 31u);
  EXPECT_EQ(first->source, PriceSource::last);
  ASSERT_TRUE(book.held().has_value());
  EXPECT_EQ(book.held()->type, OrderType::market);  // already a plain order
  EXPECT_FALSE(book.validate().ok()) << "a held order is in no queue: the book is mid-decision";
  book.drop_triggered(CancelReason::refused);  // the owner refuses 31
  auto second = book.take_triggered();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id.raw(), 32u);
  events.clear();
  book.activate_triggered();  // 32 sells into 98 and moves last there: 30 is reached in turn
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const Event& e) { return std::holds_alternative<Trade>(e); }));
  auto third = book.take_triggered();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->id.raw(), 30u);
  book.activate_triggered();
  EXPECT_FALSE(book.take_triggered().has_value());
  EXPECT_FALSE(book.find(OrderId{31}).has_value());
  EXPECT_TRUE(book.validate().ok()) << book.validate().error().to_string();
}

// Records events as they come, slots included (RecordingSink sets them to 0).
struct RawSink {
  std::vector<Event>* out;
  template <class E>
  void on(const E& e) {
    out->push_back(e);
  }
};

// The slot an event names is where the book keeps the order while it is open.
TEST(Slots, EveryEventNamesTheSlotThatFindsItsOrder) {
  std::vector<Event> events;
  OrderBook<RawSink> book(BookConfig{}, RawSink{&events});
  const Timestamp t = Timestamp::from_ns(1'000);
  const auto check = [&] {
    for (const Event& e : events) {
      std::vector<std::pair<OrderId, std::uint32_t>> named;
      if (const auto* a = std::get_if<Accepted>(&e)) named.emplace_back(a->id, a->slot);
      if (const auto* x = std::get_if<Trade>(&e)) {
        named.emplace_back(x->maker, x->maker_slot);
        named.emplace_back(x->taker, x->taker_slot);
      }
      if (const auto* m = std::get_if<Amended>(&e)) named.emplace_back(m->id, m->slot);
      for (const auto& [id, slot] : named) {
        const auto at = book.slot_of(id);
        if (at) {
          EXPECT_EQ(*at, slot) << "order " << id.raw();
        }
      }
    }
    events.clear();
  };
  std::size_t named = 0;
  for (std::uint64_t i = 1; i <= 200; ++i) {
    const Side side = i % 2 ? kBuy : Side::sell;
    const std::int64_t px = side == kBuy ? 100 - static_cast<std::int64_t>(i % 5) : 98 + static_cast<std::int64_t>(i % 5);
    ASSERT_EQ(book.submit(limit(i, i % 7, side, px, 1 + static_cast<std::int64_t>(i % 3)), t), Errc::ok);
    named += events.size();
    check();
    if (i % 3 == 0) (void)book.amend(AmendOrder{OrderId{i - 1}, AccountId{(i - 1) % 7}, Price{99}, Qty{1}, Price{0}}, t);
    check();
  }
  EXPECT_GT(named, 200u);
}

TEST_F(B, AmendingAStopTriggerMovesItToTheBackOfItsNewTriggerQueue) {
  ASSERT_EQ(submit(stop(1, 1, kBuy, OrderType::stop_limit, 110, 111, 1)), Errc::ok);
  ASSERT_EQ(submit(stop(2, 1, kBuy, OrderType::stop_limit, 120, 121, 1)), Errc::ok);
  ASSERT_EQ(amend(1, 1, 122, 3, 120), Errc::ok);
  std::vector<std::uint64_t> ids;
  book_.for_each_order([&](const OrderState& o) { ids.push_back(o.id.raw()); });
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{2, 1}));
  EXPECT_EQ(book_.find(OrderId{1})->price, Price{122});
  EXPECT_EQ(book_.find(OrderId{1})->qty, Qty{3});
  expect_valid();
}

// ---- cancel-all

TEST_F(B, CancelAllByAccountBySideAndForTheInstrumentGoInIdOrder) {
  ASSERT_EQ(submit(limit(5, 1, kBuy, 100, 1)), Errc::ok);
  ASSERT_EQ(submit(limit(3, 1, kSell, 110, 1)), Errc::ok);
  ASSERT_EQ(submit(limit(4, 2, kBuy, 99, 1)), Errc::ok);
  ASSERT_EQ(submit(stop(1, 1, kBuy, OrderType::stop_limit, 120, 121, 1)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 2, kSell, 111, 1)), Errc::ok);
  take();
  CancelAllFilter f;
  f.account = AccountId{1};
  f.side = kBuy;
  EXPECT_EQ(book_.cancel_all(f, Timestamp{}), 2u);
  auto c = only<Cancelled>(take());
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].id, OrderId{1});
  EXPECT_EQ(c[1].id, OrderId{5});
  EXPECT_EQ(c[1].reason, CancelReason::cancel_all);
  EXPECT_EQ(book_.cancel_all(CancelAllFilter{}, Timestamp{}), 3u);
  c = only<Cancelled>(take());
  EXPECT_EQ(c[0].id, OrderId{2});
  EXPECT_EQ(c[1].id, OrderId{3});
  EXPECT_EQ(c[2].id, OrderId{4});
  EXPECT_EQ(book_.resting_count() + book_.stop_count(), 0u);
  expect_valid();
}

// ---- self-trade prevention

class SelfTrade : public BookTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(submit(limit(1, 7, kSell, 100, 5)), Errc::ok);  // own
    ASSERT_EQ(submit(limit(2, 8, kSell, 100, 5)), Errc::ok);  // other
    take();
  }
  std::vector<Event> take_with(StpMode mode, std::int64_t qty) {
    NewOrder o = limit(3, 7, kBuy, 100, qty);
    o.stp = mode;
    EXPECT_EQ(submit(o), Errc::ok);
    expect_valid();
    return take();
  }
};

TEST_F(SelfTrade, CancelRestingCancelsTheOwnMakerAndContinues) {
  const auto ev = take_with(StpMode::cancel_resting, 8);
  const auto c = only<Cancelled>(ev);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, OrderId{1});
  EXPECT_EQ(c[0].reason, CancelReason::self_trade);
  ASSERT_EQ(only<Trade>(ev).size(), 1u);
  EXPECT_EQ(only<Trade>(ev)[0].maker, OrderId{2});
  EXPECT_EQ(book_.visible_at(kBuy, Price{100}), Qty{3});
}

TEST_F(SelfTrade, CancelIncomingCancelsTheTakerAndLeavesTheMaker) {
  const auto ev = take_with(StpMode::cancel_incoming, 8);
  const auto c = only<Cancelled>(ev);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, OrderId{3});
  EXPECT_EQ(c[0].qty, Qty{8});
  EXPECT_TRUE(only<Trade>(ev).empty());
  EXPECT_EQ(queue(kSell, 100), (std::vector<std::uint64_t>{1, 2}));
}

TEST_F(SelfTrade, CancelBothCancelsMakerAndTaker) {
  const auto c = only<Cancelled>(take_with(StpMode::cancel_both, 8));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].id, OrderId{1});
  EXPECT_EQ(c[1].id, OrderId{3});
  EXPECT_EQ(queue(kSell, 100), (std::vector<std::uint64_t>{2}));
}

TEST_F(SelfTrade, DecrementBothShrinksBothByTheSmallerQuantityWithoutATrade) {
  const auto ev = take_with(StpMode::decrement_both, 3);
  EXPECT_TRUE(only<Trade>(ev).empty());
  const auto a = only<Amended>(ev);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].id, OrderId{1});
  EXPECT_EQ(a[0].qty, Qty{2});
  EXPECT_EQ(a[0].reason, AmendReason::self_trade);
  EXPECT_TRUE(a[0].priority_kept);
  const auto c = only<Cancelled>(ev);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, OrderId{3});
  EXPECT_EQ(c[0].qty, Qty{3});
  EXPECT_EQ(queue(kSell, 100), (std::vector<std::uint64_t>{1, 2}));
  // Larger than the own maker: the maker goes, the taker shrinks and trades with the next one.
  const auto ev2 = take_with(StpMode::decrement_both, 6);
  EXPECT_EQ(only<Cancelled>(ev2)[0].id, OrderId{1});
  EXPECT_EQ(only<Amended>(ev2)[0].qty, Qty{4});
  EXPECT_EQ(only<Trade>(ev2)[0].qty, Qty{4});
}

// Regression (found by the differential test): the incoming order filled its account's only
// resting order, which freed the account's record before the remainder rested with it.
TEST_F(B, AnOrderThatFillsItsAccountsLastRestingOrderStillRestsItsRemainder) {
  ASSERT_EQ(submit(limit(1, 5, kSell, 100, 3)), Errc::ok);
  ASSERT_EQ(submit(limit(2, 5, kBuy, 100, 10)), Errc::ok);  // trades 3 with itself, rests 7
  EXPECT_EQ(book_.open_orders(AccountId{5}), 1u);
  expect_valid();
  ASSERT_EQ(submit(limit(3, 6, kBuy, 99, 1)), Errc::ok);  // another account gets a record
  ASSERT_EQ(cancel(2, 5), Errc::ok);
  EXPECT_EQ(book_.open_orders(AccountId{5}), 0u);
  EXPECT_EQ(book_.open_orders(AccountId{6}), 1u);
  expect_valid();
}

TEST_F(SelfTrade, WithoutPreventionAnAccountMayTradeWithItself) {
  const auto trades = only<Trade>(take_with(StpMode::none, 5));
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].maker_account, trades[0].taker_account);
}

// ---- validation: each failure has its reason, and changes nothing

TEST(Validation, EachFailureHasItsOwnReasonAndChangesNothing) {
  BookConfig cfg;
  cfg.tick = 5;
  cfg.lot = 2;
  cfg.min_qty = Qty{4};
  cfg.max_qty = Qty{1000};
  cfg.price_band = Price{100};
  cfg.max_open_orders = 2;
  cfg.min_price = Price{5};
  cfg.max_price = Price{10'000};
  std::vector<Event> ev;
  OrderBook<RecordingSink> b(cfg, RecordingSink{&ev});
  b.set_price(PriceSource::mark, Price{1000}, Timestamp{});
  ASSERT_EQ(b.submit(limit(1, 1, kBuy, 1000, 4), Timestamp{}), Errc::ok);
  b.advance_time(Timestamp::from_ns(10));  // time is state; rejects below happen at t=10
  const std::uint64_t hash = b.state_hash();
  const auto expect_reject = [&](NewOrder o, Errc want) {
    ev.clear();
    EXPECT_EQ(b.submit(o, Timestamp::from_ns(10)), want) << name(want);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(std::get<Rejected>(ev[0]).reason, want);
    EXPECT_EQ(b.state_hash(), hash) << name(want);
  };
  const NewOrder ok = limit(2, 1, kBuy, 995, 4);
  NewOrder o = ok;
  o.id = OrderId{1};
  expect_reject(o, Errc::book_duplicate_order_id);
  o = ok;
  o.price = Price{997};
  expect_reject(o, Errc::book_off_tick);
  o = ok;
  o.qty = Qty{5};
  expect_reject(o, Errc::book_off_lot);
  o = ok;
  o.qty = Qty{2};
  expect_reject(o, Errc::book_below_min_size);
  o = ok;
  o.qty = Qty{0};
  expect_reject(o, Errc::book_invalid_quantity);
  o = ok;
  o.qty = Qty{1002};
  expect_reject(o, Errc::book_invalid_quantity);
  o = ok;
  o.price = Price{1105};
  expect_reject(o, Errc::book_outside_price_band);
  o = ok;
  o.price = Price{0};
  expect_reject(o, Errc::book_price_out_of_range);
  o = ok;
  o.display = Qty{6};
  o.qty = Qty{4};
  expect_reject(o, Errc::book_invalid_display);
  o = ok;
  o.tif = TimeInForce::ioc;
  o.post_only = PostOnly::reject;
  expect_reject(o, Errc::book_invalid_order);
  o = market(2, 1, kBuy, 4);
  o.tif = TimeInForce::gtc;
  expect_reject(o, Errc::book_invalid_order);
  o = ok;
  o.tif = TimeInForce::gtd;
  o.expiry = Timestamp::from_ns(10);
  expect_reject(o, Errc::book_expiry_not_future);
  o = stop(2, 1, kBuy, OrderType::stop_limit, 1003, 1000, 4);
  expect_reject(o, Errc::book_invalid_trigger);
  ASSERT_EQ(b.submit(limit(3, 1, kBuy, 990, 4), Timestamp{}), Errc::ok);
  ev.clear();
  EXPECT_EQ(b.submit(limit(4, 1, kBuy, 990, 4), Timestamp{}), Errc::book_too_many_open_orders);
  // An IOC never rests, so it does not count against the limit.
  EXPECT_EQ(b.submit(with(limit(5, 1, kSell, 1000, 4), TimeInForce::ioc), Timestamp{}), Errc::ok);
  EXPECT_EQ(b.open_orders(AccountId{1}), 1u);  // order 1 filled by its own IOC (no prevention)
}

TEST(Validation, AmendIsCheckedLikeANewOrderAndARejectChangesNothing) {
  BookConfig cfg;
  cfg.tick = 5;
  std::vector<Event> ev;
  OrderBook<RecordingSink> b(cfg, RecordingSink{&ev});
  ASSERT_EQ(b.submit(limit(1, 1, kBuy, 1000, 4), Timestamp{}), Errc::ok);
  const std::uint64_t hash = b.state_hash();
  EXPECT_EQ(b.amend(AmendOrder{OrderId{1}, AccountId{1}, Price{1001}, Qty{4}, Price{}}, Timestamp{}), Errc::book_off_tick);
  EXPECT_EQ(b.amend(AmendOrder{OrderId{1}, AccountId{1}, Price{1000}, Qty{0}, Price{}}, Timestamp{}),
            Errc::book_invalid_quantity);
  EXPECT_EQ(b.state_hash(), hash);
}

TEST(BookConfig, RejectsInconsistentSettings) {
  BookConfig c;
  EXPECT_TRUE(c.check().ok());
  c.tick_steps[0] = TickStep{Price{100}, 3};
  c.tick = 2;
  c.tick_step_count = 1;
  EXPECT_EQ(c.check().error().code, Errc::config_bad_value);  // 3 is not a multiple of 2
  c = BookConfig{};
  c.min_qty = Qty{0};
  EXPECT_FALSE(c.check().ok());
}

TEST(BookConfig, FollowsTheInstrumentsTickSchedule) {
  const auto registry = load_default_instruments();
  ASSERT_TRUE(registry.ok()) << registry.error().to_string();
  const Instrument* option = registry.value().find("BTC-25DEC26-100000-C");
  ASSERT_NE(option, nullptr);
  const auto cfg = book_config_for(*option);  // 0.0001 BTC below 0.005, 0.0005 from there
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(cfg.value().tick_step_count, 1);
  EXPECT_EQ(cfg.value().tick_steps[0], (TickStep{Price{50}, 5}));
  EXPECT_TRUE(cfg.value().on_grid(Price{49}));
  EXPECT_FALSE(cfg.value().on_grid(Price{51}));
  EXPECT_TRUE(cfg.value().on_grid(Price{55}));
  const Instrument* perp = registry.value().find("BTC-PERPETUAL");
  ASSERT_NE(perp, nullptr);
  EXPECT_EQ(book_config_for(*perp).value().tick_step_count, 0);
}

}  // namespace
}  // namespace strike::book::testing
