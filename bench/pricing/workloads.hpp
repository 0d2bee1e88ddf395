// The inputs the pricing benchmarks run on, shared by the Google Benchmark binary and the
// fixed-work driver that valgrind counts instructions of (pricing_count.cpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "pricing/batch.hpp"

namespace strike::pricing::bench {

inline constexpr std::size_t kBookSize = 4096;  // fits L1/L2 with all outputs

// A book of Black-76 options: forward 9,000-9,500, expiry 1 day to 2 years (log-uniform),
// vol 30%-150%, strikes to +-3 sd, calls and puts at random, r = q = 0 (crypto: Deribit uses 0)
// unless `rate` is given.
struct Book {
  std::vector<OptionType> type;
  std::vector<double> f, k, t, vol, r, q;
  std::vector<double> out[9];
  explicit Book(double rate = 0.0) : type(kBookSize), f(kBookSize), k(kBookSize), t(kBookSize), vol(kBookSize),
                                     r(kBookSize), q(kBookSize) {
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(0, 1);
    for (std::size_t i = 0; i < kBookSize; ++i) {
      type[i] = u(rng) < 0.5 ? OptionType::call : OptionType::put;
      f[i] = 9000 + 500 * u(rng);
      t[i] = std::exp(std::log(1.0 / 365) + u(rng) * std::log(2 * 365.0));
      vol[i] = 0.3 + 1.2 * u(rng);
      r[i] = rate;
      q[i] = 0.0;
      k[i] = f[i] * std::exp((u(rng) * 6 - 3) * vol[i] * std::sqrt(t[i]));
    }
    for (auto& o : out) o.resize(kBookSize);
  }
  BatchInputs in() const { return {type, f, k, t, vol, r, q}; }
  BatchOutputs outputs() { return {out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7], out[8], {}}; }
};

// Implied vol over a grid including the wings: strikes to +-6 sd, vols 5%-300%, 1 day to 2
// years, the out-of-the-money side (the hard one): 25 x 5 x 4 = 500 points.
struct IvGrid {
  std::vector<OptionType> type;
  std::vector<double> price, f, k, t;
  IvGrid() {
    for (double z = -6; z <= 6.001; z += 0.5)
      for (double vol : {0.05, 0.2, 0.5, 1.0, 3.0})
        for (double t_ : {1.0 / 365, 0.1, 0.5, 2.0}) {
          const double fwd = 100, strike = fwd * std::exp(z * vol * std::sqrt(t_));
          const OptionType ty = z < 0 ? OptionType::put : OptionType::call;
          type.push_back(ty);
          f.push_back(fwd);
          k.push_back(strike);
          t.push_back(t_);
          price.push_back(black76(ty, fwd, strike, t_, vol)->price);
        }
  }
};

}  // namespace strike::pricing::bench
