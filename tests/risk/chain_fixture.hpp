// A synthetic option chain for OptionMarks tests: per expiry a known raw-SVI smile and forward,
// a call and a put per strike, quoted around the Black-76 price of the smile's IV with a relative
// half-spread, bid rounded down and ask up to the tick.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "pricing/black.hpp"
#include "pricing/svi.hpp"
#include "risk/option_marks.hpp"

namespace strike::risk::testing {

inline constexpr std::int64_t kUnits = 100'000'000;  // 10^-8 per 1.0
inline RefPrice ref(double v) { return RefPrice{std::llround(v * kUnits)}; }
inline double units(RefPrice p) { return static_cast<double>(p.raw()) / kUnits; }

struct TrueExpiry {
  double days = 30;
  double forward = 9000;
  pricing::SviParams smile;  // in total variance at this expiry
  bool has_future = true;
  std::vector<double> strikes;

  double years() const { return days / 365.0; }
  double iv(double strike) const { return std::sqrt(smile.total_variance(std::log(strike / forward)) / years()); }
};

// An SVI smile with an ATM vol near `atm` and a put skew, scaled to T.
inline pricing::SviParams skewed_smile(double atm, double years) {
  pricing::SviParams p;
  p.rho = -0.3;
  p.m = 0.02;
  p.sigma = 0.25;
  p.b = 0.25 * atm * atm * years / 0.25;
  p.a = atm * atm * years - p.b * (p.rho * (0 - p.m) + std::sqrt(p.m * p.m + p.sigma * p.sigma));
  return p;
}

struct Chain {
  Timestamp listed = Timestamp::from_ns(1'700'000'000LL * 1'000'000'000);  // expiries count from here
  Timestamp now = listed;
  double index = 9000;
  std::vector<TrueExpiry> expiries;
  PremiumUnit unit = PremiumUnit::coin;
  double half_spread = 0.01;  // relative to the price
  double tick = 0.0001;       // premium units

  std::vector<ExpiryInput> expiry_inputs;
  std::vector<OptionInput> option_inputs;
  std::vector<double> true_iv;  // per option input

  Timestamp expiry_time(const TrueExpiry& e) const {
    return Timestamp::from_ns(listed.ns() + static_cast<std::int64_t>(std::llround(e.days * 86'400.0)) * 1'000'000'000);
  }

  // Builds the inputs; ids count from 1 in (expiry, strike, call before put) order.
  ChainInput build() {
    expiry_inputs.clear();
    option_inputs.clear();
    true_iv.clear();
    std::uint32_t id = 1;
    for (std::size_t e = 0; e < expiries.size(); ++e) {
      const TrueExpiry& x = expiries[e];
      ExpiryInput in{expiry_time(x), std::nullopt};
      if (x.has_future) in.future_mark = ref(x.forward);
      expiry_inputs.push_back(in);
      for (double k : x.strikes)
        for (auto type : {pricing::OptionType::call, pricing::OptionType::put}) {
          const double vol = x.iv(k);
          const double usd = pricing::black76(type, x.forward, k, x.years(), vol).value().price;
          const double premium = unit == PremiumUnit::coin ? usd / x.forward : usd;
          OptionInput o;
          o.id = InstrumentId{id++};
          o.expiry = static_cast<std::uint32_t>(e);
          o.type = type;
          o.strike = ref(k);
          const double bid = std::floor(premium * (1 - half_spread) / tick) * tick;
          const double ask = std::ceil(premium * (1 + half_spread) / tick) * tick;
          if (bid > 0) o.bid = ref(bid);
          o.ask = ref(ask);
          option_inputs.push_back(o);
          true_iv.push_back(vol);
        }
    }
    return {now, ref(index), expiry_inputs, option_inputs};
  }
};

// Three expiries (30, 90, 180 days) with futures, 13 strikes each from -2 to +2 sd.
inline Chain standard_chain() {
  Chain c;
  const double atm[3] = {0.65, 0.6, 0.58}, days[3] = {30, 90, 180}, fwd[3] = {9030, 9090, 9180};
  for (int e = 0; e < 3; ++e) {
    TrueExpiry x;
    x.days = days[e];
    x.forward = fwd[e];
    x.smile = skewed_smile(atm[e], x.years());
    const double sd = atm[e] * std::sqrt(x.years());
    for (int j = -6; j <= 6; ++j) x.strikes.push_back(std::round(fwd[e] * std::exp(j * sd / 3) / 250) * 250);
    c.expiries.push_back(x);
  }
  return c;
}

}  // namespace strike::risk::testing
