// strike's TOML instrument configuration. Decimals are written as strings ("0.0005") or
// integers so they are exact; a TOML float is refused with a hint. Unknown keys are refused
// so a typo cannot silently drop a setting. Every error names file, entry and field.
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/instrument_registry.hpp"

namespace strike {
namespace {

// "file: entry: field" prefix for error details.
struct Where {
  std::string_view source;
  std::string entry;
  std::string at(std::string_view field) const { return fmt::format("{}: {}: {}", source, entry, field); }
};

Status<> check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed, const Where& where) {
  for (const auto& [key, value] : table) {
    bool known = false;
    for (auto a : allowed) known = known || a == key.str();
    if (!known) return fail(Errc::config_bad_value, where.at(key.str()) + ": unknown field");
  }
  return {};
}

Result<Decimal> get_decimal(const toml::table& table, std::string_view field, const Where& where,
                            std::optional<Decimal> fallback = std::nullopt) {
  const toml::node* node = table.get(field);
  if (node == nullptr) {
    if (fallback) return *fallback;
    return fail(Errc::config_missing_field, where.at(field));
  }
  if (auto text = node->value<std::string>()) {
    auto d = parse_decimal(*text);
    if (!d) return fail(Errc::config_bad_value, fmt::format("{}: '{}' is not an exact decimal ({})", where.at(field), *text, message(d.error())));
    return d.value();
  }
  if (node->is_integer()) return Decimal{node->value<std::int64_t>().value(), 0};
  if (node->is_floating_point())
    return fail(Errc::config_bad_value, where.at(field) + ": write decimals as strings, e.g. \"0.0005\", so they are exact");
  return fail(Errc::config_bad_value, where.at(field) + ": expected a decimal string or an integer");
}

Result<std::string> get_string(const toml::table& table, std::string_view field, const Where& where) {
  const toml::node* node = table.get(field);
  if (node == nullptr) return fail(Errc::config_missing_field, where.at(field));
  auto s = node->value<std::string>();
  if (!s) return fail(Errc::config_bad_value, where.at(field) + ": expected a string");
  return *s;
}

Result<std::vector<std::string>> get_strings(const toml::table& table, std::string_view field, const Where& where) {
  const toml::node* node = table.get(field);
  if (node == nullptr) return fail(Errc::config_missing_field, where.at(field));
  const toml::array* array = node->as_array();
  if (array == nullptr || array->empty()) return fail(Errc::config_bad_value, where.at(field) + ": expected a non-empty array of strings");
  std::vector<std::string> out;
  for (const auto& item : *array) {
    auto s = item.value<std::string>();
    if (!s) return fail(Errc::config_bad_value, where.at(field) + ": expected strings");
    out.push_back(*s);
  }
  return out;
}

// The fields shared by [[instrument]] and [[option_series]].
Result<ContractSpec> get_spec(const toml::table& table, const Where& where) {
  ContractSpec spec;
  for (auto [field, target] : {std::pair{"contract_size", &spec.contract_size}, std::pair{"min_trade_amount", &spec.min_trade_amount}}) {
    auto d = get_decimal(table, field, where);
    if (!d) return fail(d.error());
    if (!d.value().is_positive()) return fail(Errc::config_bad_value, where.at(field) + ": must be positive");
    *target = d.value();
  }
  for (auto [field, target] : {std::pair{"maker_fee", &spec.maker_fee}, std::pair{"taker_fee", &spec.taker_fee}}) {
    auto d = get_decimal(table, field, where, Decimal{});
    if (!d) return fail(d.error());
    *target = d.value();
  }
  auto tick = get_decimal(table, "tick_size", where);
  if (!tick) return fail(tick.error());
  std::vector<TickStep> steps;
  if (const toml::node* node = table.get("tick_steps")) {
    const toml::array* array = node->as_array();
    if (array == nullptr) return fail(Errc::config_bad_value, where.at("tick_steps") + ": expected an array of tables");
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::table* step = (*array)[i].as_table();
      const Where step_where{where.source, fmt::format("{}: tick_steps[{}]", where.entry, i)};
      if (step == nullptr) return fail(Errc::config_bad_value, where.at("tick_steps") + ": expected tables");
      if (auto keys = check_keys(*step, {"above_price", "tick_size"}, step_where); !keys) return fail(keys.error());
      auto above = get_decimal(*step, "above_price", step_where);
      if (!above) return fail(above.error());
      auto step_tick = get_decimal(*step, "tick_size", step_where);
      if (!step_tick) return fail(step_tick.error());
      steps.push_back({above.value(), step_tick.value()});
    }
  }
  auto schedule = TickSchedule::make(tick.value(), std::move(steps));
  if (!schedule) return fail(Errc::bad_tick_size, where.at("tick_size") + ": " + schedule.error().detail);
  spec.ticks = std::move(schedule).value();
  return spec;
}

Status<> add_instrument(InstrumentRegistry& registry, const std::string& name, const ContractSpec& spec, const Where& where) {
  auto instrument = make_instrument(name, spec, registry.currencies());
  if (!instrument) {
    const auto& e = instrument.error();
    if (e.code == Errc::config_bad_value) return fail(e.code, fmt::format("{}: {}: {}", where.source, where.entry, e.detail));
    const std::string what = e.code == Errc::unknown_currency
                                 ? fmt::format("currency {} is not defined in [[currency]]", e.detail)
                                 : e.detail;
    return fail(e.code, fmt::format("{}: {}", where.at("name"), what));
  }
  auto added = registry.add(std::move(instrument).value());
  if (!added) return fail(Errc::duplicate_instrument, where.at("name") + ": " + name + " is already defined");
  return {};
}

template <class F>
Status<> for_each_table(const toml::table& root, std::string_view key, std::string_view source, F&& f) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return {};
  const toml::array* array = node->as_array();
  if (array == nullptr) return fail(Errc::config_bad_value, fmt::format("{}: {}: expected [[{}]] tables", source, key, key));
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::table* table = (*array)[i].as_table();
    if (table == nullptr) return fail(Errc::config_bad_value, fmt::format("{}: {}[{}]: expected a table", source, key, i));
    if (auto s = f(*table, fmt::format("{}[{}]", key, i)); !s) return s;
  }
  return {};
}

}  // namespace

Result<InstrumentRegistry> parse_instrument_config(std::string_view toml_text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    return fail(Errc::config_syntax, fmt::format("{}:{}:{}: {}", source, e.source().begin.line, e.source().begin.column, e.description()));
  }
  // `risk` tables belong to risk::parse_risk_config (the instrument file holds both).
  if (auto keys = check_keys(root, {"currency", "instrument", "option_series", "risk"}, Where{source, "top level"}); !keys)
    return fail(keys.error());

  InstrumentRegistry registry;
  auto currencies = for_each_table(root, "currency", source, [&](const toml::table& t, std::string entry) -> Status<> {
    Where where{source, std::move(entry)};
    auto code = get_string(t, "code", where);
    if (!code) return fail(code.error());
    where.entry += " (" + code.value() + ")";
    if (auto keys = check_keys(t, {"code", "decimals"}, where); !keys) return keys;
    const toml::node* decimals = t.get("decimals");
    if (decimals == nullptr) return fail(Errc::config_missing_field, where.at("decimals"));
    if (!decimals->is_integer()) return fail(Errc::config_bad_value, where.at("decimals") + ": expected an integer");
    auto added = registry.currencies().add(code.value(), static_cast<int>(decimals->value<std::int64_t>().value()));
    if (!added) return fail(added.error().code, where.at("code") + ": " + added.error().detail);
    return {};
  });
  if (!currencies) return fail(currencies.error());

  auto instruments = for_each_table(root, "instrument", source, [&](const toml::table& t, std::string entry) -> Status<> {
    Where where{source, std::move(entry)};
    auto name = get_string(t, "name", where);
    if (!name) return fail(name.error());
    where.entry += " (" + name.value() + ")";
    if (auto keys = check_keys(t, {"name", "contract_size", "min_trade_amount", "tick_size", "tick_steps", "maker_fee", "taker_fee"}, where); !keys)
      return keys;
    auto spec = get_spec(t, where);
    if (!spec) return fail(spec.error());
    return add_instrument(registry, name.value(), spec.value(), where);
  });
  if (!instruments) return fail(instruments.error());

  auto series = for_each_table(root, "option_series", source, [&](const toml::table& t, std::string entry) -> Status<> {
    Where where{source, std::move(entry)};
    auto underlying = get_string(t, "underlying", where);
    if (!underlying) return fail(underlying.error());
    where.entry += " (" + underlying.value() + ")";
    if (auto keys = check_keys(t, {"underlying", "expiries", "strikes", "contract_size", "min_trade_amount", "tick_size",
                                   "tick_steps", "maker_fee", "taker_fee"}, where); !keys)
      return keys;
    auto expiries = get_strings(t, "expiries", where);
    if (!expiries) return fail(expiries.error());
    auto strikes = get_strings(t, "strikes", where);
    if (!strikes) return fail(strikes.error());
    auto spec = get_spec(t, where);
    if (!spec) return fail(spec.error());
    for (const auto& expiry : expiries.value()) {
      for (std::string strike : strikes.value()) {
        for (auto& c : strike)
          if (c == '.') c = 'd';
        for (const char* type : {"C", "P"}) {
          const std::string name = fmt::format("{}-{}-{}-{}", underlying.value(), expiry, strike, type);
          if (auto s = add_instrument(registry, name, spec.value(), where); !s) return s;
        }
      }
    }
    return {};
  });
  if (!series) return fail(series.error());
  return registry;
}

}  // namespace strike
