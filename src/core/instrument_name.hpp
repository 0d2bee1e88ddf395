// Deribit instrument symbology, parsed and formatted exactly:
//   BTC-PERPETUAL            inverse perpetual          BTC_USDC-PERPETUAL        linear perpetual
//   BTC-27DEC24              inverse dated future       BTC_USDC-27DEC24          linear dated future
//   BTC-27DEC24-50000-C      inverse option             XRP_USDC-27DEC24-0d625-C  linear option
// Strikes with a fraction write the decimal point as 'd'. format(parse(s)) == s for every
// name Deribit lists; non-canonical spellings (leading zeros, "05JUN20") are rejected.
#pragma once

#include <string>
#include <string_view>

#include "core/decimal.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace strike {

enum class InstrumentKind : std::uint8_t { option, future, perpetual };
enum class OptionType : std::uint8_t { call, put };

std::string_view to_string(InstrumentKind kind) noexcept;
std::string_view to_string(OptionType type) noexcept;

struct InstrumentName {
  std::string base;   // underlying coin, "BTC"
  std::string quote;  // "USDC" for linear instruments, empty for inverse (coin-settled)
  InstrumentKind kind = InstrumentKind::perpetual;
  Date expiry;        // options and futures
  Decimal strike;     // options
  OptionType option_type = OptionType::call;

  bool is_linear() const noexcept { return !quote.empty(); }
  bool operator==(const InstrumentName&) const = default;
};

Result<InstrumentName, Errc> parse_instrument_name(std::string_view name) noexcept;
std::string format_instrument_name(const InstrumentName& name);

}  // namespace strike
