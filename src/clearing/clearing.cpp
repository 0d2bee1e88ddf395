#include "clearing/clearing.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace strike::clearing {
namespace {

std::int64_t sign(std::int64_t v) noexcept { return (v > 0) - (v < 0); }
std::int64_t abs64(std::int64_t v) noexcept { return v < 0 ? -v : v; }

// The fee charged for `value` (> 0) at rate num / den: a charge rounds up, a rebate (num < 0) down.
std::int64_t fee_at_rate(std::int64_t value, std::int64_t num, std::int64_t den) noexcept {
  auto credit = mul_div(-value, num, den, Rounding::against_account);
  STRIKE_ASSERT(credit.ok(), "fee overflow: value {}", value);
  return -credit.value();
}

template <class T>
T checked(Result<T, Errc> r, const char* what) noexcept {
  STRIKE_ASSERT(r.ok(), "clearing arithmetic failed in {}: {}", what, name(r.error()));
  return r.value();
}


}  // namespace

Clearing::Clearing(const InstrumentRegistry& instruments, ClearingConfig config)
    : instruments_(&instruments),
      config_(config),
      ledger_(instruments.currencies().all().size(),
              [&] {
                std::vector<CurrencyId> pools;
                for (const auto& ins : instruments.all()) pools.push_back(ins.settlement_currency);
                return pools;
              }()) {
  const std::size_t n = instruments.size();
  const std::size_t currencies = instruments.currencies().all().size();
  held_.assign(currencies, false);
  for (const auto& ins : instruments.all()) {
    auto m = ContractMath::make(ins, instruments.currencies());
    STRIKE_ASSERT(m.ok(), "instrument {}: contract factors overflow", ins.name);
    math_.push_back(m.value());
    // Rates on one denominator, so a fee is one multiply-divide.
    const int scale = std::max({ins.maker_fee.scale, ins.taker_fee.scale, 0});
    fees_.push_back(FeeRule{ins.maker_fee.units * pow10(scale - ins.maker_fee.scale),
                            ins.taker_fee.units * pow10(scale - ins.taker_fee.scale), pow10(scale),
                            config.option_fee_cap.units, pow10(config.option_fee_cap.scale), ins.base});
    held_[ins.settlement_currency.raw()] = true;
    held_[ins.base.raw()] = true;
  }
  instrument_slots_.resize(n);
  marks_.assign(n, RefPrice{0});
  last_trade_.assign(n, RefPrice{0});
  index_.assign(currencies, IndexTwap(config.settlement_window_ns));
}

// --- accounts ---------------------------------------------------------------------------------

Result<AccountId, Errc> Clearing::create_account(std::optional<AccountId> owner) {
  if (owners_.size() >= config_.max_accounts) return fail(Errc::account_limit);
  const AccountId id{owners_.size() + 1};
  AccountId main = id;
  if (owner) {
    if (!has_account(*owner) || owner_of(*owner) != *owner) return fail(Errc::unknown_account);
    main = *owner;
  }
  ledger_.add_user(id);
  owners_.push_back(main);
  account_slots_.emplace_back();
  return id;
}

Status<Errc> Clearing::deposit(AccountId account, Money money) noexcept {
  const CurrencyId currency = money.currency();
  const std::int64_t amount = money.units();
  if (!has_account(account)) return fail(Errc::unknown_account);
  if (currency.raw() >= held_.size() || !holds(currency)) return fail(Errc::currency_not_held);
  if (amount <= 0) return fail(Errc::invalid_amount);
  const auto external = LedgerAccount::venue(VenueAccount::external);
  if (!checked_add(ledger_.balance(LedgerAccount::user(account), currency), amount) ||
      !checked_sub(ledger_.balance(external, currency), amount))
    return fail(Errc::overflow);
  ledger_.transfer(external, LedgerAccount::user(account), currency, amount, EntryReason::deposit, ref());
  return {};
}

std::int64_t Clearing::available_withdrawal(AccountId account, CurrencyId currency) const noexcept {
  const CurrencySummary s = summary(account, currency);
  return s.available_withdrawal;
}

Status<Errc> Clearing::withdraw(AccountId account, Money money) noexcept {
  const CurrencyId currency = money.currency();
  const std::int64_t amount = money.units();
  if (!has_account(account)) return fail(Errc::unknown_account);
  if (currency.raw() >= held_.size() || !holds(currency)) return fail(Errc::currency_not_held);
  if (amount <= 0) return fail(Errc::invalid_amount);
  if (amount > available_withdrawal(account, currency)) return fail(Errc::insufficient_funds);
  ledger_.transfer(LedgerAccount::user(account), LedgerAccount::venue(VenueAccount::external), currency, amount,
               EntryReason::withdrawal, ref());
  return {};
}

Status<Errc> Clearing::transfer(AccountId from, AccountId to, Money money) noexcept {
  const CurrencyId currency = money.currency();
  const std::int64_t amount = money.units();
  if (!has_account(from) || !has_account(to)) return fail(Errc::unknown_account);
  // To oneself it would post two entries with one id and move nothing: a client error.
  if (from == to) return fail(Errc::transfer_to_self);
  if (owner_of(from) != owner_of(to)) return fail(Errc::not_same_owner);
  if (currency.raw() >= held_.size() || !holds(currency)) return fail(Errc::currency_not_held);
  if (amount <= 0) return fail(Errc::invalid_amount);
  if (amount > available_withdrawal(from, currency)) return fail(Errc::insufficient_funds);
  if (!checked_add(ledger_.balance(LedgerAccount::user(to), currency), amount)) return fail(Errc::overflow);
  ledger_.transfer(LedgerAccount::user(from), LedgerAccount::user(to), currency, amount, EntryReason::transfer, ref());
  return {};
}

Result<Money, Errc> Clearing::charge_liquidation_fee(AccountId account, Money money) noexcept {
  const CurrencyId currency = money.currency();
  const std::int64_t amount = money.units();
  if (!has_account(account)) return fail(Errc::unknown_account);
  if (currency.raw() >= held_.size() || !holds(currency)) return fail(Errc::currency_not_held);
  if (amount <= 0) return fail(Errc::invalid_amount);
  const std::int64_t charged = std::min(amount, std::max<std::int64_t>(0, ledger_.balance(LedgerAccount::user(account), currency)));
  if (charged > 0)
    ledger_.transfer(LedgerAccount::user(account), LedgerAccount::venue(VenueAccount::insurance), currency, charged,
                     EntryReason::liquidation_fee, ref());
  return Money{currency, charged};
}

// --- trading ----------------------------------------------------------------------------------

std::uint32_t Clearing::position_slot(AccountId account, InstrumentId instrument) {
  const std::uint64_t key = (account.raw() << 32) | instrument.raw();
  auto [it, inserted] = slot_of_.try_emplace(key, static_cast<std::uint32_t>(positions_.size()));
  if (inserted) {
    positions_.push_back(Position{account, instrument});
    account_slots_[account.raw() - 1].push_back(it->second);
    instrument_slots_[instrument.raw()].push_back(it->second);
  }
  return it->second;
}

// Adds a fill of `lots` (signed) worth `value` to a position; returns the PnL it realizes.
std::int64_t Clearing::apply_to_position(Position& p, std::int64_t lots, std::int64_t value) noexcept {
  if (p.size == 0 || sign(p.size) == sign(lots)) {
    p.size += lots;
    p.basis -= value;
    return 0;
  }
  const std::int64_t closing = std::min(abs64(lots), abs64(p.size));
  // The basis of the closed part and the value of the closing part of the fill; both splits
  // are exact when everything closes, and any rounding stays in the position's basis.
  const std::int64_t released =
      closing == abs64(p.size) ? p.basis : checked(mul_div(p.basis, closing, abs64(p.size), Rounding::toward_zero), "basis");
  const std::int64_t closing_value =
      closing == abs64(lots) ? value : checked(mul_div(value, closing, abs64(lots), Rounding::toward_zero), "fill");
  const std::int64_t realized = released - closing_value;
  p.basis = p.basis - value - realized;
  p.size += lots;
  realize(p, realized);
  return realized;
}

void Clearing::realize(Position& p, std::int64_t amount) noexcept {
  if (p.session != session_) {
    p.session = session_;
    p.session_realized_pnl = 0;
  }
  p.realized_pnl += amount;
  p.session_realized_pnl += amount;
}

std::int64_t Clearing::fee_of(InstrumentId instrument, Qty lots, Price price, bool maker) const noexcept {
  return fee_for_value(instrument, lots, abs64(checked(math_[instrument.raw()].trade_value(lots.raw(), price), "fee value")),
                       maker);
}

std::int64_t Clearing::fee_for_value(InstrumentId instrument, Qty lots, std::int64_t value, bool maker) const noexcept {
  const FeeRule& rule = fees_[instrument.raw()];
  const std::int64_t rate = maker ? rule.maker : rule.taker;
  const ContractMath& m = math_[instrument.raw()];
  if (!m.is_option()) return fee_at_rate(value, rate, rule.den);
  // Deribit's options fee: a rate of the underlying, capped at a fraction of the premium.
  const std::int64_t cap = checked(mul_div(value, rule.cap_num, rule.cap_den, Rounding::down), "fee cap");
  auto underlying = m.option_underlying_value(lots.raw(), index_[rule.underlying.raw()].last());
  if (!underlying) return rate < 0 ? -cap : cap;  // linear option and no index yet: the cap
  const std::int64_t fee = fee_at_rate(underlying.value(), rate, rule.den);
  return std::clamp(fee, -cap, cap);
}

FillResult Clearing::on_fill(const Fill& f) noexcept {
  const ContractMath& m = math_[f.instrument.raw()];
  const CurrencyId currency = instruments_->get(f.instrument).settlement_currency;
  const std::int64_t value = checked(m.trade_value(f.qty.raw(), f.price), "fill value");  // the buyer's

  std::int64_t premium = 0, buyer_pnl = 0, seller_pnl = 0, buyer_fee = 0, seller_fee = 0;
  // Slot indices, not references: creating the second slot may move the first.
  const std::uint32_t buyer_slot = position_slot(f.buyer, f.instrument);
  const std::uint32_t seller_slot = position_slot(f.seller, f.instrument);
  Position& buyer = positions_[buyer_slot];
  Position& seller = positions_[seller_slot];
  premium = m.is_option() ? value : 0;
  buyer_pnl = apply_to_position(buyer, f.qty.raw(), value);
  seller_pnl = apply_to_position(seller, -f.qty.raw(), -value);
  buyer_fee = fee_for_value(f.instrument, f.qty, abs64(value), f.buyer_is_maker);
  seller_fee = fee_for_value(f.instrument, f.qty, abs64(value), !f.buyer_is_maker);
  buyer.fees += buyer_fee;
  seller.fees += seller_fee;
  // One posting per fill: premium between the two, futures PnL out of the pool (options PnL is
  // the premium itself), fees to the venue.
  const bool futures = !m.is_option();
  const Leg legs[4] = {
      {LedgerAccount::user(f.buyer), -premium + (futures ? buyer_pnl : 0) - buyer_fee, -buyer_fee},
      {LedgerAccount::user(f.seller), premium + (futures ? seller_pnl : 0) - seller_fee, -seller_fee},
      {LedgerAccount::venue(VenueAccount::clearing, f.instrument), futures ? -buyer_pnl - seller_pnl : 0},
      {LedgerAccount::venue(VenueAccount::fees), buyer_fee + seller_fee},
  };
  ledger_.post(currency, legs, EntryReason::trade, ref(f.instrument, f.trade_id));
  last_trade_[f.instrument.raw()] = m.to_ref_price(f.price);
  return FillResult{Money{currency, buyer_fee}, Money{currency, seller_fee}, Money{currency, buyer_pnl},
                    Money{currency, seller_pnl}, Money{currency, premium}};
}

// --- market inputs ----------------------------------------------------------------------------

Status<Errc> Clearing::set_index(CurrencyId underlying, RefPrice price) noexcept {
  if (underlying.raw() >= index_.size()) return fail(Errc::currency_not_held);
  if (price.raw() <= 0) return fail(Errc::invalid_price);
  index_[underlying.raw()].update(time_, price);
  return {};
}

Status<Errc> Clearing::set_mark(InstrumentId instrument, RefPrice price) noexcept {
  if (instrument.raw() >= marks_.size()) return fail(Errc::unknown_instrument);
  if (price.raw() <= 0) return fail(Errc::invalid_price);
  marks_[instrument.raw()] = price;
  return {};
}

std::optional<RefPrice> Clearing::index(CurrencyId underlying) const noexcept {
  if (underlying.raw() >= index_.size() || !index_[underlying.raw()].has_value()) return std::nullopt;
  return index_[underlying.raw()].last();
}

std::optional<RefPrice> Clearing::mark(InstrumentId instrument) const noexcept {
  if (marks_[instrument.raw()].raw() > 0) return marks_[instrument.raw()];
  if (last_trade_[instrument.raw()].raw() > 0) return last_trade_[instrument.raw()];
  return std::nullopt;
}

// --- time-driven ------------------------------------------------------------------------------

Result<SettlementResult, Errc> Clearing::settle_expiry(InstrumentId instrument, Timestamp expiry) noexcept {
  const Instrument& ins = instruments_->get(instrument);
  const IndexTwap& twap = index_[ins.base.raw()];
  auto price = twap.average(expiry);
  // No index observed by the expiry: the first one after it (the engine retries on each index
  // update, so this is the first) is the settlement price.
  if (!price && twap.has_value()) price = twap.points().front().price;
  if (!price) return fail(price.error());
  const ContractMath& m = math_[instrument.raw()];
  const EntryRef r = ref(instrument);
  const auto pool = LedgerAccount::venue(VenueAccount::clearing, instrument);
  SettlementResult out{instrument, price.value()};

  std::vector<std::uint32_t> slots = instrument_slots_[instrument.raw()];
  std::sort(slots.begin(), slots.end(), [&](auto a, auto b) { return positions_[a].account < positions_[b].account; });
  for (std::uint32_t s : slots) {
    Position& p = positions_[s];
    if (p.size == 0) continue;
    const std::int64_t amount = m.is_option()
                                    ? checked(m.option_payoff(p.size, out.price), "option payoff")
                                    : p.basis + checked(m.value_at(p.size, out.price, Rounding::against_account), "settle");
    ledger_.transfer(pool, LedgerAccount::user(p.account), ins.settlement_currency, amount, EntryReason::settlement, r);
    realize(p, m.is_option() ? amount + p.basis : amount);
    p.size = 0;
    p.basis = 0;
    ++out.positions;
  }
  // Every amount was rounded against its account, so what is left in the pool is the residue.
  out.residue = ledger_.balance(pool, ins.settlement_currency);
  STRIKE_ASSERT(out.residue >= 0, "settlement of {} left the pool short by {}", ins.name, -out.residue);
  ledger_.transfer(pool, LedgerAccount::venue(VenueAccount::rounding), ins.settlement_currency, out.residue,
               EntryReason::rounding, r);
  return out;
}

Result<FundingResult, Errc> Clearing::apply_funding(InstrumentId instrument) noexcept {
  const Instrument& ins = instruments_->get(instrument);
  const auto idx = index(ins.base);
  if (!idx) return fail(Errc::no_index_price);
  const auto mk = mark(instrument);
  if (!mk) return fail(Errc::no_mark_price);
  const ContractMath& m = math_[instrument.raw()];
  FundingResult out{instrument};
  // premium = (mark - index) / index, clamped to +-funding_clamp.
  out.rate_num = mk->raw() - idx->raw();
  out.rate_den = idx->raw();
  const Decimal clamp = config_.funding_clamp;
  if (int128{abs64(out.rate_num)} * pow10(clamp.scale) > int128{clamp.units} * out.rate_den) {
    out.rate_num = sign(out.rate_num) * clamp.units;
    out.rate_den = pow10(clamp.scale);
  }
  if (out.rate_num == 0) return out;
  const EntryRef r = ref(instrument);
  const auto pool = LedgerAccount::venue(VenueAccount::clearing, instrument);
  const std::int64_t pool_before = ledger_.balance(pool, ins.settlement_currency);
  std::vector<std::uint32_t> slots = instrument_slots_[instrument.raw()];
  std::sort(slots.begin(), slots.end(), [&](auto a, auto b) { return positions_[a].account < positions_[b].account; });
  for (std::uint32_t s : slots) {
    Position& p = positions_[s];
    if (p.size == 0) continue;
    // Signed notional in settlement units: long > 0 for both contract shapes.
    const std::int64_t notional = sign(p.size) * abs64(checked(m.value_at(p.size, *mk, Rounding::toward_zero), "notional"));
    const std::int64_t amount = checked(mul_div(-notional, out.rate_num, out.rate_den, Rounding::against_account), "funding");
    ledger_.transfer(pool, LedgerAccount::user(p.account), ins.settlement_currency, amount, EntryReason::funding, r);
    realize(p, amount);
    ++out.positions;
  }
  out.residue = ledger_.balance(pool, ins.settlement_currency) - pool_before;
  STRIKE_ASSERT(out.residue >= 0, "funding of {} paid out {} more than it collected", ins.name, -out.residue);
  ledger_.transfer(pool, LedgerAccount::venue(VenueAccount::rounding), ins.settlement_currency, out.residue,
               EntryReason::rounding, r);
  return out;
}

// --- queries ----------------------------------------------------------------------------------

const Position* Clearing::position(AccountId account, InstrumentId instrument) const noexcept {
  auto it = slot_of_.find((account.raw() << 32) | instrument.raw());
  return it == slot_of_.end() ? nullptr : &positions_[it->second];
}

std::vector<Position> Clearing::positions(AccountId account) const {
  std::vector<Position> out;
  if (!has_account(account)) return out;
  for (std::uint32_t s : account_slots_[account.raw() - 1])
    if (positions_[s].size != 0) out.push_back(positions_[s]);
  std::sort(out.begin(), out.end(), [](const Position& a, const Position& b) { return a.instrument < b.instrument; });
  return out;
}

std::int64_t Clearing::mark_value(const Position& p) const noexcept {
  const auto mk = mark(p.instrument);
  if (p.size == 0 || !mk) return 0;
  const ContractMath& m = math_[p.instrument.raw()];
  const std::int64_t value = checked(m.value_at(p.size, *mk, Rounding::against_account), "mark value");
  return m.is_option() ? value : p.basis + value;
}

CurrencySummary Clearing::summary(AccountId account, CurrencyId currency) const noexcept {
  CurrencySummary s{currency};
  if (!has_account(account)) return s;
  s.balance = ledger_.balance(LedgerAccount::user(account), currency);
  for (std::uint32_t slot : account_slots_[account.raw() - 1]) {
    const Position& p = positions_[slot];
    if (instruments_->get(p.instrument).settlement_currency != currency) continue;
    s.fees += p.fees;
    if (p.session == session_) s.session_realized_pnl += p.session_realized_pnl;
    if (p.size == 0) continue;
    s.realized_pnl += p.realized_pnl;
    (math_[p.instrument.raw()].is_option() ? s.options_value : s.futures_pnl) += mark_value(p);
  }
  s.equity = s.balance + s.futures_pnl + s.options_value;
  s.available_withdrawal = std::max<std::int64_t>(0, std::min(s.balance, s.equity));
  return s;
}

// --- integrity --------------------------------------------------------------------------------

std::optional<std::string> Clearing::validate() const {
  const auto& currencies = instruments_->currencies();
  for (const CurrencyTotals& t : ledger_.totals())
    if (!t.conserved())
      return fmt::format("{} not conserved: users {} fees {} insurance {} rounding {} clearing {} vs deposits {} - withdrawals {} (external {})",
                         currencies.get(t.currency).code, t.users, t.fees, t.insurance, t.rounding, t.clearing,
                         t.deposits, t.withdrawals, t.external);
  for (const Instrument& ins : instruments_->all()) {
    int128 size = 0, basis = 0;
    for (std::uint32_t s : instrument_slots_[ins.id.raw()]) {
      size += positions_[s].size;
      basis += positions_[s].basis;
    }
    if (size != 0) return fmt::format("{}: positions sum to {}", ins.name, static_cast<std::int64_t>(size));
    const std::int64_t pool = ledger_.balance(LedgerAccount::venue(VenueAccount::clearing, ins.id), ins.settlement_currency);
    if (!math_[ins.id.raw()].is_option() && basis != pool)
      return fmt::format("{}: clearing pool {} != sum of bases {}", ins.name, pool, static_cast<std::int64_t>(basis));
    if (math_[ins.id.raw()].is_option() && pool != 0) return fmt::format("{}: option pool holds {}", ins.name, pool);
  }
  return std::nullopt;
}

}  // namespace strike::clearing
