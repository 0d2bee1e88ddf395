// OptionMarks on synthetic chains with a known smile: the fit, the fallbacks, the band, the
// forward, the units of prices and Greeks, determinism, snapshots and rejected input.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <random>

#include "chain_fixture.hpp"
#include "pricing/black.hpp"
#include "risk/option_marks.hpp"

namespace strike::risk {
namespace {

using testing::Chain;
using testing::ref;
using testing::standard_chain;
using testing::units;

OptionMarks marks(OptionMarksConfig c = {}) { return OptionMarks::make(std::move(c)).value(); }

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

void expect_same_marks(const ChainMarks& a, const ChainMarks& b) {
  ASSERT_EQ(a.options.size(), b.options.size());
  for (std::size_t i = 0; i < a.options.size(); ++i) {
    const OptionMark &x = a.options[i], &y = b.options[i];
    ASSERT_EQ(x.id, y.id);
    ASSERT_EQ(x.status, y.status);
    ASSERT_TRUE(same_bits(x.mark_iv, y.mark_iv)) << i;
    ASSERT_EQ(x.mark_price, y.mark_price) << i;
    ASSERT_TRUE(same_bits(x.bid_iv, y.bid_iv) && same_bits(x.ask_iv, y.ask_iv)) << i;
    ASSERT_TRUE(same_bits(x.greeks.delta, y.greeks.delta) && same_bits(x.greeks.gamma, y.greeks.gamma) &&
                same_bits(x.greeks.vega, y.greeks.vega) && same_bits(x.greeks.theta, y.greeks.theta) &&
                same_bits(x.greeks.rho, y.greeks.rho))
        << i;
  }
}

TEST(OptionMarks, ASmileQuotedAroundItsPricesIsRecoveredByTheFit) {
  Chain c = standard_chain();
  OptionMarks m = marks();
  ChainMarks out;
  ASSERT_TRUE(m.recompute(c.build(), out));
  double worst = 0;
  for (std::size_t e = 0; e < out.expiries.size(); ++e) {
    EXPECT_EQ(out.expiries[e].source, SmileSource::fit) << e;
    EXPECT_EQ(out.expiries[e].quotes, 13u) << e;  // one OTM option per strike, all two-sided
  }
  for (std::size_t i = 0; i < out.options.size(); ++i) {
    ASSERT_EQ(out.options[i].status, Errc::ok);
    worst = std::max(worst, std::fabs(out.options[i].mark_iv - c.true_iv[i]));
    // The book's own IVs bracket the true one (the quotes are around its price).
    if (std::isfinite(out.options[i].bid_iv)) {
      EXPECT_LE(out.options[i].bid_iv, c.true_iv[i] + 1e-12);
    }
    EXPECT_GE(out.options[i].ask_iv, c.true_iv[i] - 1e-12);
  }
  std::printf("worst |mark IV - true IV| %.3f vol points\n", 100 * worst);
  EXPECT_LT(worst, 0.005);
}

TEST(OptionMarks, PricesAndGreeksAreBlack76AtTheMarkIvInDeribitsUnits) {
  Chain c = standard_chain();
  OptionMarks m = marks();
  ChainMarks out;
  const ChainInput in = c.build();
  ASSERT_TRUE(m.recompute(in, out));
  for (std::size_t i = 0; i < out.options.size(); ++i) {
    const OptionInput& o = in.options[i];
    const OptionMark& r = out.options[i];
    const ExpiryMark& e = out.expiries[o.expiry];
    const double k = units(o.strike);
    const pricing::Greeks g = pricing::black76(o.type, e.forward, k, e.years, r.mark_iv).value();
    // Coin premium, in 10^-8 BTC, half-even.
    EXPECT_LE(std::fabs(static_cast<double>(r.mark_price.raw()) - g.price / e.forward * 1e8), 0.5) << i;
    EXPECT_DOUBLE_EQ(r.greeks.delta, g.delta);
    EXPECT_DOUBLE_EQ(r.greeks.gamma, g.gamma);
    EXPECT_DOUBLE_EQ(r.greeks.vega, g.vega / 100);
    EXPECT_DOUBLE_EQ(r.greeks.theta, g.theta / 365);
    // rho as Deribit reports it: K T Phi(+-d2) per 1% (the rate sensitivity with spot held).
    const double sd = r.mark_iv * std::sqrt(e.years), d2 = std::log(e.forward / k) / sd - sd / 2;
    const double sign = o.type == pricing::OptionType::call ? 1 : -1;
    const double rho = sign * k * e.years * 0.5 * std::erfc(-sign * d2 / std::sqrt(2.0)) / 100;
    EXPECT_NEAR(r.greeks.rho, rho, 1e-12 * std::fabs(k * e.years)) << i;
  }
}

TEST(OptionMarks, LinearOptionsAreMarkedInQuoteCurrency) {
  Chain c = standard_chain();
  c.unit = PremiumUnit::quote;
  c.tick = 5;  // USDC
  OptionMarksConfig cfg;
  cfg.premium_unit = PremiumUnit::quote;
  OptionMarks m = marks(cfg);
  ChainMarks out;
  const ChainInput in = c.build();
  ASSERT_TRUE(m.recompute(in, out));
  for (std::size_t i = 0; i < out.options.size(); ++i) {
    const OptionInput& o = in.options[i];
    const ExpiryMark& e = out.expiries[o.expiry];
    const double usd =
        pricing::black76(o.type, e.forward, units(o.strike), e.years, out.options[i].mark_iv).value().price;
    EXPECT_LE(std::fabs(static_cast<double>(out.options[i].mark_price.raw()) - usd * 1e8), 0.5) << i;
    EXPECT_LT(std::fabs(out.options[i].mark_iv - c.true_iv[i]), 0.005) << i;
  }
}

TEST(OptionMarks, TheForwardIsTheFuturesMarkElseTheIndexCarriedAtTheConfiguredRate) {
  Chain c = standard_chain();
  c.expiries[1].has_future = false;
  OptionMarksConfig cfg;
  cfg.forward_rate = 0.05;
  OptionMarks m = marks(cfg);
  ChainMarks out;
  ASSERT_TRUE(m.recompute(c.build(), out));
  EXPECT_TRUE(out.expiries[0].forward_from_future);
  EXPECT_EQ(out.expiries[0].forward, 9030);
  EXPECT_FALSE(out.expiries[1].forward_from_future);
  EXPECT_NEAR(out.expiries[1].forward, 9000 * std::exp(0.05 * 90 / 365.0), 1e-9);
  EXPECT_NEAR(out.expiries[1].years, 90 / 365.0, 1e-15);
}

TEST(OptionMarks, AnExpiryWithTooFewQuotesFallsBackInTheConfiguredOrder) {
  Chain c = standard_chain();
  ChainMarks first, out;
  OptionMarks m = marks();
  ASSERT_TRUE(m.recompute(c.build(), first));
  // The 90-day expiry loses its book.
  c.now = Timestamp::from_ns(c.now.ns() + 60 * kNsPerSecond);
  ChainInput in = c.build();
  for (OptionInput& o : c.option_inputs)
    if (o.expiry == 1) o.bid = o.ask = std::nullopt;
  ASSERT_TRUE(m.recompute(in, out));
  EXPECT_EQ(out.expiries[1].source, SmileSource::previous_fit);
  EXPECT_EQ(out.expiries[1].quotes, 0u);
  for (std::size_t i = 0; i < out.options.size(); ++i)
    if (in.options[i].expiry == 1) {
      // Same IV at the same log-moneyness (the forward did not move).
      EXPECT_NEAR(out.options[i].mark_iv, first.options[i].mark_iv, 1e-12) << i;
      EXPECT_TRUE(std::isnan(out.options[i].bid_iv));
    }
  // No previous fit: the other expiries' total variance, interpolated in T.
  OptionMarks fresh = marks();
  ASSERT_TRUE(fresh.recompute(in, out));
  EXPECT_EQ(out.expiries[1].source, SmileSource::neighbour);
  double worst = 0;
  for (std::size_t i = 0; i < out.options.size(); ++i)
    if (in.options[i].expiry == 1) worst = std::max(worst, std::fabs(out.options[i].mark_iv - c.true_iv[i]));
  std::printf("neighbour surface: worst |mark IV - true IV| %.2f vol points\n", 100 * worst);
  EXPECT_LT(worst, 0.05);
  // Only flat configured.
  OptionMarksConfig flat_only;
  flat_only.fallbacks = {SmileSource::flat};
  flat_only.flat_vol = 0.7;
  OptionMarks flat = marks(flat_only);
  ASSERT_TRUE(flat.recompute(in, out));
  EXPECT_EQ(out.expiries[1].source, SmileSource::flat);
  for (std::size_t i = 0; i < out.options.size(); ++i)
    if (in.options[i].expiry == 1) {
      EXPECT_EQ(out.options[i].mark_iv, 0.7);
    }
  // No book anywhere and no fits: flat everywhere.
  for (OptionInput& o : c.option_inputs) o.bid = o.ask = std::nullopt;
  OptionMarks empty = marks();
  ASSERT_TRUE(empty.recompute(in, out));
  for (const ExpiryMark& e : out.expiries) EXPECT_EQ(e.source, SmileSource::flat);
}

TEST(OptionMarks, MarkIvStaysInItsBandAndMovesNoFasterThanConfigured) {
  Chain c = standard_chain();
  OptionMarksConfig cfg;
  cfg.min_iv = 0.6;
  cfg.max_iv = 0.62;
  cfg.flat_vol = 0.61;
  OptionMarks banded = marks(cfg);
  ChainMarks out;
  ASSERT_TRUE(banded.recompute(c.build(), out));
  for (const OptionMark& r : out.options) EXPECT_TRUE(r.mark_iv >= 0.6 && r.mark_iv <= 0.62) << r.mark_iv;

  OptionMarks m = marks();  // 0.1 vol point per second
  ChainMarks before;
  ASSERT_TRUE(m.recompute(c.build(), before));
  for (auto& e : c.expiries) e.smile.a += 0.2 * 0.2 * e.years();  // the market's vols jump
  c.now = Timestamp::from_ns(c.now.ns() + 10 * kNsPerSecond);
  ASSERT_TRUE(m.recompute(c.build(), out));
  int limited = 0;
  for (std::size_t i = 0; i < out.options.size(); ++i) {
    const double move = out.options[i].mark_iv - before.options[i].mark_iv;
    EXPECT_LE(std::fabs(move), 0.01 * (1 + 1e-12)) << i;  // 10 s x 0.001
    limited += std::fabs(move) >= 0.01 * (1 - 1e-12);
  }
  EXPECT_GT(limited, 30);
}

TEST(OptionMarks, TheOrderOfTheOptionsDoesNotChangeABit) {
  Chain c = standard_chain();
  const ChainInput in = c.build();
  OptionMarks a = marks(), b = marks();
  ChainMarks out_a, out_b;
  ASSERT_TRUE(a.recompute(in, out_a));
  std::vector<OptionInput> shuffled = c.option_inputs;
  std::printf("seed 3\n");
  std::mt19937_64 rng(3);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  ChainInput in_b = in;
  in_b.options = shuffled;
  ASSERT_TRUE(b.recompute(in_b, out_b));
  // Put b's results back in a's order.
  ChainMarks sorted_b = out_b;
  for (std::size_t i = 0; i < shuffled.size(); ++i) sorted_b.options[shuffled[i].id.raw() - 1] = out_b.options[i];
  expect_same_marks(out_a, sorted_b);
  EXPECT_TRUE(a.same_state(b));
}

TEST(OptionMarks, ReplayAndASnapshotRestoreGiveTheSameBits) {
  constexpr std::uint64_t kSeed = 515;
  std::printf("seed %llu\n", static_cast<unsigned long long>(kSeed));
  std::mt19937_64 rng(kSeed);
  std::uniform_real_distribution<double> u(0, 1);
  Chain c = standard_chain();
  c.expiries[2].has_future = false;
  OptionMarks a = marks(), b = marks();
  std::optional<OptionMarks> restored;
  ChainMarks out_a, out_b, out_r;
  for (int step = 0; step < 40; ++step) {
    c.now = Timestamp::from_ns(c.now.ns() + static_cast<std::int64_t>(u(rng) * 20e9));
    c.index = 9000 * (1 + 0.02 * (u(rng) - 0.5));
    for (auto& e : c.expiries) e.forward = c.index * (1 + 0.0005 * e.days / 30);
    ChainInput in = c.build();
    // A quarter of the quotes go missing at random.
    for (OptionInput& o : c.option_inputs)
      if (u(rng) < 0.25) o.bid = o.ask = std::nullopt;
    const bool refit = step % 3 == 0;
    ASSERT_TRUE(refit ? a.recompute(in, out_a) : a.reprice(in, out_a));
    ASSERT_TRUE(refit ? b.recompute(in, out_b) : b.reprice(in, out_b));
    expect_same_marks(out_a, out_b);
    if (restored) {
      ASSERT_TRUE(refit ? restored->recompute(in, out_r) : restored->reprice(in, out_r));
      expect_same_marks(out_a, out_r);
    }
    if (step == 20) {
      std::vector<std::byte> bytes;
      ByteWriter w(bytes);
      a.save(w);
      ASSERT_TRUE(w.finish());
      restored = marks();
      ByteReader r(bytes);
      ASSERT_TRUE(restored->load(r));
      ASSERT_TRUE(r.finish());
      EXPECT_TRUE(restored->same_state(a));
    }
  }
  EXPECT_TRUE(a.same_state(b));
  EXPECT_TRUE(restored->same_state(a));
}

TEST(OptionMarks, ADamagedSnapshotIsRefusedAndLeavesTheStateAlone) {
  Chain c = standard_chain();
  OptionMarks m = marks();
  ChainMarks out;
  ASSERT_TRUE(m.recompute(c.build(), out));
  std::vector<std::byte> bytes;
  ByteWriter w(bytes);
  m.save(w);
  OptionMarks other = marks();
  ASSERT_TRUE(other.recompute(c.build(), out));
  for (std::size_t cut : {std::size_t{0}, std::size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    ByteReader r(std::span<const std::byte>(bytes).first(cut));
    EXPECT_FALSE(other.load(r).ok()) << cut;
    EXPECT_TRUE(other.same_state(m));
  }
  std::vector<std::byte> huge = bytes;
  huge[10] = huge[11] = huge[12] = huge[13] = std::byte{0xff};  // the fit count
  ByteReader r(huge);
  EXPECT_EQ(other.load(r).error(), Errc::decode_truncated);
  std::vector<std::byte> nan = bytes;
  nan[14 + 8 + 7] = std::byte{0x7f};  // the first fit's a -> NaN
  nan[14 + 8 + 6] = std::byte{0xf8};
  ByteReader rn(nan);
  EXPECT_EQ(other.load(rn).error(), Errc::decode_invalid);
  EXPECT_TRUE(other.same_state(m));
}

TEST(OptionMarks, BadInputIsRefusedAndChangesNothing) {
  Chain c = standard_chain();
  OptionMarks m = marks();
  ChainMarks out;
  ChainInput in = c.build();
  ASSERT_TRUE(m.recompute(in, out));
  OptionMarks before = m;
  auto refused = [&](ChainInput bad, Errc code) {
    ChainMarks o;
    const auto r = m.recompute(bad, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), code);
    EXPECT_TRUE(m.same_state(before));
  };
  ChainInput bad = in;
  bad.index = RefPrice{0};
  refused(bad, Errc::invalid_price);
  bad = in;
  bad.now = Timestamp::from_ns(in.now.ns() - 1);
  refused(bad, Errc::out_of_range);
  std::vector<ExpiryInput> exps = c.expiry_inputs;
  std::swap(exps[0], exps[1]);
  bad = in;
  bad.expiries = exps;
  refused(bad, Errc::out_of_range);
  exps = c.expiry_inputs;
  exps[0].future_mark = RefPrice{-1};
  bad = in;
  bad.expiries = exps;
  refused(bad, Errc::invalid_price);
  std::vector<OptionInput> opts = c.option_inputs;
  opts[3].expiry = 3;
  bad = in;
  bad.options = opts;
  refused(bad, Errc::out_of_range);
  opts = c.option_inputs;
  opts[3].strike = RefPrice{0};
  bad.options = opts;
  refused(bad, Errc::invalid_price);
  opts = c.option_inputs;
  opts[3].bid = RefPrice{0};
  bad.options = opts;
  refused(bad, Errc::invalid_price);
  opts = c.option_inputs;
  opts[3].id = opts[7].id;
  bad.options = opts;
  refused(bad, Errc::duplicate_instrument);
}

TEST(OptionMarks, ExpiredOptionsAreReportedAndNotPriced) {
  Chain c = standard_chain();
  ChainInput in = c.build();
  c.expiry_inputs[0].expiry = c.now;  // expires now
  OptionMarks m = marks();
  ChainMarks out;
  ASSERT_TRUE(m.recompute(in, out));
  for (std::size_t i = 0; i < out.options.size(); ++i) {
    const Errc expected = in.options[i].expiry == 0 ? Errc::pricing_zero_time : Errc::ok;
    EXPECT_EQ(out.options[i].status, expected);
  }
}

TEST(OptionMarks, RepriceUsesTheLatestFitsWithTheNewForward) {
  Chain c = standard_chain();
  for (auto& e : c.expiries) e.has_future = false;  // forwards from the index
  OptionMarksConfig cfg;
  cfg.max_iv_change_per_second = INFINITY;
  OptionMarks m = marks(cfg);
  ChainMarks fitted, same, moved;
  const ChainInput in = c.build();
  ASSERT_TRUE(m.recompute(in, fitted));
  // Nothing moved: the fits' marks again, to the bit.
  ChainInput again = in;
  again.now = Timestamp::from_ns(in.now.ns() + 1);
  ASSERT_TRUE(m.reprice(again, same));
  for (std::size_t i = 0; i < same.options.size(); ++i) {
    EXPECT_NEAR(same.options[i].mark_iv, fitted.options[i].mark_iv, 1e-12);
    EXPECT_LE(std::abs(same.options[i].mark_price.raw() - fitted.options[i].mark_price.raw()), 1);
  }
  // The index moves up 2%, the book is gone: same fits, new forwards, sticky moneyness.
  std::vector<OptionInput> no_book = c.option_inputs;
  for (OptionInput& o : no_book) o.bid = o.ask = std::nullopt;
  ChainInput later = again;
  later.now = Timestamp::from_ns(again.now.ns() + kNsPerSecond);
  later.index = ref(9180);
  later.options = no_book;
  ASSERT_TRUE(m.reprice(later, moved));
  for (std::size_t e = 0; e < moved.expiries.size(); ++e) {
    EXPECT_EQ(moved.expiries[e].source, SmileSource::previous_fit);
    EXPECT_NEAR(moved.expiries[e].forward, 9180, 1e-9);
  }
  for (std::size_t i = 0; i < moved.options.size(); ++i) {
    const OptionInput& o = in.options[i];
    if (o.type == pricing::OptionType::call) {
      EXPECT_GT(moved.options[i].greeks.delta, fitted.options[i].greeks.delta);
    }
    // The IV at the new log-moneyness: between the fitted IVs of the neighbouring strikes.
    EXPECT_TRUE(std::isnan(moved.options[i].bid_iv));
  }
}

TEST(OptionMarks, TheConfigurationIsValidatedWithTheFieldNamed) {
  auto field_of = [](OptionMarksConfig c) {
    const auto r = OptionMarks::make(std::move(c));
    return r.ok() ? std::string("ok") : r.error().detail;
  };
  OptionMarksConfig c;
  c.min_quotes = 4;
  EXPECT_NE(field_of(c).find("min_quotes"), std::string::npos);
  c = {};
  c.fallbacks = {SmileSource::fit};
  EXPECT_NE(field_of(c).find("fallbacks"), std::string::npos);
  c.fallbacks = {SmileSource::flat, SmileSource::flat};
  EXPECT_NE(field_of(c).find("fallbacks"), std::string::npos);
  c = {};
  c.max_iv = 0.001;
  EXPECT_NE(field_of(c).find("max_iv"), std::string::npos);
  c = {};
  c.flat_vol = 9;
  EXPECT_NE(field_of(c).find("flat_vol"), std::string::npos);
  c = {};
  c.max_quote_iv_uncertainty = 0;
  EXPECT_NE(field_of(c).find("max_quote_iv_uncertainty"), std::string::npos);
  c = {};
  c.max_iv_change_per_second = -1;
  EXPECT_NE(field_of(c).find("max_iv_change_per_second"), std::string::npos);
  c = {};
  c.forward_rate = std::nan("");
  EXPECT_NE(field_of(c).find("forward_rate"), std::string::npos);
  EXPECT_EQ(field_of({}), "ok");
}

}  // namespace
}  // namespace strike::risk
