// The `[[risk]]` section: defaults, validation, TOML parsing. Decimals are exact text, as in the
// instrument configuration; unknown fields are refused so a typo cannot drop a setting.
#include "risk/risk_config.hpp"

#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace strike::risk {
namespace {

Decimal dec(std::int64_t units, int scale) { return Decimal{units, scale}; }

// The decimal fields, by name, for parsing and validation messages.
struct DecimalField {
  std::string_view name;
  Decimal CurrencyRisk::*member;
};
constexpr DecimalField kDecimalFields[] = {
    {"option_initial", &CurrencyRisk::option_initial},
    {"option_initial_min", &CurrencyRisk::option_initial_min},
    {"option_maintenance", &CurrencyRisk::option_maintenance},
    {"future_initial", &CurrencyRisk::future_initial},
    {"future_maintenance", &CurrencyRisk::future_maintenance},
    {"future_initial_per_coin", &CurrencyRisk::future_initial_per_coin},
    {"future_maintenance_per_coin", &CurrencyRisk::future_maintenance_per_coin},
    {"pm_price_range", &CurrencyRisk::pm_price_range},
    {"pm_vol_up", &CurrencyRisk::pm_vol_up},
    {"pm_vol_down", &CurrencyRisk::pm_vol_down},
    {"pm_vol_power_short", &CurrencyRisk::pm_vol_power_short},
    {"pm_vol_power_long", &CurrencyRisk::pm_vol_power_long},
    {"pm_vol_pivot_days", &CurrencyRisk::pm_vol_pivot_days},
    {"pm_min_dte_days", &CurrencyRisk::pm_min_dte_days},
    {"pm_min_vol_up", &CurrencyRisk::pm_min_vol_up},
    {"pm_extended_factor", &CurrencyRisk::pm_extended_factor},
    {"pm_extended_dampener", &CurrencyRisk::pm_extended_dampener},
    {"pm_roll_annual", &CurrencyRisk::pm_roll_annual},
    {"pm_roll_min", &CurrencyRisk::pm_roll_min},
    {"pm_delta_shock", &CurrencyRisk::pm_delta_shock},
    {"pm_delta_free", &CurrencyRisk::pm_delta_free},
    {"pm_maintenance_factor", &CurrencyRisk::pm_maintenance_factor},
    {"collateral_haircut", &CurrencyRisk::collateral_haircut},
};

int cmp(Decimal a, Decimal b) { return compare(a, b); }
const Decimal kZero{0, 0};
const Decimal kOne{1, 0};

Status<> bad(std::string_view field, const std::string& why) {
  return fail(Errc::config_bad_value, fmt::format("{}: {}", field, why));
}

// lo < v < hi (or <= when the flag says so), with the rule in the message.
Status<> in_range(std::string_view field, Decimal v, Decimal lo, bool lo_closed, Decimal hi, bool hi_closed) {
  const bool above = lo_closed ? cmp(v, lo) >= 0 : cmp(v, lo) > 0;
  const bool below = hi_closed ? cmp(v, hi) <= 0 : cmp(v, hi) < 0;
  if (above && below) return {};
  return bad(field, fmt::format("{} must be in {}{}, {}{}", format_decimal(v), lo_closed ? '[' : '(', format_decimal(lo),
                                format_decimal(hi), hi_closed ? ']' : ')'));
}

}  // namespace

double to_double(Decimal d) noexcept {
  // Exact for the magnitudes configured here (units < 2^53); one rounding in the division.
  return static_cast<double>(d.units) / static_cast<double>(pow10(d.scale));
}

CurrencyRisk default_currency_risk(CurrencyId currency, std::string_view code) {
  CurrencyRisk r;
  r.currency = currency;
  if (code == "ETH") {
    // Deribit, 11 January 2022: ETH futures 2% + 0.0004% per ETH, MM 1% + 0.0004% per ETH.
    r.future_initial_per_coin = dec(4, 6);
    r.future_maintenance_per_coin = dec(4, 6);
    r.pm_price_range = dec(18, 2);  // +-18%
    r.pm_delta_free = dec(1000, 0);
  }
  return r;
}

Status<> validate(const CurrencyRisk& r) {
  for (const auto& f : kDecimalFields) {
    const Decimal v = r.*f.member;
    if (v.scale > kMaxRiskScale) return bad(f.name, fmt::format("{} has more than {} decimals", format_decimal(v), kMaxRiskScale));
  }
  // Standard margin, options.
  if (auto s = in_range("option_initial", r.option_initial, kZero, false, kOne, true); !s) return s;
  if (auto s = in_range("option_initial_min", r.option_initial_min, kZero, false, r.option_initial, true); !s) return s;
  if (auto s = in_range("option_maintenance", r.option_maintenance, kZero, false, r.option_initial_min, true); !s) return s;
  // Futures.
  if (auto s = in_range("future_initial", r.future_initial, kZero, false, kOne, false); !s) return s;
  if (auto s = in_range("future_maintenance", r.future_maintenance, kZero, false, r.future_initial, true); !s) return s;
  if (auto s = in_range("future_initial_per_coin", r.future_initial_per_coin, kZero, true, kOne, false); !s) return s;
  if (auto s = in_range("future_maintenance_per_coin", r.future_maintenance_per_coin, kZero, true, r.future_initial_per_coin, true); !s)
    return s;
  // The grid.
  if (auto s = in_range("pm_price_range", r.pm_price_range, kZero, false, kOne, false); !s) return s;
  if (r.pm_price_moves < 3 || r.pm_price_moves > kMaxPriceMoves || r.pm_price_moves % 2 == 0)
    return bad("pm_price_moves", fmt::format("{} must be odd, 3..{} (the moves include 0)", r.pm_price_moves, kMaxPriceMoves));
  if (auto s = in_range("pm_vol_up", r.pm_vol_up, kZero, true, dec(10, 0), true); !s) return s;
  if (auto s = in_range("pm_vol_down", r.pm_vol_down, kZero, true, kOne, false); !s) return s;
  if (auto s = in_range("pm_vol_power_short", r.pm_vol_power_short, kZero, true, dec(2, 0), true); !s) return s;
  if (auto s = in_range("pm_vol_power_long", r.pm_vol_power_long, kZero, true, dec(2, 0), true); !s) return s;
  if (auto s = in_range("pm_vol_pivot_days", r.pm_vol_pivot_days, kZero, false, dec(3650, 0), true); !s) return s;
  if (auto s = in_range("pm_min_dte_days", r.pm_min_dte_days, kZero, false, r.pm_vol_pivot_days, true); !s) return s;
  if (auto s = in_range("pm_min_vol_up", r.pm_min_vol_up, kZero, true, dec(10, 0), true); !s) return s;
  // The largest vol factor is at the floored DTE; the shocked-down vol must stay positive there.
  const double f_max = std::pow(to_double(r.pm_vol_pivot_days) / to_double(r.pm_min_dte_days), to_double(r.pm_vol_power_short));
  if (to_double(r.pm_vol_down) * f_max >= 1.0)
    return bad("pm_vol_down", fmt::format("{} x ({}/{})^{} >= 1 would make the shocked-down vol negative",
                                          format_decimal(r.pm_vol_down), format_decimal(r.pm_vol_pivot_days),
                                          format_decimal(r.pm_min_dte_days), format_decimal(r.pm_vol_power_short)));
  if (r.pm_extended_moves.size() > static_cast<std::size_t>(kMaxExtendedMoves))
    return bad("pm_extended_moves", fmt::format("{} moves, at most {}", r.pm_extended_moves.size(), kMaxExtendedMoves));
  for (std::size_t i = 0; i < r.pm_extended_moves.size(); ++i) {
    const Decimal m = r.pm_extended_moves[i];
    const std::string field = fmt::format("pm_extended_moves[{}]", i);
    if (m.scale > kMaxRiskScale) return bad(field, fmt::format("{} has more than {} decimals", format_decimal(m), kMaxRiskScale));
    if (cmp(m, dec(-1, 0)) <= 0 || cmp(m, dec(100, 0)) > 0)
      return bad(field, fmt::format("{} must be in (-1, 100]", format_decimal(m)));
    const Decimal abs_m{m.units < 0 ? -m.units : m.units, m.scale};
    if (cmp(abs_m, r.pm_price_range) <= 0)
      return bad(field, fmt::format("{} lies inside the grid (+-{}); extended moves lie beyond it", format_decimal(m),
                                    format_decimal(r.pm_price_range)));
    for (std::size_t j = 0; j < i; ++j)
      if (cmp(r.pm_extended_moves[j], m) == 0) return bad(field, fmt::format("{} is listed twice", format_decimal(m)));
  }
  if (auto s = in_range("pm_extended_factor", r.pm_extended_factor, kZero, true, kOne, true); !s) return s;
  if (auto s = in_range("pm_extended_dampener", r.pm_extended_dampener, kZero, true, dec(1'000'000'000, 0), true); !s) return s;
  // Add-ons and maintenance.
  if (auto s = in_range("pm_roll_annual", r.pm_roll_annual, kZero, true, dec(10, 0), true); !s) return s;
  if (auto s = in_range("pm_roll_min", r.pm_roll_min, kZero, true, kOne, false); !s) return s;
  if (auto s = in_range("pm_delta_shock", r.pm_delta_shock, kZero, true, kOne, true); !s) return s;
  if (auto s = in_range("pm_delta_free", r.pm_delta_free, kZero, true, dec(1'000'000'000, 0), true); !s) return s;
  if (auto s = in_range("pm_maintenance_factor", r.pm_maintenance_factor, kZero, false, kOne, true); !s) return s;
  if (auto s = in_range("collateral_haircut", r.collateral_haircut, kZero, true, kOne, false); !s) return s;
  return {};
}

RiskConfig::RiskConfig(const CurrencyTable& currencies) {
  for (const Currency& c : currencies.all()) risks_.push_back(default_currency_risk(c.id, c.code));
}

const CurrencyRisk& RiskConfig::get(CurrencyId currency) const {
  STRIKE_ASSERT(currency.raw() < risks_.size(), "no risk parameters for currency {}", currency.raw());
  return risks_[currency.raw()];
}

CurrencyRisk& RiskConfig::get(CurrencyId currency) {
  STRIKE_ASSERT(currency.raw() < risks_.size(), "no risk parameters for currency {}", currency.raw());
  return risks_[currency.raw()];
}

namespace {

Result<Decimal> decimal_of(const toml::node& node, const std::string& where) {
  if (auto text = node.value<std::string>()) {
    auto d = parse_decimal(*text);
    if (!d) return fail(Errc::config_bad_value, fmt::format("{}: '{}' is not an exact decimal ({})", where, *text, message(d.error())));
    return d.value();
  }
  if (node.is_integer()) return Decimal{node.value<std::int64_t>().value(), 0};
  if (node.is_floating_point())
    return fail(Errc::config_bad_value, where + ": write decimals as strings, e.g. \"0.15\", so they are exact");
  return fail(Errc::config_bad_value, where + ": expected a decimal string or an integer");
}

// One [[risk]] table onto the currency's defaults.
Status<> apply_table(const toml::table& t, CurrencyRisk& r, const std::string& prefix) {
  for (const auto& [key, node] : t) {
    const std::string_view name = key.str();
    const std::string where = fmt::format("{}: {}", prefix, name);
    if (name == "currency") continue;
    if (name == "pm_price_moves") {
      if (!node.is_integer()) return fail(Errc::config_bad_value, where + ": expected an integer");
      const std::int64_t n = node.value<std::int64_t>().value();
      if (n < 0 || n > 1000) return fail(Errc::config_bad_value, fmt::format("{}: {} must be odd, 3..{}", where, n, kMaxPriceMoves));
      r.pm_price_moves = static_cast<int>(n);
      continue;
    }
    if (name == "pm_extended_moves") {
      const toml::array* array = node.as_array();
      if (array == nullptr) return fail(Errc::config_bad_value, where + ": expected an array of decimal strings");
      r.pm_extended_moves.clear();
      for (std::size_t i = 0; i < array->size(); ++i) {
        auto d = decimal_of((*array)[i], fmt::format("{}[{}]", where, i));
        if (!d) return fail(d.error());
        r.pm_extended_moves.push_back(d.value());
      }
      continue;
    }
    const DecimalField* field = nullptr;
    for (const auto& f : kDecimalFields)
      if (f.name == name) field = &f;
    if (field == nullptr) return fail(Errc::config_bad_value, where + ": unknown field");
    auto d = decimal_of(node, where);
    if (!d) return fail(d.error());
    r.*field->member = d.value();
  }
  return {};
}

}  // namespace

Result<RiskConfig> parse_risk_config(std::string_view toml_text, std::string_view source, const InstrumentRegistry& registry) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    return fail(Errc::config_syntax, fmt::format("{}:{}:{}: {}", source, e.source().begin.line, e.source().begin.column, e.description()));
  }
  RiskConfig config(registry.currencies());
  const toml::node* node = root.get("risk");
  if (node == nullptr) return config;
  const toml::array* array = node->as_array();
  if (array == nullptr) return fail(Errc::config_bad_value, fmt::format("{}: risk: expected [[risk]] tables", source));
  std::vector<bool> seen(registry.currencies().all().size(), false);
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::table* t = (*array)[i].as_table();
    std::string prefix = fmt::format("{}: risk[{}]", source, i);
    if (t == nullptr) return fail(Errc::config_bad_value, prefix + ": expected a table");
    const toml::node* code_node = t->get("currency");
    if (code_node == nullptr) return fail(Errc::config_missing_field, prefix + ": currency");
    auto code = code_node->value<std::string>();
    if (!code) return fail(Errc::config_bad_value, prefix + ": currency: expected a string");
    const Currency* currency = registry.currencies().find(*code);
    if (currency == nullptr)
      return fail(Errc::unknown_currency, fmt::format("{}: currency: {} is not defined in [[currency]]", prefix, *code));
    prefix += " (" + *code + ")";
    if (seen[currency->id.raw()]) return fail(Errc::config_bad_value, prefix + ": currency: a second [[risk]] table for it");
    seen[currency->id.raw()] = true;
    CurrencyRisk& r = config.get(currency->id);
    if (auto s = apply_table(*t, r, prefix); !s) return fail(s.error());
    if (auto s = validate(r); !s) return fail(s.error().code, fmt::format("{}: {}", prefix, s.error().detail));
  }
  return config;
}

}  // namespace strike::risk
