// The set of instruments a venue lists, with their currencies. Built once at start-up from a
// configuration file and read-only afterwards; ids are dense (0..n-1) in configuration order,
// so engine tables can be plain vectors indexed by InstrumentId.
#pragma once

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/currency.hpp"
#include "core/instrument.hpp"

namespace strike {

class InstrumentRegistry {
 public:
  InstrumentRegistry() = default;
  explicit InstrumentRegistry(CurrencyTable currencies) : currencies_(std::move(currencies)) {}

  // Assigns the next id. Errors: duplicate_instrument.
  Result<InstrumentId> add(Instrument instrument);

  const Instrument* find(std::string_view name) const noexcept;
  const Instrument& get(InstrumentId id) const;
  std::span<const Instrument> all() const noexcept { return instruments_; }
  std::size_t size() const noexcept { return instruments_.size(); }
  const CurrencyTable& currencies() const noexcept { return currencies_; }
  CurrencyTable& currencies() noexcept { return currencies_; }

 private:
  CurrencyTable currencies_;
  std::vector<Instrument> instruments_;                             // index == id
  std::map<std::string, InstrumentId, std::less<>> by_name_;        // ordered: deterministic iteration
};

// strike's TOML instrument configuration (format in docs/instruments.md; the default ships as
// config/instruments.toml and is embedded in the binary). `source` names the file in errors:
// "config/x.toml: instrument[3] (BTC-PERPETUAL): tick_size: ...".
Result<InstrumentRegistry> parse_instrument_config(std::string_view toml_text, std::string_view source);

// Deribit's public/get_instruments response (a JSON-RPC response with a `result` array, or the
// bare array). Currencies must already be in `currencies`. Numbers are read from their JSON text,
// exactly.
Result<InstrumentRegistry> parse_deribit_instruments(std::string_view json_text, std::string_view source,
                                                     CurrencyTable currencies);

// Loads a file by its extension: .toml (strike's format) or .json (Deribit's, with the default
// currencies). Errors: config_unreadable (naming the file), and those of the parsers.
Result<InstrumentRegistry> load_instruments(const std::filesystem::path& path);

// The embedded default: BTC and ETH options, dated futures and perpetuals, inverse and linear.
std::string_view default_instrument_config() noexcept;
Result<InstrumentRegistry> load_default_instruments();

}  // namespace strike
