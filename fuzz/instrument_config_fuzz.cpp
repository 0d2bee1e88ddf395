// The instrument configuration parsers (TOML and Deribit JSON) and the name parser take
// files and text from outside: they must return a typed error for anything malformed and
// never crash; whatever loads must have names that round-trip.
#include <cstdint>
#include <string_view>

#include "core/instrument_registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto check = [](const strike::Result<strike::InstrumentRegistry>& r) {
    if (!r) return;
    for (const auto& ins : r.value().all())
      STRIKE_ASSERT(strike::format_instrument_name(ins.symbol) == ins.name, "name {} does not round-trip", ins.name);
  };
  check(strike::parse_instrument_config(text, "fuzz.toml"));
  strike::CurrencyTable currencies;
  (void)currencies.add("BTC", 8);
  (void)currencies.add("USD", 2);
  (void)currencies.add("USDC", 6);
  check(strike::parse_deribit_instruments(text, "fuzz.json", currencies));
  if (auto name = strike::parse_instrument_name(text))
    STRIKE_ASSERT(strike::format_instrument_name(name.value()) == text, "name '{}' does not round-trip", text);
  return 0;
}
