// parse_decimal must never crash, and whatever it accepts must format back to text that
// parses to the same value (exactness of the decimal <-> fixed-point conversion).
#include <cstdint>
#include <string_view>

#include "core/assert.hpp"
#include "core/decimal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = strike::parse_decimal(text);
  if (!parsed) return 0;
  const std::string formatted = strike::format_decimal(parsed.value());
  auto again = strike::parse_decimal(formatted);
  STRIKE_ASSERT(again.ok() && again.value() == parsed.value(), "round trip of '{}' via '{}'", text, formatted);
  for (int scale = 0; scale <= strike::kMaxDecimalScale; scale += 3) {
    auto scaled = strike::to_scaled(parsed.value(), scale);
    if (scaled) STRIKE_ASSERT(strike::compare({scaled.value(), scale}, parsed.value()) == 0, "to_scaled({}) of '{}'", scale, text);
  }
  return 0;
}
