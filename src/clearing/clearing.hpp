// Clearing: the venue's accounts, their positions, and every movement of money between them.
//
// Owns: accounts (main accounts and their sub-accounts), balances (in the Ledger), positions
// per (account, instrument), index and mark prices, the index history that expiry settlement
// averages, and the fee, PnL, settlement and funding rules. The engine thread is its only user
// and calls it with already validated, sequenced inputs.
//
// Invariants (validate() checks them; the property tests call it after every command):
// - the ledger conserves every currency (see ledger.hpp);
// - per instrument, position sizes sum to zero;
// - per futures instrument, its clearing pool equals the sum of its positions' bases.
// Rounding: every amount an account receives or pays that is not a shared trade value rounds
// against the account (fees up, payouts down); the residues are swept to the venue's rounding
// account, so sums stay exact.
// Costs: a fill is two position updates, one posting and a few divisions; no
// allocation once an account holds the position (position slots are allocated on first fill).
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "clearing/contract_math.hpp"
#include "clearing/index_twap.hpp"
#include "clearing/ledger.hpp"
#include "core/instrument_registry.hpp"
#include "core/money.hpp"
#include "core/time.hpp"

namespace strike::clearing {

struct ClearingConfig {
  Decimal option_fee_cap{125, 3};        // options fee at most 12.5% of the premium
  std::int64_t funding_interval_ns = 8LL * 3600 * kNsPerSecond;
  Decimal funding_clamp{5, 4};           // |funding rate| per interval at most 0.05%
  std::int64_t settlement_window_ns = 30LL * 60 * kNsPerSecond;
  std::size_t max_accounts = 1'000'000;
};

struct Position {
  AccountId account{};
  InstrumentId instrument{};
  std::int64_t size = 0;          // signed lots: long > 0
  // Minus the sum of the values of the fills that make up the open size, in settlement units;
  // PnL at a price X is basis + value(size, X).
  std::int64_t basis = 0;
  std::int64_t realized_pnl = 0;  // since the position was first opened
  std::int64_t fees = 0;          // paid (rebates negative), settlement units
  // Realized in the trading session `session` (core/time.hpp: trading_session_of).
  std::int64_t session = 0;
  std::int64_t session_realized_pnl = 0;
};

// One match as the book reports it, with the engine's trade id.
struct Fill {
  InstrumentId instrument{};
  std::uint64_t trade_id = 0;
  AccountId buyer{}, seller{};
  bool buyer_is_maker = false;
  Price price{};
  Qty qty{};
};

// What clearing booked for a fill, for the trade events and user.trades: amounts in the
// instrument's settlement currency.
struct FillResult {
  Money buyer_fee, seller_fee;  // charged (negative: rebate)
  Money buyer_pnl, seller_pnl;  // realized by this fill
  Money premium;                // options: paid by the buyer to the seller
};

struct CurrencySummary {
  CurrencyId currency{};
  std::int64_t balance = 0;
  std::int64_t futures_pnl = 0;    // unrealized, at marks, rounded against the account
  std::int64_t options_value = 0;  // at marks, rounded against the account
  std::int64_t equity = 0;         // balance + futures_pnl + options_value
  std::int64_t available_withdrawal = 0;  // min(balance, equity), never below zero
  std::int64_t realized_pnl = 0;   // of the open positions
  std::int64_t session_realized_pnl = 0;  // of every position, in the current session (since 08:00 UTC)
  std::int64_t fees = 0;
};

struct SettlementResult {
  InstrumentId instrument{};
  RefPrice price{};
  std::size_t positions = 0;
  std::int64_t residue = 0;  // swept to the rounding account
};

struct FundingResult {
  InstrumentId instrument{};
  // Rate per interval as a fraction rate_num / rate_den (already clamped).
  std::int64_t rate_num = 0, rate_den = 1;
  std::size_t positions = 0;
  std::int64_t residue = 0;
};

class Clearing {
 public:
  Clearing(const InstrumentRegistry& instruments, ClearingConfig config = {});

  const ClearingConfig& config() const noexcept { return config_; }
  const InstrumentRegistry& instruments() const noexcept { return *instruments_; }

  // Every posting of the command being applied carries this reference.
  void begin_command(SeqNo seq, Timestamp time) noexcept {
    seq_ = seq;
    time_ = time;
    session_ = trading_session_of(time);
    ledger_.clear_new_entries();
  }

  // --- accounts (control plane) ---------------------------------------------------------
  // owner = none: a new main account; otherwise a sub-account of the main account `owner`.
  // Ids are dense from 1. Errors: unknown_account (owner), account_limit.
  Result<AccountId, Errc> create_account(std::optional<AccountId> owner);
  bool has_account(AccountId id) const noexcept { return ledger_.has_user(id); }
  AccountId owner_of(AccountId id) const noexcept { return owners_[id.raw() - 1]; }
  std::size_t account_count() const noexcept { return owners_.size(); }
  // Errors: unknown_account, currency_not_held, invalid_amount, overflow.
  Status<Errc> deposit(AccountId account, Money amount) noexcept;
  // Errors: as deposit, and insufficient_funds beyond the available balance.
  Status<Errc> withdraw(AccountId account, Money amount) noexcept;
  // Between two different accounts of one owner. Errors: as withdraw, not_same_owner, transfer_to_self.
  Status<Errc> transfer(AccountId from, AccountId to, Money amount) noexcept;
  bool holds(CurrencyId currency) const noexcept { return held_[currency.raw()]; }

  // --- trading -------------------------------------------------------------------------------
  // Books one fill: premium, positions, realized PnL, fees. The engine validated the order so
  // every amount fits; an arithmetic overflow here is a broken invariant.
  FillResult on_fill(const Fill& fill) noexcept;
  // The fee of a fill of `lots` at `price` for the maker or taker side, in settlement units.
  std::int64_t fee_of(InstrumentId instrument, Qty lots, Price price, bool maker) const noexcept;
  // The risk layer's hook: moves a liquidation fee from the account to the insurance fund, at
  // most the account's positive balance (a fee never creates a debt); returns what it moved.
  // Errors: unknown_account, currency_not_held, invalid_amount.
  Result<Money, Errc> charge_liquidation_fee(AccountId account, Money amount) noexcept;

  // --- market inputs --------------------------------------------------------------------------
  // Index per underlying currency (USD, reference units); in time order. Errors: invalid_price.
  Status<Errc> set_index(CurrencyId underlying, RefPrice price) noexcept;
  // Mark per instrument, in the price currency (reference units). Errors: invalid_price.
  Status<Errc> set_mark(InstrumentId instrument, RefPrice price) noexcept;
  std::optional<RefPrice> index(CurrencyId underlying) const noexcept;
  // The mark, else the last trade price, else none.
  std::optional<RefPrice> mark(InstrumentId instrument) const noexcept;
  // Whether mark() is a mark (set_mark), not the last trade (which every fill moves).
  bool has_mark(InstrumentId instrument) const noexcept { return marks_[instrument.raw()].raw() > 0; }

  // --- time-driven -----------------------------------------------------------------------------
  // Cash-settles every position of an expiring instrument at the 30-minute TWAP of its index
  // before `expiry` (options: intrinsic value; futures: PnL against the basis); with no index
  // by the expiry, at the first index after it. Errors: no_index_price (nothing settled; the
  // engine retries when an index arrives).
  Result<SettlementResult, Errc> settle_expiry(InstrumentId instrument, Timestamp expiry) noexcept;
  // Pays one funding interval of a perpetual: rate = clamp((mark - index) / index); longs pay
  // shorts when positive. Errors: no_index_price, no_mark_price (nothing paid).
  Result<FundingResult, Errc> apply_funding(InstrumentId instrument) noexcept;

  // --- queries ---------------------------------------------------------------------------------
  const Ledger& ledger() const noexcept { return ledger_; }
  const ContractMath& math(InstrumentId instrument) const noexcept { return math_[instrument.raw()]; }
  const Position* position(AccountId account, InstrumentId instrument) const noexcept;
  // Open (non-zero) positions of an account, by instrument id.
  std::vector<Position> positions(AccountId account) const;
  // f(const Position&) for each open position of an account, in the order they were opened; no
  // allocation (the risk layer's per-order path).
  // f(const Position&) for each open position in an instrument, in the order they were opened.
  template <class F>
  void for_each_position_in(InstrumentId instrument, F&& f) const {
    for (std::uint32_t s : instrument_slots_[instrument.raw()])
      if (positions_[s].size != 0) f(positions_[s]);
  }
  template <class F>
  void for_each_position(AccountId account, F&& f) const {
    if (!has_account(account)) return;
    for (std::uint32_t s : account_slots_[account.raw() - 1])
      if (positions_[s].size != 0) f(positions_[s]);
  }
  // Unrealized PnL of a position at the mark (futures), or its value (options), against the account.
  std::int64_t mark_value(const Position& p) const noexcept;
  CurrencySummary summary(AccountId account, CurrencyId currency) const noexcept;

  // --- integrity ---------------------------------------------------------------------------------
  // Checks every invariant above; returns a description of the first violation, if any.
  std::optional<std::string> validate() const;
  // Snapshot form (clearing_state.cpp). load() replaces the state only when all of it reads
  // and passes validate(); the configuration and instruments must be those it was saved with.
  void save(ByteWriter& w) const;
  Status<Error> load(ByteReader& r);

 private:
  std::uint32_t position_slot(AccountId account, InstrumentId instrument);  // creates it on first use
  std::int64_t fee_for_value(InstrumentId instrument, Qty lots, std::int64_t value, bool maker) const noexcept;
  // Adds realized PnL to a position, and to its current session's.
  void realize(Position& p, std::int64_t amount) noexcept;
  std::int64_t apply_to_position(Position& p, std::int64_t lots, std::int64_t value) noexcept;
  EntryRef ref(InstrumentId instrument = InstrumentId{0}, std::uint64_t trade_id = 0) const noexcept {
    return EntryRef{seq_, time_, instrument, trade_id};
  }
  std::int64_t available_withdrawal(AccountId account, CurrencyId currency) const noexcept;

  const InstrumentRegistry* instruments_;
  ClearingConfig config_;
  Ledger ledger_;
  std::vector<ContractMath> math_;       // [instrument]
  struct FeeRule {
    std::int64_t maker = 0, taker = 0, den = 1;  // rates as maker / den, taker / den
    std::int64_t cap_num = 0, cap_den = 1;       // options: fee <= premium * cap_num / cap_den
    CurrencyId underlying{};
  };
  std::vector<FeeRule> fees_;            // [instrument]
  std::vector<bool> held_;               // [currency]: can be deposited
  std::vector<AccountId> owners_;        // [account - 1]: the main account (itself for a main account)
  std::vector<Position> positions_;      // slots, in creation order
  std::unordered_map<std::uint64_t, std::uint32_t> slot_of_;  // (account << 32 | instrument) -> slot; never iterated
  std::vector<std::vector<std::uint32_t>> account_slots_;     // [account - 1] -> slots
  std::vector<std::vector<std::uint32_t>> instrument_slots_;  // [instrument] -> slots
  std::vector<RefPrice> marks_, last_trade_;  // [instrument]; 0 = none
  std::vector<IndexTwap> index_;              // [currency]
  SeqNo seq_{};
  Timestamp time_{};
  std::int64_t session_ = trading_session_of(Timestamp{});  // of time_
};

}  // namespace strike::clearing
