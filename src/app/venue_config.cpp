#include "app/venue_config.hpp"

#include <fstream>
#include <sstream>

#include "engine/command_codec.hpp"
#include "journal/config_store.hpp"
#include "journal/journal_reader.hpp"
#include "risk/risk_config.hpp"

namespace strike::app {
namespace {

// The digest in the journal's first record, if it has one that reads.
std::optional<Hash256> journal_digest(const std::filesystem::path& data_dir) {
  auto reader = journal::JournalReader::open(data_dir);
  if (!reader) return std::nullopt;
  journal::RecordView r;
  if (reader->next(r) != journal::ReadStatus::record) return std::nullopt;
  auto command = engine::decode_command(r.seq, r.time, r.type, r.payload);
  if (!command) return std::nullopt;
  const auto* configure = std::get_if<engine::Configure>(&command->body);
  if (configure == nullptr) return std::nullopt;
  return configure->digest;
}

// The engine's configuration from the file's text: its `[[risk]]` tables (TOML only).
Result<engine::EngineConfig> engine_config(const InstrumentRegistry& registry, std::string_view text,
                                           std::string_view extension, std::string_view name) {
  engine::EngineConfig config;
  if (extension != ".toml") return config;
  auto risk = risk::parse_risk_config(text, name, registry);
  if (!risk) return fail(risk.error());
  config.risk = std::move(risk).value();
  return config;
}

// `name` is what parse errors cite (the file), `source` what the venue reports it ran with.
Result<VenueConfig> from_text(InstrumentRegistry registry, std::string text, std::string extension,
                              std::string_view name, std::string source) {
  auto engine = engine_config(registry, text, extension, name);
  if (!engine) return fail(engine.error());
  return VenueConfig{std::move(registry), std::move(engine).value(), std::move(text), std::move(extension),
                     std::move(source)};
}

Result<VenueConfig> from_file(const std::filesystem::path& file, std::string source) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return fail(Errc::config_unreadable, file.string());
  auto registry = load_instruments(file);
  if (!registry) return fail(registry.error());
  return from_text(std::move(registry).value(), text.str(), file.extension().string(), file.string(),
                   std::move(source));
}

}  // namespace

Result<VenueConfig> load_venue_config(const std::filesystem::path& data_dir, const std::string& config_file) {
  if (!config_file.empty()) return from_file(config_file, config_file);
  if (const auto digest = journal_digest(data_dir))
    if (const auto stored = journal::ConfigStore(data_dir).find(*digest))
      return from_file(*stored, "the journal's configuration " + stored->string());
  auto registry = load_default_instruments();
  if (!registry) return fail(registry.error());
  return from_text(std::move(registry).value(), std::string(default_instrument_config()), ".toml", "config/instruments.toml",
                   "the embedded config/instruments.toml");
}

}  // namespace strike::app
