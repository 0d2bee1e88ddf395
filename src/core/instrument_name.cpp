#include "core/instrument_name.hpp"

#include <vector>

namespace strike {
namespace {

bool is_currency_code(std::string_view s) noexcept {
  return s.size() >= 2 && s.size() <= 10 &&
         s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == std::string_view::npos;
}

// "50000" or "0d625": positive, no leading zeros, no trailing fractional zeros.
Result<Decimal, Errc> parse_strike(std::string_view text) noexcept {
  if (text.empty() || text.find_first_not_of("0123456789d") != std::string_view::npos) return fail(Errc::invalid_instrument_name);
  std::string buffer(text);
  const auto d = buffer.find('d');
  if (d != std::string::npos) {
    if (buffer.find('d', d + 1) != std::string::npos || buffer.back() == '0') return fail(Errc::invalid_instrument_name);
    buffer[d] = '.';
  }
  auto value = parse_decimal(buffer);
  if (!value || !value.value().is_positive()) return fail(Errc::invalid_instrument_name);
  // Canonical form only, so that format(parse(s)) == s.
  std::string canonical = format_decimal(value.value());
  if (canonical != buffer) return fail(Errc::invalid_instrument_name);
  return value.value();
}

}  // namespace

std::string_view to_string(InstrumentKind kind) noexcept {
  switch (kind) {
    case InstrumentKind::option: return "option";
    case InstrumentKind::future: return "future";
    case InstrumentKind::perpetual: return "perpetual";
  }
  return "?";
}

std::string_view to_string(OptionType type) noexcept { return type == OptionType::call ? "call" : "put"; }

Result<InstrumentName, Errc> parse_instrument_name(std::string_view name) noexcept {
  if (name.size() > 64) return fail(Errc::invalid_instrument_name);
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '-') {
      parts.push_back(name.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() < 2 || parts.size() > 4 || parts.size() == 3) return fail(Errc::invalid_instrument_name);

  InstrumentName out;
  const std::string_view pair = parts[0];
  const auto underscore = pair.find('_');
  out.base = std::string(pair.substr(0, underscore));
  if (underscore != std::string_view::npos) out.quote = std::string(pair.substr(underscore + 1));
  if (!is_currency_code(out.base) || (underscore != std::string_view::npos && !is_currency_code(out.quote)))
    return fail(Errc::invalid_instrument_name);

  if (parts.size() == 2 && parts[1] == "PERPETUAL") {
    out.kind = InstrumentKind::perpetual;
    return out;
  }
  auto date = parse_expiry_code(parts[1]);
  if (!date) return fail(Errc::invalid_instrument_name);
  out.expiry = date.value();
  if (parts.size() == 2) {
    out.kind = InstrumentKind::future;
    return out;
  }
  auto strike = parse_strike(parts[2]);
  if (!strike) return fail(strike.error());
  out.strike = strike.value();
  if (parts[3] != "C" && parts[3] != "P") return fail(Errc::invalid_instrument_name);
  out.kind = InstrumentKind::option;
  out.option_type = parts[3] == "C" ? OptionType::call : OptionType::put;
  return out;
}

std::string format_instrument_name(const InstrumentName& name) {
  std::string out = name.base;
  if (!name.quote.empty()) {
    out += '_';
    out += name.quote;
  }
  if (name.kind == InstrumentKind::perpetual) return out + "-PERPETUAL";
  out += '-';
  out += format_expiry_code(name.expiry);
  if (name.kind == InstrumentKind::future) return out;
  std::string strike = format_decimal(name.strike);
  for (auto& c : strike)
    if (c == '.') c = 'd';
  out += '-';
  out += strike;
  out += name.option_type == OptionType::call ? "-C" : "-P";
  return out;
}

}  // namespace strike
