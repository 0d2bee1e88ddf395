// The vocabulary of one instrument's order book: its configuration, the commands it takes,
// the events it emits and the state a snapshot carries. Plain values, no allocation (except
// BookSnapshot, which is control plane). See order_book.hpp for the book itself.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "core/units.hpp"

namespace strike::book {

enum class OrderType : std::uint8_t {
  limit,
  market,       // IOC or FOK, bounded by a protection price (BookConfig::market_protection, price band)
  stop_limit,   // held until the trigger price is reached, then a limit order
  stop_market,  // held until the trigger price is reached, then a market order
  take_limit,   // take-profit: like stop_limit, triggering in the opposite direction
  take_market,
};
enum class TimeInForce : std::uint8_t { gtc, gtd, ioc, fok };
// Post-only: `reject` refuses an order that would take; `reprice` moves it to the best
// non-crossing price (Deribit's post_only with reject_post_only=false).
enum class PostOnly : std::uint8_t { off, reject, reprice };
// Self-trade prevention, applied when an incoming order meets a resting order of its own
// account; the incoming order's mode decides (the engine sets it from the account's setting).
enum class StpMode : std::uint8_t { none, cancel_resting, cancel_incoming, cancel_both, decrement_both };
// Reference prices that trigger stops. `last` is also updated by the book's own trades.
enum class PriceSource : std::uint8_t { last, mark, index };
inline constexpr int kPriceSources = 3;

enum class CancelReason : std::uint8_t {
  user,           // cancel()
  cancel_all,     // cancel_all()
  ioc_remainder,  // unfilled part of an IOC or market order (also a market order meeting no liquidity)
  fok_unfilled,   // a FOK order that could not fill completely; nothing traded
  self_trade,     // self-trade prevention
  expired,        // good-till-date expiry reached
  refused,        // a triggered stop its owner refused (drop_triggered: margin, reduce-only)
};
enum class AmendReason : std::uint8_t { user, self_trade /* decrement_both */ };
enum class Command : std::uint8_t { submit, cancel, amend };

std::string_view to_string(OrderType v) noexcept;
std::string_view to_string(TimeInForce v) noexcept;
std::string_view to_string(PostOnly v) noexcept;
std::string_view to_string(StpMode v) noexcept;
std::string_view to_string(PriceSource v) noexcept;
std::string_view to_string(CancelReason v) noexcept;
std::string_view to_string(AmendReason v) noexcept;
std::string_view to_string(Command v) noexcept;

constexpr bool is_stop(OrderType t) noexcept { return t >= OrderType::stop_limit; }
constexpr bool is_market(OrderType t) noexcept {
  return t == OrderType::market || t == OrderType::stop_market || t == OrderType::take_market;
}
// What a stop becomes when it triggers.
constexpr OrderType triggered_type(OrderType t) noexcept { return is_market(t) ? OrderType::market : OrderType::limit; }
// A stop triggers when its source price rises to the trigger (buy stop, sell take-profit) or
// falls to it (sell stop, buy take-profit).
constexpr bool triggers_on_rise(OrderType t, Side s) noexcept {
  const bool stop = t == OrderType::stop_limit || t == OrderType::stop_market;
  return stop == (s == Side::buy);
}

// ---------------------------------------------------------------------------------------------
// Configuration (per instrument). Prices are ticks of the instrument's finest increment, Qty lots.

inline constexpr std::int64_t kMaxPrice = std::int64_t{1} << 52;
inline constexpr std::int64_t kMaxQty = std::int64_t{1} << 40;
inline constexpr int kMaxTickSteps = 4;

// From `from` upward prices are multiples of `tick` (Deribit's tick_size_steps).
struct TickStep {
  Price from;
  std::int64_t tick = 1;
  bool operator==(const TickStep&) const = default;
};

struct BookConfig {
  std::int64_t tick = 1;  // price grid below the first step, in finest ticks
  std::array<TickStep, kMaxTickSteps> tick_steps{};
  std::uint8_t tick_step_count = 0;
  Price min_price{1};
  Price max_price{kMaxPrice};
  std::int64_t lot = 1;  // quantities are multiples of this many lots
  Qty min_qty{1};
  Qty max_qty{kMaxQty};
  Qty min_display{1};  // smallest iceberg display quantity
  // Limit prices must lie within mark ± price_band (0: no band; no mark yet: no check).
  Price price_band{0};
  // A market order trades at most this many ticks beyond the best opposite price at arrival,
  // and at most market_protection_bps basis points of that price beyond it (0: no such limit).
  Price market_protection{kMaxPrice};
  std::uint32_t market_protection_bps = 0;
  // Open orders (resting plus untriggered stops) per account; 0: unlimited.
  std::uint32_t max_open_orders = 0;
  // A stop whose trigger is reached waits for its owner instead of entering the book at once:
  // the owner takes it with next_triggered() and then activate_triggered() or drop_triggered()
  // it (the engine re-checks margin and reduce-only there). Off: the book fires stops itself.
  bool hold_triggered = false;

  // Errors: config_bad_value with the field named.
  Status<Error> check() const;
  // The tick that applies at a price, and whether a price is on the grid.
  std::int64_t tick_at(Price p) const noexcept {
    std::int64_t t = tick;
    for (std::uint8_t i = 0; i < tick_step_count; ++i)
      if (p >= tick_steps[i].from) t = tick_steps[i].tick;
    return t;
  }
  bool on_grid(Price p) const noexcept {
    if (tick_step_count == 0 && tick == 1) return true;
    return p.raw() % tick_at(p) == 0;
  }
  // Highest / lowest on-grid price <= / >= p (a step boundary may be off the coarser grid).
  Price floor_to_grid(Price p) const noexcept;
  Price ceil_to_grid(Price p) const noexcept;
  bool operator==(const BookConfig&) const = default;
};

}  // namespace strike::book

namespace strike {
struct Instrument;
}

namespace strike::book {

// The grid of an instrument's book: prices in its finest ticks with its tick steps,
// quantities in its lots. What the instrument does not define (band, open-order limit,
// market protection) keeps BookConfig's defaults for the caller to set. Errors:
// config_bad_value (more than kMaxTickSteps steps).
Result<BookConfig> book_config_for(const Instrument& instrument);

// ---------------------------------------------------------------------------------------------
// Commands

struct NewOrder {
  OrderId id;  // unique among the book's open orders; may reuse the id of a closed order
  AccountId account;
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;  // market orders: ioc or fok
  Price price;                         // limit price (limit types); ignored for market types
  Qty qty;
  Qty display;          // 0: fully displayed; otherwise the iceberg's visible peak
  Price trigger_price;  // stop and take types
  PriceSource trigger = PriceSource::last;
  Timestamp expiry;  // gtd: the order expires when time reaches it
  PostOnly post_only = PostOnly::off;
  StpMode stp = StpMode::none;
  bool reduce_only = false;  // carried for the risk layer and reported in events
};

// Amend a resting order or an untriggered stop. `qty` is the new open (remaining) quantity.
// Same price and qty <= open quantity keeps time priority; anything else loses it. For stops
// `price` is the limit price (ignored for stop/take market) and `trigger_price` the new
// trigger (0: unchanged; a change moves the stop to the back of its trigger queue).
struct AmendOrder {
  OrderId id;
  AccountId account;
  Price price;
  Qty qty;
  Price trigger_price;
};

struct CancelAllFilter {
  std::optional<AccountId> account;  // nullopt: every account
  std::optional<Side> side;          // nullopt: both sides
  bool resting = true;               // cancel resting orders
  bool stops = true;                 // cancel untriggered stops
};

// ---------------------------------------------------------------------------------------------
// Events, delivered to the sink in the order they happen. Within one command: the order-level
// event first, then the L2 delta of the level it changed; matching emits a LevelUpdate when
// it leaves a level. Stops triggered by a command run after the command's own events.
//
// `slot` names where the book keeps an open order: dense from 0, stable from the order's
// Accepted to the event that closes it (a fill to zero, a cancel), then free for a later order.
// An owner keeping data beside the book's (the engine's client fields) indexes it by slot instead
// of a second table keyed by order id; slots are the implementation's own (tests that compare two
// books' events set them to 0).

struct Accepted {
  OrderId id;
  AccountId account;
  Side side;
  OrderType type;
  TimeInForce tif;
  Price price;  // final limit price (after a post-only reprice); market: the protection price
  Qty qty;
  Qty display;
  bool reduce_only;
  bool repriced;  // post-only reprice moved the price
  std::uint32_t slot = 0;  // the order's place in the book's storage while it is open (below)
  bool operator==(const Accepted&) const = default;
};

struct Rejected {
  OrderId id;
  AccountId account;
  Command command;
  Errc reason;
  bool operator==(const Rejected&) const = default;
};

struct Trade {
  OrderId maker;
  AccountId maker_account;
  OrderId taker;
  AccountId taker_account;
  Price price;  // always the maker's price
  Qty qty;
  Side aggressor;       // the taker's side
  Qty maker_remaining;  // open quantity left after this trade (0: maker done)
  Qty taker_remaining;
  bool maker_reduce_only;
  bool taker_reduce_only;
  std::uint32_t maker_slot = 0, taker_slot = 0;
  bool operator==(const Trade&) const = default;
};

struct Cancelled {
  OrderId id;
  AccountId account;
  Side side;
  Price price;
  Qty qty;  // open quantity removed
  CancelReason reason;
  bool reduce_only;
  std::uint32_t slot = 0;
  bool operator==(const Cancelled&) const = default;
};

struct Amended {
  OrderId id;
  AccountId account;
  Side side;
  Price price;
  Qty qty;  // new open quantity
  Price old_price;
  Qty old_qty;
  bool priority_kept;
  AmendReason reason;
  std::uint32_t slot = 0;
  bool operator==(const Amended&) const = default;
};

struct Triggered {
  OrderId id;
  AccountId account;
  Side side;
  PriceSource source;
  Price trigger_price;
  Price source_price;  // the reference price that reached the trigger
  std::uint32_t slot = 0;
  bool operator==(const Triggered&) const = default;
};

// L2 delta: the new aggregate displayed quantity at a price (0 and count 0: level gone).
struct LevelUpdate {
  Side side;
  Price price;
  Qty qty;
  std::uint32_t count;
  bool operator==(const LevelUpdate&) const = default;
};

// A sink that ignores everything (benchmarks of the book alone, tools).
struct NullSink {
  template <class Event>
  void on(const Event&) noexcept {}
};

// ---------------------------------------------------------------------------------------------
// Queries and snapshots

struct DepthLevel {
  Price price;
  Qty qty;  // displayed
  std::uint32_t count;
  bool operator==(const DepthLevel&) const = default;
};

// One open order as a snapshot and the L3 query see it. `visible` is the displayed part of
// `qty` (the rest is hidden); stops carry their trigger.
struct OrderState {
  OrderId id;
  AccountId account;
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;
  Price price;
  Qty qty;
  Qty visible;
  Qty display;
  Price trigger_price;
  PriceSource trigger = PriceSource::last;
  Timestamp expiry;
  PostOnly post_only = PostOnly::off;
  StpMode stp = StpMode::none;
  bool reduce_only = false;
  bool operator==(const OrderState&) const = default;
};

// Everything that decides a book's future behaviour. `orders` is in canonical order: bids best
// to worst, asks best to worst (FIFO within a level), then untriggered stops in trigger order
// (source last, mark, index; rising then falling). restore() rebuilds the identical book.
struct BookSnapshot {
  BookConfig config;
  Timestamp now;
  std::array<std::optional<Price>, kPriceSources> prices{};  // last, mark, index
  std::vector<OrderState> orders;
  bool operator==(const BookSnapshot&) const = default;
};

}  // namespace strike::book
