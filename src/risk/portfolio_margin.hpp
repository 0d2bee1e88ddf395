// Portfolio margin (Deribit's S:PM/X:PM model): a scenario grid per underlying, one
// ScenarioVector per instrument (its P&L per lot in every scenario), and per account the sum of
// size x vector, so a fill costs O(scenarios). docs/risk.md, "Portfolio margin", has the grid
// and the add-ons exactly.
//
//   cells    core: price moves -R..R (9, including 0) x vol up / same / down, then the extended
//            moves (-66% .. +500%, vol up only), each weighted by factor x R / |move|
//   IM       max(0, worst core loss, worst extended loss - dampener)
//            + roll shock  sum over expiries of |sum of delta x max(annual x years, min)|
//            + delta shock rate x max(0, |net delta| - free)
//   MM       maintenance factor (0.8) x IM
// per portfolio group: one settlement currency and one underlying (BTC-settled BTC products;
// USDC-settled BTC products; ...). An account's margin in a currency is the sum over its groups.
//
// Numbers: vectors are estimates (double pricing, pricing/batch.hpp) converted once per
// recompute to integers in 2^-16 settlement units per lot: P&L cells rounded down, and a short
// position counts its cells one unit lower (so size x cell is never above the estimate, long or
// short); delta and roll entries round to nearest and the margin adds one unit per lot held to
// their absolute values. Account sums are exact 128-bit integers (re-sums go through int64 only
// when a bound proves them exact), so any order of add/remove gives the same sums as a
// recomputation from the positions. margin() rounds up to settlement units once, at the end:
// IM and MM never favour the account.
//
// Costs: ScenarioTable::recompute prices every option at 1 + 3 x moves + extended points (36 by
// default) in batch passes and is the only place that allocates (scratch, first call);
// AccountPortfolio::add_position and margin_with are O(cells) plus a binary search over the
// account's positions (about 150 ns each with 100 positions); margin() is O(groups x cells);
// rebuild() is O(positions x cells) with an AVX-512/AVX2/portable kernel (about 0.3 us for 20
// positions). Single-threaded: the engine thread owns both. docs/benchmarks.md has the figures.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/checked_math.hpp"
#include "core/instrument_registry.hpp"
#include "core/time.hpp"
#include "pricing/batch.hpp"
#include "pricing/black.hpp"
#include "risk/risk_config.hpp"
#include "risk/standard_margin.hpp"

namespace strike::risk {

inline constexpr int kMaxCells = 64;  // 3 x kMaxPriceMoves + kMaxExtendedMoves = 57
inline constexpr int kPnlFractionBits = 16;
inline constexpr std::int64_t kPnlOne = std::int64_t{1} << kPnlFractionBits;  // one settlement unit

// The scenarios of one underlying, from its CurrencyRisk (doubles: the vectors are estimates).
struct ScenarioGrid {
  int moves = 0;                                          // core price moves, odd
  std::array<double, kMaxPriceMoves> move{};              // relative: -R .. R, move[moves/2] == 0
  int extended = 0;
  std::array<double, kMaxExtendedMoves> extended_move{};  // relative
  std::array<double, kMaxExtendedMoves> extended_weight{};  // factor x R / |move|
  double vol_up = 0, vol_down = 0, power_short = 0, power_long = 0, pivot_days = 0, min_dte_days = 0, min_vol_up = 0;
  double roll_annual = 0, roll_min = 0;

  static ScenarioGrid make(const CurrencyRisk& risk);
  int cells() const noexcept { return 3 * moves + extended; }
  // Core cell of vol state v (0 up, 1 same, 2 down) and move i; extended j after the core.
  int cell(int v, int i) const noexcept { return v * moves + i; }
  int extended_cell(int j) const noexcept { return 3 * moves + j; }
  // Vol multiplier f(DTE) = (pivot / max(DTE, min))^p.
  double vol_factor(double dte_days) const noexcept;
  // Roll shock of an expiry `years` away (0 for perpetuals): max(annual x years, min).
  double roll_shock(double years) const noexcept;
};

// One instrument's P&L per lot (long) in every cell, in 2^-16 settlement units, plus its delta
// (d P&L / d move, per lot) and that delta times its expiry's roll shock.
struct ScenarioVector {
  alignas(64) std::array<std::int64_t, kMaxCells> pnl{};  // rounded down; extended cells weighted
  std::int64_t delta = 0;
  std::int64_t roll = 0;
  std::int64_t max_entry = 0;  // the largest |entry| above: bounds a position's partial sums
  std::uint16_t group = 0;   // portfolio group
  std::uint16_t bucket = 0;  // expiry bucket within the group (roll shock)
  Errc status = Errc::no_mark_price;  // ok once computed from valid market inputs; else all zero
};

// What the grid moves for one instrument.
struct InstrumentMarket {
  double forward = 0;  // USD (USDC) per coin: a future's or perpetual's mark, an option's forward of its expiry
  double vol = 0;      // options: mark implied vol (0.6 = 60%)
};

// One portfolio group: a settlement currency and an underlying.
struct PortfolioGroup {
  CurrencyId settlement{}, underlying{};
  bool linear = false;  // settled in the quote currency (USDC)
  int decimals = 0;     // of the settlement currency
  ScenarioGrid grid;
  std::vector<InstrumentId> instruments;
  std::vector<Timestamp> buckets;  // expiries, ascending; a perpetual's is Timestamp{}
  // Per recompute (2^-16 settlement units; rates as decimals).
  int128 dampener = 0, delta_free = 0;
  Decimal delta_shock, maintenance_factor;
  std::uint64_t epoch = 0;  // bumped by every recompute
  Errc status = Errc::no_mark_price;  // of the last recompute as a whole (linear groups need an index)
};

// One position's share of the cell sums: the accumulation kernel's input.
struct Term {
  std::int64_t lots;
  const std::int64_t* pnl;  // a ScenarioVector's cells
};

class ScenarioTable {
 public:
  // acc[c] += lots x pnl[c] for every term and c < cells (int64; the caller proved it exact).
  using AccumulateFn = void (*)(std::int64_t* acc, const Term* terms, std::size_t count, int cells) noexcept;

  // Groups every instrument of the registry (which must outlive the table). Errors:
  // config_bad_value (more than 65,535 groups or expiries in a group).
  static Result<ScenarioTable, Error> make(const InstrumentRegistry& registry, const RiskConfig& config);

  // Recomputes every vector from market inputs (indexed by instrument id) at time `now`, and
  // the groups' thresholds from the index of each underlying (indexed by currency id; linear
  // groups need it > 0). An instrument with unusable inputs (forward or option vol not > 0 and
  // finite, an option at or past expiry) gets status != ok and zero entries. Bumps every
  // group's epoch: accounts re-sum lazily (AccountPortfolio::rebuild).
  void recompute(Timestamp now, std::span<const InstrumentMarket> market, std::span<const double> index);
  // The same for one group (an index move of one underlying touches its inverse and linear groups).
  void recompute_group(std::size_t group, Timestamp now, std::span<const InstrumentMarket> market,
                       std::span<const double> index);

  const ScenarioVector& vector(InstrumentId id) const noexcept { return vectors_[id.raw()]; }
  std::span<const PortfolioGroup> groups() const noexcept { return groups_; }
  const PortfolioGroup& group(std::size_t g) const noexcept { return groups_[g]; }
  CurrencyId settlement_of(InstrumentId id) const noexcept { return groups_[vectors_[id.raw()].group].settlement; }
  const InstrumentRegistry& registry() const noexcept { return *registry_; }

  // The instruction set accounts sum their cells with (default: the widest this CPU runs). The
  // sums are integers, so every choice gives the same bits; tests force each. The CPU must
  // support it (STRIKE_ASSERT).
  void set_isa(pricing::Isa isa) noexcept;
  pricing::Isa isa() const noexcept { return isa_; }
  AccumulateFn accumulate_kernel() const noexcept { return accumulate_; }

 private:
  static AccumulateFn kernel_for(pricing::Isa isa) noexcept;
  struct Terms {  // static per instrument
    bool option = false, call = true, inverse = false;
    double lot = 0;      // coin per lot (options, linear futures) or USD per lot (inverse futures)
    double strike = 0;
    Timestamp expiry{};  // none for perpetuals
  };
  void price_options(const PortfolioGroup& g, std::span<const InstrumentId> options, Timestamp now,
                     std::span<const InstrumentMarket> market);

  const InstrumentRegistry* registry_ = nullptr;
  std::vector<PortfolioGroup> groups_;
  std::vector<ScenarioVector> vectors_;  // [instrument]
  std::vector<Terms> terms_;             // [instrument]
  std::vector<CurrencyRisk> risks_;      // [group]: the underlying's parameters
  // Batch pricing scratch (struct of arrays), reused.
  struct Scratch {
    std::vector<pricing::OptionType> type;
    std::vector<double> f, k, t, vol, rate;
    std::vector<double> price, delta, gamma, vega, theta, rho, vanna, volga, charm;
    void resize(std::size_t n);
  } scratch_;
  std::vector<InstrumentId> option_ids_;  // scratch of recompute_group
  pricing::Isa isa_ = pricing::Isa::portable;
  AccumulateFn accumulate_ = nullptr;
};

// Breakdown of one group's margin (what private/pme/simulate shows), settlement units, rounded up.
struct GroupMargin {
  std::size_t group = 0;
  std::int64_t worst_loss = 0;  // the worst cell (extended cells after their dampener)
  int worst_cell = -1;          // -1 when no cell loses
  std::int64_t roll_shock = 0;
  std::int64_t delta_shock = 0;
  Margin margin;                // IM = worst + roll + delta (rounded once), MM = factor x IM
};

// One account's portfolio in one settlement currency: its positions and, per group, the running
// sums of size x vector. Stale sums (the table recomputed since) are never used: margin()
// re-sums a stale group on the fly, add_position() and rebuild() refresh it.
class AccountPortfolio {
 public:
  explicit AccountPortfolio(CurrencyId settlement) : settlement_(settlement) {}

  CurrencyId settlement() const noexcept { return settlement_; }
  // Adds `delta_lots` (signed) to the position in `instrument`. Errors: currency_mismatch (the
  // instrument settles in another currency), overflow (the size); on error nothing changes.
  Status<Errc> add_position(const ScenarioTable& table, InstrumentId instrument, std::int64_t delta_lots);
  // IM and MM of the portfolio. Errors: the status of a held instrument's vector (no_mark_price,
  // pricing_zero_time, ...), overflow.
  Result<Margin, Errc> margin(const ScenarioTable& table) const;
  // As if `delta_lots` were added to `instrument` (pre-trade check); changes nothing.
  Result<Margin, Errc> margin_with(const ScenarioTable& table, InstrumentId instrument, std::int64_t delta_lots) const;
  // Per group, with the worst cell and the add-ons.
  Result<std::vector<GroupMargin>, Errc> breakdown(const ScenarioTable& table) const;
  // Re-sums every stale group from the positions (after ScenarioTable::recompute).
  void rebuild(const ScenarioTable& table);
  // Every account re-summed and margined after a recompute, in order: f(index, Result<Margin>).
  // Walking many accounts is memory-bound (each account's positions and sums are separate heap
  // blocks), so the blocks of the accounts ahead are prefetched in two steps.
  template <class F>
  static void remargin_all(std::span<AccountPortfolio> accounts, const ScenarioTable& table, F&& f) {
    constexpr std::size_t kFar = 8, kNear = 4;
    const std::size_t n = accounts.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kFar < n) accounts[i + kFar].prefetch(0);
      if (i + kNear < n) accounts[i + kNear].prefetch(1);
      accounts[i].rebuild(table);
      f(i, accounts[i].margin(table));
    }
  }
  // Stage 0: the account's position and sums arrays; stage 1: what they hold (after stage 0).
  void prefetch(int stage) const noexcept;

  std::int64_t size(InstrumentId instrument) const noexcept;
  struct Holding {
    InstrumentId instrument;
    std::int64_t lots;
  };
  std::span<const Holding> positions() const noexcept { return positions_; }

 private:
  struct Sums {
    std::size_t group = 0;
    std::uint64_t epoch = UINT64_MAX;  // never a table's: new sums start stale
    int cells = 0, buckets = 0;        // of the group
    std::vector<int128> values;        // [cells) P&L, [buckets) roll, then the net delta
    int128 short_lots = 0;             // sum of min(size, 0)
    int128 abs_lots = 0;               // sum of |size|
    std::size_t invalid = 0;           // held instruments whose vector is not ok
  };
  // The hypothetical change margin_with() evaluates.
  struct Extra {
    const ScenarioVector* vector = nullptr;
    std::int64_t lots = 0, old_size = 0;
  };
  static Sums make_sums(const ScenarioTable& table, std::size_t group);
  Sums& sums_for(const ScenarioTable& table, std::size_t group);
  void sum_group(const ScenarioTable& table, std::size_t group, Sums& out) const;
  static void add_vector(Sums& s, const ScenarioVector& v, std::int64_t old_size, std::int64_t new_size);
  Result<GroupMargin, Errc> group_margin(const ScenarioTable& table, const Sums& s, const Extra& extra) const;
  Result<Margin, Errc> total(const ScenarioTable& table, const Extra& extra) const;

  CurrencyId settlement_;
  std::vector<Holding> positions_;  // sorted by instrument, no zero sizes
  std::vector<Sums> sums_;          // one per group held
};

}  // namespace strike::risk
