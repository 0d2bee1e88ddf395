// The engine's input: every command that can change venue state, as plain values. The
// sequencer stamps `seq` and `time`; the engine is a pure function of the commands it is
// given, so these values (journaled in the binary layout of command_codec.hpp) are all that
// is needed to rebuild any state the venue ever reached.
//
// Commands are trivially copyable (they travel through lock-free rings) and validated by the
// engine, not here: a decoded command may still name an unknown account or a bad price, and
// is then rejected with a typed reason and changes nothing.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "book/types.hpp"
#include "core/decimal.hpp"
#include "core/result.hpp"
#include "core/sha256.hpp"
#include "core/time.hpp"
#include "core/units.hpp"

namespace strike::engine {

// A client's label for an order (Deribit's `label`), at most 64 bytes.
class Label {
 public:
  static constexpr std::size_t kMax = 64;
  Label() = default;
  // Errors: out_of_range when longer than kMax.
  static Result<Label, Errc> make(std::string_view text) noexcept;
  std::string_view view() const noexcept { return {bytes_.data(), size_}; }
  bool empty() const noexcept { return size_ == 0; }
  bool operator==(const Label& o) const noexcept { return view() == o.view(); }

 private:
  std::array<char, kMax> bytes_{};
  std::uint8_t size_ = 0;
};

// A client's own id for an order (FIX ClOrdID), 1 to 36 bytes (a UUID fits): an account cannot
// use one twice within the engine's window (client_order_ids.hpp), so a resent order is refused
// as a duplicate instead of being applied twice.
class ClientOrderId {
 public:
  static constexpr std::size_t kMax = 36;
  ClientOrderId() = default;
  // Errors: out_of_range when longer than kMax.
  static Result<ClientOrderId, Errc> make(std::string_view text) noexcept;
  std::string_view view() const noexcept { return {bytes_.data(), size_}; }
  bool empty() const noexcept { return size_ == 0; }
  bool operator==(const ClientOrderId& o) const noexcept { return view() == o.view(); }

 private:
  std::array<char, kMax> bytes_{};
  std::uint8_t size_ = 0;
};

// --- order entry ------------------------------------------------------------------------------

struct NewOrder {
  AccountId account{};
  InstrumentId instrument{};
  Side side = Side::buy;
  book::OrderType type = book::OrderType::limit;
  book::TimeInForce tif = book::TimeInForce::gtc;
  Price price{};          // limit types
  Qty qty{};
  Qty display{};          // iceberg peak; 0: all shown
  Price trigger_price{};  // stop and take-profit types
  book::PriceSource trigger = book::PriceSource::last;
  Timestamp expiry{};     // gtd
  book::PostOnly post_only = book::PostOnly::off;
  book::StpMode stp = book::StpMode::cancel_incoming;
  bool reduce_only = false;
  Label label{};
  ClientOrderId client_id{};  // optional
};

// Deribit's edit: the new total amount (filled included) and price, in the client's decimal
// units, because only the engine knows the order's instrument. A zero price or trigger keeps
// the current one.
struct AmendOrder {
  AccountId account{};
  OrderId order{};
  Decimal amount{};
  Decimal price{};
  Decimal trigger_price{};
};

struct CancelOrder {
  AccountId account{};
  OrderId order{};
};

// Every open order of the account, optionally of one instrument and one side.
struct CancelAll {
  AccountId account{};
  bool one_instrument = false;
  InstrumentId instrument{};
  bool one_side = false;
  Side side = Side::buy;
  bool resting = true;
  bool stops = true;
};

// --- accounts ---------------------------------------------------------------------------------

// owner 0: a new main account; otherwise a sub-account of that main account.
struct CreateAccount {
  AccountId owner{};
};
struct Deposit {
  AccountId account{};
  CurrencyId currency{};
  std::int64_t amount = 0;  // smallest units
};
struct Withdraw {
  AccountId account{};
  CurrencyId currency{};
  std::int64_t amount = 0;
};
struct Transfer {
  AccountId from{}, to{};
  CurrencyId currency{};
  std::int64_t amount = 0;
};

// --- instruments and market inputs -------------------------------------------------------------

struct HaltInstrument {
  InstrumentId instrument{};
};
struct ResumeInstrument {
  InstrumentId instrument{};
};
// Expires a dated instrument now (before its scheduled expiry: an operator's early delivery).
struct ExpireInstrument {
  InstrumentId instrument{};
};
struct SetIndex {
  CurrencyId currency{};  // the underlying
  RefPrice price{};       // USD
};
struct SetMark {
  InstrumentId instrument{};
  RefPrice price{};  // in the instrument's price currency
};
// The venue's configuration (instruments, fees, engine settings) by its digest
// (config_digest.hpp): the first command of every venue's journal, so the configuration is part
// of the history. Rejected (config_mismatch) by an engine configured otherwise.
struct Configure {
  Hash256 digest{};
};
// Deribit's private/change_margin_model: segregated_sm (default), cross_sm, segregated_pm,
// cross_pm (risk/collateral.hpp). Refused when the account would not cover its initial margin.
struct ChangeMarginModel {
  AccountId account{};
  std::uint8_t model = 0;  // risk::MarginModel
};
// Moves the clock: GTD expiries, stop triggers, instrument expiries and funding that the new
// time reaches happen (every command does this first; this one does only that).
struct AdvanceTime {};

using CommandBody = std::variant<NewOrder, AmendOrder, CancelOrder, CancelAll, CreateAccount, Deposit, Withdraw, Transfer,
                                 HaltInstrument, ResumeInstrument, ExpireInstrument, SetIndex, SetMark, AdvanceTime,
                                 Configure, ChangeMarginModel>;

// Stable numbers of the command types (the journal's record type; never reuse one).
enum class CommandType : std::uint16_t {
  new_order = 1,
  amend_order = 2,
  cancel_order = 3,
  cancel_all = 4,
  create_account = 16,
  deposit = 17,
  withdraw = 18,
  transfer = 19,
  halt_instrument = 32,
  resume_instrument = 33,
  expire_instrument = 34,
  set_index = 48,
  set_mark = 49,
  advance_time = 64,
  configure = 80,
  change_margin_model = 20,
};
std::string_view to_string(CommandType t) noexcept;
CommandType type_of(const CommandBody& body) noexcept;
// One line of text with every field (ids, ticks, lots), for `strike journal dump`.
std::string describe(const CommandBody& body);

struct Command {
  SeqNo seq{};       // stamped by the sequencer: 1, 2, 3, ...
  Timestamp time{};  // stamped by the sequencer: never decreases
  CommandBody body;

  CommandType type() const noexcept { return type_of(body); }
};

static_assert(std::is_trivially_copyable_v<Command>, "commands travel through lock-free rings");

}  // namespace strike::engine
