// Reads Deribit's public/get_instruments JSON. Numbers are taken from their JSON text with
// simdjson's raw tokens and parsed as exact decimals ("1e-05" is exactly one 0.00001 tick), and
// every field that the name also encodes (kind, strike, option type, expiry, base currency) is
// cross-checked against the name.
#include <map>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/instrument_registry.hpp"

namespace strike {
namespace {

using simdjson::ondemand::json_type;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One instrument object, flattened to raw scalar tokens plus its tick steps.
struct RawInstrument {
  std::map<std::string, std::string, std::less<>> scalars;  // key -> raw JSON token (strings keep quotes)
  std::vector<std::pair<std::string, std::string>> tick_steps;  // (above_price, tick_size) raw tokens
};

simdjson::error_code read_object(simdjson::ondemand::object object, RawInstrument& out) {
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    simdjson::ondemand::value value;
    if (auto e = field.value().get(value)) return e;
    json_type type;
    if (auto e = value.type().get(type)) return e;
    if (key == "tick_size_steps" && type == json_type::array) {
      simdjson::ondemand::array steps;
      if (auto e = value.get_array().get(steps)) return e;
      for (auto step_value : steps) {
        simdjson::ondemand::object step;
        if (auto e = step_value.get_object().get(step)) return e;
        RawInstrument nested;
        if (auto e = read_object(step, nested)) return e;
        out.tick_steps.emplace_back(nested.scalars["above_price"], nested.scalars["tick_size"]);
      }
    } else if (type != json_type::array && type != json_type::object) {  // others are skipped unread
      out.scalars.emplace(std::string(key), std::string(trim(value.raw_json_token())));
    }
  }
  return simdjson::SUCCESS;
}

class Fields {
 public:
  Fields(const RawInstrument& raw, std::string_view source, std::string entry)
      : raw_(raw), source_(source), entry_(std::move(entry)) {}

  std::string at(std::string_view field) const { return fmt::format("{}: {}: {}", source_, entry_, field); }

  Result<std::string> string(std::string_view field) const {
    auto it = raw_.scalars.find(field);
    if (it == raw_.scalars.end()) return fail(Errc::config_missing_field, at(field));
    const std::string& token = it->second;
    if (token.size() < 2 || token.front() != '"' || token.back() != '"' || token.find('\\') != std::string::npos)
      return fail(Errc::config_bad_value, at(field) + ": expected a plain string");
    return token.substr(1, token.size() - 2);
  }
  Result<Decimal> decimal(std::string_view field) const {
    auto it = raw_.scalars.find(field);
    if (it == raw_.scalars.end()) return fail(Errc::config_missing_field, at(field));
    return parse(it->second, field);
  }
  Result<Decimal> parse(std::string_view token, std::string_view field) const {
    auto d = parse_decimal(token);
    if (!d) return fail(Errc::config_bad_value, fmt::format("{}: '{}' is not an exact decimal ({})", at(field), token, message(d.error())));
    return d.value();
  }
  void rename(std::string entry) { entry_ = std::move(entry); }

 private:
  const RawInstrument& raw_;
  std::string_view source_;
  std::string entry_;
};

Result<Instrument> to_instrument(const RawInstrument& raw, std::string_view source, std::size_t index, const CurrencyTable& currencies) {
  Fields f(raw, source, fmt::format("result[{}]", index));
  auto name = f.string("instrument_name");
  if (!name) return fail(name.error());
  f.rename(fmt::format("result[{}] ({})", index, name.value()));

  ContractSpec spec;
  for (auto [field, target] : {std::pair{"contract_size", &spec.contract_size}, std::pair{"min_trade_amount", &spec.min_trade_amount},
                               std::pair{"maker_commission", &spec.maker_fee}, std::pair{"taker_commission", &spec.taker_fee}}) {
    auto d = f.decimal(field);
    if (!d) return fail(d.error());
    *target = d.value();
  }
  auto tick = f.decimal("tick_size");
  if (!tick) return fail(tick.error());
  std::vector<TickStep> steps;
  for (const auto& [above, step_tick] : raw.tick_steps) {
    auto a = f.parse(above, "tick_size_steps.above_price");
    if (!a) return fail(a.error());
    auto t = f.parse(step_tick, "tick_size_steps.tick_size");
    if (!t) return fail(t.error());
    steps.push_back({a.value(), t.value()});
  }
  auto schedule = TickSchedule::make(tick.value(), std::move(steps));
  if (!schedule) return fail(Errc::bad_tick_size, f.at("tick_size") + ": " + schedule.error().detail);
  spec.ticks = std::move(schedule).value();

  auto made = make_instrument(name.value(), spec, currencies);
  if (!made) return fail(made.error().code, f.at("instrument_name") + ": " + made.error().detail);
  Instrument ins = std::move(made).value();

  // Cross-check what the name encodes against the explicit fields.
  auto kind = f.string("kind");
  if (!kind) return fail(kind.error());
  const bool kind_ok = kind.value() == (ins.is_option() ? "option" : "future");
  if (!kind_ok) return fail(Errc::config_bad_value, f.at("kind") + ": '" + kind.value() + "' contradicts the name");
  auto base = f.string("base_currency");
  if (!base) return fail(base.error());
  if (base.value() != currencies.get(ins.base).code) return fail(Errc::config_bad_value, f.at("base_currency") + ": contradicts the name");
  if (ins.has_expiry()) {
    auto expiry = f.decimal("expiration_timestamp");
    if (!expiry) return fail(expiry.error());
    auto ms = to_scaled(expiry.value(), 0);
    if (!ms || ms.value() != ins.expiry.ms())
      return fail(Errc::config_bad_value, f.at("expiration_timestamp") + ": is not 08:00 UTC of the name's expiry date");
  }
  if (ins.is_option()) {
    auto strike = f.decimal("strike");
    if (!strike) return fail(strike.error());
    if (compare(strike.value(), ins.strike) != 0) return fail(Errc::config_bad_value, f.at("strike") + ": contradicts the name");
    auto type = f.string("option_type");
    if (!type) return fail(type.error());
    if (type.value() != to_string(ins.symbol.option_type)) return fail(Errc::config_bad_value, f.at("option_type") + ": contradicts the name");
  }
  return ins;
}

}  // namespace

Result<InstrumentRegistry> parse_deribit_instruments(std::string_view json_text, std::string_view source, CurrencyTable currencies) {
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(json_text);
  simdjson::ondemand::document doc;
  auto syntax = [&](simdjson::error_code e) {
    return fail(Errc::config_syntax, fmt::format("{}: {}", source, simdjson::error_message(e)));
  };
  if (auto e = parser.iterate(padded).get(doc)) return syntax(e);

  simdjson::ondemand::array array;
  json_type type;
  if (auto e = doc.type().get(type)) return syntax(e);
  if (type == json_type::object) {
    if (auto e = doc["result"].get_array().get(array)) return syntax(e);
  } else if (auto e = doc.get_array().get(array)) {
    return syntax(e);
  }

  InstrumentRegistry registry(std::move(currencies));
  std::size_t index = 0;
  for (auto element : array) {
    simdjson::ondemand::object object;
    if (auto e = element.get_object().get(object)) return syntax(e);
    RawInstrument raw;
    if (auto e = read_object(object, raw)) return syntax(e);
    auto ins = to_instrument(raw, source, index, registry.currencies());
    if (!ins) return fail(ins.error());
    if (auto added = registry.add(std::move(ins).value()); !added)
      return fail(Errc::duplicate_instrument, fmt::format("{}: result[{}]: {}", source, index, added.error().detail));
    ++index;
  }
  return registry;
}

}  // namespace strike
