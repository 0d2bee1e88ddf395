// A book with a recording sink and short helpers, for the semantic tests.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "book/order_book.hpp"
#include "events.hpp"

namespace strike::book::testing {

// Command builders.
inline NewOrder limit(std::uint64_t id, std::uint64_t account, Side side, std::int64_t px, std::int64_t qty) {
  NewOrder o;
  o.id = OrderId{id};
  o.account = AccountId{account};
  o.side = side;
  o.price = Price{px};
  o.qty = Qty{qty};
  return o;
}
inline NewOrder with(NewOrder o, TimeInForce tif) {
  o.tif = tif;
  return o;
}
inline NewOrder market(std::uint64_t id, std::uint64_t account, Side side, std::int64_t qty) {
  NewOrder o = limit(id, account, side, 0, qty);
  o.type = OrderType::market;
  o.tif = TimeInForce::ioc;
  return o;
}
inline NewOrder stop(std::uint64_t id, std::uint64_t account, Side side, OrderType type, std::int64_t trigger,
                     std::int64_t px, std::int64_t qty, PriceSource source = PriceSource::last) {
  NewOrder o = limit(id, account, side, px, qty);
  o.type = type;
  o.trigger_price = Price{trigger};
  o.trigger = source;
  if (is_market(type)) o.tif = TimeInForce::ioc;
  return o;
}

class BookTest : public ::testing::Test {
 protected:
  explicit BookTest(const BookConfig& cfg = BookConfig{}) : book_(cfg, RecordingSink{&events_}) {}

  Errc submit(const NewOrder& o) { return book_.submit(o, Timestamp::from_ns(now_)); }
  Errc cancel(std::uint64_t id, std::uint64_t account) {
    return book_.cancel(OrderId{id}, AccountId{account}, Timestamp::from_ns(now_));
  }
  Errc amend(std::uint64_t id, std::uint64_t account, std::int64_t px, std::int64_t qty, std::int64_t trigger = 0) {
    return book_.amend(AmendOrder{OrderId{id}, AccountId{account}, Price{px}, Qty{qty}, Price{trigger}},
                       Timestamp::from_ns(now_));
  }
  void price(PriceSource s, std::int64_t px) { book_.set_price(s, Price{px}, Timestamp::from_ns(now_)); }

  // Events since the last call.
  std::vector<Event> take() {
    std::vector<Event> out;
    out.swap(events_);
    return out;
  }
  template <class E>
  std::vector<E> only(const std::vector<Event>& events) const {
    std::vector<E> out;
    for (const Event& e : events)
      if (const auto* x = std::get_if<E>(&e)) out.push_back(*x);
    return out;
  }
  // Ids of a level's orders in queue order.
  std::vector<std::uint64_t> queue(Side side, std::int64_t px) const {
    std::vector<std::uint64_t> ids;
    book_.for_each_order([&](const OrderState& o) {
      if (!is_stop(o.type) && o.side == side && o.price.raw() == px) ids.push_back(o.id.raw());
    });
    return ids;
  }
  void expect_valid() const {
    const auto ok = book_.validate();
    EXPECT_TRUE(ok.ok()) << ok.error().to_string();
  }

  std::vector<Event> events_;
  OrderBook<RecordingSink> book_;
  std::int64_t now_ = 1'000;
};

}  // namespace strike::book::testing
