// A seeded stream of engine commands over a few instruments of every shape (inverse and
// linear perpetuals, a dated future, inverse and linear options): order entry of every type,
// cancels and amends of live and dead ids, cancel-all, index and mark moves, deposits,
// withdrawals, transfers, halts, margin-model changes, and time that runs through the December expiry and several
// funding boundaries. Some commands are invalid on purpose (unknown ids, off-tick prices).
#pragma once

#include <random>
#include <string>
#include <vector>

#include "engine/command.hpp"
#include "core/instrument_registry.hpp"

namespace strike::engine::testing {

class RandomCommands {
 public:
  RandomCommands(const InstrumentRegistry& registry, std::uint64_t seed, int accounts = 12)
      : rng_(seed), accounts_(accounts) {
    for (const char* name : {"BTC-PERPETUAL", "BTC_USDC-PERPETUAL", "BTC-25DEC26", "BTC-25DEC26-100000-C",
                             "BTC-25DEC26-90000-P", "BTC_USDC-25DEC26-100000-C", "ETH-PERPETUAL"}) {
      const Instrument* ins = registry.find(name);
      instruments_.push_back(ins->id);
      const bool option = ins->is_option();
      const std::int64_t usd = ins->symbol.base == "BTC" ? 100'000 : 3'000;
      // A mid in ticks: options around 0.05 coin (or 5000 USDC), futures around the index.
      const Decimal tick = ins->ticks.finest();
      mid_.push_back(option ? (ins->settlement == Settlement::inverse ? 500 : 1'000) : usd * pow10(tick.scale) / tick.units);
      tick_.push_back(option && ins->settlement == Settlement::inverse ? 5 : 1);
      lot_.push_back(ins->min_trade_amount);
      tick_size_.push_back(tick);
    }
    btc_ = registry.currencies().find("BTC")->id;
    eth_ = registry.currencies().find("ETH")->id;
    usdc_ = registry.currencies().find("USDC")->id;
  }

  // The setup: accounts (every fourth a sub-account of the one before) with deposits.
  std::vector<CommandBody> setup() const {
    std::vector<CommandBody> out;
    for (int i = 0; i < accounts_; ++i) {
      out.push_back(CreateAccount{i % 4 == 3 ? AccountId{static_cast<std::uint64_t>(i)} : AccountId{0}});
      const AccountId a{static_cast<std::uint64_t>(i + 1)};
      out.push_back(Deposit{a, btc_, 1'000LL * 100'000'000});
      out.push_back(Deposit{a, eth_, 10'000LL * 1'000'000'000});
      out.push_back(Deposit{a, usdc_, 100'000'000LL * 1'000'000});
    }
    out.push_back(SetIndex{btc_, RefPrice{100'000LL * 100'000'000}});
    out.push_back(SetIndex{eth_, RefPrice{3'000LL * 100'000'000}});
    return out;
  }

  // The next command and how far (ns) the clock moves before it, at time `now_ns`.
  std::pair<CommandBody, std::int64_t> next(std::int64_t now_ns) {
    const int k = in(0, 999);
    const std::int64_t dt = in(0, 3) == 0 ? in(1, 120) * kNsPerSecond : in(1, 1'000'000);
    const std::size_t i = static_cast<std::size_t>(in(0, static_cast<int>(instruments_.size()) - 1));
    if (k < 550) return {new_order(i, now_ns + dt), dt};
    if (k < 750) return {CancelOrder{account(), OrderId{some_id()}}, dt};
    if (k < 850)
      return {AmendOrder{account(), OrderId{some_id()}, times(lot_[i], in(1, 60)).value(), times(tick_size_[i], price(i).raw()).value(),
                         Decimal{}},
              dt};
    if (k < 870) {
      CancelAll c{account()};
      c.one_instrument = in(0, 1) == 1;
      c.instrument = instruments_[i];
      return {c, dt};
    }
    if (k < 930) {
      mid_[i] = std::max<std::int64_t>(tick_[i] * 20, mid_[i] + in(-3, 3) * tick_[i]);
      const std::int64_t usd = 100'000 + in(-2'000, 2'000);
      if (k < 900) return {SetIndex{in(0, 3) == 0 ? eth_ : btc_, RefPrice{(in(0, 3) == 0 ? 3'000 : usd) * 100'000'000LL}}, dt};
      return {SetMark{instruments_[i], RefPrice{mid_[i] * 100'000'000LL / 10 * (10 + in(-1, 1)) / 10}}, dt};
    }
    if (k < 950) return {Deposit{account(), btc_, in(1, 1'000'000)}, dt};
    if (k < 965) return {Withdraw{account(), in(0, 1) ? btc_ : usdc_, in(1, 2'000'000'000)}, dt};
    if (k < 980) return {Transfer{account(), account(), btc_, in(1, 1'000'000)}, dt};
    if (k < 983) return {HaltInstrument{instruments_[i]}, dt};
    if (k < 992) return {ResumeInstrument{instruments_[i]}, dt};
    if (k < 995) return {ChangeMarginModel{account(), static_cast<std::uint8_t>(in(0, 3))}, dt};
    return {AdvanceTime{}, in(1, 10) * 3'600 * kNsPerSecond};
  }

 private:
  int in(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  AccountId account() { return AccountId{static_cast<std::uint64_t>(in(1, accounts_))}; }
  // Mostly recent ids (likely still open), sometimes any id ever used or never used.
  std::uint64_t some_id() {
    const int hi = std::max(1, orders_ + 2);
    return static_cast<std::uint64_t>(in(0, 4) == 0 ? in(1, hi) : in(std::max(1, hi - 40), hi));
  }
  Price price(std::size_t i) {
    const std::int64_t p = mid_[i] + in(-8, 8) * tick_[i] + (in(0, 30) == 0 ? 1 : 0);  // sometimes off the grid
    return Price{std::max<std::int64_t>(1, p)};
  }
  NewOrder new_order(std::size_t i, std::int64_t at_ns) {
    ++orders_;
    NewOrder o;
    o.account = account();
    o.instrument = instruments_[i];
    o.side = in(0, 1) ? Side::buy : Side::sell;
    o.price = price(i);
    o.qty = Qty{in(1, 40)};
    const int t = in(0, 99);
    if (t < 12) o.tif = book::TimeInForce::ioc;
    else if (t < 16) o.tif = book::TimeInForce::fok;
    else if (t < 24) {
      o.tif = book::TimeInForce::gtd;
      o.expiry = Timestamp::from_ns(at_ns + in(1, 3'600) * kNsPerSecond);
    } else if (t < 30) {
      o.type = book::OrderType::market;
      o.tif = book::TimeInForce::ioc;
    } else if (t < 36) {
      o.type = in(0, 1) ? book::OrderType::stop_limit : book::OrderType::stop_market;
      o.trigger = static_cast<book::PriceSource>(in(0, 2));
      o.trigger_price = Price{mid_[i] + (o.side == Side::buy ? 1 : -1) * in(1, 10) * tick_[i]};
    } else if (t < 40) {
      // Take-profit: triggers when the price comes back through the trigger.
      o.type = in(0, 1) ? book::OrderType::take_limit : book::OrderType::take_market;
      o.trigger = static_cast<book::PriceSource>(in(0, 2));
      o.trigger_price = Price{std::max<std::int64_t>(1, mid_[i] - (o.side == Side::buy ? 1 : -1) * in(1, 10) * tick_[i])};
    }
    if (in(0, 3) == 0) o.label = Label::make(labels_[static_cast<std::size_t>(in(0, 3))]).value();
    // A small pool of client order ids, so some orders repeat one (duplicate_client_order_id).
    if (in(0, 2) == 0) o.client_id = ClientOrderId::make("r" + std::to_string(in(0, 400))).value();
    if (in(0, 9) == 0) o.post_only = in(0, 1) ? book::PostOnly::reject : book::PostOnly::reprice;
    if (in(0, 14) == 0) o.display = Qty{in(1, 5)};
    if (in(0, 19) == 0) o.reduce_only = true;
    o.stp = static_cast<book::StpMode>(in(0, 4));
    return o;
  }

 private:
  std::mt19937_64 rng_;
  int accounts_;
  int orders_ = 0;
  std::vector<InstrumentId> instruments_;
  std::vector<std::int64_t> mid_, tick_;
  std::vector<Decimal> lot_, tick_size_;  // one lot, one finest tick, as decimals
  static constexpr const char* labels_[] = {"mm-quote", "hedge", "x", "a label of exactly sixty-four bytes for the longest case......!!"};
  CurrencyId btc_, eth_, usdc_;
};

}  // namespace strike::engine::testing
