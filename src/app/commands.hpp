// The `strike` command: one subcommand per file, each registering itself on the root CLI11
// app. A subcommand's callback stores the process exit code: 0 success, 1 failure
// (usage errors, 2, are CLI11's parse errors and are mapped in main.cpp).
#pragma once

#include <CLI/CLI.hpp>

namespace strike::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

void add_version_command(CLI::App& root, int& exit_code);
void add_instruments_command(CLI::App& root, int& exit_code);
void add_exec_command(CLI::App& root, int& exit_code);
void add_replay_command(CLI::App& root, int& exit_code);
void add_audit_command(CLI::App& root, int& exit_code);
void add_journal_command(CLI::App& root, int& exit_code);
void add_price_command(CLI::App& root, int& exit_code);
void add_surface_command(CLI::App& root, int& exit_code);
void add_lobster_command(CLI::App& root, int& exit_code);

}  // namespace strike::app
