// The engine's output: what one command did, as plain values in the order it happened. The
// JSON-RPC codec builds responses and notifications from them; the same journal always gives
// the same event stream, byte for byte.
#pragma once

#include <cstdint>
#include <variant>

#include "clearing/ledger.hpp"
#include "core/money.hpp"
#include "engine/command.hpp"

namespace strike::engine {

enum class OrderStatus : std::uint8_t { open, filled, cancelled, untriggered };
std::string_view to_string(OrderStatus s) noexcept;

// An order as its owner sees it (Deribit's order object), after the change being reported.
struct OrderView {
  OrderId id{};
  InstrumentId instrument{};
  AccountId account{};
  Side side = Side::buy;
  book::OrderType type = book::OrderType::limit;
  book::TimeInForce tif = book::TimeInForce::gtc;
  book::PostOnly post_only = book::PostOnly::off;
  book::PriceSource trigger = book::PriceSource::last;
  bool reduce_only = false;
  bool triggered = false;   // a stop that has triggered
  bool repriced = false;    // post-only order moved to the best non-crossing price
  OrderStatus status = OrderStatus::open;
  book::CancelReason cancel_reason = book::CancelReason::user;  // when cancelled
  Price price{};              // limit price (market orders: the protection price)
  Price trigger_price{};
  Qty amount{};               // the order's quantity (after amends: filled + open)
  Qty filled{};
  Qty display{};
  int128 filled_value = 0;  // sum of fill price x quantity, in ticks x lots: average = value / filled
  Timestamp created{}, updated{}, expiry{};
  Label label{};
  ClientOrderId client_id{};

  Qty open() const noexcept { return amount - filled; }
};

struct OrderUpdated {
  OrderView order;
};

// A trade between a resting maker and an incoming taker, with what clearing booked for it.
struct TradeExecuted {
  InstrumentId instrument{};
  std::uint64_t trade_id = 0;
  Timestamp time{};
  Price price{};
  Qty qty{};
  Side aggressor = Side::buy;
  OrderId maker{}, taker{};
  AccountId maker_account{}, taker_account{};
  Money maker_fee, taker_fee;  // charged (negative: rebate), in the settlement currency
};

// L2: the new displayed quantity at a price (0: the level is gone).
struct BookChanged {
  InstrumentId instrument{};
  Side side = Side::buy;
  Price price{};
  Qty qty{};
  std::uint32_t count = 0;
};

enum class InstrumentStatus : std::uint8_t { open, halted, awaiting_settlement, settled };
std::string_view to_string(InstrumentStatus s) noexcept;

struct InstrumentChanged {
  InstrumentId instrument{};
  InstrumentStatus status = InstrumentStatus::open;
};

struct Settled {
  InstrumentId instrument{};
  RefPrice price{};
  std::uint32_t positions = 0;
  std::int64_t residue = 0;
};

struct FundingPaid {
  InstrumentId instrument{};
  std::int64_t rate_num = 0, rate_den = 1;
  std::uint32_t positions = 0;
};

struct AccountCreated {
  AccountId account{};
  AccountId owner{};
};

// A deposit, withdrawal or transfer leg.
struct BalanceChanged {
  AccountId account{};
  Money amount;   // the change
  Money balance;  // after it
  clearing::EntryReason reason = clearing::EntryReason::deposit;
};

using Event = std::variant<OrderUpdated, TradeExecuted, BookChanged, InstrumentChanged, Settled, FundingPaid,
                           AccountCreated, BalanceChanged>;

}  // namespace strike::engine
