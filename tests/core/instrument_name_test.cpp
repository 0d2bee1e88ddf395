#include <gtest/gtest.h>

#include "core/instrument_name.hpp"

namespace strike {
namespace {

TEST(InstrumentName, ParsesEveryDeribitShape) {
  auto option = parse_instrument_name("BTC-27DEC24-50000-C").value();
  EXPECT_EQ(option.base, "BTC");
  EXPECT_FALSE(option.is_linear());
  EXPECT_EQ(option.kind, InstrumentKind::option);
  EXPECT_EQ(option.expiry, (Date{2024, 12, 27}));
  EXPECT_EQ(option.strike, (Decimal{50000, 0}));
  EXPECT_EQ(option.option_type, OptionType::call);

  auto linear_option = parse_instrument_name("XRP_USDC-27DEC24-0d625-C").value();
  EXPECT_EQ(linear_option.quote, "USDC");
  EXPECT_EQ(linear_option.strike, (Decimal{625, 3}));

  EXPECT_EQ(parse_instrument_name("BTC-27DEC24").value().kind, InstrumentKind::future);
  EXPECT_EQ(parse_instrument_name("BTC-PERPETUAL").value().kind, InstrumentKind::perpetual);
  auto linear_perp = parse_instrument_name("BTC_USDC-PERPETUAL").value();
  EXPECT_EQ(linear_perp.kind, InstrumentKind::perpetual);
  EXPECT_TRUE(linear_perp.is_linear());
  EXPECT_EQ(parse_instrument_name("ETH-6AUG21-1000-P").value().option_type, OptionType::put);
}

TEST(InstrumentName, FormatIsTheInverseOfParse) {
  for (const char* name : {"BTC-27DEC24-50000-C", "BTC-27DEC24", "BTC-PERPETUAL", "BTC_USDC-PERPETUAL",
                           "XRP_USDC-27DEC24-0d625-C", "ETH-6AUG21-1000-P", "SOL-3JUN22-50-P", "BTC_USDC-27DEC24"})
    EXPECT_EQ(format_instrument_name(parse_instrument_name(name).value()), name);
}

TEST(InstrumentName, RejectsNonCanonicalAndMalformedNames) {
  for (const char* bad : {"", "BTC", "btc-PERPETUAL", "BTC-PERP", "BTC-27DEC24-50000", "BTC-27DEC24-50000-X",
                          "BTC-27DEC24-050000-C", "BTC-27DEC24-0d6250-C", "BTC-27DEC24-0-C", "BTC-27DEC24-1d-C",
                          "BTC-27DEC24-d5-C", "BTC-07DEC24", "BTC-31NOV24", "BTC_-PERPETUAL", "BTC-PERPETUAL-",
                          "BTC--PERPETUAL", "BTC-27DEC24-5e3-C", "BTC-27DEC24-50000-C-X"})
    EXPECT_EQ(parse_instrument_name(bad).error(), Errc::invalid_instrument_name) << bad;
}

}  // namespace
}  // namespace strike
