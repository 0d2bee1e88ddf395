#include <cstdio>
#include <exception>

#include "app/commands.hpp"

int main(int argc, char** argv) {
  CLI::App root{"strike: the core of a crypto-derivatives venue (options, futures, perpetuals)"};
  root.require_subcommand(1);
  root.set_help_all_flag("--help-all", "Help for every subcommand");

  int exit_code = strike::app::kExitOk;
  strike::app::add_version_command(root, exit_code);
  strike::app::add_instruments_command(root, exit_code);
  strike::app::add_exec_command(root, exit_code);
  strike::app::add_replay_command(root, exit_code);
  strike::app::add_audit_command(root, exit_code);
  strike::app::add_journal_command(root, exit_code);
  strike::app::add_price_command(root, exit_code);
  strike::app::add_surface_command(root, exit_code);
  strike::app::add_lobster_command(root, exit_code);

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0; everything else is a usage error.
    return root.exit(e) == 0 ? strike::app::kExitOk : strike::app::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strike: %s\n", e.what());
    return strike::app::kExitFailure;
  }
  return exit_code;
}
