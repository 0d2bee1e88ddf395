// Hand-computed examples: each expected number is worked out in the comment above it.
#include <gtest/gtest.h>

#include "clearing/clearing.hpp"

namespace strike::clearing {
namespace {

constexpr std::int64_t kSat = 100'000'000;      // per BTC
constexpr std::int64_t kMicro = 1'000'000;      // per USDC
constexpr std::int64_t kRef = 100'000'000;      // reference units per USD / per BTC

class ClearingExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = load_default_instruments();
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    registry_ = std::move(r.value());
    clearing_ = std::make_unique<Clearing>(registry_);
    btc_ = registry_.currencies().find("BTC")->id;
    usdc_ = registry_.currencies().find("USDC")->id;
    for (int i = 0; i < 3; ++i) {
      accounts_.push_back(clearing_->create_account(std::nullopt).value());
      ASSERT_TRUE(clearing_->deposit(accounts_.back(), Money{btc_, 10 * kSat}).ok());
      ASSERT_TRUE(clearing_->deposit(accounts_.back(), Money{usdc_, 1'000'000 * kMicro}).ok());
    }
  }
  InstrumentId id(std::string_view name) const { return registry_.find(name)->id; }
  std::int64_t balance(AccountId a, CurrencyId c) const {
    return clearing_->ledger().balance(LedgerAccount::user(a), c);
  }
  void expect_valid() const {
    auto problem = clearing_->validate();
    EXPECT_FALSE(problem) << *problem;
  }
  void at(std::int64_t seconds) { clearing_->begin_command(SeqNo{++seq_}, Timestamp::from_ns(seconds * kNsPerSecond)); }

  InstrumentRegistry registry_;
  std::unique_ptr<Clearing> clearing_;
  CurrencyId btc_, usdc_;
  std::vector<AccountId> accounts_;
  std::uint64_t seq_ = 0;
};

TEST_F(ClearingExamples, InverseFuturesPnlIsNotionalTimesTheDifferenceOfReciprocals) {
  const InstrumentId perp = id("BTC-PERPETUAL");  // 10 USD lots, 0.5 USD ticks, taker 0.05%, maker 0
  const AccountId a = accounts_[0], b = accounts_[1], c = accounts_[2];
  // A buys 1000 USD (100 lots) at 50000 (100000 ticks) from maker B.
  // Value: 1000 / 50000 BTC = 0.02 BTC = 2,000,000 sat. A's taker fee: 0.0005 * 2,000,000 = 1,000 sat.
  auto f1 = clearing_->on_fill(Fill{perp, 1, a, b, false, Price{100'000}, Qty{100}});
  EXPECT_EQ(f1.buyer_fee.units(), 1'000);
  EXPECT_EQ(f1.seller_fee.units(), 0);
  // A sells the 1000 USD at 55000 (110000 ticks) to maker C.
  // Value: 1000 / 55000 BTC = 1,818,181.8 sat -> 1,818,182 (half-even, both sides alike).
  // A's PnL: 2,000,000 - 1,818,182 = 181,818 sat (exactly 1000 * (1/50000 - 1/55000) = 181,818.18).
  // A's fee: 0.0005 * 1,818,182 = 909.091 -> 910 sat (a charge rounds up).
  auto f2 = clearing_->on_fill(Fill{perp, 2, c, a, true, Price{110'000}, Qty{100}});
  EXPECT_EQ(f2.seller_pnl.units(), 181'818);
  EXPECT_EQ(f2.seller_fee.units(), 910);
  EXPECT_EQ(f2.buyer_pnl.units(), 0);  // C opens
  EXPECT_EQ(balance(a, btc_), 10 * kSat + 181'818 - 1'000 - 910);
  EXPECT_EQ(clearing_->position(a, perp)->size, 0);
  // B is short 1000 USD from 50000 (basis -2,000,000) and C long from 55000 (basis +1,818,182):
  // the pool holds the sum of their bases, -181,818, having advanced A's gain, which B owes.
  EXPECT_EQ(clearing_->position(b, perp)->basis, -2'000'000);
  EXPECT_EQ(clearing_->position(c, perp)->basis, 1'818'182);
  EXPECT_EQ(clearing_->ledger().balance(LedgerAccount::venue(VenueAccount::clearing, perp), btc_), -181'818);
  expect_valid();
}

TEST_F(ClearingExamples, AnInverseCallExpiresAtItsIntrinsicValueInCoin) {
  const InstrumentId call = id("BTC-25DEC26-100000-C");  // 0.1 BTC lots, 0.0001 BTC ticks
  const AccountId a = accounts_[0], b = accounts_[1];
  // A buys 1 BTC (10 lots) at 0.05 BTC (500 ticks) from B: premium 0.05 BTC = 5,000,000 sat.
  // Fee: 0.0003 * 1 BTC = 30,000 sat, under the cap of 12.5% * 5,000,000 = 625,000.
  auto f = clearing_->on_fill(Fill{call, 1, a, b, false, Price{500}, Qty{10}});
  EXPECT_EQ(f.premium.units(), 5'000'000);
  EXPECT_EQ(f.buyer_fee.units(), 30'000);
  // The index is 110000 for the whole 30 minutes before expiry (and 200000 for an instant before
  // the window, which the average must ignore).
  const Timestamp expiry = registry_.get(call).expiry;
  const std::int64_t t = expiry.ns() / kNsPerSecond;
  at(t - 3600);
  ASSERT_TRUE(clearing_->set_index(btc_, RefPrice{200'000 * kRef}).ok());
  at(t - 1800);
  ASSERT_TRUE(clearing_->set_index(btc_, RefPrice{110'000 * kRef}).ok());
  at(t);
  auto s = clearing_->settle_expiry(call, expiry);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->price.raw(), 110'000 * kRef);
  // Payoff per BTC: (110000 - 100000) / 110000 = 0.090909090909 BTC = 9,090,909.09 sat.
  // The long receives 9,090,909 (down); the short pays 9,090,910 (down on -9,090,909.09); 1 sat residue.
  EXPECT_EQ(balance(a, btc_), 10 * kSat - 5'000'000 - 30'000 + 9'090'909);
  EXPECT_EQ(balance(b, btc_), 10 * kSat + 5'000'000 - 30'000 - 9'090'910);
  EXPECT_EQ(s->residue, 1);
  EXPECT_EQ(clearing_->ledger().balance(LedgerAccount::venue(VenueAccount::rounding), btc_), 1);
  EXPECT_EQ(clearing_->position(a, call)->size, 0);
  expect_valid();
}

TEST_F(ClearingExamples, AFundingPaymentMovesClampedPremiumTimesNotionalFromLongsToShorts) {
  const InstrumentId perp = id("BTC_USDC-PERPETUAL");  // 0.001 BTC lots, 1 USDC ticks
  const AccountId a = accounts_[0], b = accounts_[1];
  // A buys 0.333 BTC (333 lots) at 50000 USDC from B.
  (void)clearing_->on_fill(Fill{perp, 1, a, b, true, Price{50'000}, Qty{333}});
  const std::int64_t a_before = balance(a, usdc_), b_before = balance(b, usdc_);
  // Index 50000, mark 50001.5: premium 1.5 / 50000 = 0.00003, inside the 0.05% clamp.
  ASSERT_TRUE(clearing_->set_index(btc_, RefPrice{50'000 * kRef}).ok());
  ASSERT_TRUE(clearing_->set_mark(perp, RefPrice{50'001 * kRef + kRef / 2}).ok());
  auto r = clearing_->apply_funding(perp);
  ASSERT_TRUE(r.ok());
  // Notional at the mark: 0.333 * 50001.5 = 16,650.4995 USDC = 16,650,499,500 micro.
  // Payment: 16,650,499,500 * 0.00003 = 499,514.985 micro: the long pays 499,515 (up), the
  // short receives 499,514 (down); the 1 micro residue goes to the rounding account.
  EXPECT_EQ(balance(a, usdc_) - a_before, -499'515);
  EXPECT_EQ(balance(b, usdc_) - b_before, 499'514);
  EXPECT_EQ(r->residue, 1);
  expect_valid();
}

TEST_F(ClearingExamples, FundingBeyondTheClampPaysTheClamp) {
  const InstrumentId perp = id("BTC_USDC-PERPETUAL");
  const AccountId a = accounts_[0], b = accounts_[1];
  (void)clearing_->on_fill(Fill{perp, 1, a, b, true, Price{50'000}, Qty{1000}});  // 1 BTC
  ASSERT_TRUE(clearing_->set_index(btc_, RefPrice{50'000 * kRef}).ok());
  ASSERT_TRUE(clearing_->set_mark(perp, RefPrice{49'000 * kRef}).ok());  // premium -2%: clamped to -0.05%
  const std::int64_t a_before = balance(a, usdc_);
  auto r = clearing_->apply_funding(perp);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rate_num * 10'000, -5 * r->rate_den);
  // Negative rate: shorts pay longs. 1 BTC * 49000 * 0.0005 = 24.5 USDC.
  EXPECT_EQ(balance(a, usdc_) - a_before, 24'500'000);
  expect_valid();
}

TEST_F(ClearingExamples, AnOptionFeeStopsAtItsCap) {
  const InstrumentId call = id("BTC-25DEC26-140000-C");
  // 1 BTC at 0.0010 BTC (10 ticks): premium 100,000 sat. Rate fee 0.0003 * 1 BTC = 30,000 sat,
  // above the cap of 12.5% * 100,000 = 12,500 sat: the fee is 12,500.
  auto f = clearing_->on_fill(Fill{call, 1, accounts_[0], accounts_[1], false, Price{10}, Qty{10}});
  EXPECT_EQ(f.premium.units(), 100'000);
  EXPECT_EQ(f.buyer_fee.units(), 12'500);
  EXPECT_EQ(f.seller_fee.units(), 12'500);
  expect_valid();
}

TEST_F(ClearingExamples, AWithdrawalBeyondTheAvailableBalanceIsRefusedAndChangesNothing) {
  const AccountId a = accounts_[0];
  const std::uint64_t entries = clearing_->ledger().entry_count();
  auto r = clearing_->withdraw(a, Money{btc_, 10 * kSat + 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errc::insufficient_funds);
  EXPECT_EQ(balance(a, btc_), 10 * kSat);
  EXPECT_EQ(clearing_->ledger().entry_count(), entries);
  EXPECT_TRUE(clearing_->withdraw(a, Money{btc_, 10 * kSat}).ok());
  EXPECT_EQ(balance(a, btc_), 0);
  expect_valid();
}

TEST_F(ClearingExamples, TransfersStayWithinOneOwner) {
  const AccountId main = accounts_[0];
  const AccountId sub = clearing_->create_account(main).value();
  EXPECT_EQ(clearing_->owner_of(sub), main);
  EXPECT_TRUE(clearing_->transfer(main, sub, Money{btc_, kSat}).ok());
  EXPECT_EQ(balance(sub, btc_), kSat);
  EXPECT_TRUE(clearing_->transfer(sub, main, Money{btc_, kSat / 2}).ok());
  auto other = clearing_->transfer(sub, accounts_[1], Money{btc_, 1});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error(), Errc::not_same_owner);
  auto sub_of_sub = clearing_->create_account(sub);
  ASSERT_FALSE(sub_of_sub.ok());
  EXPECT_EQ(sub_of_sub.error(), Errc::unknown_account);
  expect_valid();
}

TEST_F(ClearingExamples, ATransferToTheSameAccountIsRefusedAndPostsNothing) {
  const AccountId a = accounts_[0];
  const std::uint64_t entries = clearing_->ledger().entry_count();
  const std::uint64_t digest = clearing_->ledger().digest();
  auto self = clearing_->transfer(a, a, Money{btc_, kSat});
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error(), Errc::transfer_to_self);
  EXPECT_EQ(clearing_->ledger().entry_count(), entries);
  EXPECT_EQ(clearing_->ledger().digest(), digest);
  EXPECT_EQ(balance(a, btc_), 10 * kSat);
  expect_valid();
}

TEST_F(ClearingExamples, DepositsOfTheUnitOfAccountAndNonPositiveAmountsAreRefused) {
  const CurrencyId usd = registry_.currencies().find("USD")->id;
  EXPECT_EQ(clearing_->deposit(accounts_[0], Money{usd, 100}).error(), Errc::currency_not_held);
  EXPECT_EQ(clearing_->deposit(accounts_[0], Money{btc_, 0}).error(), Errc::invalid_amount);
  EXPECT_EQ(clearing_->deposit(accounts_[0], Money{btc_, -5}).error(), Errc::invalid_amount);
  EXPECT_EQ(clearing_->deposit(AccountId{99}, Money{btc_, 5}).error(), Errc::unknown_account);
  expect_valid();
}

TEST_F(ClearingExamples, EquityFollowsTheMark) {
  const InstrumentId fut = id("BTC-25DEC26");  // 10 USD lots, 2.5 USD ticks
  const AccountId a = accounts_[0], b = accounts_[1];
  // A long 10000 USD at 50000: value 0.2 BTC. At a mark of 40000 the position is worth
  // 10000 / 40000 = 0.25 BTC of USD exposure: PnL 0.2 - 0.25 = -0.05 BTC = -5,000,000 sat.
  (void)clearing_->on_fill(Fill{fut, 1, a, b, true, Price{20'000}, Qty{1000}});
  ASSERT_TRUE(clearing_->set_mark(fut, RefPrice{40'000 * kRef}).ok());
  const CurrencySummary s = clearing_->summary(a, btc_);
  EXPECT_EQ(s.futures_pnl, -5'000'000);
  EXPECT_EQ(s.equity, s.balance - 5'000'000);
  EXPECT_EQ(s.available_withdrawal, s.equity);
  // B's PnL is the mirror image.
  EXPECT_EQ(clearing_->summary(b, btc_).futures_pnl, 5'000'000);
}

TEST_F(ClearingExamples, SessionPnlCountsWhatWasRealizedSinceTheLast0800Settlement) {
  const InstrumentId perp = id("BTC-PERPETUAL");
  const AccountId a = accounts_[0], b = accounts_[1], c = accounts_[2];
  constexpr std::int64_t kDay = 86'400, kEight = 8 * 3'600;
  const std::int64_t day = 20'000 * kDay;  // 2024-10-04T00:00Z
  // 07:00: A buys 1000 USD at 50000 and sells them at 55000: realizes 181,818 sat (as above).
  at(day + 7 * 3'600);
  (void)clearing_->on_fill(Fill{perp, 1, a, b, false, Price{100'000}, Qty{100}});
  (void)clearing_->on_fill(Fill{perp, 2, c, a, true, Price{110'000}, Qty{100}});
  EXPECT_EQ(clearing_->summary(a, btc_).session_realized_pnl, 181'818);
  // The position is closed: realized_pl (open positions) no longer shows it, the session does.
  EXPECT_EQ(clearing_->summary(a, btc_).realized_pnl, 0);
  // 08:00 starts the next session: nothing realized in it yet.
  at(day + kEight);
  EXPECT_EQ(clearing_->summary(a, btc_).session_realized_pnl, 0);
  // 09:00: A buys 1000 USD at 55000 and sells them at 50000: 1000 * (1/55000 - 1/50000) BTC
  // = -181,818 sat (1,818,182 paid in, 2,000,000 out, in the reciprocal's terms).
  at(day + kEight + 3'600);
  (void)clearing_->on_fill(Fill{perp, 3, a, c, false, Price{110'000}, Qty{100}});
  (void)clearing_->on_fill(Fill{perp, 4, b, a, true, Price{100'000}, Qty{100}});
  EXPECT_EQ(clearing_->summary(a, btc_).session_realized_pnl, -181'818);
  // Since the position was first opened: the two sessions cancel out.
  EXPECT_EQ(clearing_->position(a, perp)->realized_pnl, 0);
  expect_valid();
}

TEST_F(ClearingExamples, ALiquidationFeeGoesToTheInsuranceFundAndNeverBeyondTheBalance) {
  const AccountId a = accounts_[0];
  at(1);
  // 0.3 BTC of a 10 BTC balance: the account keeps 9.7, insurance holds 0.3.
  ASSERT_EQ(clearing_->charge_liquidation_fee(a, Money{btc_, 30'000'000}).value().units(), 30'000'000);
  EXPECT_EQ(balance(a, btc_), 10 * kSat - 30'000'000);
  EXPECT_EQ(clearing_->ledger().balance(LedgerAccount::venue(VenueAccount::insurance), btc_), 30'000'000);
  // A fee larger than what is left takes the remaining 9.7 BTC and no more.
  ASSERT_EQ(clearing_->charge_liquidation_fee(a, Money{btc_, 20 * kSat}).value().units(), 10 * kSat - 30'000'000);
  EXPECT_EQ(balance(a, btc_), 0);
  EXPECT_EQ(clearing_->ledger().balance(LedgerAccount::venue(VenueAccount::insurance), btc_), 10 * kSat);
  EXPECT_EQ(clearing_->charge_liquidation_fee(a, Money{btc_, 0}).error(), Errc::invalid_amount);
  EXPECT_EQ(clearing_->charge_liquidation_fee(AccountId{99}, Money{btc_, 1}).error(), Errc::unknown_account);
  expect_valid();
}

TEST(IndexTwap, AveragesByTimeOverTheWindow) {
  IndexTwap twap(100);
  twap.update(Timestamp::from_ns(0), RefPrice{1000});
  twap.update(Timestamp::from_ns(150), RefPrice{2000});  // window [100, 200]: 1000 for 50, 2000 for 50
  twap.update(Timestamp::from_ns(200), RefPrice{9999});  // at the end instant: weight 0
  EXPECT_EQ(twap.average(Timestamp::from_ns(200)).value().raw(), 1500);
  EXPECT_EQ(twap.average(Timestamp::from_ns(175)).value().raw(), (1000 * 75 + 2000 * 25) / 100);  // [75, 175]
  IndexTwap empty;
  EXPECT_EQ(empty.average(Timestamp::from_ns(5)).error(), Errc::no_index_price);
}

}  // namespace
}  // namespace strike::clearing
