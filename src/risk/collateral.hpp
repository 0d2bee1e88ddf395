// Margin models and cross-collateral: turns an account's per-currency equity and margin
// requirements into its margin balance and available funds (docs/risk.md, "Margin models").
//
//   S:SM, S:PM (segregated)  each currency stands alone, in its own units:
//                            margin_balance = equity, available = equity - IM
//   X:SM, X:PM (cross)       every currency counts in USD at its index price:
//                            margin_balance = sum of equity x price x (1 - haircut) (haircut on
//                            positive equity only: a debt counts in full), IM and MM = sum of
//                            requirement x price, available = margin_balance - IM; the
//                            maintenance balance (compared with MM) takes no haircut.
// Standard or portfolio only changes how the requirements were computed (standard_margin.hpp,
// portfolio_margin.hpp); this file only aggregates them.
//
// Units: cross totals count micro-USD (kUsdScale = 6 decimals; int64 holds 9.2e12 USD). Every
// conversion rounds against the account: balances down, requirements up. Costs: O(currencies),
// one 128-bit multiply-divide per amount; no allocation except the result vector.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/currency.hpp"
#include "core/result.hpp"
#include "core/units.hpp"
#include "risk/risk_config.hpp"

namespace strike::risk {

// Deribit's names (private/change_margin_model): segregated_sm is the default.
enum class MarginModel : std::uint8_t { segregated_sm, cross_sm, segregated_pm, cross_pm };
std::string_view to_string(MarginModel model) noexcept;
// "segregated_sm", "cross_sm", "segregated_pm", "cross_pm". Errors: rpc_bad_param.
Result<MarginModel, Errc> parse_margin_model(std::string_view name) noexcept;
constexpr bool is_cross(MarginModel m) noexcept { return m == MarginModel::cross_sm || m == MarginModel::cross_pm; }
constexpr bool is_portfolio(MarginModel m) noexcept { return m == MarginModel::segregated_pm || m == MarginModel::cross_pm; }

inline constexpr int kUsdScale = 6;

// One currency of an account: clearing's equity (balance + futures PnL + options value) and the
// requirements of the positions and orders that settle in it, all in its smallest units.
struct CurrencyState {
  CurrencyId currency{};
  std::int64_t equity = 0;
  std::int64_t initial = 0;      // >= 0
  std::int64_t maintenance = 0;  // >= 0
  RefPrice usd_price{};          // the currency's index in USD (USDC: its USD rate, e.g. 1.00000000)
};

// What a margin model makes of them, in one unit (a currency's, or micro-USD for cross totals).
struct Funds {
  std::int64_t margin_balance = 0;       // what IM is compared to (haircuts applied under cross)
  std::int64_t maintenance_balance = 0;  // what MM is compared to (no haircut)
  std::int64_t initial = 0;
  std::int64_t maintenance = 0;
  std::int64_t available = 0;            // margin_balance - initial (may be negative)
  bool operator==(const Funds&) const = default;
};

// Segregated: one currency alone. Errors: overflow.
Result<Funds, Errc> segregated_funds(const CurrencyState& state) noexcept;

// Cross: the account's currencies together, in micro-USD. Errors: no_index_price (a currency
// with equity or requirements has no positive price), out_of_range (negative requirements),
// overflow.
Result<Funds, Errc> cross_funds(std::span<const CurrencyState> states, const RiskConfig& config,
                                const CurrencyTable& currencies) noexcept;

// Per-currency view of an account under its model (Deribit's get_account_summary per currency):
// segregated, that currency's own funds; cross, the USD totals converted into it at its price
// (balances and available down, requirements up). Same order as `states`.
Result<std::vector<Funds>, Errc> account_funds(MarginModel model, std::span<const CurrencyState> states,
                                               const RiskConfig& config, const CurrencyTable& currencies);

// Conversions between a currency's units and micro-USD at a price (RefPrice, 10^-8 USD).
Result<std::int64_t, Errc> units_to_usd(std::int64_t units, RefPrice price, int decimals, Rounding mode) noexcept;
Result<std::int64_t, Errc> usd_to_units(std::int64_t usd, RefPrice price, int decimals, Rounding mode) noexcept;

}  // namespace strike::risk
