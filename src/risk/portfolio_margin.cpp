#include "risk/portfolio_margin.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "pricing/batch.hpp"
#include "pricing/deribit.hpp"
#include "pricing/math.hpp"

namespace strike::risk {
namespace {

constexpr double kFixedLimit = 4.6e18;  // |entry| < 2^62 in 2^-16 units
constexpr double kNsPerYear = 365.0 * static_cast<double>(kNsPerDay);

// An estimate (2^-16 settlement units) as an entry: rounded down, or to nearest. false when
// the value is NaN or out of range.
bool to_fixed_down(double x, std::int64_t& out) noexcept {
  if (!(x > -kFixedLimit && x < kFixedLimit)) return false;
  out = static_cast<std::int64_t>(std::floor(x));
  return true;
}
bool to_fixed_nearest(double x, std::int64_t& out) noexcept { return to_fixed_down(x + 0.5, out); }

// A threshold in coins as 2^-16 settlement units per coin `unit`, rounded down (a smaller
// dampener or free delta charges more).
int128 threshold(Decimal coins, double unit) noexcept {
  const double x = std::floor(to_double(coins) * unit);
  return x > 0 && x < 1e37 ? static_cast<int128>(x) : 0;
}

int128 abs128(int128 v) noexcept { return v < 0 ? -v : v; }
int128 ceil_div(int128 a, int128 b) noexcept { return a >= 0 ? (a + b - 1) / b : a / b; }  // b > 0

// Entries per coin of a settlement currency with d decimals: 10^d x 2^16, exact for d <= 22.
double money_unit(int decimals) noexcept {
  double p = 1.0;
  for (int i = 0; i < decimals; ++i) p *= 10.0;
  return std::ldexp(p, kPnlFractionBits);
}

double pow_det(double base, double p) noexcept {  // deterministic: pricing's exp and log, not libm
  return pricing::math::exp(p * pricing::math::log(base));
}

}  // namespace

// --- the grid -------------------------------------------------------------------------------

ScenarioGrid ScenarioGrid::make(const CurrencyRisk& r) {
  ScenarioGrid g;
  g.moves = r.pm_price_moves;
  const double range = to_double(r.pm_price_range);
  const int half = (g.moves - 1) / 2;
  for (int i = 0; i < g.moves; ++i) g.move[i] = range * static_cast<double>(i - half) / static_cast<double>(half);
  g.extended = static_cast<int>(r.pm_extended_moves.size());
  const double factor = to_double(r.pm_extended_factor);
  for (int j = 0; j < g.extended; ++j) {
    g.extended_move[j] = to_double(r.pm_extended_moves[j]);
    g.extended_weight[j] = factor * range / std::fabs(g.extended_move[j]);
  }
  g.vol_up = to_double(r.pm_vol_up);
  g.vol_down = to_double(r.pm_vol_down);
  g.power_short = to_double(r.pm_vol_power_short);
  g.power_long = to_double(r.pm_vol_power_long);
  g.pivot_days = to_double(r.pm_vol_pivot_days);
  g.min_dte_days = to_double(r.pm_min_dte_days);
  g.min_vol_up = to_double(r.pm_min_vol_up);
  g.roll_annual = to_double(r.pm_roll_annual);
  g.roll_min = to_double(r.pm_roll_min);
  return g;
}

double ScenarioGrid::vol_factor(double dte_days) const noexcept {
  const double p = dte_days < pivot_days ? power_short : power_long;
  return pow_det(pivot_days / std::max(dte_days, min_dte_days), p);
}

double ScenarioGrid::roll_shock(double years) const noexcept { return std::max(roll_annual * years, roll_min); }

// --- the table ------------------------------------------------------------------------------

void ScenarioTable::Scratch::resize(std::size_t n) {
  if (type.size() >= n) return;
  type.resize(n);
  for (auto* v : {&f, &k, &t, &vol, &rate, &price, &delta, &gamma, &vega, &theta, &rho, &vanna, &volga, &charm}) v->resize(n);
}

Result<ScenarioTable, Error> ScenarioTable::make(const InstrumentRegistry& registry, const RiskConfig& config) {
  ScenarioTable table;
  table.registry_ = &registry;
  const auto instruments = registry.all();
  table.vectors_.resize(instruments.size());
  table.terms_.resize(instruments.size());
  for (const Instrument& ins : instruments) {
    std::size_t gi = 0;
    while (gi < table.groups_.size() &&
           !(table.groups_[gi].settlement == ins.settlement_currency && table.groups_[gi].underlying == ins.base))
      ++gi;
    if (gi == table.groups_.size()) {
      if (gi > std::numeric_limits<std::uint16_t>::max()) return fail(Errc::config_bad_value, "too many portfolio groups");
      PortfolioGroup g;
      g.settlement = ins.settlement_currency;
      g.underlying = ins.base;
      g.linear = ins.settlement == Settlement::linear;
      g.decimals = registry.currencies().get(ins.settlement_currency).decimals;
      const CurrencyRisk& r = config.get(ins.base);
      g.grid = ScenarioGrid::make(r);
      g.delta_shock = r.pm_delta_shock;
      g.maintenance_factor = r.pm_maintenance_factor;
      table.groups_.push_back(std::move(g));
      table.risks_.push_back(r);
    }
    PortfolioGroup& g = table.groups_[gi];
    g.instruments.push_back(ins.id);
    const Timestamp expiry = ins.has_expiry() ? ins.expiry : Timestamp{};
    if (std::find(g.buckets.begin(), g.buckets.end(), expiry) == g.buckets.end()) g.buckets.push_back(expiry);
    Terms& t = table.terms_[ins.id.raw()];
    t.option = ins.is_option();
    t.call = ins.symbol.option_type == OptionType::call;
    t.inverse = ins.settlement == Settlement::inverse;
    t.lot = to_double(ins.min_trade_amount);
    t.strike = t.option ? to_double(ins.strike) : 0.0;
    t.expiry = expiry;
    table.vectors_[ins.id.raw()].group = static_cast<std::uint16_t>(gi);
  }
  for (PortfolioGroup& g : table.groups_) {
    std::sort(g.buckets.begin(), g.buckets.end());
    if (g.buckets.size() > std::numeric_limits<std::uint16_t>::max()) return fail(Errc::config_bad_value, "too many expiries");
    for (InstrumentId id : g.instruments) {
      const auto it = std::lower_bound(g.buckets.begin(), g.buckets.end(), table.terms_[id.raw()].expiry);
      table.vectors_[id.raw()].bucket = static_cast<std::uint16_t>(it - g.buckets.begin());
    }
  }
  return table;
}

void ScenarioTable::recompute(Timestamp now, std::span<const InstrumentMarket> market, std::span<const double> index) {
  for (std::size_t g = 0; g < groups_.size(); ++g) recompute_group(g, now, market, index);
}

void ScenarioTable::recompute_group(std::size_t gi, Timestamp now, std::span<const InstrumentMarket> market,
                                    std::span<const double> index) {
  STRIKE_ASSERT(market.size() == vectors_.size(), "market inputs for {} instruments, table has {}", market.size(), vectors_.size());
  PortfolioGroup& g = groups_[gi];
  const ScenarioGrid& grid = g.grid;
  ++g.epoch;
  for (InstrumentId id : g.instruments) {
    ScenarioVector& v = vectors_[id.raw()];
    v.pnl.fill(0);
    v.delta = v.roll = 0;
    v.status = Errc::no_mark_price;
  }
  // Money per coin: 10^d x 2^16 units, times the index for linear groups (thresholds in coin).
  const double unit = money_unit(g.decimals);
  const double s = g.underlying.raw() < index.size() ? index[g.underlying.raw()] : 0.0;
  if (g.linear && !(s > 0 && std::isfinite(s))) {
    g.status = Errc::no_index_price;
    for (InstrumentId id : g.instruments) vectors_[id.raw()].status = Errc::no_index_price;
    return;
  }
  g.status = Errc::ok;
  const double coin_unit = g.linear ? s * unit : unit;
  g.dampener = threshold(risks_[gi].pm_extended_dampener, coin_unit);
  g.delta_free = threshold(risks_[gi].pm_delta_free, coin_unit);

  std::vector<InstrumentId>& options = option_ids_;
  options.clear();
  for (InstrumentId id : g.instruments) {
    ScenarioVector& v = vectors_[id.raw()];
    const Terms& t = terms_[id.raw()];
    const double f = market[id.raw()].forward;
    if (!(f > 0 && std::isfinite(f))) continue;  // no_mark_price
    const double years = t.expiry == Timestamp{} ? 0.0 : static_cast<double>(t.expiry.ns() - now.ns()) / kNsPerYear;
    if (t.option) {
      const double vol = market[id.raw()].vol;
      if (!(vol > 0 && std::isfinite(vol))) {
        v.status = Errc::pricing_invalid_input;
        continue;
      }
      if (!(years > 0)) {
        v.status = Errc::pricing_zero_time;
        continue;
      }
      options.push_back(id);
      continue;
    }
    // Futures: inverse (lot = USD) P&L in coin lot/F x m/(1+m), delta lot/F; linear lot x F x m.
    const double lot_unit = t.lot * unit;
    const double delta = t.inverse ? lot_unit / f : lot_unit * f;
    const auto pnl = [&](double m) { return t.inverse ? lot_unit / f * (m / (1.0 + m)) : lot_unit * f * m; };
    bool ok = true;
    for (int i = 0; i < grid.moves; ++i) {
      std::int64_t e = 0;
      ok = ok && to_fixed_down(pnl(grid.move[i]), e);
      for (int vs = 0; vs < 3; ++vs) v.pnl[grid.cell(vs, i)] = e;
    }
    for (int j = 0; j < grid.extended; ++j)
      ok = ok && to_fixed_down(grid.extended_weight[j] * pnl(grid.extended_move[j]), v.pnl[grid.extended_cell(j)]);
    ok = ok && to_fixed_nearest(delta, v.delta) && to_fixed_nearest(delta * grid.roll_shock(std::max(years, 0.0)), v.roll);
    if (!ok) {
      v.pnl.fill(0);
      v.delta = v.roll = 0;
      v.status = Errc::overflow;
      continue;
    }
    v.status = Errc::ok;
  }
  price_options(g, options, now, market);
}

void ScenarioTable::price_options(const PortfolioGroup& g, std::span<const InstrumentId> options, Timestamp now,
                                  std::span<const InstrumentMarket> market) {
  const ScenarioGrid& grid = g.grid;
  const int cells = grid.cells();
  const std::size_t rows_per_option = 1 + static_cast<std::size_t>(cells);
  constexpr std::size_t kChunk = 32;  // options per batch call: ~1,100 rows, the scratch stays in L2
  scratch_.resize(kChunk * rows_per_option);
  const double unit = money_unit(g.decimals);
  Scratch& sc = scratch_;
  for (std::size_t first = 0; first < options.size(); first += kChunk) {
    const std::size_t count = std::min(kChunk, options.size() - first);
    // Rows: the option at its market, then every cell's (forward, vol).
    for (std::size_t o = 0; o < count; ++o) {
      const InstrumentId id = options[first + o];
      const Terms& t = terms_[id.raw()];
      const double f = market[id.raw()].forward, vol = market[id.raw()].vol;
      const double years = static_cast<double>(t.expiry.ns() - now.ns()) / kNsPerYear;
      const double factor = grid.vol_factor(years * pricing::deribit::kDaysPerYear);
      const double vols[3] = {std::max(vol * (1.0 + grid.vol_up * factor), grid.min_vol_up), vol,
                              vol * (1.0 - grid.vol_down * factor)};
      const std::size_t base = o * rows_per_option;
      const auto put = [&](std::size_t row, double forward, double sigma) {
        sc.type[row] = t.call ? pricing::OptionType::call : pricing::OptionType::put;
        sc.f[row] = forward;
        sc.k[row] = t.strike;
        sc.t[row] = years;
        sc.vol[row] = sigma;
        sc.rate[row] = 0.0;
      };
      put(base, f, vol);
      for (int vs = 0; vs < 3; ++vs)
        for (int i = 0; i < grid.moves; ++i) put(base + 1 + static_cast<std::size_t>(grid.cell(vs, i)), f * (1.0 + grid.move[i]), vols[vs]);
      for (int j = 0; j < grid.extended; ++j)
        put(base + 1 + static_cast<std::size_t>(grid.extended_cell(j)), f * (1.0 + grid.extended_move[j]), vols[0]);
    }
    const std::size_t n = count * rows_per_option;
    const pricing::BatchInputs in{{sc.type.data(), n}, {sc.f.data(), n},   {sc.k.data(), n}, {sc.t.data(), n},
                                  {sc.vol.data(), n},  {sc.rate.data(), n}, {}};
    const pricing::BatchOutputs out{{sc.price.data(), n}, {sc.delta.data(), n}, {sc.gamma.data(), n},
                                    {sc.vega.data(), n},  {sc.theta.data(), n}, {sc.rho.data(), n},
                                    {sc.vanna.data(), n}, {sc.volga.data(), n}, {sc.charm.data(), n},
                                    {}};
    pricing::evaluate_batch(pricing::Model::black76, in, out);
    for (std::size_t o = 0; o < count; ++o) {
      const InstrumentId id = options[first + o];
      const Terms& t = terms_[id.raw()];
      ScenarioVector& v = vectors_[id.raw()];
      const std::size_t base = o * rows_per_option;
      const double f = sc.f[base], v0 = sc.price[base];
      const double lot_unit = t.lot * unit;
      // Inverse options are worth V/F coin per coin; linear ones V USDC per coin.
      const double value0 = t.inverse ? v0 / f : v0;
      const auto pnl = [&](int cell) {
        const std::size_t row = base + 1 + static_cast<std::size_t>(cell);
        return lot_unit * ((t.inverse ? sc.price[row] / sc.f[row] : sc.price[row]) - value0);
      };
      // d P&L / d move: F d(V/F)/dF = delta - V/F coin (inverse), F x delta USDC (linear).
      const double delta = lot_unit * (t.inverse ? sc.delta[base] - v0 / f : sc.delta[base] * f);
      bool ok = true;
      for (int c = 0; c < 3 * grid.moves; ++c) ok = ok && to_fixed_down(pnl(c), v.pnl[c]);
      for (int j = 0; j < grid.extended; ++j)
        ok = ok && to_fixed_down(grid.extended_weight[j] * pnl(grid.extended_cell(j)), v.pnl[grid.extended_cell(j)]);
      const double years = sc.t[base];
      ok = ok && to_fixed_nearest(delta, v.delta) && to_fixed_nearest(delta * grid.roll_shock(years), v.roll);
      if (!ok) {  // NaN (inputs the kernel refuses) or out of range
        v.pnl.fill(0);
        v.delta = v.roll = 0;
        v.status = Errc::pricing_invalid_input;
        continue;
      }
      v.status = Errc::ok;
    }
  }
}

// --- accounts ---------------------------------------------------------------------------------

std::int64_t AccountPortfolio::size(InstrumentId instrument) const noexcept {
  const auto it = std::lower_bound(positions_.begin(), positions_.end(), instrument,
                                   [](const Holding& h, InstrumentId id) { return h.instrument < id; });
  return it != positions_.end() && it->instrument == instrument ? it->lots : 0;
}

AccountPortfolio::Sums& AccountPortfolio::sums_for(std::size_t group) {
  for (Sums& s : sums_)
    if (s.group == group) return s;
  sums_.emplace_back();
  sums_.back().group = group;
  return sums_.back();
}

const AccountPortfolio::Sums* AccountPortfolio::find_sums(std::size_t group) const noexcept {
  for (const Sums& s : sums_)
    if (s.group == group) return &s;
  return nullptr;
}

void AccountPortfolio::add_vector(Sums& s, const ScenarioVector& v, int cells, std::int64_t old_size, std::int64_t new_size) {
  const int128 d = static_cast<int128>(new_size) - old_size;
  for (int c = 0; c < cells; ++c) s.cells[c] += d * v.pnl[c];
  if (s.roll.size() <= v.bucket) s.roll.resize(static_cast<std::size_t>(v.bucket) + 1, 0);
  s.roll[v.bucket] += d * v.roll;
  s.delta += d * v.delta;
  s.short_lots += std::min<std::int64_t>(new_size, 0) - std::min<std::int64_t>(old_size, 0);
  s.abs_lots += (new_size < 0 ? -static_cast<int128>(new_size) : new_size) - (old_size < 0 ? -static_cast<int128>(old_size) : old_size);
  if (v.status != Errc::ok) s.invalid += static_cast<std::size_t>(new_size != 0) - static_cast<std::size_t>(old_size != 0);
}

void AccountPortfolio::sum_group(const ScenarioTable& table, std::size_t group, Sums& out) const {
  out.epoch = table.group(group).epoch;
  const int cells = table.group(group).grid.cells();
  out.cells.fill(0);
  std::fill(out.roll.begin(), out.roll.end(), 0);
  out.delta = 0;
  out.short_lots = out.abs_lots = 0;
  out.invalid = 0;
  for (const Holding& h : positions_) {
    const ScenarioVector& v = table.vector(h.instrument);
    if (v.group == group) add_vector(out, v, cells, 0, h.lots);
  }
}

Status<Errc> AccountPortfolio::add_position(const ScenarioTable& table, InstrumentId instrument, std::int64_t delta_lots) {
  if (table.settlement_of(instrument) != settlement_) return fail(Errc::currency_mismatch);
  if (delta_lots == 0) return {};
  auto it = std::lower_bound(positions_.begin(), positions_.end(), instrument,
                             [](const Holding& h, InstrumentId id) { return h.instrument < id; });
  const bool held = it != positions_.end() && it->instrument == instrument;
  const std::int64_t old_size = held ? it->lots : 0;
  auto new_size = checked_add(old_size, delta_lots);
  if (!new_size || new_size.value() == std::numeric_limits<std::int64_t>::min()) return fail(Errc::overflow);
  if (!held)
    it = positions_.insert(it, Holding{instrument, new_size.value()});
  else if (new_size.value() == 0)
    positions_.erase(it);
  else
    it->lots = new_size.value();
  const ScenarioVector& v = table.vector(instrument);
  Sums& s = sums_for(v.group);
  if (s.epoch == table.group(v.group).epoch)
    add_vector(s, v, table.group(v.group).grid.cells(), old_size, new_size.value());
  else
    sum_group(table, v.group, s);  // stale: re-sum with the new position
  return {};
}

void AccountPortfolio::rebuild(const ScenarioTable& table) {
  for (Sums& s : sums_)
    if (s.epoch != table.group(s.group).epoch) sum_group(table, s.group, s);
}

Result<GroupMargin, Errc> AccountPortfolio::group_margin(const ScenarioTable& table, const Sums& s, const Extra& x) const {
  const PortfolioGroup& g = table.group(s.group);
  const ScenarioGrid& grid = g.grid;
  const bool extra = x.vector != nullptr && x.vector->group == s.group && x.lots != 0;
  const std::int64_t new_size = extra ? x.old_size + x.lots : 0;  // checked by the caller
  std::size_t invalid = s.invalid;
  if (extra && x.vector->status != Errc::ok)
    invalid += static_cast<std::size_t>(new_size != 0) - static_cast<std::size_t>(x.old_size != 0);
  if (invalid > 0) {
    if (extra && x.vector->status != Errc::ok && new_size != 0) return fail(x.vector->status);
    for (const Holding& h : positions_) {
      const ScenarioVector& v = table.vector(h.instrument);
      if (v.group == s.group && v.status != Errc::ok && !(extra && &v == x.vector)) return fail(v.status);
    }
    return fail(g.status != Errc::ok ? g.status : Errc::no_mark_price);
  }
  const int128 d = extra ? x.lots : 0;
  static const ScenarioVector kZero{};
  const ScenarioVector& ev = extra ? *x.vector : kZero;
  int128 short_lots = s.short_lots, abs_lots = s.abs_lots;
  if (extra) {
    short_lots += std::min<std::int64_t>(new_size, 0) - std::min<std::int64_t>(x.old_size, 0);
    abs_lots += abs128(new_size) - abs128(x.old_size);
  }
  GroupMargin out;
  out.group = s.group;
  int128 worst = 0;
  const int core = 3 * grid.moves;
  for (int c = 0; c < core; ++c) {
    const int128 loss = -(s.cells[c] + d * ev.pnl[c] + short_lots);
    if (loss > worst) {
      worst = loss;
      out.worst_cell = c;
    }
  }
  for (int c = core; c < grid.cells(); ++c) {
    const int128 loss = -(s.cells[c] + d * ev.pnl[c] + short_lots) - g.dampener;
    if (loss > worst) {
      worst = loss;
      out.worst_cell = c;
    }
  }
  // Roll: per expiry |sum of delta x shock|; entries round to nearest, so one unit per lot held
  // covers their rounding.
  int128 roll = abs_lots;
  const std::size_t buckets = std::max(s.roll.size(), extra ? static_cast<std::size_t>(ev.bucket) + 1 : 0);
  for (std::size_t b = 0; b < buckets; ++b)
    roll += abs128((b < s.roll.size() ? s.roll[b] : 0) + (b == ev.bucket ? d * ev.roll : 0));
  const int128 net_delta = abs128(s.delta + d * ev.delta) + abs_lots;
  const int128 excess = std::max<int128>(net_delta - g.delta_free, 0);
  const int128 delta_shock = ceil_div(excess * g.delta_shock.units, static_cast<int128>(pow10(g.delta_shock.scale)));
  const int128 im = worst + roll + delta_shock;
  const auto units = [](int128 fixed) { return ceil_div(fixed, kPnlOne); };
  auto im_units = narrow(units(im));
  auto mm_units = narrow(ceil_div(im * g.maintenance_factor.units,
                                  static_cast<int128>(pow10(g.maintenance_factor.scale)) * kPnlOne));
  auto worst_units = narrow(units(worst)), roll_units = narrow(units(roll)), delta_units = narrow(units(delta_shock));
  if (!im_units || !mm_units || !worst_units || !roll_units || !delta_units) return fail(Errc::overflow);
  out.worst_loss = worst_units.value();
  out.roll_shock = roll_units.value();
  out.delta_shock = delta_units.value();
  out.margin = Margin{im_units.value(), mm_units.value()};
  return out;
}

Result<Margin, Errc> AccountPortfolio::total(const ScenarioTable& table, const Extra& x, std::size_t extra_group) const {
  Margin sum;
  bool extra_seen = false;
  const auto add = [&](const Sums& s) -> Status<Errc> {
    auto gm = group_margin(table, s, x);
    if (!gm) return fail(gm.error());
    auto im = checked_add(sum.initial, gm->margin.initial);
    auto mm = checked_add(sum.maintenance, gm->margin.maintenance);
    if (!im || !mm) return fail(Errc::overflow);
    sum = Margin{im.value(), mm.value()};
    return {};
  };
  for (const Sums& s : sums_) {
    extra_seen = extra_seen || s.group == extra_group;
    if (s.epoch == table.group(s.group).epoch) {
      if (auto st = add(s); !st) return fail(st.error());
      continue;
    }
    Sums fresh;  // stale: re-sum without storing (margin() is const)
    fresh.group = s.group;
    fresh.roll.resize(table.group(s.group).buckets.size(), 0);
    sum_group(table, s.group, fresh);
    if (auto st = add(fresh); !st) return fail(st.error());
  }
  if (x.vector != nullptr && !extra_seen) {  // the first position in a group: empty sums plus the extra
    Sums empty;
    empty.group = extra_group;
    if (auto st = add(empty); !st) return fail(st.error());
  }
  return sum;
}

Result<Margin, Errc> AccountPortfolio::margin(const ScenarioTable& table) const { return total(table, Extra{}, SIZE_MAX); }

Result<Margin, Errc> AccountPortfolio::margin_with(const ScenarioTable& table, InstrumentId instrument,
                                                   std::int64_t delta_lots) const {
  if (table.settlement_of(instrument) != settlement_) return fail(Errc::currency_mismatch);
  const std::int64_t old_size = size(instrument);
  auto new_size = checked_add(old_size, delta_lots);
  if (!new_size || new_size.value() == std::numeric_limits<std::int64_t>::min()) return fail(Errc::overflow);
  const ScenarioVector& v = table.vector(instrument);
  return total(table, Extra{&v, delta_lots, old_size}, v.group);
}

Result<std::vector<GroupMargin>, Errc> AccountPortfolio::breakdown(const ScenarioTable& table) const {
  std::vector<GroupMargin> out;
  for (const Sums& s : sums_) {
    Sums fresh;
    const Sums* use = &s;
    if (s.epoch != table.group(s.group).epoch) {
      fresh.group = s.group;
      sum_group(table, s.group, fresh);
      use = &fresh;
    }
    auto gm = group_margin(table, *use, Extra{});
    if (!gm) return fail(gm.error());
    out.push_back(gm.value());
  }
  return out;
}

}  // namespace strike::risk
