// Standard margin: Deribit's real check values, hand-computed cases, and properties over random
// positions and orders.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "risk/standard_margin.hpp"

namespace strike::risk {
namespace {

Decimal dec(std::string_view text) { return parse_decimal(text).value(); }

struct Venue {
  InstrumentRegistry registry;
  RiskConfig config;
  StandardMargin margin(std::string_view name) const {
    auto m = StandardMargin::make(*registry.find(name), registry.currencies(), config);
    EXPECT_TRUE(m.ok()) << name << ": " << m.error().to_string();
    return std::move(m.value());
  }
};

Venue venue_from(std::string_view toml) {
  auto reg = parse_instrument_config(toml, "test.toml");
  EXPECT_TRUE(reg.ok()) << reg.error().to_string();
  Venue v{std::move(reg.value()), {}};
  v.config = RiskConfig(v.registry.currencies());
  return v;
}

Venue default_venue() {
  Venue v{load_default_instruments().value(), {}};
  v.config = RiskConfig(v.registry.currencies());
  return v;
}

// Deribit private/get_positions for a short 1 ETH-16JUN23-1950-C with index 1893.35 and mark
// 0.014587 ETH: initial_margin 0.13466616, maintenance_margin 0.089586671. The API rounds the
// mark to 6 decimals; the margin was computed from 0.014586671 (MM - 0.075 shows it).
//   OTM = 1950 - 1893.35 = 56.65; OTM/S = 0.02992051...; max(0.15 - 0.02992051, 0.10) = 0.12007949
//   IM = 0.12007949 + 0.014586671 = 0.134666160 (0.1346661597 rounded up to the gwei)
//   MM = 0.075 + 0.014586671 = 0.089586671 exactly
TEST(StandardMargin, AShortEthCallReproducesDeribitsMarginsToTheGwei) {
  const Venue v = venue_from(R"(
[[currency]]
code = "ETH"
decimals = 9
[[currency]]
code = "USD"
decimals = 2
[[instrument]]
name = "ETH-16JUN23-1950-C"
contract_size = "1"
min_trade_amount = "1"
tick_size = "0.0001"
)");
  const StandardMargin call = v.margin("ETH-16JUN23-1950-C");
  auto m = call.position(-1, MarginPrices{dec("1893.35"), dec("0.014586671")});
  ASSERT_TRUE(m.ok()) << name(m.error());
  EXPECT_EQ(m->initial, 134'666'160);     // 0.13466616 ETH
  EXPECT_EQ(m->maintenance, 89'586'671);  // 0.089586671 ETH
  // With the mark as the API shows it, the margins move by the mark's difference only.
  auto shown = call.position(-1, MarginPrices{dec("1893.35"), dec("0.014587")});
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown->maintenance, 89'587'000);
}

// Deribit: a BTC-PERPETUAL position of -130 USD (-0.00216529 BTC) has initial_margin 4.3306e-05
// and maintenance_margin 2.1653e-05 BTC. At a mark of 60038 the size is 0.0021652953 BTC:
//   value 216,530 sat (rounded up); IM = 216,530 x (2% + 0.00216530 x 0.005%) = 4,330.62 -> 4,331 sat
//   MM = 216,530 x (1% + 0.00216530 x 0.005%) = 2,165.32 -> 2,166 sat
// Deribit shows fractions of a satoshi; strike's units are whole satoshi rounded up, so each is
// at most one unit above Deribit's figure, never below.
TEST(StandardMargin, ABtcPerpetualReproducesDeribitsMarginsWithinOneSatoshi) {
  const Venue v = default_venue();
  const StandardMargin perp = v.margin("BTC-PERPETUAL");  // 10 USD lots
  auto m = perp.position(-13, MarginPrices{dec("60040"), dec("60038")});
  ASSERT_TRUE(m.ok()) << name(m.error());
  EXPECT_EQ(m->initial, 4'331);
  EXPECT_EQ(m->maintenance, 2'166);
  // Deribit's values in tenths of a satoshi: 43,306 and 21,653.
  EXPECT_GE(m->initial * 10, 43'306);
  EXPECT_LT(m->initial * 10 - 43'306, 10);
  EXPECT_GE(m->maintenance * 10, 21'653);
  EXPECT_LT(m->maintenance * 10 - 21'653, 10);
  auto value = perp.mark_value(-13, MarginPrices{dec("60040"), dec("60038")}, Rounding::down);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value.value(), 216'529);  // size_currency 0.00216529
}

// A linear future: 1 BTC of BTC_USDC-PERPETUAL (1000 lots of 0.001) at 100000 USDC is worth
// 100,000 USDC; IM = 100,000 x (2% + 1 x 0.005%) = 2,005 USDC, MM = 1,005 USDC.
TEST(StandardMargin, ALinearFutureMarginsItsUsdcValueWithTheIncreaseFactorPerCoin) {
  const Venue v = default_venue();
  const StandardMargin perp = v.margin("BTC_USDC-PERPETUAL");
  auto m = perp.position(1000, MarginPrices{dec("100000"), dec("100000")});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->initial, 2'005'000'000);
  EXPECT_EQ(m->maintenance, 1'005'000'000);
  auto short_side = perp.position(-1000, MarginPrices{dec("100000"), dec("100000")});
  ASSERT_TRUE(short_side.ok());
  EXPECT_EQ(short_side.value(), m.value());
}

// A linear put: BTC_USDC-25DEC26-90000-P (0.01 BTC lots), short 1 BTC (100 lots), S = 100000,
// mark 1500 USDC. OTM = 10000; IM = max(0.15 x 100000 - 10000, 0.10 x 100000) + 1500 = 11,500
// USDC; MM = max(0.075 x 100000, 0.075 x 1500) + 1500 = 9,000 USDC; IM = max(11,500, 9,000).
TEST(StandardMargin, ALinearOptionUsesTheConstantsTimesTheIndex) {
  const Venue v = default_venue();
  const StandardMargin put = v.margin("BTC_USDC-25DEC26-90000-P");
  auto m = put.position(-100, MarginPrices{dec("100000"), dec("1500")});
  ASSERT_TRUE(m.ok()) << name(m.error());
  EXPECT_EQ(m->initial, 11'500'000'000);
  EXPECT_EQ(m->maintenance, 9'000'000'000);
}

// A deep in-the-money inverse put whose coin mark exceeds 1: S = 40000, K = 100000, mark 1.5 BTC.
// MM = max(0.075, 0.075 x 1.5) + 1.5 = 1.6125; IM = max(max(0.15 - 0, 0.10) + 1.5, MM) = 1.65.
TEST(StandardMargin, AShortPutsInitialMarginIsNeverBelowItsMaintenance) {
  const Venue v = default_venue();
  const StandardMargin put = v.margin("BTC-25DEC26-100000-P");  // 0.1 BTC lots
  auto m = put.position(-10, MarginPrices{dec("40000"), dec("1.5")});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->maintenance, 161'250'000);
  EXPECT_EQ(m->initial, 165'000'000);
}

TEST(StandardMargin, MissingOrBadPricesAreTypedErrors) {
  const Venue v = default_venue();
  const StandardMargin call = v.margin("BTC-25DEC26-100000-C");
  const StandardMargin perp = v.margin("BTC-PERPETUAL");
  EXPECT_EQ(call.position(-1, MarginPrices{dec("0"), dec("0.05")}).error(), Errc::no_index_price);
  EXPECT_EQ(call.position(-1, MarginPrices{dec("100000"), dec("-0.05")}).error(), Errc::invalid_price);
  EXPECT_EQ(call.position(-1, MarginPrices{dec("100000"), dec("0.0000000000001")}).error(), Errc::precision_loss);
  EXPECT_EQ(perp.position(-1, MarginPrices{dec("0"), dec("0")}).error(), Errc::invalid_price);
  EXPECT_EQ(perp.position(-1, MarginPrices{dec("0"), dec("100000000000000")}).error(), Errc::out_of_range);
  EXPECT_EQ(perp.with_orders(1, OpenOrders{-1, 0, 0}, MarginPrices{dec("1"), dec("50000")}).error(), Errc::out_of_range);
  // Futures need no index.
  EXPECT_TRUE(perp.position(-1, MarginPrices{dec("0"), dec("50000")}).ok());
}

// --- properties ---------------------------------------------------------------------------------

struct Case {
  const Instrument* instrument;
  std::int64_t lots;
  MarginPrices prices;
};

// A random instrument of the default set with a plausible mark.
Case random_case(const InstrumentRegistry& reg, std::mt19937_64& rng) {
  const auto all = reg.all();
  const Instrument& ins = all[rng() % all.size()];
  const bool btc = reg.currencies().get(ins.base).code == "BTC";
  const std::int64_t index = btc ? 50'000 + static_cast<std::int64_t>(rng() % 100'000) : 1'000 + static_cast<std::int64_t>(rng() % 5'000);
  Decimal mark;
  if (ins.is_option())
    mark = ins.settlement == Settlement::inverse ? Decimal{static_cast<std::int64_t>(rng() % 20'000'000), 8}
                                                 : Decimal{static_cast<std::int64_t>(rng() % 30'000'000'000), 6};
  else
    mark = Decimal{index * 100 + static_cast<std::int64_t>(rng() % 1'000) - 500, 2};
  const std::int64_t lots = static_cast<std::int64_t>(rng() % 2'001) - 1'000;
  return Case{&ins, lots, MarginPrices{Decimal{index, 0}, mark}};
}

OpenOrders random_orders(const Case& c, std::mt19937_64& rng) {
  OpenOrders o;
  o.buy_lots = rng() % 3 == 0 ? 0 : static_cast<std::int64_t>(rng() % 1'500);
  o.sell_lots = rng() % 3 == 0 ? 0 : static_cast<std::int64_t>(rng() % 1'500);
  if (c.instrument->is_option()) o.buy_premium = o.buy_lots * static_cast<std::int64_t>(rng() % 5'000'000);
  return o;
}

TEST(StandardMarginProperties, AddingAnyOrderNeverLowersInitialMargin) {
  const Venue v = default_venue();
  const std::uint64_t seed = 20'260'110;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  for (int n = 0; n < 20'000; ++n) {
    const Case c = random_case(v.registry, rng);
    const StandardMargin m = v.margin(c.instrument->name);
    const OpenOrders before = random_orders(c, rng);
    OpenOrders after = before;
    const std::int64_t add = 1 + static_cast<std::int64_t>(rng() % 500);
    if (rng() & 1) {
      after.buy_lots += add;
      if (c.instrument->is_option()) after.buy_premium += add * static_cast<std::int64_t>(rng() % 5'000'000);
    } else {
      after.sell_lots += add;
    }
    auto a = m.with_orders(c.lots, before, c.prices);
    auto b = m.with_orders(c.lots, after, c.prices);
    ASSERT_TRUE(a.ok() && b.ok()) << c.instrument->name;
    ASSERT_GE(b->initial, a->initial) << c.instrument->name << " lots " << c.lots << " n " << n;
    ASSERT_GE(a->initial, a->position.initial);
  }
}

TEST(StandardMarginProperties, AnOrderThatOnlyReducesThePositionAddsNothing) {
  const Venue v = default_venue();
  const std::uint64_t seed = 20'260'111;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  for (int n = 0; n < 20'000; ++n) {
    Case c = random_case(v.registry, rng);
    if (c.lots == 0) c.lots = 1;
    const StandardMargin m = v.margin(c.instrument->name);
    const std::int64_t size = c.lots < 0 ? -c.lots : c.lots;
    const std::int64_t reduce = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(size));
    OpenOrders o;
    if (c.lots > 0) {
      o.sell_lots = reduce;
    } else {
      o.buy_lots = reduce;
      o.buy_premium = reduce * static_cast<std::int64_t>(rng() % 5'000'000);  // at any price
    }
    auto r = m.with_orders(c.lots, o, c.prices);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->initial, r->position.initial) << c.instrument->name << " lots " << c.lots << " reduce " << reduce;
  }
}

TEST(StandardMarginProperties, InitialMarginIsNeverBelowMaintenance) {
  const Venue v = default_venue();
  const std::uint64_t seed = 20'260'112;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  for (int n = 0; n < 20'000; ++n) {
    const Case c = random_case(v.registry, rng);
    auto r = v.margin(c.instrument->name).position(c.lots, c.prices);
    ASSERT_TRUE(r.ok());
    ASSERT_GE(r->maintenance, 0);
    ASSERT_GE(r->initial, r->maintenance) << c.instrument->name << " lots " << c.lots;
  }
}

TEST(StandardMarginProperties, ALongOptionsMarginIsItsPremium) {
  const Venue v = default_venue();
  const std::uint64_t seed = 20'260'113;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  int checked = 0;
  for (int n = 0; n < 20'000; ++n) {
    Case c = random_case(v.registry, rng);
    if (!c.instrument->is_option()) continue;
    c.lots = 1 + static_cast<std::int64_t>(rng() % 1'000);
    const StandardMargin m = v.margin(c.instrument->name);
    auto r = m.position(c.lots, c.prices);
    ASSERT_TRUE(r.ok());
    // The premium computed independently: lots x lot x mark in settlement units, rounded up.
    const Instrument& ins = *c.instrument;
    const int d = v.registry.currencies().get(ins.settlement_currency).decimals;
    const int128 num = static_cast<int128>(c.lots) * ins.min_trade_amount.units * c.prices.mark.units * pow10(d);
    const int128 den = static_cast<int128>(pow10(ins.min_trade_amount.scale)) * pow10(c.prices.mark.scale);
    const std::int64_t premium = static_cast<std::int64_t>((num + den - 1) / den);
    ASSERT_EQ(r->initial, premium) << ins.name;
    ASSERT_EQ(r->maintenance, premium) << ins.name;
    ++checked;
  }
  EXPECT_GT(checked, 1'000);
}

}  // namespace
}  // namespace strike::risk
