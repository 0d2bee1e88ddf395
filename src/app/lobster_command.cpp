// strike lobster: replays a LOBSTER message file through the order book and compares the top
// levels with LOBSTER's orderbook file after every event (see book/lobster.hpp).
#include <chrono>

#include <fmt/core.h>

#include "app/commands.hpp"
#include "lobster/lobster.hpp"

namespace strike::app {

void add_lobster_command(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("lobster", "Replay a LOBSTER Nasdaq event stream through the book and check it");
  struct Args {
    std::string messages, orderbook;
    int levels = 5;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--messages", args->messages, "LOBSTER message file (..._message_10.csv)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--orderbook", args->orderbook, "LOBSTER orderbook file (..._orderbook_10.csv)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--levels", args->levels, "Levels per side compared after every event")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->callback([&exit_code, args] {
    auto messages = lobster::read_messages(args->messages);
    auto rows = messages ? lobster::read_orderbook(args->orderbook) : fail(messages.error());
    if (!messages || !rows) {
      fmt::print(stderr, "strike lobster: {}\n", (!messages ? messages.error() : rows.error()).to_string());
      exit_code = kExitFailure;
      return;
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto report = lobster::replay(messages.value(), rows.value(), {args->levels, 5});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!report) {
      fmt::print(stderr, "strike lobster: {}\n", report.error().to_string());
      exit_code = kExitFailure;
      return;
    }
    const auto& r = report.value();
    fmt::print("events       {} (new {}, partial cancels {}, deletions {}, executions {}, not visible {})\n", r.events,
               r.submitted, r.amended, r.cancelled, r.executions, r.skipped);
    fmt::print("trades       {}\n", r.trades);
    fmt::print("seeded       {} levels (older than the file), {} trimmed (changed beyond its window)\n", r.seeded_levels,
               r.trimmed_levels);
    fmt::print("comparisons  {} (top {} levels per side after every event)\n", r.comparisons, args->levels);
    fmt::print("mismatches   {}\n", r.mismatches);
    for (const auto& m : r.first_mismatches) fmt::print("  {}\n", m);
    fmt::print("events/s     {:.0f} (including the checks, {:.3f} ms)\n", static_cast<double>(r.events) / seconds,
               seconds * 1e3);
    exit_code = r.mismatches == 0 ? kExitOk : kExitFailure;
  });
}

}  // namespace strike::app
