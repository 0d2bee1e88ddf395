// A test driver for the engine: stamps commands like the sequencer does and keeps helpers for
// the common steps (accounts with money, orders by instrument name, events of a kind).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "engine/engine.hpp"

namespace strike::engine::testing {

inline constexpr std::int64_t kSat = 100'000'000;

class EngineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = load_default_instruments();
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    registry_ = std::move(r.value());
    engine_ = std::make_unique<Engine>(registry_);
    btc_ = registry_.currencies().find("BTC")->id;
    usdc_ = registry_.currencies().find("USDC")->id;
  }

  const Outcome& run(CommandBody body, std::int64_t advance_ns = 1'000) {
    time_ns_ += advance_ns;
    return engine_->apply(Command{SeqNo{engine_->last_seq().raw() + 1}, Timestamp::from_ns(time_ns_), body});
  }
  AccountId account(std::int64_t btc = 100 * kSat) {
    const Outcome& o = run(CreateAccount{});
    EXPECT_EQ(o.status, Errc::ok);
    const AccountId id = o.account;
    EXPECT_EQ(run(Deposit{id, btc_, btc}).status, Errc::ok);
    EXPECT_EQ(run(Deposit{id, usdc_, 10'000'000 * 1'000'000LL}).status, Errc::ok);
    EXPECT_EQ(run(Deposit{id, registry_.currencies().find("ETH")->id, 1'000LL * 1'000'000'000}).status, Errc::ok);
    return id;
  }
  InstrumentId id(std::string_view name) const { return registry_.find(name)->id; }
  NewOrder limit(AccountId a, std::string_view instrument, Side side, std::int64_t price, std::int64_t qty) const {
    NewOrder o;
    o.account = a;
    o.instrument = id(instrument);
    o.side = side;
    o.price = Price{price};
    o.qty = Qty{qty};
    return o;
  }
  template <class E>
  std::vector<E> events_of(const Outcome& o) const {
    std::vector<E> out;
    for (const Event& e : o.events)
      if (const E* x = std::get_if<E>(&e)) out.push_back(*x);
    return out;
  }
  void expect_valid() const {
    auto problem = engine_->validate();
    EXPECT_FALSE(problem) << *problem;
  }

  InstrumentRegistry registry_;
  std::unique_ptr<Engine> engine_;
  CurrencyId btc_, usdc_;
  std::int64_t time_ns_ = 1'796'083'200LL * kNsPerSecond;  // 2026-12-01T00:00Z
};

}  // namespace strike::engine::testing
