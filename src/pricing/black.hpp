// European options on a forward (Black-76, the crypto convention: priced on the same-expiry
// future) and on spot with rate and dividend/carry (Black-Scholes-Merton), their Greeks, and
// the coin-denominated view of inverse options as Deribit lists them.
//
// Owns: the pricing formulas. Invariants: every function is a pure function of its inputs
// (no global state, no clock, no allocation), results are bit-identical for a given binary
// whichever CPU path computes them (see math.hpp), and invalid inputs give an Errc, never a
// silently wrong number. Costs: one option with all Greeks is about 920 instructions, 150-160
// ns scalar on the 2-core Zen 3 VM; the batch API (batch.hpp) is about 280 instructions,
// 45-60 ns per option on AVX2 there (docs/benchmarks.md).
//
// Units ("raw"): delta = dV/dF (black76) or dV/dS (bsm), gamma = d2V/dF2 (dS2), vega =
// dV/dsigma per 1.0 of volatility, theta = -dV/dT per year, rho = dV/dr (black76: forward
// held fixed, so rho = -T V), vanna = d2V/dF dsigma, volga = d2V/dsigma2, charm = -d delta/dT
// per year. Deribit's display units are in deribit.hpp.
#pragma once

#include <cstdint>

#include "core/result.hpp"

namespace strike::pricing {

enum class OptionType : std::uint8_t { call, put };
enum class Model : std::uint8_t { black76, bsm };

struct Greeks {
  double price = 0;
  double delta = 0;
  double gamma = 0;
  double vega = 0;
  double theta = 0;
  double rho = 0;
  double vanna = 0;
  double volga = 0;
  double charm = 0;
};

// One European option. `underlying` is the forward (black76) or the spot (bsm); expiry in
// years; rate and dividend continuously compounded; dividend is ignored by black76.
struct OptionSpec {
  Model model = Model::black76;
  OptionType type = OptionType::call;
  double underlying = 0;
  double strike = 0;
  double expiry = 0;
  double vol = 0;
  double rate = 0;
  double dividend = 0;
};

// Price and all Greeks. Errors: pricing_nan_input, pricing_zero_time (expiry <= 0),
// pricing_invalid_input (underlying, strike or vol not > 0, or anything infinite).
Result<Greeks, Errc> evaluate(const OptionSpec& option) noexcept;

inline Result<Greeks, Errc> black76(OptionType type, double forward, double strike, double expiry, double vol,
                                    double rate = 0) noexcept {
  return evaluate({Model::black76, type, forward, strike, expiry, vol, rate, 0});
}
inline Result<Greeks, Errc> bsm(OptionType type, double spot, double strike, double expiry, double vol, double rate,
                                double dividend) noexcept {
  return evaluate({Model::bsm, type, spot, strike, expiry, vol, rate, dividend});
}

// The same checks evaluate() makes, for callers that validate once and then use batch.hpp.
Errc validate(const OptionSpec& option) noexcept;

// The forward the option is priced on: underlying (black76) or S e^((r-q)T) (bsm).
double forward_of(const OptionSpec& option) noexcept;

// Inverse (coin-settled) options: premium in coin = USD value / F, and Greeks of that coin
// premium as partial derivatives (F in USD): delta = d(V/F)/dF, gamma = d2(V/F)/dF2, vega,
// theta, rho, volga, charm of V/F, vanna = d2(V/F)/dF dsigma; net_delta = F d(V/F)/dF =
// Black delta - coin premium, the premium-adjusted delta in coin. For bsm, F = forward_of().
struct CoinGreeks {
  double price = 0;
  double delta = 0;
  double net_delta = 0;
  double gamma = 0;
  double vega = 0;
  double theta = 0;
  double rho = 0;
  double vanna = 0;
  double volga = 0;
  double charm = 0;
};

// From forward-based USD Greeks (black76 units). For bsm results convert delta/gamma to the
// forward first (or use evaluate_coin()).
CoinGreeks to_coin(const Greeks& usd, double forward) noexcept;
Result<CoinGreeks, Errc> evaluate_coin(const OptionSpec& option) noexcept;

}  // namespace strike::pricing
