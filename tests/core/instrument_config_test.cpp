#include <gtest/gtest.h>

#include <string>

#include "core/instrument_registry.hpp"

namespace strike {
namespace {

constexpr const char* kCurrencies = R"(
[[currency]]
code = "BTC"
decimals = 8
[[currency]]
code = "USD"
decimals = 2
)";

std::string with_instrument(const std::string& body) { return std::string(kCurrencies) + "\n[[instrument]]\n" + body; }

TEST(InstrumentConfig, TheEmbeddedDefaultLoads) {
  auto registry = load_default_instruments();
  ASSERT_TRUE(registry.ok()) << registry.error().to_string();
  const Instrument* perp = registry.value().find("BTC-PERPETUAL");
  ASSERT_NE(perp, nullptr);
  EXPECT_EQ(perp->settlement, Settlement::inverse);
  EXPECT_EQ(registry.value().currencies().get(perp->quote).code, "USD");
  EXPECT_EQ(registry.value().currencies().get(perp->settlement_currency).code, "BTC");
  const Instrument* option = registry.value().find("BTC-25DEC26-90000-C");
  ASSERT_NE(option, nullptr);
  EXPECT_EQ(option->expiry.ms(), at_utc_hour({2026, 12, 25}, 8).value().ms());
  const Instrument* linear = registry.value().find("BTC_USDC-PERPETUAL");
  ASSERT_NE(linear, nullptr);
  EXPECT_EQ(registry.value().currencies().get(linear->settlement_currency).code, "USDC");
  for (const Instrument& ins : registry.value().all()) EXPECT_EQ(&registry.value().get(ins.id), &ins);
}

TEST(InstrumentConfig, OptionTicksFollowTheDeribitSchedule) {
  auto registry = load_default_instruments();
  ASSERT_TRUE(registry.ok());
  const Instrument& option = *registry.value().find("BTC-25DEC26-90000-C");
  // 0.0001 below 0.005, 0.0005 from 0.005 up; Price counts 0.0001s.
  EXPECT_EQ(option.price_from_decimal(parse_decimal("0.0049").value()).value(), Price{49});
  EXPECT_EQ(option.price_from_decimal(parse_decimal("0.0105").value()).value(), Price{105});
  EXPECT_EQ(option.price_from_decimal(parse_decimal("0.0051").value()).error(), Errc::bad_tick_size);
  EXPECT_EQ(option.price_from_decimal(parse_decimal("0.00005").value()).error(), Errc::precision_loss);
  EXPECT_EQ(option.price_from_decimal(parse_decimal("0").value()).error(), Errc::out_of_range);
  EXPECT_EQ(format_decimal(option.price_to_decimal(Price{105})), "0.0105");
  EXPECT_EQ(option.qty_from_amount(parse_decimal("1.5").value()).value(), Qty{15});
  EXPECT_EQ(option.qty_from_amount(parse_decimal("0.15").value()).error(), Errc::precision_loss);
  EXPECT_EQ(format_decimal(option.amount_of(Qty{15})), "1.5");
}

TEST(InstrumentConfig, MissingFieldNamesFileEntryAndField) {
  auto r = parse_instrument_config(with_instrument(R"(name = "BTC-PERPETUAL"
contract_size = "10"
tick_size = "0.5")"), "venue.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::config_missing_field);
  EXPECT_EQ(r.error().detail, "venue.toml: instrument[0] (BTC-PERPETUAL): min_trade_amount");
}

TEST(InstrumentConfig, BadTickSizeIsRefusedWithItsField) {
  auto zero = parse_instrument_config(with_instrument(R"(name = "BTC-PERPETUAL"
contract_size = "10"
min_trade_amount = "10"
tick_size = "0")"), "venue.toml");
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code, Errc::bad_tick_size);
  EXPECT_NE(zero.error().detail.find("venue.toml: instrument[0] (BTC-PERPETUAL): tick_size"), std::string::npos) << zero.error().detail;

  auto off_grid = parse_instrument_config(with_instrument(R"(name = "BTC-PERPETUAL"
contract_size = "10"
min_trade_amount = "10"
tick_size = "0.0001"
tick_steps = [{ above_price = "0.005", tick_size = "0.00015" }])"), "venue.toml");
  ASSERT_FALSE(off_grid.ok());
  EXPECT_EQ(off_grid.error().code, Errc::bad_tick_size);

  auto as_float = parse_instrument_config(with_instrument(R"(name = "BTC-PERPETUAL"
contract_size = "10"
min_trade_amount = "10"
tick_size = 0.5)"), "venue.toml");
  ASSERT_FALSE(as_float.ok());
  EXPECT_EQ(as_float.error().code, Errc::config_bad_value);
  EXPECT_NE(as_float.error().detail.find("tick_size: write decimals as strings"), std::string::npos) << as_float.error().detail;
}

TEST(InstrumentConfig, UnknownCurrencyIsNamed) {
  auto r = parse_instrument_config(with_instrument(R"(name = "ETH-PERPETUAL"
contract_size = "1"
min_trade_amount = "1"
tick_size = "0.05")"), "venue.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unknown_currency);
  EXPECT_EQ(r.error().detail, "venue.toml: instrument[0] (ETH-PERPETUAL): name: currency ETH is not defined in [[currency]]");
  EXPECT_EQ(r.error().to_string(),
            "unknown_currency: unknown currency: venue.toml: instrument[0] (ETH-PERPETUAL): name: currency ETH is not defined in [[currency]]");
}

TEST(InstrumentConfig, TyposDuplicatesAndSyntaxErrorsAreRefused) {
  auto typo = parse_instrument_config(with_instrument(R"(name = "BTC-PERPETUAL"
contract_size = "10"
min_trade_amount = "10"
tick_sise = "0.5")"), "venue.toml");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().detail, "venue.toml: instrument[0] (BTC-PERPETUAL): tick_sise: unknown field");

  const std::string perp = R"(name = "BTC-PERPETUAL"
contract_size = "10"
min_trade_amount = "10"
tick_size = "0.5"
)";
  auto duplicate = parse_instrument_config(with_instrument(perp) + "\n[[instrument]]\n" + perp, "venue.toml");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, Errc::duplicate_instrument);
  EXPECT_NE(duplicate.error().detail.find("instrument[1]"), std::string::npos);

  auto syntax = parse_instrument_config("[[currency]\ncode = ", "venue.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code, Errc::config_syntax);
  EXPECT_EQ(syntax.error().detail.rfind("venue.toml:1:", 0), 0u) << syntax.error().detail;

  auto bad_name = parse_instrument_config(with_instrument(R"(name = "BTC-PERP"
contract_size = "10"
min_trade_amount = "10"
tick_size = "0.5")"), "venue.toml");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.error().code, Errc::invalid_instrument_name);
  EXPECT_EQ(bad_name.error().detail, "venue.toml: instrument[0] (BTC-PERP): name: 'BTC-PERP'");
}

TEST(InstrumentConfig, UnreadableFileIsNamed) {
  auto r = load_instruments("/nonexistent/instruments.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::config_unreadable);
  EXPECT_EQ(r.error().detail, "/nonexistent/instruments.toml");
}

}  // namespace
}  // namespace strike
