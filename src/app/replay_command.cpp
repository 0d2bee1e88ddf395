// `strike replay`: rebuilds the state of a data directory from its snapshot and journal, read
// only, and prints the state hash and what the state holds. Two runs, or a run with and
// without snapshots, must print the same hash.
#include <fmt/core.h>

#include "app/commands.hpp"
#include "app/venue_config.hpp"
#include "venue/venue.hpp"

namespace strike::app {

void add_replay_command(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("replay", "Rebuild the state of a data directory and print its hash and counts");
  struct Options {
    std::string data_dir, config;
    std::uint64_t until = UINT64_MAX;
    bool no_snapshots = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--data-dir", o->data_dir, "The data directory of `strike exec`")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--until", o->until, "Stop after this sequence");
  cmd->add_option("--config", o->config, "Instrument file (default: the one the journal was written with)")->check(CLI::ExistingFile);
  cmd->add_flag("--no-snapshots", o->no_snapshots, "Replay the whole journal from the first record");
  cmd->callback([&exit_code, o] {
    exit_code = kExitFailure;
    auto config = load_venue_config(o->data_dir, o->config);
    if (!config) return fmt::print(stderr, "strike replay: {}\n", config.error().to_string());
    journal::RecoveryOptions ro;
    ro.use_snapshots = !o->no_snapshots;
    ro.until = SeqNo{o->until};
    auto recovery = journal::Recovery::open(o->data_dir, ro);
    if (!recovery) return fmt::print(stderr, "strike replay: {}\n", recovery.error().to_string());
    venue::RecoveryReport report;
    auto engine = venue::replay(config->registry, config->engine, recovery.value(), SeqNo{o->until}, report);
    if (!engine) return fmt::print(stderr, "strike replay: {} (configuration: {})\n", engine.error().to_string(), config->source);
    const engine::Engine& e = *engine.value();
    for (const std::string& m : report.messages) fmt::print("note: {}\n", m);
    std::size_t settled = 0;
    for (const Instrument& ins : e.instruments().all()) settled += e.status(ins.id) == engine::InstrumentStatus::settled;
    fmt::print("snapshot      {}\n", report.snapshot ? fmt::format("after seq {}", report.snapshot->raw()) : "none");
    fmt::print("replayed      {} records\n", report.replayed);
    fmt::print("last seq      {}\n", e.last_seq().raw());
    fmt::print("time          {}\n", e.now().ns() == 0 ? "-" : format_iso8601(e.now()));
    fmt::print("accounts      {}\n", e.clearing().account_count());
    fmt::print("open orders   {}\n", e.open_order_count());
    fmt::print("settled       {} instruments\n", settled);
    fmt::print("ledger        {} postings\n", e.clearing().ledger().entry_count());
    fmt::print("state hash    {}\n", to_hex(e.state_hash()));
    exit_code = kExitOk;
  });
}

}  // namespace strike::app
