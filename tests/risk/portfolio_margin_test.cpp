// Portfolio margin: Deribit's private/pme/simulate check value, the shape of the vectors, and a
// randomized comparison of the incremental AccountPortfolio with a slow recomputation.
#include <gtest/gtest.h>

#include <cstdio>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <string>

#include "risk/portfolio_margin.hpp"

namespace strike::risk {
namespace {

// 2026-06-01 08:00 UTC: every default option (25DEC26 and later) has time left.
const Timestamp kNow = Timestamp::from_ns(1'780'300'800LL * kNsPerSecond);

struct Market {
  std::vector<InstrumentMarket> instruments;
  std::vector<double> index;
};

// Forwards around the index (dated futures and options a little above it), one vol per option.
Market market_for(const InstrumentRegistry& reg, double btc, double eth, double vol = 0.6) {
  Market m;
  m.index.assign(reg.currencies().all().size(), 0.0);
  m.index[reg.currencies().find("BTC")->id.raw()] = btc;
  m.index[reg.currencies().find("ETH")->id.raw()] = eth;
  for (const Instrument& ins : reg.all()) {
    const double s = reg.currencies().get(ins.base).code == "BTC" ? btc : eth;
    const double f = ins.has_expiry() ? s * 1.01 : s * 1.0002;
    m.instruments.push_back(InstrumentMarket{f, ins.is_option() ? vol : 0.0});
  }
  return m;
}

struct Fixture {
  InstrumentRegistry registry = load_default_instruments().value();
  RiskConfig config{registry.currencies()};
  ScenarioTable table = ScenarioTable::make(registry, config).value();
  InstrumentId id(std::string_view name) const { return registry.find(name)->id; }
  CurrencyId currency(std::string_view code) const { return registry.currencies().find(code)->id; }
};

// Deribit private/pme/simulate, ETH, a short ETH-PERPETUAL of 0.999487 ETH with the index at
// 1949.34: worst cell (+18%) 0.152464, roll shock 0.004997, IM 0.157462, MM 0.125969 ETH.
// 0.999487 ETH is 1948 USD at a mark of 1949.00 (1948 lots of 1 USD). In coin:
//   +18%:  1948/1949 x 0.18/1.18 = 0.15246411      roll: 1948/1949 x 0.5% = 0.00499743
//   IM = 0.15746154, MM = 0.8 x IM = 0.12596923
// strike's units are gwei rounded up; rounded to Deribit's 6 decimals they are Deribit's figures.
TEST(PortfolioMargin, AShortEthPerpetualReproducesDeribitsSimulation) {
  Fixture fx;
  Market m = market_for(fx.registry, 100'000, 1949.34);
  const InstrumentId perp = fx.id("ETH-PERPETUAL");
  m.instruments[perp.raw()].forward = 1949.00;
  fx.table.recompute(kNow, m.instruments, m.index);
  AccountPortfolio account(fx.currency("ETH"));
  ASSERT_TRUE(account.add_position(fx.table, perp, -1948).ok());
  auto groups = account.breakdown(fx.table);
  ASSERT_TRUE(groups.ok()) << name(groups.error());
  ASSERT_EQ(groups->size(), 1u);
  const GroupMargin& g = groups->front();
  const auto micro = [](std::int64_t gwei) { return (gwei + 500) / 1'000; };  // to 6 decimals
  EXPECT_EQ(micro(g.worst_loss), 152'464) << g.worst_loss;
  EXPECT_EQ(micro(g.roll_shock), 4'997) << g.roll_shock;
  EXPECT_EQ(g.delta_shock, 0);
  EXPECT_EQ(micro(g.margin.initial), 157'462) << g.margin.initial;
  EXPECT_EQ(micro(g.margin.maintenance), 125'969) << g.margin.maintenance;
  // The worst cell is the +18% move.
  const ScenarioGrid& grid = fx.table.group(g.group).grid;
  ASSERT_GE(g.worst_cell, 0);
  ASSERT_LT(g.worst_cell, 3 * grid.moves);
  EXPECT_EQ(grid.move[static_cast<std::size_t>(g.worst_cell % grid.moves)], 0.18);
  // The exact figures in gwei, so a change of rounding shows.
  EXPECT_EQ(g.worst_loss, 152'464'106);
  EXPECT_EQ(g.margin.initial, 157'461'541);
  EXPECT_EQ(g.margin.maintenance, 125'969'233);
  auto total = account.margin(fx.table);
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(total.value(), g.margin);
}

TEST(PortfolioMargin, TheGridIsSymmetricWithZeroInTheMiddle) {
  Fixture fx;
  const ScenarioGrid& btc = fx.table.group(fx.table.vector(fx.id("BTC-PERPETUAL")).group).grid;
  ASSERT_EQ(btc.moves, 9);
  EXPECT_EQ(btc.cells(), 35);
  EXPECT_EQ(btc.move[0], -0.16);
  EXPECT_EQ(btc.move[4], 0.0);
  EXPECT_EQ(btc.move[8], 0.16);
  EXPECT_DOUBLE_EQ(btc.move[6], 0.08);
  EXPECT_EQ(btc.extended, 8);
  EXPECT_DOUBLE_EQ(btc.extended_weight[0], 0.4 * 0.16 / 0.66);  // factor 0.4 of the linear-neutral weight
  EXPECT_DOUBLE_EQ(btc.extended_weight[7], 0.4 * 0.16 / 5.0);
  // Vol factor: (30/15)^0.30 below the pivot, (30/60)^0.13 above, DTE floored at 1 day.
  EXPECT_NEAR(btc.vol_factor(15), 1.2311444133449163, 1e-15);
  EXPECT_NEAR(btc.vol_factor(60), 0.9138314502294005, 1e-15);
  EXPECT_EQ(btc.vol_factor(0.01), btc.vol_factor(1.0));
  EXPECT_EQ(btc.roll_shock(0), 0.005);
  EXPECT_DOUBLE_EQ(btc.roll_shock(0.5), 0.05);
}

TEST(PortfolioMargin, EveryVectorIsZeroWhereNothingMoves) {
  Fixture fx;
  const Market m = market_for(fx.registry, 100'000, 3'000);
  fx.table.recompute(kNow, m.instruments, m.index);
  for (const Instrument& ins : fx.registry.all()) {
    const ScenarioVector& v = fx.table.vector(ins.id);
    ASSERT_EQ(v.status, Errc::ok) << ins.name;
    const ScenarioGrid& grid = fx.table.group(v.group).grid;
    EXPECT_EQ(v.pnl[static_cast<std::size_t>(grid.cell(1, grid.moves / 2))], 0) << ins.name;
    for (int c = grid.cells(); c < kMaxCells; ++c) EXPECT_EQ(v.pnl[static_cast<std::size_t>(c)], 0);
  }
}

TEST(PortfolioMargin, RecomputingWithTheSameInputsGivesTheSameBits) {
  Fixture fx;
  const Market m = market_for(fx.registry, 98'765.4321, 2'345.678, 0.55);
  fx.table.recompute(kNow, m.instruments, m.index);
  std::vector<ScenarioVector> first;
  for (const Instrument& ins : fx.registry.all()) first.push_back(fx.table.vector(ins.id));
  ScenarioTable other = ScenarioTable::make(fx.registry, fx.config).value();
  other.recompute(kNow, m.instruments, m.index);
  for (const Instrument& ins : fx.registry.all()) {
    const ScenarioVector& a = first[ins.id.raw()];
    const ScenarioVector& b = other.vector(ins.id);
    EXPECT_EQ(a.pnl, b.pnl) << ins.name;
    EXPECT_EQ(a.delta, b.delta);
    EXPECT_EQ(a.roll, b.roll);
  }
}

// An option's cell is its Black-76 revaluation per lot at the cell's forward and vol, in 2^-16
// settlement units, rounded down: checked against the scalar pricer (the batch kernel gives the
// same bits) for a vol-up, a vol-down and an extended cell.
TEST(PortfolioMargin, AnOptionsCellIsItsRevaluationPerLot) {
  Fixture fx;
  const Market m = market_for(fx.registry, 100'000, 3'000);
  fx.table.recompute(kNow, m.instruments, m.index);
  const InstrumentId id = fx.id("BTC-25DEC26-120000-C");  // inverse, 0.1 BTC lots
  const Instrument& ins = fx.registry.get(id);
  const ScenarioVector& v = fx.table.vector(id);
  const ScenarioGrid& grid = fx.table.group(v.group).grid;
  const double f = m.instruments[id.raw()].forward, vol = m.instruments[id.raw()].vol;
  const double years = static_cast<double>(ins.expiry.ns() - kNow.ns()) / (365.0 * static_cast<double>(kNsPerDay));
  const double factor = grid.vol_factor(years * 365.0);
  const auto coin_value = [&](double forward, double sigma) {
    return pricing::black76(pricing::OptionType::call, forward, 120'000, years, sigma).value().price / forward;
  };
  const double base = coin_value(f, vol);
  const double unit = 0.1 * 1e8 * 65'536;  // a lot in 2^-16 satoshi per coin
  const double up = std::max(vol * (1 + 0.40 * factor), 0.30), down = vol * (1 - 0.22 * factor);
  EXPECT_EQ(v.pnl[static_cast<std::size_t>(grid.cell(0, 8))], static_cast<std::int64_t>(std::floor(unit * (coin_value(f * 1.16, up) - base))));
  EXPECT_EQ(v.pnl[static_cast<std::size_t>(grid.cell(2, 0))], static_cast<std::int64_t>(std::floor(unit * (coin_value(f * (1 - 0.16), down) - base))));
  const double w = grid.extended_weight[4];  // +200%
  EXPECT_EQ(v.pnl[static_cast<std::size_t>(grid.extended_cell(4))],
            static_cast<std::int64_t>(std::floor(w * (unit * (coin_value(f * 3.0, up) - base)))));
  // Its delta: (Black delta - V/F) coin per coin, the coin premium's sensitivity to a relative move.
  const auto g = pricing::black76(pricing::OptionType::call, f, 120'000, years, vol).value();
  EXPECT_EQ(v.delta, static_cast<std::int64_t>(std::floor(unit * (g.delta - g.price / f) + 0.5)));
}

TEST(PortfolioMargin, AProtectivePutLowersTheMarginOfALongFuture) {
  Fixture fx;
  const Market m = market_for(fx.registry, 100'000, 3'000);
  fx.table.recompute(kNow, m.instruments, m.index);
  const CurrencyId btc = fx.currency("BTC");
  AccountPortfolio future(btc), hedged(btc);
  ASSERT_TRUE(future.add_position(fx.table, fx.id("BTC-25DEC26"), 10'100).ok());  // 101,000 USD ~ 1 BTC
  ASSERT_TRUE(hedged.add_position(fx.table, fx.id("BTC-25DEC26"), 10'100).ok());
  ASSERT_TRUE(hedged.add_position(fx.table, fx.id("BTC-25DEC26-100000-P"), 10).ok());  // 1 BTC of puts
  auto a = future.margin(fx.table), b = hedged.margin(fx.table);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LT(b->initial, a->initial);
  // A long future alone: the worst cell is -16%, 101,000 USD / 101,000 x 0.16/0.84 = 0.190476 BTC
  // (the extended -66% cell, 1.941 x 0.4 x 0.16/0.66 = 0.188 BTC, stays below it).
  auto g = future.breakdown(fx.table);
  ASSERT_TRUE(g.ok());
  EXPECT_NEAR(static_cast<double>(g->front().worst_loss), 19'047'619, 2);
  EXPECT_EQ(g->front().worst_cell, 0);
}

TEST(PortfolioMargin, ALongOptionNeverLosesMoreThanItsValue) {
  Fixture fx;
  const Market m = market_for(fx.registry, 100'000, 3'000);
  fx.table.recompute(kNow, m.instruments, m.index);
  for (const Instrument& ins : fx.registry.all()) {
    if (!ins.is_option()) continue;
    AccountPortfolio account(ins.settlement_currency);
    ASSERT_TRUE(account.add_position(fx.table, ins.id, 10).ok());
    auto g = account.breakdown(fx.table);
    ASSERT_TRUE(g.ok());
    const InstrumentMarket& im = m.instruments[ins.id.raw()];
    const double years = static_cast<double>(ins.expiry.ns() - kNow.ns()) / (365.0 * static_cast<double>(kNsPerDay));
    const auto usd = pricing::black76(ins.symbol.option_type == OptionType::call ? pricing::OptionType::call : pricing::OptionType::put,
                                      im.forward, to_double(ins.strike), years, im.vol);
    ASSERT_TRUE(usd.ok());
    const double per_coin = ins.settlement == Settlement::inverse ? usd->price / im.forward : usd->price;
    const int d = fx.registry.currencies().get(ins.settlement_currency).decimals;
    const double value = 10 * to_double(ins.min_trade_amount) * per_coin * std::pow(10.0, d);
    EXPECT_LE(static_cast<double>(g->front().worst_loss), value + 2) << ins.name;
  }
}

TEST(PortfolioMargin, PositionsWithoutMarketInputsAreRefusedUntilClosed) {
  Fixture fx;
  Market m = market_for(fx.registry, 100'000, 3'000);
  const InstrumentId call = fx.id("BTC-25DEC26-100000-C");
  m.instruments[call.raw()].vol = 0;  // no mark IV
  fx.table.recompute(kNow, m.instruments, m.index);
  EXPECT_EQ(fx.table.vector(call).status, Errc::pricing_invalid_input);
  AccountPortfolio account(fx.currency("BTC"));
  ASSERT_TRUE(account.add_position(fx.table, fx.id("BTC-PERPETUAL"), 100).ok());
  EXPECT_EQ(account.margin_with(fx.table, call, -1).error(), Errc::pricing_invalid_input);
  ASSERT_TRUE(account.add_position(fx.table, call, -1).ok());
  EXPECT_EQ(account.margin(fx.table).error(), Errc::pricing_invalid_input);
  EXPECT_TRUE(account.margin_with(fx.table, call, 1).ok());  // closing it is assessable
  ASSERT_TRUE(account.add_position(fx.table, call, 1).ok());
  EXPECT_TRUE(account.margin(fx.table).ok());
  // Other inputs: an option at expiry, a linear group without an index.
  fx.table.recompute(Timestamp::from_ns(fx.registry.get(call).expiry.ns()), m.instruments, m.index);
  EXPECT_EQ(fx.table.vector(fx.id("BTC-25DEC26-90000-C")).status, Errc::pricing_zero_time);
  m.index[fx.currency("BTC").raw()] = 0;
  fx.table.recompute(kNow, m.instruments, m.index);
  AccountPortfolio usdc(fx.currency("USDC"));
  ASSERT_TRUE(usdc.add_position(fx.table, fx.id("BTC_USDC-PERPETUAL"), 5).ok());
  EXPECT_EQ(usdc.margin(fx.table).error(), Errc::no_index_price);
  EXPECT_EQ(usdc.add_position(fx.table, fx.id("BTC-PERPETUAL"), 5).error(), Errc::currency_mismatch);
}

// --- incremental == from scratch ----------------------------------------------------------------

// The slow recomputation, written from the definition in docs/risk.md without AccountPortfolio's
// running sums: per group, every cell summed over the positions, then the worst cell and the
// add-ons, rounded up once.
Margin reference_margin(const ScenarioTable& table, const std::map<std::uint32_t, std::int64_t>& positions) {
  Margin total;
  for (std::size_t gi = 0; gi < table.groups().size(); ++gi) {
    const PortfolioGroup& g = table.group(gi);
    const ScenarioGrid& grid = g.grid;
    bool any = false;
    std::vector<int128> cells(static_cast<std::size_t>(grid.cells()), 0), roll(g.buckets.size(), 0);
    int128 delta = 0, shorts = 0, lots = 0;
    for (const auto& [id, size] : positions) {
      const ScenarioVector& v = table.vector(InstrumentId{id});
      if (v.group != gi || size == 0) continue;
      any = true;
      for (int c = 0; c < grid.cells(); ++c) cells[static_cast<std::size_t>(c)] += static_cast<int128>(size) * (v.pnl[static_cast<std::size_t>(c)] + (size < 0 ? 1 : 0));
      roll[v.bucket] += static_cast<int128>(size) * v.roll;
      delta += static_cast<int128>(size) * v.delta;
      shorts += size < 0 ? size : 0;
      lots += size < 0 ? -size : size;
    }
    if (!any) continue;
    int128 worst = 0;
    for (int c = 0; c < grid.cells(); ++c) {
      int128 loss = -cells[static_cast<std::size_t>(c)];
      if (c >= 3 * grid.moves) loss -= g.dampener;
      worst = std::max(worst, loss);
    }
    int128 roll_shock = lots;
    for (int128 r : roll) roll_shock += r < 0 ? -r : r;
    const int128 net = (delta < 0 ? -delta : delta) + lots;
    const int128 excess = std::max<int128>(net - g.delta_free, 0);
    const int128 dshock = (excess * g.delta_shock.units + pow10(g.delta_shock.scale) - 1) / pow10(g.delta_shock.scale);
    const int128 im = worst + roll_shock + dshock;
    const int128 den = static_cast<int128>(pow10(g.maintenance_factor.scale)) * kPnlOne;
    total.initial += static_cast<std::int64_t>((im + kPnlOne - 1) / kPnlOne);
    total.maintenance += static_cast<std::int64_t>((im * g.maintenance_factor.units + den - 1) / den);
  }
  return total;
}

// Random fills (and closes) on one account per currency, the index moving now and then so the
// sums go stale; after every fill the incremental margin must equal the slow recomputation and
// the pre-trade prediction. Run with each kernel the CPU has: integer sums, the same bits.
void run_incremental(Fixture& fx, std::uint64_t seed, int steps) {
  std::mt19937_64 rng(seed);
  double btc = 100'000, eth = 3'000;
  Market m = market_for(fx.registry, btc, eth);
  fx.table.recompute(kNow, m.instruments, m.index);
  for (const char* code : {"BTC", "USDC", "ETH"}) {
    const CurrencyId currency = fx.currency(code);
    std::vector<InstrumentId> ids;
    for (const Instrument& ins : fx.registry.all())
      if (ins.settlement_currency == currency) ids.push_back(ins.id);
    AccountPortfolio account(currency);
    std::map<std::uint32_t, std::int64_t> positions;
    for (int step = 0; step < steps; ++step) {
      if (rng() % 200 == 0) {  // the index moves: every vector changes, the sums go stale
        btc *= 0.97 + 0.06 * static_cast<double>(rng() % 1'000) / 1'000.0;
        eth *= 0.97 + 0.06 * static_cast<double>(rng() % 1'000) / 1'000.0;
        m = market_for(fx.registry, btc, eth, 0.4 + 0.4 * static_cast<double>(rng() % 100) / 100.0);
        fx.table.recompute(Timestamp::from_ns(kNow.ns() + step * kNsPerSecond), m.instruments, m.index);
        if (rng() & 1) account.rebuild(fx.table);
      }
      const InstrumentId id = ids[rng() % ids.size()];
      std::int64_t lots = static_cast<std::int64_t>(rng() % 400) - 200;
      if (rng() % 4 == 0) lots = -positions[id.raw()];  // close it
      auto predicted = account.margin_with(fx.table, id, lots);
      ASSERT_TRUE(account.add_position(fx.table, id, lots).ok());
      positions[id.raw()] += lots;
      auto incremental = account.margin(fx.table);
      ASSERT_TRUE(predicted.ok() && incremental.ok()) << code << " step " << step;
      ASSERT_EQ(predicted.value(), incremental.value()) << code << " step " << step;
      const Margin reference = reference_margin(fx.table, positions);
      ASSERT_EQ(incremental->initial, reference.initial) << code << " step " << step;
      ASSERT_EQ(incremental->maintenance, reference.maintenance) << code << " step " << step;
      ASSERT_GE(incremental->initial, incremental->maintenance);
      if (step % 500 == 0) {  // a fresh portfolio from the positions agrees too
        AccountPortfolio fresh(currency);
        for (const auto& [raw, size] : positions) ASSERT_TRUE(fresh.add_position(fx.table, InstrumentId{raw}, size).ok());
        ASSERT_EQ(fresh.margin(fx.table).value(), incremental.value());
      }
    }
    for (const auto& h : account.positions()) EXPECT_EQ(h.lots, positions[h.instrument.raw()]);
  }
}

TEST(PortfolioMarginProperties, IncrementalUpdatesEqualARecomputationFromThePositions) {
  for (pricing::Isa isa : {pricing::Isa::portable, pricing::Isa::avx2, pricing::Isa::avx512}) {
    if (!pricing::isa_supported(isa)) continue;
    Fixture fx;
    fx.table.set_isa(isa);
    const std::uint64_t seed = 20'260'120;
    std::printf("seed %llu, kernel %s\n", static_cast<unsigned long long>(seed), std::string(pricing::to_string(isa)).c_str());
    run_incremental(fx, seed, 4'000);
    if (HasFatalFailure()) return;
  }
}

// Positions so large that a partial sum leaves 64 bits take the 128-bit path when re-summed;
// the result is the same as the incremental sums and the reference.
TEST(PortfolioMarginProperties, HugePositionsAreSummedIn128Bits) {
  Fixture fx;
  Market m = market_for(fx.registry, 100'000, 3'000);
  fx.table.recompute(kNow, m.instruments, m.index);
  AccountPortfolio account(fx.currency("BTC"));
  std::map<std::uint32_t, std::int64_t> positions;
  const std::pair<const char*, std::int64_t> holdings[] = {
      {"BTC-PERPETUAL", 1'000'000'000'000}, {"BTC-25DEC26", -999'999'999'990}, {"BTC-25DEC26-100000-C", -3'000'000'000}};
  for (const auto& [name, lots] : holdings) {
    ASSERT_TRUE(account.add_position(fx.table, fx.id(name), lots).ok());
    positions[fx.id(name).raw()] = lots;
  }
  const int128 bound = [&] {
    int128 b = 0;
    for (const auto& [raw, lots] : positions) b += static_cast<int128>(lots < 0 ? -lots : lots) * fx.table.vector(InstrumentId{raw}).max_entry;
    return b;
  }();
  ASSERT_GT(bound, int128{1} << 62);  // the test's point
  auto incremental = account.margin(fx.table);
  ASSERT_TRUE(incremental.ok()) << name(incremental.error());
  fx.table.recompute(kNow, m.instruments, m.index);  // same inputs, new epoch: a re-sum
  account.rebuild(fx.table);
  auto resummed = account.margin(fx.table);
  ASSERT_TRUE(resummed.ok());
  EXPECT_EQ(resummed.value(), incremental.value());
  const Margin reference = reference_margin(fx.table, positions);
  EXPECT_EQ(resummed->initial, reference.initial);
  EXPECT_EQ(resummed->maintenance, reference.maintenance);
}

}  // namespace
}  // namespace strike::risk
