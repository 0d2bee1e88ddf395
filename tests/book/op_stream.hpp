// Streams of book commands for the differential test and the fuzzer: an Op is one command
// with its arguments; apply() runs it on any book with OrderBook's command API; OpSource
// turns a stream of 64-bit draws (a seeded RNG, or fuzzer bytes) into valid-looking but
// often hostile commands on a small price range, so orders cross, self-trade, trigger and
// expire all the time.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "book/shared_stream.hpp"
#include "book/types.hpp"
#include "events.hpp"

namespace strike::book::testing {

struct Op {
  enum Kind : std::uint8_t { submit, cancel, amend, cancel_all, set_price, advance } kind = submit;
  Timestamp now;
  NewOrder order;       // submit
  AmendOrder change;    // amend (id/account also used by cancel)
  CancelAllFilter filter;
  PriceSource source = PriceSource::last;  // set_price
  Price price;
};

template <class Book>
Errc apply(Book& b, const Op& op) {
  switch (op.kind) {
    case Op::submit: return b.submit(op.order, op.now);
    case Op::cancel: return b.cancel(op.change.id, op.change.account, op.now);
    case Op::amend: return b.amend(op.change, op.now);
    case Op::cancel_all: (void)b.cancel_all(op.filter, op.now); return Errc::ok;
    case Op::set_price: b.set_price(op.source, op.price, op.now); return Errc::ok;
    case Op::advance: b.advance_time(op.now); return Errc::ok;
  }
  return Errc::ok;
}

inline std::string describe(const Op& op) {
  switch (op.kind) {
    case Op::submit: {
      const NewOrder& o = op.order;
      return fmt::format("t={} submit id={} acct={} {} {} {} px={} qty={} disp={} trig={}@{} exp={} po={} stp={} ro={}",
                         op.now.ns(), o.id.raw(), o.account.raw(), to_string(o.side), to_string(o.type), to_string(o.tif),
                         o.price.raw(), o.qty.raw(), o.display.raw(), o.trigger_price.raw(), to_string(o.trigger),
                         o.expiry.ns(), to_string(o.post_only), to_string(o.stp), o.reduce_only);
    }
    case Op::cancel: return fmt::format("t={} cancel id={} acct={}", op.now.ns(), op.change.id.raw(), op.change.account.raw());
    case Op::amend:
      return fmt::format("t={} amend id={} acct={} px={} qty={} trig={}", op.now.ns(), op.change.id.raw(),
                         op.change.account.raw(), op.change.price.raw(), op.change.qty.raw(), op.change.trigger_price.raw());
    case Op::cancel_all:
      return fmt::format("t={} cancel_all acct={} side={} resting={} stops={}", op.now.ns(),
                         op.filter.account ? std::to_string(op.filter.account->raw()) : "any",
                         op.filter.side ? to_string(*op.filter.side) : "both", op.filter.resting, op.filter.stops);
    case Op::set_price: return fmt::format("t={} set_price {} {}", op.now.ns(), to_string(op.source), op.price.raw());
    case Op::advance: return fmt::format("t={} advance", op.now.ns());
  }
  return "?";
}

// The configuration the generated streams are meant for: a tick step at 1000 (ticks of 1
// below, 5 from there), lots of 2, a band, protection, and a low open-order limit.
inline BookConfig stream_config() {
  BookConfig c;
  c.tick = 1;
  c.tick_steps[0] = TickStep{Price{1000}, 5};
  c.tick_step_count = 1;
  c.min_price = Price{1};
  c.max_price = Price{5000};
  c.lot = 2;
  c.min_qty = Qty{2};
  c.max_qty = Qty{2000};
  c.min_display = Qty{2};
  c.price_band = Price{150};
  c.market_protection = Price{12};
  c.max_open_orders = 16;
  return c;
}

// Draw is any callable returning uint64 (an RNG, or a reader of fuzzer bytes).
template <class Draw>
class OpSource {
 public:
  explicit OpSource(Draw draw) : draw_(std::move(draw)) {}

  // Feeds back what the book did, so cancels and amends mostly name open orders.
  void observe(const std::vector<Event>& events) {
    for (const Event& e : events) {
      if (const auto* a = std::get_if<Accepted>(&e)) {
        open_.push_back({a->id, a->account});
      } else if (const auto* t = std::get_if<Trade>(&e)) {
        prices_[0] = t->price.raw();
        if (t->maker_remaining.raw() == 0) forget(t->maker);
        if (t->taker_remaining.raw() == 0) forget(t->taker);
      } else if (const auto* c = std::get_if<Cancelled>(&e)) {
        forget(c->id);
      }
    }
  }

  Op next() {
    Op op;
    now_ += static_cast<std::int64_t>(pick(4) == 0 ? pick(200) : pick(3));
    op.now = Timestamp::from_ns(now_);
    if (pick(50) == 0) mid_ += pick(2) == 0 ? -1 : 1;  // the market drifts across pages
    if (mid_ < 900) mid_ = 900;
    if (mid_ > 1100) mid_ = 1100;
    const std::uint64_t k = pick(1000);
    if (k < 660) {
      op.kind = Op::submit;
      op.order = order();
    } else if (k < 750) {
      op.kind = Op::cancel;
      std::tie(op.change.id, op.change.account) = some_order();
    } else if (k < 880) {
      op.kind = Op::amend;
      std::tie(op.change.id, op.change.account) = some_order();
      op.change.price = Price{price_near(mid_)};
      op.change.qty = Qty{qty()};
      op.change.trigger_price = pick(3) == 0 ? Price{price_near(mid_)} : Price{0};
    } else if (k < 882) {
      op.kind = Op::cancel_all;
      if (pick(3) != 0) op.filter.account = AccountId{1 + pick(kAccounts)};
      if (pick(3) == 0) op.filter.side = pick(2) == 0 ? Side::buy : Side::sell;
      op.filter.resting = pick(4) != 0;
      op.filter.stops = pick(4) != 0;
    } else if (k < 962) {
      op.kind = Op::set_price;
      op.source = static_cast<PriceSource>(pick(3));
      op.price = Price{price_near(mid_) + (pick(20) == 0 ? static_cast<std::int64_t>(pick(600)) - 300 : 0)};
      prices_[static_cast<int>(op.source)] = op.price.raw();
      if (pick(300) == 0) {  // a broken feed: the book must not overflow on it
        constexpr std::int64_t kExtremes[] = {INT64_MIN, INT64_MAX, 0, -7};
        op.price = Price{kExtremes[pick(4)]};
      }
    } else {
      op.kind = Op::advance;
      now_ += static_cast<std::int64_t>(pick(500));
      op.now = Timestamp::from_ns(now_);
    }
    return op;
  }

 private:
  static constexpr std::uint64_t kAccounts = 5;

  std::uint64_t pick(std::uint64_t n) { return draw_() % n; }

  std::int64_t price_near(std::int64_t mid) {
    std::int64_t p = mid + static_cast<std::int64_t>(pick(41)) - 20;
    if (pick(40) == 0) p += static_cast<std::int64_t>(pick(400)) - 200;  // far away, maybe off the band
    if (pick(30) != 0 && p >= 1000) p -= p % 5;                         // mostly on the grid
    return p;
  }
  std::int64_t qty() {
    std::int64_t q = 2 * (1 + static_cast<std::int64_t>(pick(pick(8) == 0 ? 200 : 20)));
    if (pick(60) == 0) q = static_cast<std::int64_t>(pick(5)) - 1;  // off lot, zero, negative
    return q;
  }
  void forget(OrderId id) {
    for (std::size_t i = 0; i < open_.size(); ++i)
      if (open_[i].first == id) {
        open_[i] = open_.back();
        open_.pop_back();
        return;
      }
  }
  // An open order (mostly), a recent or a random id; with its owner (mostly).
  std::pair<OrderId, AccountId> some_order() {
    std::pair<OrderId, AccountId> r;
    if (!open_.empty() && pick(10) != 0) {
      r = open_[pick(open_.size())];
    } else {
      r.first = recent_.empty() || pick(3) == 0 ? OrderId{1 + pick(next_id_ + 5)} : recent_[pick(recent_.size())];
      r.second = AccountId{1 + r.first.raw() % kAccounts};
    }
    if (pick(40) == 0) r.second = AccountId{1 + pick(kAccounts)};
    return r;
  }

  NewOrder order() {
    NewOrder o;
    // Mostly fresh ids; sometimes a recent one (a duplicate if still open, else a reuse).
    o.id = (!recent_.empty() && pick(20) == 0) ? recent_[pick(recent_.size())] : OrderId{next_id_++};
    if (recent_.size() < 64) {
      recent_.push_back(o.id);
    } else {
      recent_[pick(64)] = o.id;
    }
    o.account = AccountId{1 + o.id.raw() % kAccounts};
    if (pick(8) == 0) o.account = AccountId{1 + pick(kAccounts)};
    o.side = pick(2) == 0 ? Side::buy : Side::sell;
    const std::uint64_t t = pick(100);
    o.type = t < 74   ? OrderType::limit
             : t < 80 ? OrderType::market
             : t < 86 ? OrderType::stop_limit
             : t < 92 ? OrderType::stop_market
             : t < 96 ? OrderType::take_limit
                      : OrderType::take_market;
    const std::uint64_t f = pick(100);
    o.tif = f < 65 ? TimeInForce::gtc : f < 80 ? TimeInForce::gtd : f < 92 ? TimeInForce::ioc : TimeInForce::fok;
    if (is_market(o.type) && pick(20) != 0) o.tif = pick(4) == 0 ? TimeInForce::fok : TimeInForce::ioc;
    const bool rests = o.tif == TimeInForce::gtc || o.tif == TimeInForce::gtd;
    // Most orders rest a few ticks from mid (queues build up near the touch); some cross it.
    const std::int64_t away = static_cast<std::int64_t>(std::min(pick(24), pick(24))) - 1;
    o.price = Price{price_near(mid_ + (o.side == Side::buy ? -away : away))};
    o.qty = Qty{qty()};
    if ((rests || pick(30) == 0) && pick(8) == 0) o.display = Qty{2 * (1 + static_cast<std::int64_t>(pick(6)))};
    o.trigger = static_cast<PriceSource>(pick(3));
    // Triggers mostly on the side of the current price where they wait.
    const std::int64_t gap = 1 + static_cast<std::int64_t>(pick(25));
    const std::int64_t ref = prices_[static_cast<int>(o.trigger)];
    std::int64_t trigger = ref + (triggers_on_rise(o.type, o.side) ? gap : -gap);
    if (trigger >= 1000 && pick(30) != 0) trigger -= trigger % 5;
    o.trigger_price = Price{pick(10) == 0 ? price_near(mid_) : trigger};
    o.expiry = Timestamp::from_ns(now_ + static_cast<std::int64_t>(pick(60) == 0 ? 0 : pick(20000)));
    const std::uint64_t po = pick(10);
    if ((rests && !is_stop(o.type)) || pick(30) == 0)
      o.post_only = po == 0 ? PostOnly::reject : po == 1 ? PostOnly::reprice : PostOnly::off;
    o.stp = pick(2) == 0 ? StpMode::none : static_cast<StpMode>(1 + pick(4));
    o.reduce_only = pick(5) == 0;
    return o;
  }

  Draw draw_;
  std::int64_t now_ = 1'000;
  std::int64_t mid_ = 1000;
  std::uint64_t next_id_ = 1;
  std::vector<OrderId> recent_;
  std::vector<std::pair<OrderId, AccountId>> open_;
  std::int64_t prices_[kPriceSources] = {1000, 1000, 1000};  // last seen last/mark/index
};

using Xoshiro = bench::Xoshiro256;

}  // namespace strike::book::testing
