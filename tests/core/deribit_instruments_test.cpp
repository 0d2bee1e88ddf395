// Real data: Deribit public/get_instruments responses recorded in 2021 (BTC, ETH, SOL, USDC).
// Source: GitHub bmoscon/cryptofeed, sample_data/DERIBIT.0 (commit ce58c2a0); see
// ../shared/data/README.md. This product includes software developed by Bryant Moscon.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/instrument_registry.hpp"

namespace strike {
namespace {

const std::filesystem::path kFile = std::filesystem::path(STRIKE_SHARED_DATA_DIR) / "deribit/http_instruments_2021.txt";

CurrencyTable all_deribit_currencies() {
  CurrencyTable t;
  for (const char* code : {"BTC", "ETH", "SOL", "USDC", "USD", "UNI", "XRP", "LTC", "NEAR", "DOGE", "ALGO", "TRX", "DOT",
                           "LINK", "ADA", "BCH", "MATIC", "AVAX"})
    (void)t.add(code, 8);
  return t;
}

// Lines are "URL -> time: JSON"; only public/get_instruments responses are used.
std::vector<std::pair<std::string, std::string>> responses() {
  std::vector<std::pair<std::string, std::string>> out;
  std::ifstream in(kFile);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("https://", 0) != 0 || line.find("get_instruments") == std::string::npos) continue;
    const auto colon = line.find(": {");
    out.emplace_back(line.substr(0, line.find(' ')), line.substr(colon + 2));
  }
  return out;
}

TEST(DeribitInstruments, EveryRecordedInstrumentLoadsAndItsNameRoundTrips) {
  if (!std::filesystem::exists(kFile)) GTEST_SKIP() << "real data absent: " << kFile;
  std::size_t total = 0, options = 0, futures = 0, perpetuals = 0, linear = 0;
  for (const auto& [url, json] : responses()) {
    auto registry = parse_deribit_instruments(json, url, all_deribit_currencies());
    ASSERT_TRUE(registry.ok()) << registry.error().to_string();
    for (const Instrument& ins : registry.value().all()) {
      EXPECT_EQ(format_instrument_name(parse_instrument_name(ins.name).value()), ins.name);
      EXPECT_EQ(format_instrument_name(ins.symbol), ins.name);
      ++total;
      options += ins.kind == InstrumentKind::option;
      futures += ins.kind == InstrumentKind::future;
      perpetuals += ins.kind == InstrumentKind::perpetual;
      linear += ins.settlement == Settlement::linear;
    }
  }
  // Counted independently from the file (one instrument object per "instrument_name").
  std::ifstream in(kFile);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t in_file = 0;
  for (auto pos = text.find("\"instrument_name\""); pos != std::string::npos; pos = text.find("\"instrument_name\"", pos + 1)) ++in_file;
  EXPECT_EQ(total, in_file);
  EXPECT_GT(options, 900u);
  EXPECT_GT(futures, 10u);
  EXPECT_GT(perpetuals, 15u);
  EXPECT_GT(linear, 10u);
}

TEST(DeribitInstruments, NumbersAreReadExactly) {
  if (!std::filesystem::exists(kFile)) GTEST_SKIP() << "real data absent: " << kFile;
  for (const auto& [url, json] : responses()) {
    auto registry = parse_deribit_instruments(json, url, all_deribit_currencies());
    ASSERT_TRUE(registry.ok());
    if (const Instrument* doge = registry.value().find("DOGE_USDC-PERPETUAL")) {
      EXPECT_EQ(doge->ticks.finest(), (Decimal{1, 5}));  // written 1e-05 in the JSON
      EXPECT_EQ(doge->contract_size, (Decimal{100, 0}));
    }
    if (const Instrument* perp = registry.value().find("BTC-PERPETUAL")) {
      EXPECT_EQ(perp->ticks.finest(), (Decimal{5, 1}));
      EXPECT_EQ(perp->taker_fee, (Decimal{5, 4}));
      EXPECT_EQ(perp->settlement, Settlement::inverse);
    }
  }
}

TEST(DeribitInstruments, ContradictionsAndGarbageAreTypedErrors) {
  const std::string good =
      R"({"tick_size":0.0005,"taker_commission":0.0003,"strike":40000.0,"quote_currency":"BTC","option_type":"put",)"
      R"("min_trade_amount":0.1,"maker_commission":0.0003,"kind":"option","instrument_name":"BTC-24SEP21-40000-P",)"
      R"("expiration_timestamp":1632470400000,"contract_size":1.0,"base_currency":"BTC"})";
  ASSERT_TRUE(parse_deribit_instruments("[" + good + "]", "x.json", all_deribit_currencies()).ok());

  std::string wrong_strike = good;
  wrong_strike.replace(wrong_strike.find("40000.0"), 7, "41000.0");
  auto r = parse_deribit_instruments("[" + wrong_strike + "]", "x.json", all_deribit_currencies());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().detail, "x.json: result[0] (BTC-24SEP21-40000-P): strike: contradicts the name");

  std::string wrong_expiry = good;
  wrong_expiry.replace(wrong_expiry.find("1632470400000"), 13, "1632470400001");
  EXPECT_EQ(parse_deribit_instruments("[" + wrong_expiry + "]", "x.json", all_deribit_currencies()).error().code, Errc::config_bad_value);

  EXPECT_EQ(parse_deribit_instruments("[{\"instrument_name\":", "x.json", all_deribit_currencies()).error().code, Errc::config_syntax);
  EXPECT_EQ(parse_deribit_instruments("{\"error\":1}", "x.json", all_deribit_currencies()).error().code, Errc::config_syntax);
  EXPECT_EQ(parse_deribit_instruments("[" + good + "]", "x.json", CurrencyTable{}).error().code, Errc::unknown_currency);
}

}  // namespace
}  // namespace strike
