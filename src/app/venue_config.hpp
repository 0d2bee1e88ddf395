// The configuration a command runs a data directory with: the file given with --config, else the
// one the directory's journal was written with (stored by digest in DIR/config), else the
// embedded default. The instruments and the `[[risk]]` tables both come from that file (a JSON
// instrument file has no risk tables: every currency keeps Deribit's values). A configuration other than the journal's is refused later, when the venue
// opens (config_mismatch): this only decides which one to try.
#pragma once

#include <filesystem>
#include <string>

#include "core/instrument_registry.hpp"
#include "engine/engine.hpp"

namespace strike::app {

struct VenueConfig {
  InstrumentRegistry registry;
  engine::EngineConfig engine;  // the file's `[[risk]]` tables; everything else at its default
  std::string text;       // the source text (a new journal stores it)
  std::string extension;  // ".toml" or ".json"
  std::string source;     // where it came from, for messages
};

Result<VenueConfig> load_venue_config(const std::filesystem::path& data_dir, const std::string& config_file);

}  // namespace strike::app
