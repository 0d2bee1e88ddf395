// The engine keeps margin state incrementally: each account's open-order exposure follows the
// book's events, and portfolio-margin sums follow the fills. After every command of a random
// stream of 100,000 (options, futures, perpetuals; every order type; accounts switching between
// the four margin models; a moving index that moves the venue's marks), every account's margin
// in every currency equals a slow recomputation written here from scratch: exposures summed from
// the account's open orders, positions read from clearing, each instrument margined on its own.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <map>
#include <random>

#include "engine/engine.hpp"
#include "random_commands.hpp"

namespace strike::engine::testing {
namespace {

constexpr std::int64_t kStart = 1'796'083'200LL * kNsPerSecond;  // 2026-12-01T00:00Z

struct Orders {
  std::int64_t buy = 0, sell = 0, buy_notional = 0, sell_notional = 0;
};

// The slow recomputation: what AccountRisk::margin() should answer.
class SlowMargin {
 public:
  SlowMargin(const InstrumentRegistry& registry, const risk::RiskConfig& config) : registry_(registry), config_(config) {
    for (const Instrument& ins : registry.all())
      standard_.push_back(risk::StandardMargin::make(ins, registry.currencies(), config).value());
  }

  Result<risk::AccountMargin, Errc> margin(const Engine& e, AccountId account, CurrencyId currency) const {
    const auto& c = e.clearing();
    std::map<std::uint32_t, Orders> orders;
    for (const OrderView& v : e.open_orders(account, std::nullopt)) {
      if (v.status != OrderStatus::open) continue;  // untriggered stops carry no exposure
      Orders& o = orders[v.instrument.raw()];
      (v.side == Side::buy ? o.buy : o.sell) += v.open().raw();
      (v.side == Side::buy ? o.buy_notional : o.sell_notional) += v.open().raw() * v.price.raw();
    }
    std::map<std::uint32_t, std::int64_t> sizes;
    for (const clearing::Position& p : c.positions(account)) sizes[p.instrument.raw()] = p.size;
    const risk::MarginModel model = e.risk().model(account);

    std::vector<risk::CurrencyState> states;
    std::size_t mine = 0;
    for (const Currency& h : registry_.currencies().all()) {
      if (!c.holds(h.id)) continue;
      std::int64_t initial = 0, maintenance = 0;
      const auto settles = [&](std::uint32_t i) { return registry_.get(InstrumentId{i}).settlement_currency == h.id; };
      const auto open_orders = [&](std::uint32_t i) {
        const Orders o = orders.count(i) ? orders.at(i) : Orders{};
        risk::OpenOrders out{o.buy, o.sell, 0};
        if (o.buy_notional > 0 && c.math(InstrumentId{i}).is_option())
          out.buy_premium = c.math(InstrumentId{i}).trade_value(1, Price{o.buy_notional}).value();
        return out;
      };
      if (!risk::is_portfolio(model)) {
        std::map<std::uint32_t, bool> instruments;
        for (const auto& [i, s] : sizes) instruments[i] = true;
        for (const auto& [i, o] : orders) instruments[i] = true;
        for (const auto& [i, unused] : instruments) {
          if (!settles(i)) continue;
          const std::int64_t size = sizes.count(i) ? sizes.at(i) : 0;
          auto m = standard_[i].with_orders(size, open_orders(i), prices(c, InstrumentId{i}, orders));
          if (!m) return fail(m.error());
          initial += m->initial;
          maintenance += m->position.maintenance;
        }
      } else {
        risk::AccountPortfolio p(h.id);
        for (const auto& [i, size] : sizes)
          if (settles(i)) {
            EXPECT_TRUE(p.add_position(e.risk().scenarios(), InstrumentId{i}, size).ok());
          }
        auto base = p.margin(e.risk().scenarios());
        if (!base) return fail(base.error());
        initial = base->initial;
        maintenance = base->maintenance;
        for (const auto& [i, o] : orders) {
          if (!settles(i)) continue;
          std::int64_t worst = 0;
          for (const std::int64_t lots : {o.buy, -o.sell}) {
            if (lots == 0) continue;
            auto m = p.margin_with(e.risk().scenarios(), InstrumentId{i}, lots);
            if (!m) return fail(m.error());
            worst = std::max(worst, m->initial - base->initial);
          }
          initial += worst + open_orders(i).buy_premium;
        }
      }
      RefPrice usd{};
      if (h.code == "USDC" || h.code == "USD") usd = RefPrice{100'000'000};
      else if (const auto index = c.index(h.id)) usd = *index;
      if (h.id == currency) mine = states.size();
      states.push_back(risk::CurrencyState{h.id, c.summary(account, h.id).equity, initial, maintenance, usd});
    }
    risk::AccountMargin out;
    out.currency = currency;
    out.model = model;
    out.equity = states[mine].equity;
    if (!risk::is_cross(model)) {
      auto f = risk::segregated_funds(states[mine]);
      if (!f) return fail(f.error());
      out.initial = f->initial, out.maintenance = f->maintenance, out.margin_balance = f->margin_balance, out.available = f->available;
      return out;
    }
    auto all = risk::account_funds(model, states, config_, registry_.currencies());
    if (!all) return fail(all.error());
    const risk::Funds& f = all.value()[mine];
    out.initial = f.initial, out.maintenance = f.maintenance, out.margin_balance = f.margin_balance, out.available = f.available;
    return out;
  }

 private:
  // Mark, else last trade (clearing's mark()), else the average limit of the account's orders;
  // index, else (options) the strike or (futures) the mark.
  risk::MarginPrices prices(const clearing::Clearing& c, InstrumentId i, const std::map<std::uint32_t, Orders>& orders) const {
    const Instrument& ins = registry_.get(i);
    auto mark = c.mark(i);
    if (!mark && orders.count(i.raw())) {
      const Orders& o = orders.at(i.raw());
      mark = c.math(i).to_ref_price(Price{static_cast<std::int64_t>((int128{o.buy_notional} + o.sell_notional) / (o.buy + o.sell))});
    }
    risk::MarginPrices p;
    p.mark = risk::ref_decimal(mark ? *mark : RefPrice{});
    const auto index = c.index(ins.base);
    p.index = index ? risk::ref_decimal(*index) : (ins.is_option() ? ins.strike : p.mark);
    return p;
  }

  const InstrumentRegistry& registry_;
  const risk::RiskConfig& config_;
  std::vector<risk::StandardMargin> standard_;
};

TEST(MarginDifferential, IncrementalMarginEqualsASlowRecomputationAfterEveryCommand) {
  // STRIKE_SEED reruns a printed seed.
  const char* env = std::getenv("STRIKE_SEED");
  const std::uint64_t seed = env != nullptr ? std::strtoull(env, nullptr, 10) : std::random_device{}();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  SCOPED_TRACE("seed " + std::to_string(seed));
  const InstrumentRegistry registry = load_default_instruments().value();
  Engine engine(registry);
  const SlowMargin slow(registry, engine.config().risk);
  RandomCommands gen(registry, seed, 8);
  std::int64_t t = kStart;
  std::uint64_t seq = 0;
  const auto apply = [&](const CommandBody& body, std::int64_t at) {
    (void)engine.apply(Command{SeqNo{++seq}, Timestamp::from_ns(at), body});
  };
  for (const CommandBody& b : gen.setup()) apply(b, ++t);
  std::map<risk::MarginModel, int> models_seen;
  std::size_t compared = 0, refused = 0;
  for (int n = 0; n < 100'000; ++n) {
    auto [body, dt] = gen.next(t);
    t += dt;
    apply(body, t);
    for (std::uint64_t a = 1; a <= engine.clearing().account_count(); ++a) {
      const AccountId account{a};
      ++models_seen[engine.risk().model(account)];
      for (const Currency& c : registry.currencies().all()) {
        if (!engine.clearing().holds(c.id)) continue;
        const auto fast = engine.risk().margin(engine.clearing(), account, c.id);
        const auto reference = slow.margin(engine, account, c.id);
        ++compared;
        ASSERT_EQ(fast.ok(), reference.ok()) << "command " << n << " account " << a << " " << c.code << ": "
                                             << (fast.ok() ? name(reference.error()) : name(fast.error()));
        if (!fast.ok()) {
          ++refused;
          ASSERT_EQ(fast.error(), reference.error());
          continue;
        }
        if (fast->initial != reference->initial) {
          std::string why = fmt::format("model {} command {}\n", risk::to_string(engine.risk().model(account)),
                                        describe(body));
          for (const Instrument& ins : registry.all()) {
            const risk::OpenOrders o = engine.risk().open_orders(engine.clearing(), account, ins.id);
            if (o.buy_lots || o.sell_lots) why += fmt::format("  fast {} buy {} sell {} premium {}\n", ins.name, o.buy_lots, o.sell_lots, o.buy_premium);
          }
          for (const OrderView& v : engine.open_orders(account, std::nullopt))
            why += fmt::format("  open {} {} {} open {} px {} status {}\n", v.id.raw(), registry.get(v.instrument).name,
                               to_string(v.side), v.open().raw(), v.price.raw(), to_string(v.status));
          for (const clearing::Position& p : engine.clearing().positions(account))
            why += fmt::format("  position {} {}\n", registry.get(p.instrument).name, p.size);
          ADD_FAILURE() << why;
        }
        ASSERT_EQ(fast->initial, reference->initial) << "command " << n << " account " << a << " " << c.code;
        ASSERT_EQ(fast->maintenance, reference->maintenance) << "command " << n << " account " << a << " " << c.code;
        ASSERT_EQ(fast->margin_balance, reference->margin_balance) << "command " << n << " account " << a << " " << c.code;
        ASSERT_EQ(fast->available, reference->available) << "command " << n << " account " << a << " " << c.code;
      }
    }
  }
  std::printf("%zu comparisons (%zu both refused); account-commands per model:", compared, refused);
  for (const auto& [m, count] : models_seen) std::printf(" %s %d", std::string(risk::to_string(m)).c_str(), count);
  std::printf("\n");
  EXPECT_EQ(models_seen.size(), 4u) << "every margin model was exercised";
  EXPECT_LT(refused, compared / 2) << "most comparisons have a margin to compare";
}

}  // namespace
}  // namespace strike::engine::testing
