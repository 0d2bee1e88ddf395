// Random trading between many accounts over random price paths, funding and expiries. After
// every step: the ledger conserves every currency, positions sum to zero per instrument, and
// each futures pool equals the sum of its bases (Clearing::validate). Funding payments sum to
// zero with a non-negative residue below one unit per position, and option settlement pays
// exactly the floor of the intrinsic value, computed here independently.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "clearing/clearing.hpp"

namespace strike::clearing {
namespace {

struct Rng {
  std::mt19937_64 gen;
  std::int64_t in(std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(gen); }
};

// The intrinsic value the holder of `lots` receives, rounded down: an independent formula
// from the instrument's decimals (not ContractMath's factors).
std::int64_t expected_payoff(const Instrument& ins, int settle_decimals, std::int64_t lots, std::int64_t settle_ref) {
  const int128 strike = to_scaled(ins.strike, kRefPriceScale).value();
  const int128 intrinsic = ins.symbol.option_type == OptionType::call ? settle_ref - strike : strike - settle_ref;
  if (intrinsic <= 0) return 0;
  // amount (coin) = lots * min_trade_amount; payoff = amount * intrinsic (/ settle for inverse), in 10^-d units.
  int128 num = int128{lots} * ins.min_trade_amount.units * intrinsic;
  int128 den = pow10(ins.min_trade_amount.scale);
  if (ins.settlement == Settlement::inverse) {
    den *= settle_ref;
  } else {
    den *= pow10(kRefPriceScale);
  }
  for (int i = 0; i < settle_decimals; ++i) num *= 10;
  int128 q = num / den;
  if (num % den != 0 && num < 0) --q;
  return static_cast<std::int64_t>(q);
}

TEST(ClearingProperty, RandomTradingConservesEveryUnitAndSettlesExactly) {
  const std::uint64_t seed = 7'2026'12'01;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  Rng rng{std::mt19937_64(seed)};
  InstrumentRegistry registry = load_default_instruments().value();
  Clearing clearing(registry);
  const auto& currencies = registry.currencies();
  const CurrencyId btc = currencies.find("BTC")->id, eth = currencies.find("ETH")->id, usdc = currencies.find("USDC")->id;

  std::vector<AccountId> accounts;
  for (int i = 0; i < 24; ++i) {
    accounts.push_back(clearing.create_account(i % 4 == 0 || accounts.empty() ? std::nullopt
                                                                                : std::optional{accounts[i - i % 4]})
                           .value());
    for (CurrencyId c : {btc, eth, usdc}) ASSERT_TRUE(clearing.deposit(accounts.back(), Money{c, 1'000'000'000'000}).ok());
  }
  // Prices walk around a level per instrument (ticks); the index of each underlying in USD.
  std::vector<std::int64_t> level(registry.size());
  std::vector<bool> settled(registry.size(), false);
  for (const Instrument& ins : registry.all()) {
    const std::int64_t finest = ins.ticks.finest().units;
    level[ins.id.raw()] = ins.is_option() ? 200 : (ins.symbol.base == "BTC" ? 100'000 : 3'000) * pow10(ins.ticks.finest().scale) / finest;
  }
  std::int64_t btc_index = 100'000, eth_index = 3'000;  // USD
  std::int64_t now = 1'700'000'000;                       // seconds
  std::uint64_t seq = 0;
  int fills = 0, fundings = 0, settlements = 0;

  auto check = [&](const char* step) {
    auto problem = clearing.validate();
    ASSERT_FALSE(problem) << "after " << step << " (seq " << seq << "): " << *problem;
  };

  for (int step = 0; step < 40'000; ++step) {
    clearing.begin_command(SeqNo{++seq}, Timestamp::from_ns(now * kNsPerSecond));
    const std::int64_t kind = rng.in(0, 999);
    if (kind < 850) {
      std::vector<InstrumentId> open;
      for (const Instrument& ins : registry.all())
        if (!settled[ins.id.raw()]) open.push_back(ins.id);
      const Instrument& ins = registry.get(open[rng.in(0, open.size() - 1)]);
      const AccountId buyer = accounts[rng.in(0, accounts.size() - 1)];
      const AccountId seller = accounts[rng.in(0, accounts.size() - 1)];
      std::int64_t& lvl = level[ins.id.raw()];
      lvl = std::max<std::int64_t>(1, lvl + rng.in(-3, 3) * ins.ticks.tick_at(Price{lvl}));
      std::int64_t ticks = lvl - lvl % ins.ticks.tick_at(Price{lvl});
      if (ticks <= 0) ticks = ins.ticks.tick_at(Price{1});
      (void)clearing.on_fill(Fill{ins.id, static_cast<std::uint64_t>(step), buyer, seller, rng.in(0, 1) == 1,
                                  Price{ticks}, Qty{rng.in(1, 500)}});
      ++fills;
      check("fill");
    } else if (kind < 970) {
      btc_index = std::max<std::int64_t>(1'000, btc_index + rng.in(-500, 500));
      eth_index = std::max<std::int64_t>(50, eth_index + rng.in(-20, 20));
      ASSERT_TRUE(clearing.set_index(btc, RefPrice{btc_index * 100'000'000 + rng.in(0, 99'999'999)}).ok());
      ASSERT_TRUE(clearing.set_index(eth, RefPrice{eth_index * 100'000'000 + rng.in(0, 99'999'999)}).ok());
      for (const Instrument& ins : registry.all()) {
        if (ins.is_option()) continue;
        const std::int64_t usd = ins.symbol.base == "BTC" ? btc_index : eth_index;
        ASSERT_TRUE(clearing.set_mark(ins.id, RefPrice{usd * 100'000'000 + rng.in(-50'000'000'000, 50'000'000'000)}).ok());
      }
      now += rng.in(1, 120);
    } else if (kind < 997) {
      for (const Instrument& ins : registry.all()) {
        if (ins.kind != InstrumentKind::perpetual) continue;
        std::vector<std::int64_t> before;
        for (AccountId a : accounts) before.push_back(clearing.ledger().balance(LedgerAccount::user(a), ins.settlement_currency));
        auto r = clearing.apply_funding(ins.id);
        if (!r) continue;
        std::int64_t paid = 0;
        for (std::size_t i = 0; i < accounts.size(); ++i)
          paid += clearing.ledger().balance(LedgerAccount::user(accounts[i]), ins.settlement_currency) - before[i];
        EXPECT_EQ(paid + r->residue, 0) << ins.name;
        EXPECT_GE(r->residue, 0);
        EXPECT_LE(r->residue, static_cast<std::int64_t>(r->positions));
        ++fundings;
        check("funding");
      }
    } else {
      // Expire one dated instrument at `now`, with the index of the last 30 minutes.
      for (const Instrument& ins : registry.all()) {
        if (!ins.has_expiry() || settled[ins.id.raw()]) continue;
        std::vector<std::pair<AccountId, std::int64_t>> holders;
        std::vector<std::int64_t> before;
        for (AccountId a : accounts) {
          const Position* p = clearing.position(a, ins.id);
          holders.emplace_back(a, p ? p->size : 0);
          before.push_back(clearing.ledger().balance(LedgerAccount::user(a), ins.settlement_currency));
        }
        auto s = clearing.settle_expiry(ins.id, Timestamp::from_ns(now * kNsPerSecond));
        if (!s) break;
        settled[ins.id.raw()] = true;
        ++settlements;
        if (ins.is_option()) {
          const int d = currencies.get(ins.settlement_currency).decimals;
          for (std::size_t i = 0; i < holders.size(); ++i) {
            const std::int64_t got = clearing.ledger().balance(LedgerAccount::user(holders[i].first), ins.settlement_currency) - before[i];
            EXPECT_EQ(got, expected_payoff(ins, d, holders[i].second, s->price.raw())) << ins.name;
          }
        }
        for (AccountId a : accounts) {
          const Position* p = clearing.position(a, ins.id);
          EXPECT_TRUE(p == nullptr || p->size == 0);
        }
        check("settlement");
        break;
      }
    }
  }
  std::printf("fills %d, funding payments %d, settlements %d, ledger entries %llu\n", fills, fundings, settlements,
              static_cast<unsigned long long>(clearing.ledger().entry_count()));
  EXPECT_GT(settlements, 10);
  EXPECT_GT(fundings, 100);
}

}  // namespace
}  // namespace strike::clearing
