#include <string>

#include <fmt/core.h>

#include "app/commands.hpp"
#include "core/instrument_registry.hpp"

namespace strike::app {
namespace {

std::string tick_text(const TickSchedule& ticks) {
  std::string out = format_decimal(ticks.finest());
  for (const auto& step : ticks.steps())
    out += fmt::format(", {} from {}", format_decimal(step.tick), format_decimal(step.above_price));
  return out;
}

void print_table(const InstrumentRegistry& registry) {
  const auto& ccy = registry.currencies();
  fmt::print("{:<26} {:<9} {:<7} {:<5} {:<6} {:>8} {:>10}  {:<22} {:<20} {:>8} {:>8}\n", "INSTRUMENT", "KIND", "SETTLE",
             "PRICE", "PAYS", "CONTRACT", "MIN AMOUNT", "TICK", "EXPIRY (UTC)", "MAKER", "TAKER");
  for (const Instrument& ins : registry.all()) {
    fmt::print("{:<26} {:<9} {:<7} {:<5} {:<6} {:>8} {:>10}  {:<22} {:<20} {:>8} {:>8}\n", ins.name, to_string(ins.kind),
               to_string(ins.settlement), ccy.get(ins.quote).code, ccy.get(ins.settlement_currency).code,
               format_decimal(ins.contract_size), format_decimal(ins.min_trade_amount), tick_text(ins.ticks),
               ins.has_expiry() ? format_iso8601(ins.expiry) : "-", format_decimal(ins.maker_fee), format_decimal(ins.taker_fee));
  }
  std::size_t counts[3] = {0, 0, 0};
  for (const Instrument& ins : registry.all()) ++counts[static_cast<int>(ins.kind)];
  fmt::print("\n{} instruments: {} options, {} dated futures, {} perpetuals; currencies:", registry.size(), counts[0],
             counts[1], counts[2]);
  for (const Currency& c : ccy.all()) fmt::print(" {} ({} decimals)", c.code, c.decimals);
  fmt::print("\n");
}

}  // namespace

void add_instruments_command(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("instruments", "List the instruments and their contract specifications");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config", *config,
                  "Instrument file: strike TOML (.toml) or Deribit public/get_instruments JSON (.json); "
                  "default: the embedded config/instruments.toml")
      ->check(CLI::ExistingFile);
  cmd->callback([&exit_code, config] {
    auto registry = config->empty() ? load_default_instruments() : load_instruments(*config);
    if (!registry) {
      fmt::print(stderr, "strike instruments: {}\n", registry.error().to_string());
      exit_code = kExitFailure;
      return;
    }
    print_table(registry.value());
    exit_code = kExitOk;
  });
}

}  // namespace strike::app
