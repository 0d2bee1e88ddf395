// Risk parameters per currency: Deribit's standard-margin constants, the portfolio-margin
// scenario grid and add-ons, and the cross-collateral haircut (docs/risk.md, "Configuration").
//
// One `CurrencyRisk` per currency of the registry. Its margin fields apply to instruments whose
// underlying (base coin) is that currency, whatever they settle in (BTC-PERPETUAL and
// BTC_USDC-PERPETUAL both use BTC's); its haircut applies to balances held in it.
//
// Invariants (parse_risk_config and validate() guarantee them; the calculators rely on them):
// every decimal has at most kMaxRiskScale decimals; 0 < option_maintenance <= option_initial_min
// <= option_initial <= 1; 0 < future_maintenance <= future_initial < 1 and
// 0 <= future_maintenance_per_coin <= future_initial_per_coin, so IM >= MM everywhere; the
// grid has an odd number of moves within (0, 1); the shocked-down vol stays positive; extended
// moves lie beyond the grid and above -100%; 0 < pm_maintenance_factor <= 1; 0 <= haircut < 1.
// Costs: built once at start-up; lookups are an index into a vector.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "core/decimal.hpp"
#include "core/instrument_registry.hpp"
#include "core/result.hpp"

namespace strike::risk {

// Decimals finer than this are refused: the standard-margin arithmetic works at 10^-12.
inline constexpr int kMaxRiskScale = 12;
inline constexpr int kMaxPriceMoves = 15;     // core grid: odd, 3..15 moves
inline constexpr int kMaxExtendedMoves = 12;  // 3 x 15 + 12 = 57 cells at most (kMaxCells = 64)

struct CurrencyRisk {
  CurrencyId currency{};
  // --- standard margin, options (fractions of the underlying; x S for USDC-linear options) ---
  Decimal option_initial{15, 2};       // 0.15 - OTM/S ...
  Decimal option_initial_min{10, 2};   // ... floored at 0.10
  Decimal option_maintenance{75, 3};   // 0.075
  // --- standard margin, futures and perpetuals: rate = base + |size in coin| x per_coin -------
  Decimal future_initial{2, 2};                   // 2%
  Decimal future_maintenance{1, 2};               // 1%
  Decimal future_initial_per_coin{5, 5};          // 0.005% per coin (BTC)
  Decimal future_maintenance_per_coin{5, 5};
  // --- portfolio margin: the grid ---------------------------------------------------------
  Decimal pm_price_range{16, 2};   // moves -range..+range
  int pm_price_moves = 9;          // evenly spaced, including 0
  Decimal pm_vol_up{40, 2};        // vol x (1 + up x f(DTE))
  Decimal pm_vol_down{22, 2};      // vol x (1 - down x f(DTE))
  Decimal pm_vol_power_short{30, 2};  // f(DTE) = (pivot / DTE)^p, p = short below the pivot
  Decimal pm_vol_power_long{13, 2};   //                            p = long from the pivot on
  Decimal pm_vol_pivot_days{30, 0};
  Decimal pm_min_dte_days{1, 0};   // DTE is floored here in f(DTE)
  Decimal pm_min_vol_up{30, 2};    // the shocked-up vol is at least this
  std::vector<Decimal> pm_extended_moves{{-66, 2}, {-33, 2}, {5, 1}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}};
  Decimal pm_extended_factor{4, 1};    // weight of an extended move = factor x range / |move|
  Decimal pm_extended_dampener{0, 0};  // coin: an extended cell's weighted loss counts above this
  // --- portfolio margin: add-ons and maintenance ------------------------------------------
  Decimal pm_roll_annual{10, 2};   // roll shock of an expiry: max(annual x years, min)
  Decimal pm_roll_min{5, 3};       // 0.5%
  Decimal pm_delta_shock{1, 2};    // rate x max(0, |net delta| - free)
  Decimal pm_delta_free{100, 0};   // coin
  Decimal pm_maintenance_factor{8, 1};  // MM = 0.8 x IM
  // --- cross-collateral -----------------------------------------------------------------------
  Decimal collateral_haircut{0, 0};  // collateral value for IM = (1 - haircut) x USD value

  bool operator==(const CurrencyRisk&) const = default;
};

// Deribit's published values for a currency code (docs/risk.md lists each default and its
// source): BTC and ETH differ in futures increase factors and PM price range; any other code
// gets BTC's margin values and no haircut.
CurrencyRisk default_currency_risk(CurrencyId currency, std::string_view code);

// Checks every invariant above. Errors: config_bad_value naming the field, e.g.
// "pm_vol_down: 0.5 x (30/1)^0.3 >= 1 would make the shocked-down vol negative".
Status<> validate(const CurrencyRisk& risk);

class RiskConfig {
 public:
  RiskConfig() = default;
  // Every currency of the table at its defaults.
  explicit RiskConfig(const CurrencyTable& currencies);

  const CurrencyRisk& get(CurrencyId currency) const;
  CurrencyRisk& get(CurrencyId currency);
  std::span<const CurrencyRisk> all() const noexcept { return risks_; }

 private:
  std::vector<CurrencyRisk> risks_;  // index == currency id
};

// The `[[risk]]` tables of strike's TOML configuration (the instrument file; format in
// docs/risk.md). Each names a `currency` of the registry and overrides any of the fields above
// (decimals as strings or integers, never TOML floats; `pm_extended_moves` an array of them);
// currencies without a table keep their defaults. Other top-level keys are left to their own
// parsers. Errors name file, entry and field: "x.toml: risk[1] (ETH): pm_vol_down: must be in
// [0, 1)" — config_syntax, config_bad_value, config_missing_field, unknown_currency.
Result<RiskConfig> parse_risk_config(std::string_view toml_text, std::string_view source,
                                     const InstrumentRegistry& registry);

// A decimal as a double (PM parameters are estimates).
double to_double(Decimal d) noexcept;

}  // namespace strike::risk
