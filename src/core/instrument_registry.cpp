#include "core/instrument_registry.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace strike {

Result<InstrumentId> InstrumentRegistry::add(Instrument instrument) {
  if (by_name_.contains(instrument.name)) return fail(Errc::duplicate_instrument, instrument.name);
  instrument.id = InstrumentId{static_cast<std::uint32_t>(instruments_.size())};
  by_name_.emplace(instrument.name, instrument.id);
  instruments_.push_back(std::move(instrument));
  return instruments_.back().id;
}

const Instrument* InstrumentRegistry::find(std::string_view name) const noexcept {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &instruments_[it->second.raw()];
}

const Instrument& InstrumentRegistry::get(InstrumentId id) const {
  STRIKE_ASSERT(id.raw() < instruments_.size(), "unknown instrument id {}", id.raw());
  return instruments_[id.raw()];
}

Result<InstrumentRegistry> load_instruments(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::config_unreadable, path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(Errc::config_unreadable, path.string());
  if (path.extension() == ".json") {
    auto defaults = load_default_instruments();
    if (!defaults) return fail(defaults.error());
    return parse_deribit_instruments(text.str(), path.string(), defaults.value().currencies());
  }
  return parse_instrument_config(text.str(), path.string());
}

Result<InstrumentRegistry> load_default_instruments() {
  return parse_instrument_config(default_instrument_config(), "<embedded config/instruments.toml>");
}

}  // namespace strike
