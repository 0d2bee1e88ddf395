// The double-entry ledger: every balance of every user account and venue account, changed only
// by postings that move an amount from one ledger account to another in one currency.
//
// Invariants (checked by conservation(), after every command in the property tests):
// - Per currency, the sum over every ledger account, the `external` account included, is zero:
//   each posting subtracts from one side exactly what it adds to the other.
// - So the sum over users and the venue's own accounts (fees, insurance, rounding, the clearing
//   pools) equals deposits minus withdrawals, which are what `external` has lost.
// - A clearing pool holds the sum of the bases of the open futures positions of its instrument
//   (Clearing::validate checks it): realized PnL is paid out of the pool the moment a position
//   is reduced, and the pool is collected from the losers as they close.
// - The account history is an index, not a copy: every user leg becomes a LedgerEntry numbered
//   from 0 in posting order (its `index`), linked to the same account's previous entry
//   (`prev`). The ledger keeps only each account's newest index (8 bytes per account) and hands
//   the entries of the current command to its caller (new_entries()), which stores them outside
//   the engine (history/history_store.hpp). The numbering is deterministic, so the index is part
//   of the state and the stored entries are a pure function of the journal.
// Costs: a posting is an array update and a 64-bit digest step per leg, and one entry appended
// to a vector reused across commands per user leg. The digest chains every posting ever made, so
// the state hash covers the ledger's history without keeping it (the journal keeps it).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/byte_buffer.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "core/units.hpp"

namespace strike::clearing {

// The venue's own ledger accounts. `external` is the outside world: deposits come from it and
// withdrawals go to it, so its balance is minus what users brought in.
enum class VenueAccount : std::uint8_t { external, fees, insurance, rounding, clearing };
std::string_view to_string(VenueAccount a) noexcept;

// A ledger account: a user account, or a venue account (for `clearing`, one per instrument).
class LedgerAccount {
 public:
  static constexpr LedgerAccount user(AccountId id) noexcept { return LedgerAccount{id.raw()}; }
  static constexpr LedgerAccount venue(VenueAccount kind, InstrumentId instrument = InstrumentId{0}) noexcept {
    return LedgerAccount{kVenueBit | (std::uint64_t{static_cast<std::uint8_t>(kind)} << 32) | instrument.raw()};
  }
  constexpr bool is_user() const noexcept { return (raw_ & kVenueBit) == 0; }
  constexpr AccountId user_id() const noexcept { return AccountId{raw_}; }
  constexpr VenueAccount venue_kind() const noexcept { return static_cast<VenueAccount>((raw_ >> 32) & 0xff); }
  constexpr InstrumentId instrument() const noexcept { return InstrumentId{static_cast<std::uint32_t>(raw_)}; }
  constexpr std::uint64_t raw() const noexcept { return raw_; }
  constexpr bool operator==(const LedgerAccount&) const noexcept = default;

 private:
  static constexpr std::uint64_t kVenueBit = std::uint64_t{1} << 63;
  constexpr explicit LedgerAccount(std::uint64_t raw) noexcept : raw_(raw) {}
  std::uint64_t raw_ = 0;
};

// Why money moved; the names are those of the transaction log on the wire.
enum class EntryReason : std::uint8_t {
  deposit,
  withdrawal,
  transfer,         // between sub-accounts of one owner
  trade,            // a fill: option premium, futures PnL realized through the instrument's
                    // clearing pool, and the fee (negative: maker rebate)
  settlement,       // expiry: futures at the settlement price, options their intrinsic value
  funding,          // perpetual funding
  liquidation_fee,  // charged by the risk layer
  rounding,         // a rounding residue swept to the venue's rounding account
};
std::string_view to_string(EntryReason r) noexcept;

// What caused a posting: the command (sequence and time stamped by the sequencer) and, where
// there is one, the instrument and trade or order.
struct EntryRef {
  SeqNo seq{};
  Timestamp time{};
  InstrumentId instrument{};
  std::uint64_t trade_id = 0;
  bool operator==(const EntryRef&) const noexcept = default;
};

// One leg of a posting: what one ledger account gains (> 0) or loses (< 0). `fee` is the part
// of `amount` that is a trading fee (charged: < 0), kept for the transaction log.
struct Leg {
  LedgerAccount account;
  std::int64_t amount = 0;
  std::int64_t fee = 0;
};

// A user's leg as the transaction log shows it (one entry per posting, like Deribit's log:
// a fill is one `trade` entry whose change is premium + realized PnL - fee).
struct LedgerEntry {
  EntryRef ref;
  AccountId account{};
  CurrencyId currency{};
  EntryReason reason = EntryReason::deposit;
  std::int64_t amount = 0;         // the change of the balance
  std::int64_t fee = 0;            // the fee part of the change (<= 0 when charged)
  std::int64_t balance_after = 0;
  std::uint64_t entry_no = 0;      // which posting of the ledger, from 1
  std::uint64_t index = 0;         // which entry of the history, from 0
  std::uint64_t prev = 0;          // the account's previous entry: its index + 1 (0: none)
  bool operator==(const LedgerEntry&) const noexcept = default;
};

struct CurrencyTotals {
  CurrencyId currency{};
  std::int64_t users = 0;        // sum of user balances
  std::int64_t fees = 0;
  std::int64_t insurance = 0;
  std::int64_t rounding = 0;
  std::int64_t clearing = 0;     // sum of the clearing pools in this currency
  std::int64_t deposits = 0;
  std::int64_t withdrawals = 0;
  std::int64_t external = 0;     // == withdrawals - deposits
  // The conservation invariant: users + venue accounts == deposits - withdrawals, and every
  // account including external sums to zero.
  bool conserved() const noexcept;
};

class Ledger {
 public:
  // currencies: how many the venue has (ids 0..n-1); pool_currency[i]: the settlement currency
  // of instrument i.
  Ledger(std::size_t currencies, std::vector<CurrencyId> pool_currency);

  // Makes room for a user account (ids are dense from 1). Allocates; control plane.
  void add_user(AccountId id);
  bool has_user(AccountId id) const noexcept { return id.raw() >= 1 && id.raw() <= users_; }

  std::int64_t balance(LedgerAccount account, CurrencyId currency) const noexcept;

  // One balanced posting: the legs' amounts sum to zero (a broken invariant otherwise, as is an
  // unknown account, a clearing pool in another currency or an overflow: callers validate
  // input). Legs of zero change nothing and are not logged; a posting of only such legs is none.
  void post(CurrencyId currency, std::span<const Leg> legs, EntryReason reason, const EntryRef& ref) noexcept;
  // The two-leg posting: `amount` (any sign) moves from `from` to `to`.
  void transfer(LedgerAccount from, LedgerAccount to, CurrencyId currency, std::int64_t amount, EntryReason reason,
                const EntryRef& ref) noexcept {
    const Leg legs[2] = {{from, -amount}, {to, amount}};
    post(currency, legs, reason, ref);
  }

  // The history index: the account's newest entry (index + 1; 0: none), how many entries there
  // are, and those the postings since clear_new_entries() added, in order.
  std::uint64_t head(AccountId id) const noexcept { return has_user(id) ? heads_[id.raw() - 1] : 0; }
  std::uint64_t history_size() const noexcept { return history_size_; }
  std::span<const LedgerEntry> new_entries() const noexcept { return new_entries_; }
  void clear_new_entries() noexcept { new_entries_.clear(); }
  std::uint64_t entry_count() const noexcept { return entries_; }  // postings so far
  // Chains every posting: a digest of the whole history.
  std::uint64_t digest() const noexcept { return digest_; }

  std::vector<CurrencyTotals> totals() const;
  std::size_t currency_count() const noexcept { return currencies_; }
  std::size_t user_count() const noexcept { return users_; }

  // Snapshot form (clearing_state.cpp). load() replaces the state only when all of it reads.
  void save(ByteWriter& w) const;
  Status<Error> load(ByteReader& r);

 private:
  std::int64_t& slot(LedgerAccount account, CurrencyId currency) noexcept;

  std::size_t currencies_;
  std::vector<CurrencyId> pool_currency_;
  std::size_t users_ = 0;
  std::vector<std::int64_t> user_balances_;          // [(id - 1) * currencies_ + currency]
  std::array<std::vector<std::int64_t>, 4> venue_;   // external, fees, insurance, rounding: [currency]
  std::vector<std::int64_t> pools_;                  // [instrument], in pool_currency_[instrument]
  std::vector<std::int64_t> deposits_, withdrawals_;  // [currency]
  std::vector<std::uint64_t> heads_;  // [id - 1]: newest history entry, index + 1 (0: none)
  std::uint64_t history_size_ = 0;
  std::vector<LedgerEntry> new_entries_;  // of the current command; not state
  std::uint64_t entries_ = 0;
  std::uint64_t digest_ = 0x6a09e667f3bcc908ULL;
};

}  // namespace strike::clearing
