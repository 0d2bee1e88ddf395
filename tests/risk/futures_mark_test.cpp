// FuturesMark: index + EMA(30 s of venue time) of the book's premium, clamped; one-sided and
// empty books; rejections change nothing; replay and snapshots give the same bits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "risk/futures_mark.hpp"
#include "risk/numeric.hpp"

namespace strike::risk {
namespace {

constexpr std::int64_t kUsd = 100'000'000;  // RefPrice units per USD
RefPrice usd(double v) { return RefPrice{static_cast<std::int64_t>(std::llround(v * kUsd))}; }
Timestamp sec(double s) { return Timestamp::from_ns(static_cast<std::int64_t>(std::llround(s * 1e9))); }
BookTop top(double bid, double ask) { return {usd(bid), usd(ask)}; }

FuturesMark perpetual() { return FuturesMark::make({}).value(); }

TEST(FuturesMark, TheMarkIsTheIndexBeforeAnySample) {
  const FuturesMark m = perpetual();
  EXPECT_FALSE(m.has_sample());
  EXPECT_EQ(m.mark(sec(5), usd(9000)).value(), usd(9000));
}

TEST(FuturesMark, ThePremiumRelaxesTowardsTheBookExactlyAsAThirtySecondExponential) {
  FuturesMark m = perpetual();
  ASSERT_TRUE(m.update(sec(100), usd(9000), top(9010, 9012)));  // mid 9011: premium 11 USD held
  EXPECT_EQ(m.mark(sec(100), usd(9000)).value(), usd(9000));     // the EMA starts at 0
  for (double t : {1.0, 7.5, 30.0, 90.0, 600.0}) {
    const double expected = 11.0 * kUsd * (1 - std::exp(-t / 30.0));
    const RefPrice mark = m.mark(sec(100 + t), usd(9000)).value();
    EXPECT_NEAR(static_cast<double>(mark.raw() - usd(9000).raw()), expected, 0.5 + 1e-9 * expected) << "t=" << t;
  }
}

TEST(FuturesMark, IrregularSamplesFollowTheExactEmaOfTheHeldPremium) {
  // Reference: the EMA of the piecewise-constant premium, integrated in long double.
  std::mt19937_64 rng(11);
  std::printf("seed 11\n");
  std::uniform_real_distribution<double> u(0, 1);
  FuturesMark m = perpetual();
  long double ema = 0, held = 0, t = 0;
  bool started = false;
  for (int i = 0; i < 2000; ++i) {
    const double dt = std::floor(u(rng) * 20'000) / 1000;  // 0-20 s, whole ms
    const double index = 9000 + 50 * u(rng), mid = index + 40 * (u(rng) - 0.3);
    t += dt;
    if (started) ema = held + (ema - held) * std::exp(-static_cast<long double>(dt) / 30);
    started = true;
    const BookTop book = top(mid - 0.5, mid + 0.5);
    held = (book.bid->raw() + book.ask->raw()) / 2.0L - usd(index).raw();
    ASSERT_TRUE(m.update(sec(static_cast<double>(t)), usd(index), book));
    ASSERT_NEAR(m.premium_at(sec(static_cast<double>(t))), static_cast<double>(ema), 1e-3) << "sample " << i;
  }
}

TEST(FuturesMark, SamplingTheSameBookMoreOftenGivesTheSameMark) {
  // Cadence does not matter while the book and index stand still: the EMA is exact in time.
  FuturesMark once = perpetual(), often = perpetual();
  ASSERT_TRUE(once.update(sec(0), usd(9000), top(9020, 9021)));
  ASSERT_TRUE(often.update(sec(0), usd(9000), top(9020, 9021)));
  for (int ms = 250; ms <= 45'000; ms += 250)
    ASSERT_TRUE(often.update(Timestamp::from_ms(ms), usd(9000), top(9020, 9021)));
  EXPECT_NEAR(once.premium_at(sec(45)), often.premium_at(sec(45)), 1e-3);
  EXPECT_EQ(once.mark(sec(45), usd(9000)).value(), often.mark(sec(45), usd(9000)).value());
}

TEST(FuturesMark, ThePremiumIsClampedToTheConfiguredBandAroundTheIndex) {
  FuturesMark m = perpetual();  // +-0.5%
  ASSERT_TRUE(m.update(sec(0), usd(10000), top(10200, 10201)));
  EXPECT_EQ(m.mark(sec(3600), usd(10000)).value(), usd(10050));
  ASSERT_TRUE(m.update(sec(3600), usd(10000), top(9700, 9701)));
  EXPECT_EQ(m.mark(sec(7200), usd(10000)).value(), usd(9950));
  // Asymmetric (a dated future that trades at a premium): -0.1% .. +3%.
  FuturesMark dated = FuturesMark::make({30 * kNsPerSecond, 1'000, 30'000}).value();
  ASSERT_TRUE(dated.update(sec(0), usd(10000), top(10200, 10201)));
  EXPECT_EQ(dated.mark(sec(3600), usd(10000)).value(), usd(10200.5));
  ASSERT_TRUE(dated.update(sec(3600), usd(10000), top(9700, 9701)));
  EXPECT_EQ(dated.mark(sec(7200), usd(10000)).value(), usd(9990));
}

TEST(FuturesMark, ALoneSideMovesTheMarkOnlyWhenItContradictsIt) {
  FuturesMark m = perpetual();
  ASSERT_TRUE(m.update(sec(0), usd(9000), top(9010, 9012)));
  ASSERT_TRUE(m.update(sec(600), usd(9000), {}));  // empty book: the premium (11) holds
  const double held = m.premium_at(sec(600));
  EXPECT_NEAR(m.premium_at(sec(1200)), held, 1e-6);
  ASSERT_TRUE(m.update(sec(1200), usd(9000), {usd(9005), std::nullopt}));  // a bid below the mark: no news
  EXPECT_NEAR(m.premium_at(sec(1800)), held, 1e-6);
  ASSERT_TRUE(m.update(sec(1800), usd(9000), {usd(9030), std::nullopt}));  // a bid above it lifts it
  EXPECT_NEAR(m.premium_at(sec(1800 + 3600)), 30.0 * kUsd, 1e-3);
  ASSERT_TRUE(m.update(sec(5400), usd(9000), {std::nullopt, usd(9040)}));  // an ask above: no news
  EXPECT_NEAR(m.premium_at(sec(9000)), 30.0 * kUsd, 1e-3);
  ASSERT_TRUE(m.update(sec(9000), usd(9000), {std::nullopt, usd(8990)}));  // an ask below lowers it
  EXPECT_NEAR(m.premium_at(sec(9000 + 3600)), -10.0 * kUsd, 1e-3);
}

TEST(FuturesMark, BadSamplesAreRefusedAndChangeNothing) {
  FuturesMark m = perpetual();
  ASSERT_TRUE(m.update(sec(10), usd(9000), top(9010, 9012)));
  const FuturesMark before = m;
  EXPECT_EQ(m.update(sec(11), RefPrice{0}, top(9010, 9012)).error(), Errc::invalid_price);
  EXPECT_EQ(m.update(sec(11), usd(9000), {RefPrice{-5}, std::nullopt}).error(), Errc::invalid_price);
  EXPECT_EQ(m.update(sec(11), usd(9000), top(9013, 9012)).error(), Errc::out_of_range);  // crossed
  EXPECT_EQ(m.update(sec(9), usd(9000), top(9010, 9012)).error(), Errc::out_of_range);   // time goes back
  EXPECT_EQ(m.mark(sec(9), usd(9000)).error(), Errc::out_of_range);
  EXPECT_EQ(m.mark(sec(11), RefPrice{-1}).error(), Errc::invalid_price);
  EXPECT_TRUE(m == before);
}

TEST(FuturesMark, TheConfigurationIsValidatedWithTheFieldNamed) {
  const auto tau = FuturesMark::make({0, 5000, 5000});
  ASSERT_FALSE(tau.ok());
  EXPECT_EQ(tau.error().code, Errc::config_bad_value);
  EXPECT_NE(tau.error().detail.find("time_constant"), std::string::npos);
  EXPECT_NE(FuturesMark::make({kNsPerSecond, -1, 5000}).error().detail.find("band_below"), std::string::npos);
  EXPECT_NE(FuturesMark::make({kNsPerSecond, 5000, 1'000'000}).error().detail.find("band_above"), std::string::npos);
}

TEST(FuturesMark, ReplayAndASnapshotRestoreGiveTheSameBits) {
  constexpr std::uint64_t kSeed = 20260601;
  std::printf("seed %llu\n", static_cast<unsigned long long>(kSeed));
  std::mt19937_64 rng(kSeed);
  std::uniform_real_distribution<double> u(0, 1);
  struct Step {
    Timestamp t;
    RefPrice index;
    BookTop top;
  };
  std::vector<Step> steps;
  std::int64_t ns = 0;
  for (int i = 0; i < 5000; ++i) {
    ns += static_cast<std::int64_t>(u(rng) * 3e9);
    const double index = 30000 + 2000 * u(rng), mid = index * (1 + 0.01 * (u(rng) - 0.5));
    const int shape = static_cast<int>(u(rng) * 4);
    BookTop t;
    if (shape != 1 && shape != 3) t.bid = usd(mid - 1);
    if (shape != 2 && shape != 3) t.ask = usd(mid + 1);
    steps.push_back({Timestamp::from_ns(ns), usd(index), t});
  }
  FuturesMark a = perpetual(), b = perpetual(), restored = perpetual();
  std::vector<std::byte> snapshot;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    ASSERT_TRUE(a.update(steps[i].t, steps[i].index, steps[i].top));
    ASSERT_TRUE(b.update(steps[i].t, steps[i].index, steps[i].top));
    if (i == steps.size() / 2) {
      ByteWriter w(snapshot);
      a.save(w);
      ASSERT_TRUE(w.finish());
      ByteReader r(snapshot);
      ASSERT_TRUE(restored.load(r));
      ASSERT_TRUE(r.finish());
    } else if (i > steps.size() / 2) {
      ASSERT_TRUE(restored.update(steps[i].t, steps[i].index, steps[i].top));
    }
    ASSERT_EQ(a.mark(steps[i].t, steps[i].index).value(), b.mark(steps[i].t, steps[i].index).value());
  }
  EXPECT_TRUE(a == b);
  EXPECT_TRUE(a == restored);
  EXPECT_EQ(snapshot.size(), 25u);
}

TEST(FuturesMark, ADamagedSnapshotIsRefusedAndLeavesTheStateAlone) {
  FuturesMark m = perpetual();
  ASSERT_TRUE(m.update(sec(1), usd(9000), top(9010, 9012)));
  std::vector<std::byte> bytes;
  ByteWriter w(bytes);
  m.save(w);
  const FuturesMark before = m;
  ByteReader short_input(std::span<const std::byte>(bytes).first(10));
  EXPECT_EQ(m.load(short_input).error(), Errc::decode_truncated);
  bytes[9 + 7] = std::byte{0x7f};  // the EMA's exponent bits -> NaN or inf
  bytes[9 + 6] = std::byte{0xf0};
  ByteReader nan_input(bytes);
  EXPECT_EQ(m.load(nan_input).error(), Errc::decode_invalid);
  EXPECT_TRUE(m == before);
}

TEST(FuturesMark, TheImpactPriceIsTheAverageFillPriceOfTheImpactSize) {
  const std::vector<BookLevel> asks{{usd(100), 3}, {usd(101), 2}, {usd(103), 10}};
  EXPECT_EQ(impact_price(asks, 0), usd(100));
  EXPECT_EQ(impact_price(asks, 3), usd(100));
  EXPECT_EQ(impact_price(asks, 4), usd(100.25));
  EXPECT_EQ(impact_price(asks, 7), RefPrice{10'114'285'714});  // 708 / 7 = 101.142857142857...
  EXPECT_EQ(impact_price(asks, 16), std::nullopt);  // not enough depth
  EXPECT_EQ(impact_price({}, 1), std::nullopt);
}

TEST(RiskRounding, HalfwayCasesRoundToTheEvenInteger) {
  EXPECT_EQ(round_half_even(2.5), 2);
  EXPECT_EQ(round_half_even(3.5), 4);
  EXPECT_EQ(round_half_even(-2.5), -2);
  EXPECT_EQ(round_half_even(-3.5), -4);
  EXPECT_EQ(round_half_even(2.4999999999999996), 2);
  EXPECT_EQ(round_half_even(-0.49999999999999994), 0);
  EXPECT_EQ(round_half_even(1e15 + 0.5), 1'000'000'000'000'000);
}

}  // namespace
}  // namespace strike::risk
