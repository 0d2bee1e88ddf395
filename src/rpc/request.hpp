// A JSON-RPC request in Deribit's vocabulary, decoded: either a command for the engine (it
// will be sequenced and journaled) or a query (read on the engine thread, never journaled),
// plus the JSON-RPC id to answer with. Plain values, trivially copyable, so a gateway thread
// can decode and hand them to the sequencer through a lock-free ring.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <variant>

#include "engine/command.hpp"

namespace strike::rpc {

// JSON-RPC ids are numbers, strings or null; strings are kept up to 48 bytes (longer ones are
// refused as invalid requests).
class RequestId {
 public:
  static constexpr std::size_t kMaxText = 48;
  enum class Kind : std::uint8_t { none, number, text };

  static RequestId number(std::int64_t v) noexcept;
  static RequestId text(std::string_view s) noexcept;  // precondition: s.size() <= kMaxText
  Kind kind() const noexcept { return kind_; }
  std::int64_t as_number() const noexcept { return number_; }
  std::string_view as_text() const noexcept { return {text_.data(), size_}; }

 private:
  Kind kind_ = Kind::none;
  std::uint8_t size_ = 0;
  std::int64_t number_ = 0;
  std::array<char, kMaxText> text_{};
};

// --- queries ------------------------------------------------------------------------------------

struct GetOrderBook {
  InstrumentId instrument{};
  std::uint32_t depth = 5;
};
struct GetOpenOrders {
  AccountId account{};
  bool one_instrument = false;
  InstrumentId instrument{};
};
struct GetOrderState {
  AccountId account{};
  OrderId order{};
};
struct GetPositions {
  AccountId account{};
  CurrencyId currency{};
};
struct GetAccountSummary {
  AccountId account{};
  CurrencyId currency{};
};
struct GetTransactionLog {
  AccountId account{};
  CurrencyId currency{};
  std::uint32_t count = 20;
  std::uint64_t continuation = 0;  // from a previous answer: where to go on (0: the newest)
};
struct GetInstruments {
  bool any_currency = true;
  CurrencyId currency{};
  bool any_kind = true;
  InstrumentKind kind = InstrumentKind::option;
  bool expired = false;
};
// private/get_margins: the initial margin a buy and a sell of `qty` at `price` would need.
struct GetMargins {
  AccountId account{};
  InstrumentId instrument{};
  Qty qty{};
  Price price{};
};
// private/simulate_portfolio: the account's margin with extra positions.
struct SimulatePortfolio {
  static constexpr std::size_t kMax = 16;
  AccountId account{};
  CurrencyId currency{};
  struct Position {
    InstrumentId instrument{};
    std::int64_t lots = 0;  // signed
  };
  std::array<Position, kMax> positions{};
  std::uint8_t count = 0;
};
struct GetTime {};
struct GetStateHash {};
struct TakeSnapshot {};  // admin: write a snapshot now

using Query = std::variant<GetOrderBook, GetOpenOrders, GetOrderState, GetPositions, GetAccountSummary,
                           GetTransactionLog, GetInstruments, GetTime, GetStateHash, TakeSnapshot, GetMargins,
                           SimulatePortfolio>;

// Which JSON-RPC method a request was, for the shape of its response.
enum class Method : std::uint8_t {
  buy, sell, edit, cancel, cancel_all, cancel_all_by_instrument,
  get_open_orders_by_instrument, get_open_orders, get_order_state, get_positions, get_account_summary,
  get_transaction_log, get_order_book, get_instruments, get_time, test,
  submit_transfer_to_subaccount, get_margins, simulate_portfolio, change_margin_model,
  admin_create_account, admin_deposit, admin_withdraw, admin_set_index, admin_set_mark, admin_advance_time,
  admin_halt, admin_resume, admin_expire, admin_snapshot, admin_state_hash,
};
std::string_view method_name(Method m) noexcept;

struct Request {
  RequestId id;
  Method method = Method::test;
  std::variant<engine::CommandBody, Query> body;
  // admin/advance_time: the time the command must carry (the sequencer stamps it).
  Timestamp at{};
};

static_assert(std::is_trivially_copyable_v<Request>, "requests travel through lock-free rings");

}  // namespace strike::rpc
