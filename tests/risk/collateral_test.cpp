// Margin models: segregated currencies stand alone; cross collateral values every currency in
// USD with haircuts on collateral, never on debts or requirements, rounding against the account.
#include <gtest/gtest.h>

#include "risk/collateral.hpp"

namespace strike::risk {
namespace {

constexpr std::int64_t kSat = 100'000'000, kGwei = 1'000'000'000, kMicro = 1'000'000;
constexpr std::int64_t kRef = 100'000'000;  // RefPrice units per USD

struct Fixture {
  InstrumentRegistry registry = load_default_instruments().value();
  RiskConfig config{registry.currencies()};
  CurrencyId currency(std::string_view code) const { return registry.currencies().find(code)->id; }
};

TEST(Collateral, MarginModelsUseDeribitsNames) {
  for (MarginModel m : {MarginModel::segregated_sm, MarginModel::cross_sm, MarginModel::segregated_pm, MarginModel::cross_pm})
    EXPECT_EQ(parse_margin_model(to_string(m)).value(), m);
  EXPECT_EQ(parse_margin_model("cross").error(), Errc::rpc_bad_param);
  EXPECT_TRUE(is_cross(MarginModel::cross_pm) && is_portfolio(MarginModel::cross_pm));
  EXPECT_FALSE(is_cross(MarginModel::segregated_pm) || is_portfolio(MarginModel::cross_sm));
}

TEST(Collateral, ASegregatedCurrencyHasItsEquityMinusItsInitialMarginAvailable) {
  auto f = segregated_funds(CurrencyState{CurrencyId{0}, 1 * kSat, 30'000'000, 15'000'000, RefPrice{}});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.value(), (Funds{kSat, kSat, 30'000'000, 15'000'000, 70'000'000}));
  auto short_of = segregated_funds(CurrencyState{CurrencyId{0}, 10, 30, 15, RefPrice{}});
  ASSERT_TRUE(short_of.ok());
  EXPECT_EQ(short_of->available, -20);
}

// BTC: equity 1 BTC at 60,000 USD, IM 0.1, MM 0.05 BTC, haircut 2%;
// ETH: equity -0.5 ETH at 3,000 USD (a debt: counted in full);
// USDC: equity 10,000, IM 2,000, MM 1,000 USDC at 1 USD, no haircut.
//   margin balance      = 60,000 x 0.98 - 1,500 + 10,000 = 67,300 USD
//   maintenance balance = 60,000 - 1,500 + 10,000 = 68,500 USD
//   IM = 6,000 + 2,000 = 8,000 USD, MM = 3,000 + 1,000 = 4,000 USD, available 59,300 USD
TEST(Collateral, CrossCollateralCountsEveryCurrencyInUsdWithHaircutsOnCollateralOnly) {
  Fixture fx;
  fx.config.get(fx.currency("BTC")).collateral_haircut = Decimal{2, 2};
  fx.config.get(fx.currency("ETH")).collateral_haircut = Decimal{5, 2};  // not applied to a debt
  const CurrencyState states[] = {
      {fx.currency("BTC"), kSat, kSat / 10, kSat / 20, RefPrice{60'000 * kRef}},
      {fx.currency("ETH"), -kGwei / 2, 0, 0, RefPrice{3'000 * kRef}},
      {fx.currency("USDC"), 10'000 * kMicro, 2'000 * kMicro, 1'000 * kMicro, RefPrice{kRef}},
  };
  auto f = cross_funds(states, fx.config, fx.registry.currencies());
  ASSERT_TRUE(f.ok()) << name(f.error());
  EXPECT_EQ(f.value(), (Funds{67'300 * kMicro, 68'500 * kMicro, 8'000 * kMicro, 4'000 * kMicro, 59'300 * kMicro}));
  // Per currency (Deribit's summary in a cross account): the totals at each currency's price.
  auto per = account_funds(MarginModel::cross_pm, states, fx.config, fx.registry.currencies());
  ASSERT_TRUE(per.ok());
  ASSERT_EQ(per->size(), 3u);
  EXPECT_EQ((*per)[0].available, 98'833'333);    // 59,300 / 60,000 BTC, rounded down
  EXPECT_EQ((*per)[0].initial, 13'333'334);      // 8,000 / 60,000 BTC, rounded up
  EXPECT_EQ((*per)[2].available, 59'300 * kMicro);
  // The same states segregated: each currency alone.
  auto seg = account_funds(MarginModel::segregated_sm, states, fx.config, fx.registry.currencies());
  ASSERT_TRUE(seg.ok());
  EXPECT_EQ((*seg)[0].available, kSat - kSat / 10);
  EXPECT_EQ((*seg)[1].available, -kGwei / 2);
}

TEST(Collateral, ConversionsRoundAgainstTheAccount) {
  // 1 sat at 60,000.12345678 USD is 600.0012345678 micro-USD.
  const RefPrice price{6'000'012'345'678};
  EXPECT_EQ(units_to_usd(1, price, 8, Rounding::down).value(), 600);
  EXPECT_EQ(units_to_usd(1, price, 8, Rounding::up).value(), 601);
  EXPECT_EQ(units_to_usd(-1, price, 8, Rounding::down).value(), -601);  // a debt grows
  // 1 USD at 60,000 USD/BTC is 1,666.67 sat.
  EXPECT_EQ(usd_to_units(kMicro, RefPrice{60'000 * kRef}, 8, Rounding::down).value(), 1'666);
  EXPECT_EQ(usd_to_units(kMicro, RefPrice{60'000 * kRef}, 8, Rounding::up).value(), 1'667);
}

TEST(Collateral, ACurrencyInUseNeedsAPriceAndRequirementsAreNeverNegative) {
  Fixture fx;
  const CurrencyState no_price[] = {{fx.currency("BTC"), kSat, 0, 0, RefPrice{}}};
  EXPECT_EQ(cross_funds(no_price, fx.config, fx.registry.currencies()).error(), Errc::no_index_price);
  const CurrencyState unused[] = {{fx.currency("BTC"), 0, 0, 0, RefPrice{}},
                                  {fx.currency("USDC"), kMicro, 0, 0, RefPrice{kRef}}};
  auto f = cross_funds(unused, fx.config, fx.registry.currencies());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->available, kMicro);
  const CurrencyState negative[] = {{fx.currency("USDC"), kMicro, -1, 0, RefPrice{kRef}}};
  EXPECT_EQ(cross_funds(negative, fx.config, fx.registry.currencies()).error(), Errc::out_of_range);
  EXPECT_EQ(segregated_funds(negative[0]).error(), Errc::out_of_range);
}

}  // namespace
}  // namespace strike::risk
