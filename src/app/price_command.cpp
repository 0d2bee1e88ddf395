#include <iostream>
#include <map>

#include <fmt/core.h>

#include "app/commands.hpp"
#include "pricing/price_csv.hpp"

namespace strike::app {

void add_price_command(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand(
      "price", "Price options and Greeks from a CSV on stdin (Black-76 or BSM; docs/pricing.md has the contract)");
  auto opt = std::make_shared<pricing::PriceCsvOptions>();
  const std::map<std::string, pricing::Model> models{{"black76", pricing::Model::black76},
                                                     {"bsm", pricing::Model::bsm}};
  const std::map<std::string, pricing::Units> units{{"raw", pricing::Units::raw}, {"deribit", pricing::Units::deribit}};
  cmd->add_option("--model", opt->model, "black76 (column 'forward') or bsm (column 'spot')")
      ->transform(CLI::CheckedTransformer(models, CLI::ignore_case));
  cmd->add_flag("--inverse", opt->inverse, "Coin-settled: price column and output price in coin (USD / forward)");
  cmd->add_option("--units", opt->units, "raw (plain partial derivatives) or deribit (vega per vol point, theta per day)")
      ->transform(CLI::CheckedTransformer(units, CLI::ignore_case));
  cmd->callback([&exit_code, opt] {
    std::ios::sync_with_stdio(false);
    const auto status = pricing::price_csv(std::cin, std::cout, *opt);
    if (!status) {
      fmt::print(stderr, "strike price: {}\n", status.error().to_string());
      exit_code = kExitFailure;
      return;
    }
    std::cout.flush();
    exit_code = kExitOk;
  });
}

}  // namespace strike::app
