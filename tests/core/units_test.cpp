#include <gtest/gtest.h>

#include <type_traits>

#include "core/money.hpp"
#include "core/units.hpp"

namespace strike {
namespace {

TEST(Units, PriceAndQtyDoNotMix) {
  static_assert(!std::is_convertible_v<Price, Qty>);
  static_assert(!std::is_convertible_v<std::int64_t, Price>);
  static_assert(!std::is_convertible_v<OrderId, AccountId>);
  EXPECT_EQ((Price{5} + Price{7}).raw(), 12);
  EXPECT_EQ((-Qty{3}).raw(), -3);
}

TEST(UnitsDeathTest, AmountOverflowAbortsWithContext) {
  EXPECT_DEATH((void)(Qty{INT64_MAX} + Qty{1}), "invariant broken.*overflow");
}

TEST(Units, CheckedAmountsReportOverflow) {
  EXPECT_EQ(Qty::checked_add(Qty{INT64_MAX}, Qty{1}).error(), Errc::overflow);
  EXPECT_EQ(Price::checked_sub(Price{1}, Price{2}).value(), Price{-1});
}

TEST(Money, RefusesToMixCurrencies) {
  const Money btc{CurrencyId{0}, 100}, usdc{CurrencyId{2}, 100};
  EXPECT_EQ(Money::checked_add(btc, usdc).error(), Errc::currency_mismatch);
  EXPECT_EQ(Money::checked_add(btc, btc).value(), (Money{CurrencyId{0}, 200}));
  // A 0.03% fee on 123457 satoshi, against the account (a debit rounds away from zero).
  EXPECT_EQ(Money(CurrencyId{0}, -123457).scaled(3, 10'000, Rounding::against_account).value().units(), -38);
}

}  // namespace
}  // namespace strike
