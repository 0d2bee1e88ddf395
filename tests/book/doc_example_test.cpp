// The example of docs/book.md, compiled and checked (keep the two in step).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

// --- docs/book.md example begins
#include "book/order_book.hpp"

namespace {

using namespace strike;
using namespace strike::book;

// Any type with on(const E&) for each event type; here: print trades and L2 changes.
struct PrintSink {
  std::string* log;
  void on(const Trade& t) {
    *log += "trade " + std::to_string(t.qty.raw()) + " @ " + std::to_string(t.price.raw()) + "\n";
  }
  void on(const LevelUpdate& l) {
    *log += std::string(to_string(l.side)) + " " + std::to_string(l.price.raw()) + " -> " +
            std::to_string(l.qty.raw()) + "\n";
  }
  template <class E>
  void on(const E&) {}  // accepted, rejected, cancelled, amended, triggered
};

std::string drive_a_book() {
  std::string log;
  BookConfig cfg;  // ticks of 1, lots of 1; see BookConfig for grids, bands and limits
  OrderBook<PrintSink> book(cfg, PrintSink{&log});
  Timestamp t = Timestamp::from_ns(1);  // the caller's clock: the book never reads one

  NewOrder ask;
  ask.id = OrderId{1};
  ask.account = AccountId{7};
  ask.side = Side::sell;
  ask.price = Price{101};
  ask.qty = Qty{5};
  (void)book.submit(ask, t);

  NewOrder bid = ask;  // a marketable buy: trades 5 at the maker's 101, rests 3 at 102
  bid.id = OrderId{2};
  bid.account = AccountId{8};
  bid.side = Side::buy;
  bid.price = Price{102};
  bid.qty = Qty{8};
  (void)book.submit(bid, t);

  if (book.cancel(OrderId{1}, AccountId{7}, t) != Errc::ok) log += "1 is gone\n";  // filled
  log += "best bid " + std::to_string(book.best_bid()->raw()) + "\n";
  return log;
}

}  // namespace
// --- docs/book.md example ends

TEST(DocExample, DrivesABookAsDocumented) {
  EXPECT_EQ(drive_a_book(),
            "sell 101 -> 5\n"
            "trade 5 @ 101\n"
            "sell 101 -> 0\n"
            "buy 102 -> 3\n"
            "1 is gone\n"
            "best bid 102\n");
}
