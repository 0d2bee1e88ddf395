// The engine's behaviour command by command: matching through clearing, atomic rejections,
// account isolation, the time-driven schedules (GTD, expiry settlement, funding), stops on
// the mark, and the order views clients see.
#include "engine_fixture.hpp"

namespace strike::engine::testing {
namespace {

using Engine_ = EngineFixture;

TEST_F(Engine_, ACrossingOrderTradesAtTheMakersPriceAndClearingBooksIt) {
  const AccountId maker = account(), taker = account();
  const Outcome& rest = run(limit(maker, "BTC-PERPETUAL", Side::sell, 100'000, 50));  // 50000 USD, 500 USD
  ASSERT_EQ(rest.status, Errc::ok);
  const OrderId maker_order = rest.order;
  const Outcome& take = run(limit(taker, "BTC-PERPETUAL", Side::buy, 100'010, 20));
  ASSERT_EQ(take.status, Errc::ok);
  const auto trades = events_of<TradeExecuted>(take);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].price.raw(), 100'000);
  EXPECT_EQ(trades[0].qty.raw(), 20);
  EXPECT_EQ(trades[0].maker, maker_order);
  EXPECT_EQ(trades[0].aggressor, Side::buy);
  // 200 USD at 50000 = 0.004 BTC = 400,000 sat; taker fee 0.05% = 200 sat.
  EXPECT_EQ(trades[0].taker_fee.units(), 200);
  EXPECT_EQ(engine_->clearing().position(taker, id("BTC-PERPETUAL"))->size, 20);
  EXPECT_EQ(engine_->clearing().position(maker, id("BTC-PERPETUAL"))->size, -20);
  // The taker's order view arrives once, filled; the maker's shows 20 of 50 filled.
  const auto views = events_of<OrderUpdated>(take);
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[0].order.id, maker_order);
  EXPECT_EQ(views[0].order.filled.raw(), 20);
  EXPECT_EQ(views[0].order.status, OrderStatus::open);
  EXPECT_EQ(views[1].order.id, take.order);
  EXPECT_EQ(views[1].order.status, OrderStatus::filled);
  expect_valid();
}

TEST_F(Engine_, AMarketOrderStopsFivePercentBeyondTheBestPrice) {
  const AccountId maker = account(), taker = account();
  // BTC-PERPETUAL ticks are 0.5 USD: 100,000 ticks = 50,000 USD; 5% of it is 5,000 ticks.
  for (const std::int64_t price : {100'000, 104'000, 105'000, 106'000})
    ASSERT_EQ(run(limit(maker, "BTC-PERPETUAL", Side::sell, price, 10)).status, Errc::ok);
  NewOrder market = limit(taker, "BTC-PERPETUAL", Side::buy, 0, 50);
  market.type = book::OrderType::market;
  market.tif = book::TimeInForce::ioc;
  const Outcome& o = run(market);
  ASSERT_EQ(o.status, Errc::ok);
  const auto trades = events_of<TradeExecuted>(o);
  ASSERT_EQ(trades.size(), 3u);
  EXPECT_EQ(trades[2].price.raw(), 105'000);
  EXPECT_EQ(engine_->clearing().position(taker, id("BTC-PERPETUAL"))->size, 30);
  // The 20 lots beyond the protection price are cancelled, the 106,000 ask still rests.
  const auto views = events_of<OrderUpdated>(o);
  ASSERT_FALSE(views.empty());
  EXPECT_EQ(views.back().order.id, o.order);
  EXPECT_EQ(views.back().order.filled.raw(), 30);
  EXPECT_NE(views.back().order.status, OrderStatus::open);
  expect_valid();
}

TEST_F(Engine_, ARejectedCommandChangesNothing) {
  const AccountId a = account(), b = account();
  ASSERT_EQ(run(limit(a, "BTC-PERPETUAL", Side::sell, 100'000, 50)).status, Errc::ok);
  struct Case {
    CommandBody body;
    Errc expected;
  };
  NewOrder off_tick = limit(b, "BTC-25DEC26-100000-C", Side::buy, 51, 1);  // 0.0051: the tick is 0.0005 there
  NewOrder unknown_acct = limit(AccountId{999}, "BTC-PERPETUAL", Side::buy, 100'000, 1);
  NewOrder huge = limit(b, "BTC-PERPETUAL", Side::buy, 100'000, std::int64_t{1} << 50);
  NewOrder reduce = limit(b, "BTC-PERPETUAL", Side::sell, 100'000, 1);
  reduce.reduce_only = true;
  const Case cases[] = {
      {off_tick, Errc::book_off_tick},
      {unknown_acct, Errc::unknown_account},
      {huge, Errc::order_too_large},
      {reduce, Errc::reduce_only_rejected},
      {CancelOrder{b, OrderId{1}}, Errc::book_unknown_order},  // a's order: b cannot see it
      {AmendOrder{b, OrderId{1}, Decimal{100}, Decimal{50'000, 0}, Decimal{}}, Errc::book_unknown_order},
      {Withdraw{b, btc_, 1'000 * kSat}, Errc::insufficient_funds},
      {Transfer{a, b, btc_, 1}, Errc::not_same_owner},
      {ResumeInstrument{id("BTC-PERPETUAL")}, Errc::instrument_not_halted},
      {ExpireInstrument{id("BTC-PERPETUAL")}, Errc::instrument_not_dated},
      {SetMark{id("BTC-PERPETUAL"), RefPrice{0}}, Errc::invalid_price},
  };
  for (const Case& c : cases) {
    // A copy of the engine that receives an AdvanceTime instead must end in the same state.
    std::vector<std::byte> snapshot;
    engine_->save(snapshot);
    auto copy = Engine::load(registry_, {}, snapshot);
    ASSERT_TRUE(copy.ok()) << copy.error().to_string();
    const Command cmd{SeqNo{engine_->last_seq().raw() + 1}, Timestamp::from_ns(time_ns_ + 5), c.body};
    const Outcome& o = engine_->apply(cmd);
    EXPECT_EQ(o.status, c.expected) << to_string(cmd.type()) << ": got " << name(o.status) << ", expected "
                                    << name(c.expected);
    EXPECT_TRUE(o.events.empty()) << to_string(cmd.type());
    (void)copy.value()->apply(Command{cmd.seq, cmd.time, AdvanceTime{}});
    EXPECT_EQ(engine_->state_hash(), copy.value()->state_hash()) << to_string(cmd.type());
    time_ns_ += 5;
  }
  expect_valid();
}

TEST_F(Engine_, AnAccountCannotTouchAnotherAccountsOrder) {
  const AccountId a = account(), b = account();
  const OrderId mine = run(limit(a, "BTC-PERPETUAL", Side::buy, 90'000, 10)).order;
  EXPECT_EQ(run(CancelOrder{b, mine}).status, Errc::book_unknown_order);
  EXPECT_EQ(engine_->order(b, mine), nullptr);
  EXPECT_TRUE(engine_->open_orders(b, std::nullopt).empty());
  ASSERT_NE(engine_->order(a, mine), nullptr);
  EXPECT_EQ(run(CancelAll{b}).count, 0u);
  EXPECT_EQ(engine_->open_orders(a, std::nullopt).size(), 1u);
  EXPECT_EQ(run(CancelOrder{a, mine}).status, Errc::ok);
  EXPECT_EQ(engine_->open_order_count(), 0u);
}

TEST_F(Engine_, AnAmendTakesTheNewTotalAmountAndCanCross) {
  const AccountId a = account(), b = account();
  const OrderId bid = run(limit(a, "BTC-PERPETUAL", Side::buy, 90'000, 10)).order;
  ASSERT_EQ(run(limit(b, "BTC-PERPETUAL", Side::sell, 95'000, 4)).status, Errc::ok);
  // Move the bid to 47500 USD (95000 ticks) for a total of 100 USD (10 lots): 4 lots trade at
  // the maker's price, 6 rest.
  const Outcome& o = run(AmendOrder{a, bid, Decimal{100, 0}, Decimal{47'500, 0}, Decimal{}});
  ASSERT_EQ(o.status, Errc::ok);
  const auto trades = events_of<TradeExecuted>(o);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].price.raw(), 95'000);
  const OrderView* v = engine_->order(a, bid);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->filled.raw(), 4);
  EXPECT_EQ(v->amount.raw(), 10);
  EXPECT_EQ(v->open().raw(), 6);
  // An amount at or below what filled is refused.
  EXPECT_EQ(run(AmendOrder{a, bid, Decimal{40, 0}, Decimal{}, Decimal{}}).status, Errc::amend_below_filled);
  EXPECT_EQ(run(AmendOrder{a, bid, Decimal{45, 0}, Decimal{}, Decimal{}}).status, Errc::book_off_lot);  // not 10 USD lots
  expect_valid();
}

TEST_F(Engine_, GoodTillDateOrdersExpireWhenTimePassesEvenInAnUntouchedBook) {
  const AccountId a = account();
  NewOrder gtd = limit(a, "ETH-PERPETUAL", Side::buy, 20'000, 3);
  gtd.tif = book::TimeInForce::gtd;
  gtd.expiry = Timestamp::from_ns(time_ns_ + 60 * kNsPerSecond);
  const OrderId o = run(gtd).order;
  ASSERT_NE(engine_->order(a, o), nullptr);
  EXPECT_EQ(run(AdvanceTime{}, 30 * kNsPerSecond).events.size(), 0u);
  const Outcome& later = run(SetIndex{btc_, RefPrice{50'000LL * 100'000'000}}, 31 * kNsPerSecond);
  const auto views = events_of<OrderUpdated>(later);
  ASSERT_EQ(views.size(), 1u);
  EXPECT_EQ(views[0].order.status, OrderStatus::cancelled);
  EXPECT_EQ(views[0].order.cancel_reason, book::CancelReason::expired);
  EXPECT_EQ(engine_->order(a, o), nullptr);
  expect_valid();
}

TEST_F(Engine_, AStopOnTheMarkTriggersWhenTheMarkReachesIt) {
  const AccountId a = account(), b = account();
  ASSERT_EQ(run(limit(b, "BTC-PERPETUAL", Side::sell, 104'000, 10)).status, Errc::ok);
  NewOrder stop = limit(a, "BTC-PERPETUAL", Side::buy, 104'000, 10);
  stop.type = book::OrderType::stop_limit;
  stop.trigger = book::PriceSource::mark;
  stop.trigger_price = Price{103'000};  // 51500 USD
  const OrderId s = run(stop).order;
  EXPECT_EQ(engine_->order(a, s)->status, OrderStatus::untriggered);
  EXPECT_TRUE(events_of<TradeExecuted>(run(SetMark{id("BTC-PERPETUAL"), RefPrice{51'000LL * 100'000'000}})).empty());
  const Outcome& hit = run(SetMark{id("BTC-PERPETUAL"), RefPrice{51'600LL * 100'000'000}});
  const auto trades = events_of<TradeExecuted>(hit);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].taker, s);
  EXPECT_EQ(trades[0].price.raw(), 104'000);
  expect_valid();
}

// A triggered stop is offered back to the engine before it enters the book: a reduce-only stop
// whose position is gone by then is refused (cancelled, reason "refused"), not turned into a new
// position.
TEST_F(Engine_, AReduceOnlyStopThatNoLongerReducesIsRefusedWhenItTriggers) {
  const AccountId a = account(), b = account();
  // a is long 10 lots.
  ASSERT_EQ(run(limit(b, "BTC-PERPETUAL", Side::sell, 200'000, 10)).status, Errc::ok);
  ASSERT_EQ(run(limit(a, "BTC-PERPETUAL", Side::buy, 200'000, 10)).status, Errc::ok);
  // A reduce-only sell stop protecting it, on the mark.
  NewOrder stop = limit(a, "BTC-PERPETUAL", Side::sell, 190'000, 10);
  stop.type = book::OrderType::stop_limit;
  stop.trigger = book::PriceSource::mark;
  stop.trigger_price = Price{195'000};  // 97500 USD
  stop.reduce_only = true;
  const OrderId s = run(stop).order;
  ASSERT_NE(engine_->order(a, s), nullptr);
  // The position is closed another way before the stop triggers.
  ASSERT_EQ(run(limit(b, "BTC-PERPETUAL", Side::buy, 199'000, 10)).status, Errc::ok);
  ASSERT_EQ(run(limit(a, "BTC-PERPETUAL", Side::sell, 199'000, 10)).status, Errc::ok);
  ASSERT_EQ(engine_->clearing().position(a, id("BTC-PERPETUAL"))->size, 0);
  const Outcome& hit = run(SetMark{id("BTC-PERPETUAL"), RefPrice{97'000LL * 100'000'000}});
  EXPECT_TRUE(events_of<TradeExecuted>(hit).empty());
  bool refused = false;
  for (const OrderUpdated& u : events_of<OrderUpdated>(hit))
    if (u.order.id == s) refused = u.order.status == OrderStatus::cancelled && u.order.cancel_reason == book::CancelReason::refused;
  EXPECT_TRUE(refused);
  EXPECT_EQ(engine_->order(a, s), nullptr);
  EXPECT_EQ(engine_->clearing().position(a, id("BTC-PERPETUAL"))->size, 0);
  expect_valid();
}

TEST_F(Engine_, AnOptionExpiresSettlesAtTheIndexAverageAndClosesItsBook) {
  const AccountId a = account(), b = account();
  const std::string_view call = "BTC-25DEC26-100000-C";
  ASSERT_EQ(run(limit(b, call, Side::sell, 500, 10)).status, Errc::ok);   // 1 BTC at 0.05
  ASSERT_EQ(run(limit(a, call, Side::buy, 500, 10)).status, Errc::ok);
  ASSERT_EQ(run(limit(b, call, Side::sell, 600, 10)).status, Errc::ok);   // still resting at expiry
  const std::int64_t expiry = registry_.get(id(call)).expiry.ns();
  // The index is 110000 through the last 30 minutes.
  time_ns_ = expiry - 40 * 60 * kNsPerSecond;
  ASSERT_EQ(run(SetIndex{btc_, RefPrice{110'000LL * 100'000'000}}).status, Errc::ok);
  const std::int64_t before = engine_->clearing().ledger().balance(clearing::LedgerAccount::user(a), btc_);
  time_ns_ = expiry;
  const Outcome& o = run(AdvanceTime{});
  const auto settled = events_of<Settled>(o);
  ASSERT_FALSE(settled.empty());
  bool found = false;
  for (const Settled& s : settled)
    if (s.instrument == id(call)) {
      found = true;
      EXPECT_EQ(s.price.raw(), 110'000LL * 100'000'000);
    }
  EXPECT_TRUE(found);
  // 1 BTC of (110000 - 100000) / 110000 = 9,090,909 sat to the long.
  EXPECT_EQ(engine_->clearing().ledger().balance(clearing::LedgerAccount::user(a), btc_) - before, 9'090'909);
  EXPECT_EQ(engine_->status(id(call)), InstrumentStatus::settled);
  EXPECT_TRUE(engine_->open_orders(b, id(call)).empty());  // the resting order was cancelled
  EXPECT_EQ(run(limit(a, call, Side::buy, 500, 10)).status, Errc::instrument_expired);
  expect_valid();
}

TEST_F(Engine_, ExpiryWithoutAnIndexWaitsForOne) {
  const AccountId a = account(), b = account();
  const std::string_view fut = "BTC-25DEC26";
  ASSERT_EQ(run(limit(b, fut, Side::sell, 20'000, 100)).status, Errc::ok);
  ASSERT_EQ(run(limit(a, fut, Side::buy, 20'000, 100)).status, Errc::ok);
  time_ns_ = registry_.get(id(fut)).expiry.ns();
  (void)run(AdvanceTime{});
  EXPECT_EQ(engine_->status(id(fut)), InstrumentStatus::awaiting_settlement);
  const Outcome& o = run(SetIndex{btc_, RefPrice{60'000LL * 100'000'000}});
  EXPECT_FALSE(events_of<Settled>(o).empty());
  EXPECT_EQ(engine_->status(id(fut)), InstrumentStatus::settled);
  EXPECT_EQ(engine_->clearing().position(a, id(fut))->size, 0);
  expect_valid();
}

TEST_F(Engine_, PerpetualFundingIsPaidAtIntervalBoundaries) {
  const AccountId a = account(), b = account();
  const InstrumentId perp = id("BTC_USDC-PERPETUAL");
  ASSERT_EQ(run(limit(b, "BTC_USDC-PERPETUAL", Side::sell, 50'000, 1'000)).status, Errc::ok);
  ASSERT_EQ(run(limit(a, "BTC_USDC-PERPETUAL", Side::buy, 50'000, 1'000)).status, Errc::ok);
  ASSERT_EQ(run(SetIndex{btc_, RefPrice{50'000LL * 100'000'000}}).status, Errc::ok);
  ASSERT_EQ(run(SetMark{perp, RefPrice{50'010LL * 100'000'000}}).status, Errc::ok);
  const std::int64_t before = engine_->clearing().ledger().balance(clearing::LedgerAccount::user(a), usdc_);
  // The next 8-hour boundary after 2026-12-01T00:00Z is 08:00Z.
  const Outcome& o = run(AdvanceTime{}, 8LL * 3600 * kNsPerSecond);
  const auto paid = events_of<FundingPaid>(o);
  ASSERT_FALSE(paid.empty());
  // Long 1 BTC at a mark of 50010, premium 10 / 50000 = 0.0002: 10.002 USDC.
  EXPECT_EQ(engine_->clearing().ledger().balance(clearing::LedgerAccount::user(a), usdc_) - before, -10'002'000);
  expect_valid();
}

TEST_F(Engine_, HaltedInstrumentsRefuseOrdersButAllowCancels) {
  const AccountId a = account();
  const OrderId o = run(limit(a, "BTC-PERPETUAL", Side::buy, 90'000, 10)).order;
  ASSERT_EQ(run(HaltInstrument{id("BTC-PERPETUAL")}).status, Errc::ok);
  EXPECT_EQ(run(limit(a, "BTC-PERPETUAL", Side::buy, 90'000, 10)).status, Errc::instrument_halted);
  EXPECT_EQ(run(CancelOrder{a, o}).status, Errc::ok);
  EXPECT_EQ(run(ResumeInstrument{id("BTC-PERPETUAL")}).status, Errc::ok);
  EXPECT_EQ(run(limit(a, "BTC-PERPETUAL", Side::buy, 90'000, 10)).status, Errc::ok);
}

}  // namespace
}  // namespace strike::engine::testing
