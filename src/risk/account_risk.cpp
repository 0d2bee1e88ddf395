#include "risk/account_risk.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace strike::risk {
namespace {

bool empty(const OpenOrders& o) noexcept { return o.buy_lots == 0 && o.sell_lots == 0 && o.buy_premium == 0; }

// Stable coins count at one USD under cross models (their index is not published).
bool is_usd(std::string_view code) noexcept { return code == "USD" || code == "USDC" || code == "USDT"; }

std::int64_t extra_lots(std::span<const std::pair<InstrumentId, std::int64_t>> extra, InstrumentId i) noexcept {
  std::int64_t n = 0;
  for (const auto& [id, lots] : extra)
    if (id == i) n += lots;
  return n;
}

}  // namespace

Result<std::unique_ptr<AccountRisk>, Error> AccountRisk::make(const InstrumentRegistry& instruments,
                                                               const RiskConfig& config) {
  auto table = ScenarioTable::make(instruments, config);
  if (!table) return fail(table.error());
  std::unique_ptr<AccountRisk> r(new AccountRisk(instruments, config, std::move(table).value()));
  r->standard_.reserve(instruments.size());
  for (const Instrument& ins : instruments.all()) {
    auto m = StandardMargin::make(ins, instruments.currencies(), config);
    if (!m) return fail(m.error());
    r->standard_.push_back(std::move(m).value());
  }
  return r;
}

void AccountRisk::add_account() { accounts_.emplace_back(); }

// --- report stage -------------------------------------------------------------------------------

const AccountRisk::Exposure* AccountRisk::exposure(const Account& a, InstrumentId instrument) const noexcept {
  const auto it = std::lower_bound(a.exposures.begin(), a.exposures.end(), instrument,
                                   [](const Exposure& e, InstrumentId i) { return e.instrument < i; });
  return it != a.exposures.end() && it->instrument == instrument ? &*it : nullptr;
}

AccountRisk::Exposure AccountRisk::with_change(InstrumentId instrument, const Exposure* e,
                                               const OrderChange* change) const noexcept {
  Exposure x = e ? *e : Exposure{instrument};
  if (change != nullptr && change->instrument == instrument) {
    x.buy_lots += change->buy_lots;
    x.sell_lots += change->sell_lots;
    x.buy_notional += change->buy_notional;
    x.sell_notional += change->sell_notional;
  }
  return x;
}

OpenOrders AccountRisk::orders_of(const clearing::Clearing& clearing, InstrumentId instrument, const Exposure* e,
                                  const OrderChange* change) const noexcept {
  const Exposure x = with_change(instrument, e, change);
  OpenOrders o{x.buy_lots, x.sell_lots, 0};
  if (x.buy_notional > 0 && clearing.math(instrument).is_option()) {
    // Lots x ticks is what trade_value() multiplies: value it as one lot at that many ticks.
    const auto v = clearing.math(instrument).trade_value(1, Price{x.buy_notional});
    o.buy_premium = v ? v.value() : INT64_MAX;
  }
  return o;
}

OpenOrders AccountRisk::open_orders(const clearing::Clearing& clearing, AccountId account, InstrumentId instrument) const noexcept {
  if (account.raw() == 0 || account.raw() > accounts_.size()) return {};
  return orders_of(clearing, instrument, exposure(accounts_[account.raw() - 1], instrument), nullptr);
}

void AccountRisk::orders_changed(AccountId account, const OrderChange& change) {
  auto& list = accounts_[account.raw() - 1].exposures;
  auto it = std::lower_bound(list.begin(), list.end(), change.instrument,
                             [](const Exposure& e, InstrumentId i) { return e.instrument < i; });
  if (it == list.end() || it->instrument != change.instrument) it = list.insert(it, Exposure{change.instrument});
  it->buy_lots += change.buy_lots;
  it->sell_lots += change.sell_lots;
  it->buy_notional += change.buy_notional;
  it->sell_notional += change.sell_notional;
  STRIKE_ASSERT(it->buy_lots >= 0 && it->sell_lots >= 0 && it->buy_notional >= 0 && it->sell_notional >= 0,
                "account {}: open orders in instrument {} below zero", account.raw(), change.instrument.raw());
  if (it->buy_lots == 0 && it->sell_lots == 0) list.erase(it);
}

AccountPortfolio* AccountRisk::portfolio(Account& a, CurrencyId settlement) {
  if (!a.portfolios) return nullptr;
  for (AccountPortfolio& p : *a.portfolios)
    if (p.settlement() == settlement) return &p;
  return &a.portfolios->emplace_back(settlement);
}

const AccountPortfolio* AccountRisk::portfolio(const Account& a, CurrencyId settlement) const {
  if (!a.portfolios) return nullptr;
  for (const AccountPortfolio& p : *a.portfolios)
    if (p.settlement() == settlement) return &p;
  return nullptr;
}

void AccountRisk::position_changed(const clearing::Clearing& clearing, AccountId account, InstrumentId instrument,
                                   std::int64_t lots) {
  Account& a = accounts_[account.raw() - 1];
  if (a.values.epoch == values_epoch_) {
    // One entry of the value cache moves: the position's new value replaces its old one.
    auto& list = a.values.positions;
    auto it = std::lower_bound(list.begin(), list.end(), instrument,
                               [](const PositionValue& v, InstrumentId i) { return v.instrument < i; });
    const std::int64_t old = it != list.end() && it->instrument == instrument ? it->value : 0;
    const clearing::Position* p = clearing.position(account, instrument);
    const std::int64_t now = p != nullptr && p->size != 0 ? clearing.mark_value(*p) : 0;
    if (it != list.end() && it->instrument == instrument) {
      if (p == nullptr || p->size == 0) list.erase(it);
      else it->value = now;
    } else if (p != nullptr && p->size != 0) {
      list.insert(it, PositionValue{instrument, now});
    }
    const CurrencyId c = instruments_->get(instrument).settlement_currency;
    bool found = false;
    for (CurrencyValue& t : a.values.totals)
      if (t.currency == c) {
        t.value += now - old;
        found = true;
      }
    if (!found) a.values.totals.push_back(CurrencyValue{c, now - old});
  }
  if (!is_portfolio(a.model) || lots == 0) return;
  AccountPortfolio* p = portfolio(a, instruments_->get(instrument).settlement_currency);
  const auto added = p->add_position(table_, instrument, lots);
  STRIKE_ASSERT(added.ok(), "portfolio of account {}: {}", account.raw(), name(added.error()));
}

void AccountRisk::set_markets(Timestamp now, std::span<const InstrumentMarket> market, std::span<const double> index) {
  table_.recompute(now, market, index);
}

void AccountRisk::build_portfolios(const clearing::Clearing& clearing, AccountId account, Account& a) {
  a.portfolios = std::make_unique<std::vector<AccountPortfolio>>();
  clearing.for_each_position(account, [&](const clearing::Position& p) {
    AccountPortfolio* port = portfolio(a, instruments_->get(p.instrument).settlement_currency);
    const auto added = port->add_position(table_, p.instrument, p.size);
    STRIKE_ASSERT(added.ok(), "portfolio of account {}: {}", account.raw(), name(added.error()));
  });
}

// --- requirements and funds ---------------------------------------------------------------------

void AccountRisk::rebuild_values(const clearing::Clearing& clearing, AccountId account, const Account& a) const {
  ValueCache& cache = a.values;
  cache.epoch = values_epoch_;
  cache.positions.clear();
  cache.totals.clear();
  clearing.for_each_position(account, [&](const clearing::Position& p) {
    const std::int64_t value = clearing.mark_value(p);
    cache.positions.push_back(PositionValue{p.instrument, value});
    const CurrencyId c = instruments_->get(p.instrument).settlement_currency;
    bool found = false;
    for (CurrencyValue& t : cache.totals)
      if (t.currency == c) {
        t.value += value;
        found = true;
      }
    if (!found) cache.totals.push_back(CurrencyValue{c, value});
  });
  std::sort(cache.positions.begin(), cache.positions.end(),
            [](const PositionValue& x, const PositionValue& y) { return x.instrument < y.instrument; });
}

std::int64_t AccountRisk::equity(const clearing::Clearing& clearing, AccountId account, CurrencyId currency) const {
  const Account& a = accounts_[account.raw() - 1];
  if (a.values.epoch != values_epoch_) rebuild_values(clearing, account, a);
  std::int64_t value = 0;
  for (const CurrencyValue& t : a.values.totals)
    if (t.currency == currency) value = t.value;
  return clearing.ledger().balance(clearing::LedgerAccount::user(account), currency) + value;
}

MarginPrices AccountRisk::prices(const clearing::Clearing& clearing, InstrumentId instrument,
                                 const Exposure& orders) const noexcept {
  const Instrument& ins = instruments_->get(instrument);
  auto mark = clearing.mark(instrument);
  if (!mark && orders.buy_lots + orders.sell_lots > 0) {
    const int128 ticks = (int128{orders.buy_notional} + orders.sell_notional) / (orders.buy_lots + orders.sell_lots);
    mark = clearing.math(instrument).to_ref_price(Price{static_cast<std::int64_t>(ticks)});
  }
  MarginPrices p;
  p.mark = ref_decimal(mark ? *mark : RefPrice{});
  if (const auto index = clearing.index(ins.base)) {
    p.index = ref_decimal(*index);
  } else {
    p.index = ins.is_option() ? ins.strike : p.mark;  // at the money: the largest requirement
  }
  return p;
}

Result<AccountRisk::Requirement, Errc> AccountRisk::requirement(
    const clearing::Clearing& clearing, AccountId account, CurrencyId currency, const OrderChange* change,
    std::span<const std::pair<InstrumentId, std::int64_t>> extra) const {
  const Account& a = accounts_[account.raw() - 1];
  Requirement r;
  Errc error = Errc::ok;
  const auto settles_here = [&](InstrumentId i) { return instruments_->get(i).settlement_currency == currency; };
  const auto orders_in = [&](InstrumentId i) { return orders_of(clearing, i, exposure(a, i), change); };
  const auto prices_of = [&](InstrumentId i) { return prices(clearing, i, with_change(i, exposure(a, i), change)); };
  const auto held = [&](InstrumentId i) {
    const clearing::Position* p = clearing.position(account, i);
    return p != nullptr && p->size != 0;
  };

  if (!is_portfolio(a.model)) {
    const auto add = [&](InstrumentId i, std::int64_t lots, const OpenOrders& orders) {
      if (error != Errc::ok || (lots == 0 && empty(orders))) return;
      auto m = standard_[i.raw()].with_orders(lots, orders, prices_of(i));
      if (!m) {
        error = m.error();
        return;
      }
      if (__builtin_add_overflow(r.initial, m->initial, &r.initial) ||
          __builtin_add_overflow(r.maintenance, m->position.maintenance, &r.maintenance))
        error = Errc::overflow;
    };
    clearing.for_each_position(account, [&](const clearing::Position& p) {
      if (settles_here(p.instrument)) add(p.instrument, p.size + extra_lots(extra, p.instrument), orders_in(p.instrument));
    });
    for (const Exposure& e : a.exposures)
      if (settles_here(e.instrument) && !held(e.instrument)) add(e.instrument, extra_lots(extra, e.instrument), orders_in(e.instrument));
    if (change != nullptr && settles_here(change->instrument) && !held(change->instrument) && exposure(a, change->instrument) == nullptr)
      add(change->instrument, extra_lots(extra, change->instrument), orders_in(change->instrument));
    for (std::size_t k = 0; k < extra.size(); ++k) {
      const InstrumentId i = extra[k].first;
      bool seen = held(i) || exposure(a, i) != nullptr || (change != nullptr && change->instrument == i);
      for (std::size_t j = 0; j < k && !seen; ++j) seen = extra[j].first == i;
      if (!seen && settles_here(i)) add(i, extra_lots(extra, i), {});
    }
    if (error != Errc::ok) return fail(error);
    return r;
  }

  // Portfolio margin: the portfolio (with any extra positions), then per instrument with orders
  // the larger increase of "all its buys filled" and "all its sells filled".
  AccountPortfolio scratch(currency);
  const AccountPortfolio* base_portfolio = portfolio(a, currency);
  if (base_portfolio == nullptr) base_portfolio = &scratch;
  AccountPortfolio with_extra(currency);
  if (!extra.empty()) {
    with_extra = *base_portfolio;
    for (const auto& [i, lots] : extra)
      if (settles_here(i))
        if (auto s = with_extra.add_position(table_, i, lots); !s) return fail(s.error());
    base_portfolio = &with_extra;
  }
  auto base = base_portfolio->margin(table_);
  if (!base) return fail(base.error());
  r.initial = base->initial;
  r.maintenance = base->maintenance;
  const auto add_orders = [&](InstrumentId i, const OpenOrders& o) -> Status<Errc> {
    if (empty(o) || !settles_here(i)) return {};
    std::int64_t worst = 0;
    for (const std::int64_t lots : {o.buy_lots, -o.sell_lots}) {
      if (lots == 0) continue;
      auto m = base_portfolio->margin_with(table_, i, lots);
      if (!m) return fail(m.error());
      worst = std::max(worst, m->initial - base->initial);
    }
    if (__builtin_add_overflow(r.initial, worst, &r.initial) || __builtin_add_overflow(r.initial, o.buy_premium, &r.initial))
      return fail(Errc::overflow);
    return {};
  };
  for (const Exposure& e : a.exposures)
    if (auto s = add_orders(e.instrument, orders_in(e.instrument)); !s) return fail(s.error());
  if (change != nullptr && exposure(a, change->instrument) == nullptr)
    if (auto s = add_orders(change->instrument, orders_in(change->instrument)); !s) return fail(s.error());
  return r;
}

Result<AccountMargin, Errc> AccountRisk::funds(const clearing::Clearing& clearing, AccountId account,
                                               CurrencyId currency, const OrderChange* change,
                                               std::span<const std::pair<InstrumentId, std::int64_t>> extra,
                                               std::int64_t balance_change) const {
  const Account& a = accounts_[account.raw() - 1];
  const CurrencyTable& currencies = instruments_->currencies();
  const auto state_of = [&](CurrencyId c) -> Result<CurrencyState, Errc> {
    auto req = requirement(clearing, account, c, change, extra);
    if (!req) return fail(req.error());
    std::int64_t equity = this->equity(clearing, account, c);
    if (c == currency && __builtin_add_overflow(equity, balance_change, &equity)) return fail(Errc::overflow);
    RefPrice usd{};
    if (is_usd(currencies.get(c).code)) {
      usd = RefPrice{std::int64_t{1} * 100'000'000};
    } else if (const auto index = clearing.index(c)) {
      usd = *index;
    }
    return CurrencyState{c, equity, req->initial, req->maintenance, usd};
  };
  AccountMargin out;
  out.currency = currency;
  out.model = a.model;
  if (!is_cross(a.model)) {
    auto s = state_of(currency);
    if (!s) return fail(s.error());
    auto f = segregated_funds(s.value());
    if (!f) return fail(f.error());
    out.equity = s->equity;
    out.initial = f->initial;
    out.maintenance = f->maintenance;
    out.margin_balance = f->margin_balance;
    out.available = f->available;
    return out;
  }
  std::vector<CurrencyState> states;
  std::size_t mine = 0;
  for (const Currency& c : currencies.all()) {
    if (!clearing.holds(c.id)) continue;
    auto s = state_of(c.id);
    if (!s) return fail(s.error());
    if (c.id == currency) mine = states.size();
    states.push_back(s.value());
  }
  auto all = account_funds(a.model, states, config_, currencies);
  if (!all) return fail(all.error());
  const Funds& f = all.value()[mine];
  out.equity = states[mine].equity;
  out.initial = f.initial;
  out.maintenance = f.maintenance;
  out.margin_balance = f.margin_balance;
  out.available = f.available;
  return out;
}

// --- admit stage --------------------------------------------------------------------------------

Errc AccountRisk::admit(const clearing::Clearing& clearing, AccountId account, const OrderChange& change) const {
  if (account.raw() == 0 || account.raw() > accounts_.size()) return Errc::unknown_account;
  const CurrencyId currency = instruments_->get(change.instrument).settlement_currency;
  auto after = funds(clearing, account, currency, &change, {}, 0);
  if (!after) return after.error();
  if (after->available >= 0) return Errc::ok;
  // Short of margin: still admitted if the change does not raise the requirement.
  auto before = funds(clearing, account, currency, nullptr, {}, 0);
  if (before && after->initial <= before->initial) return Errc::ok;
  return Errc::insufficient_funds;
}

Errc AccountRisk::admit_withdrawal(const clearing::Clearing& clearing, AccountId account, Money amount) const {
  if (account.raw() == 0 || account.raw() > accounts_.size()) return Errc::unknown_account;
  auto after = funds(clearing, account, amount.currency(), nullptr, {}, -amount.units());
  if (!after) return after.error();
  return after->available >= 0 ? Errc::ok : Errc::insufficient_funds;
}

Status<Errc> AccountRisk::set_model(const clearing::Clearing& clearing, AccountId account, MarginModel model) {
  if (account.raw() == 0 || account.raw() > accounts_.size()) return fail(Errc::unknown_account);
  Account& a = accounts_[account.raw() - 1];
  if (a.model == model) return {};
  const MarginModel old = a.model;
  auto old_portfolios = std::move(a.portfolios);
  a.model = model;
  if (is_portfolio(model)) build_portfolios(clearing, account, a);
  // Every currency must still cover its initial margin under the new model.
  for (const Currency& c : instruments_->currencies().all()) {
    if (!clearing.holds(c.id)) continue;
    auto f = funds(clearing, account, c.id, nullptr, {}, 0);
    if (!f || f->available < 0) {
      a.model = old;
      a.portfolios = std::move(old_portfolios);
      return fail(f ? Errc::insufficient_funds : f.error());
    }
  }
  portfolio_accounts_ += is_portfolio(model);
  portfolio_accounts_ -= is_portfolio(old);
  return {};
}

// --- queries ------------------------------------------------------------------------------------

Result<AccountMargin, Errc> AccountRisk::margin(const clearing::Clearing& clearing, AccountId account,
                                                CurrencyId currency) const {
  if (account.raw() == 0 || account.raw() > accounts_.size()) return fail(Errc::unknown_account);
  return funds(clearing, account, currency, nullptr, {}, 0);
}

Result<AccountMargin, Errc> AccountRisk::margin_with_change(const clearing::Clearing& clearing, AccountId account,
                                                            const OrderChange& change) const {
  if (account.raw() == 0 || account.raw() > accounts_.size()) return fail(Errc::unknown_account);
  return funds(clearing, account, instruments_->get(change.instrument).settlement_currency, &change, {}, 0);
}

Result<AccountMargin, Errc> AccountRisk::margin_with_positions(
    const clearing::Clearing& clearing, AccountId account, CurrencyId currency,
    std::span<const std::pair<InstrumentId, std::int64_t>> extra) const {
  if (account.raw() == 0 || account.raw() > accounts_.size()) return fail(Errc::unknown_account);
  return funds(clearing, account, currency, nullptr, extra, 0);
}

Result<Margin, Errc> AccountRisk::position_margin(const clearing::Clearing& clearing, AccountId account,
                                                  InstrumentId instrument) const {
  if (account.raw() == 0 || account.raw() > accounts_.size()) return fail(Errc::unknown_account);
  const clearing::Position* p = clearing.position(account, instrument);
  const std::int64_t size = p ? p->size : 0;
  const Account& a = accounts_[account.raw() - 1];
  if (!is_portfolio(a.model))
    return standard_[instrument.raw()].position(size, prices(clearing, instrument, with_change(instrument, exposure(a, instrument), nullptr)));
  // Under portfolio margin: what the position adds to its portfolio's margin.
  const AccountPortfolio* port = portfolio(a, instruments_->get(instrument).settlement_currency);
  if (port == nullptr || size == 0) return Margin{};
  auto with = port->margin(table_);
  auto without = port->margin_with(table_, instrument, -size);
  if (!with) return fail(with.error());
  if (!without) return fail(without.error());
  return Margin{std::max<std::int64_t>(0, with->initial - without->initial),
                std::max<std::int64_t>(0, with->maintenance - without->maintenance)};
}

std::optional<RefPrice> AccountRisk::estimated_liquidation_price(const clearing::Clearing& clearing, AccountId account,
                                                                 InstrumentId instrument) const {
  if (account.raw() == 0 || account.raw() > accounts_.size() || is_portfolio(model(account))) return std::nullopt;
  const Instrument& ins = instruments_->get(instrument);
  const clearing::Position* p = clearing.position(account, instrument);
  const auto mark = clearing.mark(instrument);
  if (ins.is_option() || p == nullptr || p->size == 0 || !mark) return std::nullopt;
  const auto now = margin(clearing, account, ins.settlement_currency);
  if (!now) return std::nullopt;
  const clearing::ContractMath& math = clearing.math(instrument);
  const StandardMargin& sm = standard_[instrument.raw()];
  const auto value_at = [&](RefPrice x) { return math.value_at(p->size, x, Rounding::down); };
  const auto mm_at = [&](RefPrice x) { return sm.position(p->size, MarginPrices{ref_decimal(x), ref_decimal(x)}); };
  const auto v0 = value_at(*mark);
  const auto m0 = mm_at(*mark);
  if (!v0 || !m0) return std::nullopt;
  // Margin balance minus maintenance margin if the mark were x: decreasing towards liquidation.
  const auto excess = [&](RefPrice x) -> std::optional<int128> {
    const auto v = value_at(x);
    const auto m = mm_at(x);
    if (!v || !m) return std::nullopt;
    return int128{now->margin_balance} + v.value() - v0.value() - (int128{now->maintenance} - m0->maintenance + m->maintenance);
  };
  const auto at_mark = excess(*mark);
  if (!at_mark) return std::nullopt;
  if (*at_mark <= 0) return *mark;
  // Bisection over integer reference prices: longs towards 0, shorts towards 100 x the mark.
  const bool long_position = p->size > 0;
  std::int64_t safe = mark->raw(), gone = long_position ? 1 : (mark->raw() > INT64_MAX / 100 ? INT64_MAX : mark->raw() * 100);
  const auto at_gone = excess(RefPrice{gone});
  if (!at_gone || *at_gone > 0) return std::nullopt;  // never liquidated in the range
  while ((long_position ? safe - gone : gone - safe) > 1) {
    const std::int64_t mid = safe + (gone - safe) / 2;
    const auto e = excess(RefPrice{mid});
    if (!e) return std::nullopt;
    (*e > 0 ? safe : gone) = mid;
  }
  return RefPrice{gone};
}

// --- state --------------------------------------------------------------------------------------

void AccountRisk::save(ByteWriter& w) const {
  for (const Account& a : accounts_) w.write_u8(static_cast<std::uint8_t>(a.model));
}

Status<Error> AccountRisk::load(ByteReader& r, std::size_t accounts) {
  std::vector<Account> loaded(accounts);
  std::size_t portfolio = 0;
  for (Account& a : loaded) {
    a.model = r.read_enum<MarginModel>(MarginModel::cross_pm);
    portfolio += is_portfolio(a.model);
  }
  if (!r.ok()) return fail(Errc::snapshot_corrupt, "risk: margin models");
  accounts_ = std::move(loaded);
  portfolio_accounts_ = portfolio;
  return {};
}

void AccountRisk::rebuild(const clearing::Clearing& clearing) {
  for (std::size_t i = 0; i < accounts_.size(); ++i)
    if (is_portfolio(accounts_[i].model)) build_portfolios(clearing, AccountId{i + 1}, accounts_[i]);
}

}  // namespace strike::risk
