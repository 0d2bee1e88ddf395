#include <fstream>

#include <fmt/core.h>

#include "app/commands.hpp"
#include "core/time.hpp"
#include "pricing/deribit_chain.hpp"

namespace strike::app {

void add_surface_command(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("surface", "Fit raw SVI per expiry to a Deribit option chain CSV and check arbitrage");
  auto chain_path = std::make_shared<std::string>();
  cmd->add_option("--chain", *chain_path, "Chain CSV (the layout of ../shared/data/deribit/btc_option_chain_*.csv)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->callback([&exit_code, chain_path] {
    std::ifstream in(*chain_path);
    auto chain = pricing::deribit::read_chain(in);
    if (!chain) {
      fmt::print(stderr, "strike surface: {}: {}\n", *chain_path, chain.error().to_string());
      exit_code = kExitFailure;
      return;
    }
    const auto fitted = pricing::deribit::fit_chain(chain.value());
    fmt::print("{:<9} {:>8} {:>9} {:>6} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>10}\n", "EXPIRY", "T", "FORWARD",
               "QUOTES", "a", "b", "rho", "m", "sigma", "RMSE(vp)", "vs MARK", "MIN g", "CALENDAR");
    std::vector<pricing::SviSlice> slices;
    bool clean = true;
    for (const auto& f : fitted) {
      const auto& p = f.slice.params;
      double spread = 0;
      if (!slices.empty()) {
        auto pair = pricing::SviSurface::make({slices.back(), f.slice});
        spread = pair ? pair->min_calendar_spread() : -1;
      }
      const bool cal_ok = slices.empty() || spread >= 0;
      clean = clean && cal_ok && f.slice.butterfly.butterfly_free;
      fmt::print("{:<9} {:>8.5f} {:>9.2f} {:>6} {:>9.5f} {:>8.5f} {:>8.4f} {:>8.4f} {:>8.4f} {:>9.2f} {:>9.2f} {:>9.4f} {:>10}\n",
                 format_expiry_code(date_of(Timestamp::from_ms(f.smile.expiry_ms))), f.slice.expiry, f.smile.forward,
                 f.slice.points, p.a, p.b, p.rho, p.m, p.sigma, f.slice.rmse_vol_points, f.rmse_vs_mark,
                 f.slice.butterfly.min_g, slices.empty() ? std::string("-") : fmt::format("{:.2e}", spread));
      slices.push_back(f.slice);
    }
    fmt::print("\n{} expiries fitted; butterfly (Durrleman g >= 0 on k in [-2.5, 2.5]) and calendar (w non-decreasing in T): {}\n",
               fitted.size(), clean ? "no arbitrage" : "ARBITRAGE FOUND");
    exit_code = kExitOk;
  });
}

}  // namespace strike::app
