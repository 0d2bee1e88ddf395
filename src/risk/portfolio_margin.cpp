#include "risk/portfolio_margin.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

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
// ceil(a / b) for a >= 0, b > 0, in 64 bits when a fits (a 128-bit division costs ~20x more;
// re-margining every account takes several per account).
int128 ceil_div_fast(int128 a, std::int64_t b) noexcept {
  if (a <= std::numeric_limits<std::int64_t>::max() - b)
    return (static_cast<std::int64_t>(a) + b - 1) / b;
  return (a + b - 1) / b;
}
// acc[c] += lots x pnl[c] over a batch of positions, in int64 (the caller proved no partial sum
// leaves it). Integer arithmetic is exact, so every instruction set gives the same sums; the
// widest one the CPU has is picked once (AVX-512 multiplies 8 int64 lanes; x86-64-v2 emulates 2).
static_assert(kMaxCells % 8 == 0, "the accumulation kernel works in blocks of 8 cells");
// Cells go in blocks of 8 (vectors and acc are kMaxCells long, 64-byte aligned and zero past the
// grid) as GCC vector types, so each block is one 512-bit multiply-add on AVX-512 (four 128-bit
// ones on x86-64-v2) and the compiler cannot turn the loops inside out.
typedef std::int64_t Block __attribute__((vector_size(64)));
#define STRIKE_ACCUMULATE(NAME, TARGET)                                                          \
  TARGET void NAME(std::int64_t* __restrict acc, const Term* terms, std::size_t count, int n) noexcept { \
    const int blocks = (n + 7) / 8;                                                              \
    for (int b = 0; b < blocks; ++b) {                                                           \
      Block a = *reinterpret_cast<const Block*>(acc + 8 * b);                                    \
      for (std::size_t t = 0; t < count; ++t)                                                    \
        a += terms[t].lots * *reinterpret_cast<const Block*>(terms[t].pnl + 8 * b);              \
      *reinterpret_cast<Block*>(acc + 8 * b) = a;                                                \
    }                                                                                            \
  }
STRIKE_ACCUMULATE(accumulate_portable, )
STRIKE_ACCUMULATE(accumulate_avx2, [[gnu::target("avx2")]])
STRIKE_ACCUMULATE(accumulate_avx512, [[gnu::target("avx512f,avx512dq,avx512vl,prefer-vector-width=512")]])
#undef STRIKE_ACCUMULATE
}  // namespace

void ScenarioTable::set_isa(pricing::Isa isa) noexcept {
  STRIKE_ASSERT(pricing::isa_supported(isa), "CPU does not support {}", pricing::to_string(isa));
  isa_ = isa;
  accumulate_ = kernel_for(isa);
}

ScenarioTable::AccumulateFn ScenarioTable::kernel_for(pricing::Isa isa) noexcept {
  switch (isa) {
    case pricing::Isa::avx512: return accumulate_avx512;
    case pricing::Isa::avx2: return accumulate_avx2;
    case pricing::Isa::portable: break;
  }
  return accumulate_portable;
}

namespace {

// 2^-16 units (>= 0) to settlement units, rounded up: a shift.
int128 to_units(int128 fixed) noexcept { return (fixed + (kPnlOne - 1)) >> kPnlFractionBits; }

// Entries per coin of a settlement currency with d decimals: 10^d x 2^16, exact for d <= 22.
double money_unit(int decimals) noexcept {
  double p = 1.0;
  for (int i = 0; i < decimals; ++i) p *= 10.0;
  return std::ldexp(p, kPnlFractionBits);
}

std::int64_t max_entry_of(const ScenarioVector& v, int cells) noexcept {  // entries are < 2^62: no overflow
  const auto mag = [](std::int64_t e) { return e < 0 ? -e : e; };
  std::int64_t m = std::max(mag(v.delta), mag(v.roll));
  for (int c = 0; c < cells; ++c) m = std::max(m, mag(v.pnl[static_cast<std::size_t>(c)]));
  return m;
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
  table.set_isa(pricing::best_isa());
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
    v.delta = v.roll = v.max_entry = 0;
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
    v.max_entry = max_entry_of(v, grid.cells());
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
      v.max_entry = max_entry_of(v, cells);
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

AccountPortfolio::Sums AccountPortfolio::make_sums(const ScenarioTable& table, std::size_t group) {
  const PortfolioGroup& g = table.group(group);
  Sums s;
  s.group = group;
  s.cells = g.grid.cells();
  s.buckets = static_cast<int>(g.buckets.size());
  s.values.assign(static_cast<std::size_t>(s.cells + s.buckets + 1), 0);
  return s;
}

AccountPortfolio::Sums& AccountPortfolio::sums_for(const ScenarioTable& table, std::size_t group) {
  for (Sums& s : sums_)
    if (s.group == group) return s;
  sums_.push_back(make_sums(table, group));
  return sums_.back();
}

void AccountPortfolio::add_vector(Sums& s, const ScenarioVector& v, std::int64_t old_size, std::int64_t new_size) {
  const int128 d = static_cast<int128>(new_size) - old_size;
  int128* values = s.values.data();
  if (d >= std::numeric_limits<std::int64_t>::min() && d <= std::numeric_limits<std::int64_t>::max()) {
    const std::int64_t d64 = static_cast<std::int64_t>(d);  // 64 x 64 -> 128-bit multiplies
    for (int c = 0; c < s.cells; ++c) values[c] += static_cast<int128>(d64) * v.pnl[static_cast<std::size_t>(c)];
  } else {
    for (int c = 0; c < s.cells; ++c) values[c] += d * v.pnl[static_cast<std::size_t>(c)];
  }
  values[s.cells + v.bucket] += d * v.roll;
  values[s.cells + s.buckets] += d * v.delta;
  s.short_lots += std::min<std::int64_t>(new_size, 0) - std::min<std::int64_t>(old_size, 0);
  s.abs_lots += abs128(new_size) - abs128(old_size);
  if (v.status != Errc::ok) s.invalid += static_cast<std::size_t>(new_size != 0) - static_cast<std::size_t>(old_size != 0);
}

void AccountPortfolio::sum_group(const ScenarioTable& table, std::size_t group, Sums& out) const {
  if (out.values.empty()) out = make_sums(table, group);
  out.epoch = table.group(group).epoch;
  const int n = out.cells, buckets = out.buckets;
  // One pass for everything but the cells, in registers and a stack array, collecting the
  // positions for the cell kernel. When no partial sum can leave 64 bits (the sum of |size| x
  // the largest entry is below 2^62) the cells are summed in int64, exact then, and widened once.
  constexpr std::size_t kLocalTerms = 64, kLocalBuckets = 64;
  std::array<Term, kLocalTerms> terms;
  std::array<int128, kLocalBuckets> roll_local;
  const bool local_roll = static_cast<std::size_t>(buckets) <= kLocalBuckets;
  int128* values = out.values.data();
  int128* roll = local_roll ? roll_local.data() : values + n;
  std::fill(roll, roll + buckets, 0);
  std::size_t count = 0, matching = 0, invalid = 0;
  int128 bound = 0, delta = 0, short_lots = 0, abs_lots = 0;
  for (const Holding& h : positions_) {
    const ScenarioVector& v = table.vector(h.instrument);
    if (v.group != group) continue;
    const int128 lots = h.lots, size = abs128(lots);
    bound += size * v.max_entry;
    roll[v.bucket] += lots * v.roll;
    delta += lots * v.delta;
    short_lots += lots < 0 ? lots : 0;
    abs_lots += size;
    invalid += v.status != Errc::ok ? 1 : 0;
    if (count < kLocalTerms) terms[count++] = Term{h.lots, v.pnl.data()};
    ++matching;
  }
  if (local_roll) std::copy(roll, roll + buckets, values + n);
  values[n + buckets] = delta;
  out.short_lots = short_lots;
  out.abs_lots = abs_lots;
  out.invalid = invalid;
  if (bound < (int128{1} << 62)) {
    alignas(64) std::array<std::int64_t, kMaxCells> acc{};
    const auto kernel = table.accumulate_kernel();
    if (matching <= kLocalTerms) {
      kernel(acc.data(), terms.data(), count, n);
    } else {  // more positions than the stack holds: again, in batches
      count = 0;
      for (const Holding& h : positions_) {
        const ScenarioVector& v = table.vector(h.instrument);
        if (v.group != group) continue;
        terms[count++] = Term{h.lots, v.pnl.data()};
        if (count == kLocalTerms) {
          kernel(acc.data(), terms.data(), count, n);
          count = 0;
        }
      }
      kernel(acc.data(), terms.data(), count, n);
    }
    for (int c = 0; c < n; ++c) values[c] = acc[static_cast<std::size_t>(c)];
    return;
  }
  std::fill(values, values + n, 0);
  for (const Holding& h : positions_) {
    const ScenarioVector& v = table.vector(h.instrument);
    if (v.group != group) continue;
    for (int c = 0; c < n; ++c) values[c] += static_cast<int128>(h.lots) * v.pnl[static_cast<std::size_t>(c)];
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
  Sums& s = sums_for(table, v.group);
  if (s.epoch == table.group(v.group).epoch)
    add_vector(s, v, old_size, new_size.value());
  else
    sum_group(table, v.group, s);  // stale: re-sum with the new position
  return {};
}

void AccountPortfolio::prefetch(int stage) const noexcept {
  if (stage == 0) {  // the blocks the account object points to
    __builtin_prefetch(positions_.data());
    __builtin_prefetch(sums_.data());
    return;
  }
  for (const Holding* h = positions_.data(); h < positions_.data() + positions_.size(); h += 64 / sizeof(Holding))
    __builtin_prefetch(h);
  for (const Sums& s : sums_)
    for (std::size_t i = 0; i < s.values.size(); i += 64 / sizeof(int128)) __builtin_prefetch(s.values.data() + i, 1);
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
  const int128* values = s.values.data();
  GroupMargin out;
  out.group = s.group;
  int128 worst = 0;
  // The worst cell; without an extra position the loop has no multiplication (re-margining).
  const auto scan = [&](auto with_extra) {
    const int core = 3 * grid.moves;
    for (int c = 0; c < s.cells; ++c) {
      int128 pnl = values[c] + short_lots;
      if constexpr (decltype(with_extra)::value) pnl += d * ev.pnl[static_cast<std::size_t>(c)];
      const int128 loss = c < core ? -pnl : -pnl - g.dampener;
      if (loss > worst) {
        worst = loss;
        out.worst_cell = c;
      }
    }
  };
  if (extra)
    scan(std::true_type{});
  else
    scan(std::false_type{});
  // Roll: per expiry |sum of delta x shock|; entries round to nearest, so one unit per lot held
  // covers their rounding (as it does for the net delta).
  int128 roll = abs_lots;
  for (int b = 0; b < s.buckets; ++b) roll += abs128(values[s.cells + b] + (b == ev.bucket ? d * ev.roll : 0));
  const int128 net_delta = abs128(values[s.cells + s.buckets] + d * ev.delta) + abs_lots;
  const int128 excess = std::max<int128>(net_delta - g.delta_free, 0);
  const int128 delta_shock = excess == 0 ? 0 : ceil_div_fast(excess * g.delta_shock.units, pow10(g.delta_shock.scale));
  const int128 im = worst + roll + delta_shock;
  auto im_units = narrow(to_units(im));
  auto mm_units = narrow(to_units(ceil_div_fast(im * g.maintenance_factor.units, pow10(g.maintenance_factor.scale))));
  auto worst_units = narrow(to_units(worst)), roll_units = narrow(to_units(roll)), delta_units = narrow(to_units(delta_shock));
  if (!im_units || !mm_units || !worst_units || !roll_units || !delta_units) return fail(Errc::overflow);
  out.worst_loss = worst_units.value();
  out.roll_shock = roll_units.value();
  out.delta_shock = delta_units.value();
  out.margin = Margin{im_units.value(), mm_units.value()};
  return out;
}

Result<Margin, Errc> AccountPortfolio::total(const ScenarioTable& table, const Extra& x) const {
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
    extra_seen = extra_seen || (x.vector != nullptr && s.group == x.vector->group);
    if (s.epoch == table.group(s.group).epoch) {
      if (auto st = add(s); !st) return fail(st.error());
      continue;
    }
    Sums fresh;  // stale: re-sum without storing (margin() is const)
    sum_group(table, s.group, fresh);
    if (auto st = add(fresh); !st) return fail(st.error());
  }
  if (x.vector != nullptr && !extra_seen) {  // the first position in a group: empty sums plus the extra
    if (auto st = add(make_sums(table, x.vector->group)); !st) return fail(st.error());
  }
  return sum;
}

Result<Margin, Errc> AccountPortfolio::margin(const ScenarioTable& table) const { return total(table, Extra{}); }

Result<Margin, Errc> AccountPortfolio::margin_with(const ScenarioTable& table, InstrumentId instrument,
                                                   std::int64_t delta_lots) const {
  if (table.settlement_of(instrument) != settlement_) return fail(Errc::currency_mismatch);
  const std::int64_t old_size = size(instrument);
  auto new_size = checked_add(old_size, delta_lots);
  if (!new_size || new_size.value() == std::numeric_limits<std::int64_t>::min()) return fail(Errc::overflow);
  return total(table, Extra{&table.vector(instrument), delta_lots, old_size});
}

Result<std::vector<GroupMargin>, Errc> AccountPortfolio::breakdown(const ScenarioTable& table) const {
  std::vector<GroupMargin> out;
  for (const Sums& s : sums_) {
    Sums fresh;
    const Sums* use = &s;
    if (s.epoch != table.group(s.group).epoch) {
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
