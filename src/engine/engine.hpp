// strike::engine::Engine: the deterministic state machine of the venue. One thread owns it;
// apply(command) is the only way its state changes, and is a pure function of (state,
// command): no clock, no randomness, no iteration over unordered containers reaches an
// event or the state hash. Same commands -> byte-identical events and the same state_hash().
//
// Owns: one order book per instrument (book::OrderBook) and, beside each book's storage, the
// open orders' client columns (OrderView: amount, filled, average price, label, client order id,
// indexed by the book's slot: one table of open orders, not two), clearing (accounts,
// positions, ledger, marks), the instrument lifecycle (open, halted, awaiting settlement,
// settled), the GTD, expiry and funding schedules, and the id counters.
//
// apply() runs explicit stages over a per-command event buffer (docs/engine.md, "Stages"):
//   admit  - validation (and the risk pre-trade check): reads only, a rejection changes nothing;
//   match  - the book appends plain events to the buffer (no callback into the engine);
//   settle - clearing books every buffered trade (then risk's post-trade update);
//   report - order views and engine events are built from the buffer, in order;
// then each stop the price moves reached is offered back to the engine (the book holds it),
// re-checked (reduce-only, and margin once risk is wired in) and entered or refused, through
// the same stages. Events are self-contained values: a consumer on another thread encodes them
// with the (immutable) instrument registry, never with the engine.
//
// Invariants: a rejected command changes nothing (every check happens before the first change);
// every open order is in exactly one book, with its client column at its slot; an account
// sees and touches only its own orders (another account's order id reads as unknown). Order ids
// carry their instrument (instrument << 40 | counter), so a cancel finds its book without a
// second table. Each command first advances time to its stamp: GTD expiries, instrument
// expiries (cancel the book, then cash-settle at the 30-minute index TWAP), then perpetual
// funding at interval boundaries; then the command itself.
//
// Costs: an order command is the book's O(1) operation plus clearing per fill; events go into
// vectors reused across commands (no allocation in steady state).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "book/order_book.hpp"
#include "clearing/clearing.hpp"
#include "core/byte_buffer.hpp"
#include "core/sha256.hpp"
#include "core/instrument_registry.hpp"
#include "engine/client_order_ids.hpp"
#include "engine/command.hpp"
#include "engine/config_digest.hpp"
#include "engine/event.hpp"
#include "risk/account_risk.hpp"
#include "risk/futures_mark.hpp"
#include "risk/option_marks.hpp"

namespace strike::engine {

struct EngineConfig {
  clearing::ClearingConfig clearing;
  std::uint32_t max_open_orders_per_book = 500;  // per account and instrument
  // Market orders trade at most this fraction beyond the best opposite price at arrival (whole
  // basis points, at most 1).
  Decimal market_protection{5, 2};  // 5%
  // A client order id is unique per account for this long of venue time after its order was
  // accepted, among at most this many venue-wide (client_order_ids.hpp).
  std::int64_t client_order_id_window_ns = 24LL * 3600 * kNsPerSecond;
  std::size_t client_order_id_capacity = 1'000'000;
  // Margin parameters per currency (risk/risk_config.hpp); empty: Deribit's defaults.
  risk::RiskConfig risk;
  // Marks computed by the venue (engine_marks.cpp): futures and perpetuals from the index and the
  // book, options from an SVI surface per underlying, refitted at most this often (venue time)
  // and repriced at every index move in between.
  risk::FuturesMarkConfig futures_marks;
  risk::OptionMarksConfig option_marks;
  std::int64_t option_refit_ns = 60LL * kNsPerSecond;
};

// What a command did. `events` stays valid until the next apply().
struct Outcome {
  SeqNo seq{};
  Errc status = Errc::ok;  // ok, or why the command was rejected (then nothing changed)
  OrderId order{};           // new_order: the id assigned (duplicate_client_order_id: the order that
                             // used the id); amend/cancel: the order
  AccountId account{};       // create_account: the new account
  std::uint32_t count = 0; // cancel_all: how many orders were cancelled
  std::span<const Event> events;
  // The account-history entries the command's postings added (clearing/ledger.hpp), in order.
  std::span<const clearing::LedgerEntry> ledger_entries;
};

class Engine {
 public:
  // The registry must outlive the engine.
  explicit Engine(const InstrumentRegistry& instruments, EngineConfig config = {});
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Applies the next command. Precondition (a broken invariant otherwise): command.seq is
  // last_seq() + 1 and command.time >= now().
  const Outcome& apply(const Command& command) noexcept;

  // --- queries (engine thread) --------------------------------------------------------------
  SeqNo last_seq() const noexcept { return last_seq_; }
  Timestamp now() const noexcept { return now_; }
  const InstrumentRegistry& instruments() const noexcept { return *instruments_; }
  const EngineConfig& config() const noexcept { return config_; }
  // config_digest() of the instruments and configuration the engine was built with.
  const Hash256& config_digest() const noexcept { return config_digest_; }
  const clearing::Clearing& clearing() const noexcept { return clearing_; }
  const risk::AccountRisk& risk() const noexcept { return *risk_; }
  // The venue's latest option mark (mark IV, bid/ask IV, Greeks), once one was computed.
  const risk::OptionMark* option_mark(InstrumentId id) const noexcept;
  InstrumentStatus status(InstrumentId id) const noexcept { return status_[id.raw()]; }
  // An open order of `account` (nullptr when unknown, closed or another account's).
  const OrderView* order(AccountId account, OrderId id) const noexcept;
  // Open orders of an account, optionally of one instrument: by instrument, then the book's
  // canonical order (price-time).
  std::vector<OrderView> open_orders(AccountId account, std::optional<InstrumentId> instrument) const;
  std::size_t depth(InstrumentId id, Side side, std::span<book::DepthLevel> out) const noexcept;
  std::optional<Price> best(InstrumentId id, Side side) const noexcept;
  std::size_t open_order_count() const noexcept { return open_orders_; }
  // Order ids: the instrument in the top bits, a venue-wide counter below.
  static constexpr int kOrderIdInstrumentShift = 40;

  // --- state ----------------------------------------------------------------------------------
  // The full state in the snapshot format (docs/engine.md): deterministic bytes.
  void save(std::vector<std::byte>& out) const;
  // A new engine in the saved state (taken with the same instruments and configuration).
  // Errors: snapshot_corrupt, with the reason.
  static Result<std::unique_ptr<Engine>, Error> load(const InstrumentRegistry& instruments, EngineConfig config,
                                                     std::span<const std::byte> snapshot);
  // SHA-256 over save(): covers every piece of state by construction.
  Hash256 state_hash() const;
  // Every invariant of the books, the order table and clearing; the first violation found.
  std::optional<std::string> validate() const;

 private:
  // The book's events of one call, buffered (match stage); the stages after it read them.
  using BookEvent = std::variant<book::Accepted, book::Rejected, book::Trade, book::Cancelled, book::Amended,
                                 book::Triggered, book::LevelUpdate>;
  struct EventBuffer {
    std::vector<BookEvent>* events;
    template <class E>
    void on(const E& e) noexcept {
      events->emplace_back(e);
    }
  };
  using Book = book::OrderBook<EventBuffer>;

  // What the stages of one command share: the command's own order (reported once, last, as
  // Deribit answers with the order's final state) and the new order being entered.
  struct Step {
    const NewOrder* order = nullptr;  // new_order: the command, for its client fields
    Timestamp expiry{};               // its GTD expiry as submitted (good_til_day resolved)
    OrderId subject{};                // the command's own order
    std::optional<OrderView> subject_view;  // its latest view, once it changed
  };

  void advance(Timestamp now, Step& step) noexcept;
  void expire(InstrumentId id, Timestamp at, Step& step) noexcept;
  void try_settle(InstrumentId id) noexcept;
  Errc check_tradeable(InstrumentId id) const noexcept;
  std::optional<InstrumentId> instrument_of(OrderId id) const noexcept;

  Errc on_new_order(const NewOrder& c, Step& step) noexcept;
  Errc on_amend(const AmendOrder& c, Step& step) noexcept;
  Errc on_cancel(const CancelOrder& c, Step& step) noexcept;
  Errc on_cancel_all(const CancelAll& c, Step& step) noexcept;
  Errc on_create_account(const CreateAccount& c) noexcept;
  Errc on_deposit(const Deposit& c) noexcept;
  Errc on_withdraw(const Withdraw& c) noexcept;
  Errc on_transfer(const Transfer& c) noexcept;
  Errc on_halt(const HaltInstrument& c) noexcept;
  Errc on_resume(const ResumeInstrument& c) noexcept;
  Errc on_expire(const ExpireInstrument& c, Step& step) noexcept;
  Errc on_set_index(const SetIndex& c, Step& step) noexcept;
  Errc on_set_mark(const SetMark& c, Step& step) noexcept;
  Errc on_advance_time(const AdvanceTime&) noexcept { return Errc::ok; }
  Errc on_configure(const Configure& c) const noexcept {
    return c.digest == config_digest_ ? Errc::ok : Errc::config_mismatch;
  }
  Errc on_change_margin_model(const ChangeMarginModel& c) noexcept;

  // The stages after a book call on instrument `i`: settle, report, then the stops it reached.
  void after_book_call(InstrumentId i, Step& step) noexcept;
  void settle(InstrumentId i) noexcept;
  void report(InstrumentId i, Step& step) noexcept;
  // Admit stage of a stop the book triggered and holds: may it enter the book?
  Errc admit_triggered(InstrumentId i, const book::OrderState& o) const noexcept;
  // The open-order exposure of `lots` of an order (risk's view: what a fill could add).
  risk::OrderChange exposure(InstrumentId i, Side side, std::int64_t lots, Price price) const noexcept;
  // Marks and index changed: the portfolio-margin grid follows, computed at venue time `at`
  // (remembered in the snapshot, so a restored engine rebuilds the same grid).
  void markets_changed(std::optional<Timestamp> at = std::nullopt) noexcept;
  // engine_marks.cpp: the venue's marks of an underlying's futures and options after its index
  // moved (options refitted when due), into clearing and the books (mark stops).
  void build_mark_chains();
  void update_marks(CurrencyId underlying, Step& step) noexcept;
  void apply_mark(InstrumentId id, RefPrice mark, Step& step) noexcept;
  void save_marks(ByteWriter& w) const;
  Status<Error> load_marks(ByteReader& r);

  OrderView& view(InstrumentId i, std::uint32_t slot) noexcept { return views_[i.raw()][slot]; }
  void publish(OrderView& v, Step& step) noexcept;  // emits the update (deferred for the command's own order)
  void balance_event(AccountId account, Money amount, clearing::EntryReason reason) noexcept;
  Price to_ticks(InstrumentId id, RefPrice price) const noexcept;

  const InstrumentRegistry* instruments_;
  EngineConfig config_;
  Hash256 config_digest_;
  clearing::Clearing clearing_;
  std::unique_ptr<risk::AccountRisk> risk_;
  // Marks computed by the venue (engine_marks.cpp).
  std::vector<std::optional<risk::FuturesMark>> futures_marks_;  // [instrument]: futures and perpetuals
  struct OptionChain {
    CurrencyId underlying{};
    bool linear = false;
    std::vector<risk::ExpiryInput> expiries;   // their future marks filled in per call
    std::vector<InstrumentId> futures;         // [expiry]: the dated future of that expiry, if listed
    std::vector<risk::OptionInput> options;    // their quotes filled in per call
    risk::OptionMarks marks;
    std::int64_t next_refit_ns = 0;
  };
  std::vector<OptionChain> chains_;
  std::vector<std::optional<risk::OptionMark>> option_marks_;  // [instrument]: the latest, for queries
  std::vector<InstrumentId> option_future_;  // [instrument]: the dated future of an option's expiry (UINT32_MAX: none)
  risk::ChainMarks chain_out_;  // reused
  std::vector<Book> books_;                 // [instrument]
  std::vector<std::vector<OrderView>> views_;  // [instrument][slot]: the client column of each open order
  std::vector<InstrumentStatus> status_;    // [instrument]
  std::vector<Timestamp> expiry_at_;        // [instrument]: when it expired (settlement window end)
  std::uint64_t open_orders_ = 0;
  // Schedules. GTD deadlines are a min-heap of (expiry, instrument); stale entries (the order
  // went first) cost one no-op advance of that book.
  std::vector<std::pair<std::int64_t, std::uint32_t>> gtd_heap_;
  std::vector<std::pair<Timestamp, InstrumentId>> expiries_;  // dated instruments by (expiry, id)
  std::size_t next_expiry_ = 0;
  std::int64_t next_funding_ns_ = 0;  // 0: not yet scheduled (set by the first command)
  // Counters.
  SeqNo last_seq_{};
  Timestamp now_{};
  std::uint64_t next_order_id_ = 1;  // the counter part of order ids
  std::uint64_t next_trade_id_ = 1;
  ClientOrderIds client_ids_;
  // Buffers of the command being applied (reused; not state).
  std::vector<BookEvent> book_events_;
  std::vector<clearing::FillResult> fills_;  // settle: one per buffered trade, in order
  std::vector<std::pair<AccountId, std::int64_t>> settling_;  // positions an expiry closes
  Timestamp markets_at_{};  // venue time of the portfolio-margin grid
  Outcome outcome_;
  std::vector<Event> events_;
};

}  // namespace strike::engine
