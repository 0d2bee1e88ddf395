// The [[risk]] section: Deribit's defaults when it is absent, overrides, and a typed error that
// names file, entry and field for every bad value.
#include <gtest/gtest.h>

#include <string>

#include "risk/risk_config.hpp"

namespace strike::risk {
namespace {

InstrumentRegistry default_registry() {
  auto r = load_default_instruments();
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return std::move(r.value());
}

CurrencyId id(const InstrumentRegistry& reg, std::string_view code) { return reg.currencies().find(code)->id; }

TEST(RiskConfig, WithoutARiskSectionEveryCurrencyGetsDeribitsDefaults) {
  const InstrumentRegistry reg = default_registry();
  auto config = parse_risk_config(default_instrument_config(), "instruments.toml", reg);
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  ASSERT_EQ(config->all().size(), reg.currencies().all().size());
  const CurrencyRisk& btc = config->get(id(reg, "BTC"));
  EXPECT_EQ(btc.option_initial, (Decimal{15, 2}));
  EXPECT_EQ(btc.option_initial_min, (Decimal{10, 2}));
  EXPECT_EQ(btc.option_maintenance, (Decimal{75, 3}));
  EXPECT_EQ(btc.future_initial, (Decimal{2, 2}));
  EXPECT_EQ(btc.future_maintenance, (Decimal{1, 2}));
  EXPECT_EQ(btc.future_initial_per_coin, (Decimal{5, 5}));  // 0.005% per BTC
  EXPECT_EQ(btc.pm_price_range, (Decimal{16, 2}));
  EXPECT_EQ(btc.pm_price_moves, 9);
  EXPECT_EQ(btc.pm_maintenance_factor, (Decimal{8, 1}));
  const CurrencyRisk& eth = config->get(id(reg, "ETH"));
  EXPECT_EQ(eth.pm_price_range, (Decimal{18, 2}));
  EXPECT_EQ(eth.future_initial_per_coin, (Decimal{4, 6}));  // 0.0004% per ETH
  for (const CurrencyRisk& r : config->all()) EXPECT_TRUE(validate(r).ok()) << validate(r).error().to_string();
}

TEST(RiskConfig, ATableOverridesOnlyTheFieldsItNames) {
  const InstrumentRegistry reg = default_registry();
  const std::string text = R"(
[[currency]]
code = "BTC"
decimals = 8

[[risk]]
currency = "ETH"
pm_price_range = "0.2"
pm_price_moves = 11
pm_extended_moves = ["-0.5", "1"]
collateral_haircut = "0.05"
)";
  auto config = parse_risk_config(text, "x.toml", reg);
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  const CurrencyRisk& eth = config->get(id(reg, "ETH"));
  EXPECT_EQ(eth.pm_price_range, (Decimal{2, 1}));
  EXPECT_EQ(eth.pm_price_moves, 11);
  ASSERT_EQ(eth.pm_extended_moves.size(), 2u);
  EXPECT_EQ(eth.pm_extended_moves[0], (Decimal{-5, 1}));
  EXPECT_EQ(eth.collateral_haircut, (Decimal{5, 2}));
  EXPECT_EQ(eth.option_initial, (Decimal{15, 2}));  // untouched
  EXPECT_EQ(config->get(id(reg, "BTC")), default_currency_risk(id(reg, "BTC"), "BTC"));
}

struct BadCase {
  std::string body;      // lines of one [[risk]] table for ETH
  std::string expected;  // in the error detail
  Errc code = Errc::config_bad_value;
};

TEST(RiskConfig, EveryBadValueIsRefusedWithAnErrorNamingTheField) {
  const InstrumentRegistry reg = default_registry();
  const BadCase cases[] = {
      {"option_initial = \"0\"", "risk[0] (ETH): option_initial: 0 must be in (0, 1]"},
      {"option_initial = \"1.5\"", "option_initial: 1.5 must be in (0, 1]"},
      {"option_initial_min = \"0.2\"", "option_initial_min: 0.2 must be in (0, 0.15]"},
      {"option_maintenance = \"0.11\"", "option_maintenance: 0.11 must be in (0, 0.1]"},
      {"future_initial = \"-0.02\"", "future_initial: -0.02 must be in (0, 1)"},
      {"future_maintenance = \"0.03\"", "future_maintenance: 0.03 must be in (0, 0.02]"},
      {"future_maintenance_per_coin = \"0.001\"", "future_maintenance_per_coin: 0.001 must be in [0, 0.000004]"},
      {"pm_price_range = \"1\"", "pm_price_range: 1 must be in (0, 1)"},
      {"pm_price_moves = 8", "pm_price_moves: 8 must be odd, 3..15"},
      {"pm_price_moves = 17", "pm_price_moves: 17 must be odd"},
      {"pm_price_moves = \"9\"", "pm_price_moves: expected an integer"},
      {"pm_vol_down = \"0.5\"", "pm_vol_down: 0.5 x (30/1)^0.3 >= 1 would make the shocked-down vol negative"},
      {"pm_vol_up = \"-0.1\"", "pm_vol_up: -0.1 must be in [0, 10]"},
      {"pm_min_dte_days = \"0\"", "pm_min_dte_days: 0 must be in (0, 30]"},
      {"pm_extended_moves = [\"0.1\"]", "pm_extended_moves[0]: 0.1 lies inside the grid (+-0.18)"},
      {"pm_extended_moves = [\"-1\"]", "pm_extended_moves[0]: -1 must be in (-1, 100]"},
      {"pm_extended_moves = [\"2\", \"2\"]", "pm_extended_moves[1]: 2 is listed twice"},
      {"pm_extended_moves = [0.5]", "pm_extended_moves[0]: write decimals as strings"},
      {"pm_extended_moves = \"0.5\"", "pm_extended_moves: expected an array"},
      {"pm_extended_factor = \"1.5\"", "pm_extended_factor: 1.5 must be in [0, 1]"},
      {"pm_roll_min = \"1\"", "pm_roll_min: 1 must be in [0, 1)"},
      {"pm_maintenance_factor = \"0\"", "pm_maintenance_factor: 0 must be in (0, 1]"},
      {"pm_maintenance_factor = \"1.2\"", "pm_maintenance_factor: 1.2 must be in (0, 1]"},
      {"collateral_haircut = \"1\"", "collateral_haircut: 1 must be in [0, 1)"},
      {"option_initial = 0.15", "option_initial: write decimals as strings"},
      {"option_initial = \"0.15.1\"", "option_initial: '0.15.1' is not an exact decimal"},
      {"option_initial = \"0.1234567890123\"", "option_initial: 0.1234567890123 has more than 12 decimals"},
      {"option_initial = true", "option_initial: expected a decimal string or an integer"},
      {"option_intial = \"0.15\"", "option_intial: unknown field"},
  };
  for (const BadCase& c : cases) {
    const std::string text = "[[risk]]\ncurrency = \"ETH\"\n" + c.body + "\n";
    auto config = parse_risk_config(text, "x.toml", reg);
    ASSERT_FALSE(config.ok()) << c.body;
    EXPECT_EQ(config.error().code, c.code) << c.body;
    EXPECT_NE(config.error().detail.find(c.expected), std::string::npos)
        << c.body << "\n  got: " << config.error().detail << "\n  expected to contain: " << c.expected;
    EXPECT_EQ(config.error().detail.rfind("x.toml: risk[0] (ETH): ", 0), 0u) << config.error().detail;
  }
}

TEST(RiskConfig, TheCurrencyMustBeNamedOnceAndDefined) {
  const InstrumentRegistry reg = default_registry();
  auto missing = parse_risk_config("[[risk]]\npm_price_moves = 9\n", "x.toml", reg);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::config_missing_field);
  EXPECT_EQ(missing.error().detail, "x.toml: risk[0]: currency");
  auto unknown = parse_risk_config("[[risk]]\ncurrency = \"DOGE\"\n", "x.toml", reg);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::unknown_currency);
  EXPECT_EQ(unknown.error().detail, "x.toml: risk[0]: currency: DOGE is not defined in [[currency]]");
  auto twice = parse_risk_config("[[risk]]\ncurrency = \"BTC\"\n[[risk]]\ncurrency = \"BTC\"\n", "x.toml", reg);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().detail, "x.toml: risk[1] (BTC): currency: a second [[risk]] table for it");
  auto not_tables = parse_risk_config("risk = 3\n", "x.toml", reg);
  ASSERT_FALSE(not_tables.ok());
  EXPECT_EQ(not_tables.error().detail, "x.toml: risk: expected [[risk]] tables");
}

TEST(RiskConfig, MalformedTomlIsASyntaxErrorWithItsPosition) {
  const InstrumentRegistry reg = default_registry();
  auto r = parse_risk_config("[[risk]\ncurrency = \"BTC\"\n", "x.toml", reg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::config_syntax);
  EXPECT_EQ(r.error().detail.rfind("x.toml:1:", 0), 0u) << r.error().detail;
}

TEST(RiskConfig, ValidationAloneRefusesAGridTooLargeForTheVectors) {
  CurrencyRisk r = default_currency_risk(CurrencyId{0}, "BTC");
  r.pm_extended_moves.assign(13, Decimal{2, 0});
  auto s = validate(r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().detail, "pm_extended_moves: 13 moves, at most 12");
}

}  // namespace
}  // namespace strike::risk
