// The digest of a venue's configuration: SHA-256 over a canonical encoding of everything that
// decides what the engine does with a command (currencies, every instrument's contract terms,
// ticks and fees, and EngineConfig). Two configurations with the same digest give the same state
// for the same journal; comments, spacing and the order of keys in the file do not matter, and a
// decimal is compared by value ("0.50" == "0.5").
//
// The venue journals it as the first command (Configure) and the engine writes it into every
// snapshot, so a journal or snapshot is refused under another configuration instead of silently
// replaying into another state.
#pragma once

#include "core/instrument_registry.hpp"
#include "core/sha256.hpp"

namespace strike::engine {

struct EngineConfig;

Hash256 config_digest(const InstrumentRegistry& instruments, const EngineConfig& config);

}  // namespace strike::engine
