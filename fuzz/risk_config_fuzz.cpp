// The [[risk]] section comes from a configuration file: parse_risk_config must return a typed
// error for anything malformed and never crash, and whatever it accepts must pass validate()
// and drive the calculators (every instrument's standard margin, a portfolio grid) without
// tripping an internal check.
#include <cstdint>
#include <string_view>

#include "risk/portfolio_margin.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const strike::InstrumentRegistry registry = strike::load_default_instruments().value();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = strike::risk::parse_risk_config(text, "fuzz.toml", registry);
  if (!config) return 0;
  for (const auto& r : config.value().all())
    STRIKE_ASSERT(strike::risk::validate(r).ok(), "accepted parameters fail validation: {}", strike::risk::validate(r).error().to_string());
  for (const auto& ins : registry.all()) {
    auto m = strike::risk::StandardMargin::make(ins, registry.currencies(), config.value());
    STRIKE_ASSERT(m.ok(), "{}: {}", ins.name, m.error().to_string());
    (void)m.value().position(-3, strike::risk::MarginPrices{{100'000, 0}, {5, 2}});
  }
  auto table = strike::risk::ScenarioTable::make(registry, config.value());
  STRIKE_ASSERT(table.ok(), "{}", table.error().to_string());
  return 0;
}
