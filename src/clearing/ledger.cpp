#include "clearing/ledger.hpp"

#include <bit>
#include <span>

#include "core/assert.hpp"

namespace strike::clearing {
namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}

}  // namespace

std::string_view to_string(VenueAccount a) noexcept {
  switch (a) {
    case VenueAccount::external: return "external";
    case VenueAccount::fees: return "fees";
    case VenueAccount::insurance: return "insurance";
    case VenueAccount::rounding: return "rounding";
    case VenueAccount::clearing: return "clearing";
  }
  return "?";
}

std::string_view to_string(EntryReason r) noexcept {
  switch (r) {
    case EntryReason::deposit: return "deposit";
    case EntryReason::withdrawal: return "withdrawal";
    case EntryReason::transfer: return "transfer";
    case EntryReason::trade: return "trade";
    case EntryReason::settlement: return "settlement";
    case EntryReason::funding: return "funding";
    case EntryReason::liquidation_fee: return "liquidation_fee";
    case EntryReason::rounding: return "rounding";
  }
  return "?";
}

bool CurrencyTotals::conserved() const noexcept {
  const int128 held = int128{users} + fees + insurance + rounding + clearing;
  return held == int128{deposits} - withdrawals && held + external == 0;
}

Ledger::Ledger(std::size_t currencies, std::vector<CurrencyId> pool_currency)
    : currencies_(currencies), pool_currency_(std::move(pool_currency)) {
  for (auto& v : venue_) v.assign(currencies_, 0);
  pools_.assign(pool_currency_.size(), 0);
  deposits_.assign(currencies_, 0);
  withdrawals_.assign(currencies_, 0);
}

void Ledger::add_user(AccountId id) {
  STRIKE_ASSERT(id.raw() == users_ + 1, "user accounts are dense: expected {}, got {}", users_ + 1, id.raw());
  ++users_;
  user_balances_.resize(users_ * currencies_, 0);
  heads_.push_back(0);
}

std::int64_t& Ledger::slot(LedgerAccount account, CurrencyId currency) noexcept {
  STRIKE_ASSERT(currency.raw() < currencies_, "currency {}", currency.raw());
  if (account.is_user()) {
    STRIKE_ASSERT(has_user(account.user_id()), "unknown user account {}", account.user_id().raw());
    return user_balances_[(account.user_id().raw() - 1) * currencies_ + currency.raw()];
  }
  const VenueAccount kind = account.venue_kind();
  if (kind == VenueAccount::clearing) {
    const auto i = account.instrument().raw();
    STRIKE_ASSERT(i < pools_.size() && pool_currency_[i] == currency, "clearing pool {} in currency {}", i,
                  currency.raw());
    return pools_[i];
  }
  return venue_[static_cast<std::size_t>(kind)][currency.raw()];
}

std::int64_t Ledger::balance(LedgerAccount account, CurrencyId currency) const noexcept {
  return const_cast<Ledger*>(this)->slot(account, currency);
}

void Ledger::post(CurrencyId currency, std::span<const Leg> legs, EntryReason reason, const EntryRef& ref) noexcept {
  std::int64_t sum = 0;
  bool any = false;
  for (const Leg& leg : legs) {
    sum += leg.amount;
    any = any || leg.amount != 0;
  }
  STRIKE_ASSERT(sum == 0, "unbalanced posting: legs sum to {}", sum);
  if (!any) return;
  ++entries_;
  std::uint64_t h = mix(digest_, ref.seq.raw() ^ std::rotl(ref.trade_id, 29) ^ (std::uint64_t{currency.raw()} << 48) ^
                                     (static_cast<std::uint64_t>(reason) << 40));
  const auto external = LedgerAccount::venue(VenueAccount::external);
  for (const Leg& leg : legs) {
    if (leg.amount == 0) continue;
    std::int64_t& balance = slot(leg.account, currency);
    // Balances are bounded by the money supply, far inside int64: an overflow is a broken invariant.
    STRIKE_ASSERT(!__builtin_add_overflow(balance, leg.amount, &balance), "ledger overflow posting {}", leg.amount);
    h = mix(h, leg.account.raw() ^ std::rotl(static_cast<std::uint64_t>(leg.amount), 23));
    if (leg.account == external) (leg.amount < 0 ? deposits_ : withdrawals_)[currency.raw()] += leg.amount < 0 ? -leg.amount : leg.amount;
    if (leg.account.is_user()) {
      std::uint64_t& head = heads_[leg.account.user_id().raw() - 1];
      new_entries_.push_back(LedgerEntry{ref, leg.account.user_id(), currency, reason, leg.amount, leg.fee, balance,
                                         entries_, history_size_, head});
      head = ++history_size_;
    }
  }
  digest_ = h;
}

std::vector<CurrencyTotals> Ledger::totals() const {
  std::vector<CurrencyTotals> out(currencies_);
  for (std::size_t c = 0; c < currencies_; ++c) {
    CurrencyTotals& t = out[c];
    t.currency = CurrencyId{static_cast<std::uint16_t>(c)};
    for (std::size_t u = 0; u < users_; ++u) t.users += user_balances_[u * currencies_ + c];
    t.external = venue_[static_cast<std::size_t>(VenueAccount::external)][c];
    t.fees = venue_[static_cast<std::size_t>(VenueAccount::fees)][c];
    t.insurance = venue_[static_cast<std::size_t>(VenueAccount::insurance)][c];
    t.rounding = venue_[static_cast<std::size_t>(VenueAccount::rounding)][c];
    t.deposits = deposits_[c];
    t.withdrawals = withdrawals_[c];
  }
  for (std::size_t i = 0; i < pools_.size(); ++i) out[pool_currency_[i].raw()].clearing += pools_[i];
  return out;
}

}  // namespace strike::clearing
