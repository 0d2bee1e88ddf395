#include <fmt/core.h>

#include "app/commands.hpp"
#include "app/version.hpp"

namespace strike::app {

void add_version_command(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("version", "Print the version and build of strike");
  cmd->callback([&exit_code] {
    fmt::print("strike {} ({} build, {})\n", kVersion, kBuildType, kCompiler);
    exit_code = kExitOk;
  });
}

}  // namespace strike::app
