// The batch API against the scalar API, bit for bit, on every ISA path this CPU runs.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <limits>
#include <random>
#include <vector>

#include "pricing/batch.hpp"

namespace strike::pricing {
namespace {

struct Batch {
  std::vector<OptionType> type;
  std::vector<double> s0, k, t, vol, r, q;
  explicit Batch(std::size_t n) : type(n), s0(n), k(n), t(n), vol(n), r(n), q(n) {}
  BatchInputs inputs() const { return {type, s0, k, t, vol, r, q}; }
};

struct Out {
  std::vector<double> v[9];
  std::vector<Errc> status;
  explicit Out(std::size_t n) : status(n) {
    for (auto& x : v) x.assign(n, -1.0);
  }
  BatchOutputs outputs() { return {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], status}; }
};

Batch random_batch(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Batch b(n);
  for (std::size_t i = 0; i < n; ++i) {
    b.type[i] = u(rng) < 0.5 ? OptionType::call : OptionType::put;
    b.s0[i] = std::exp(u(rng) * 11);
    b.t[i] = std::exp(std::log(1.0 / 525600) + u(rng) * std::log(5.0 * 525600));
    b.vol[i] = std::exp(std::log(0.01) + u(rng) * std::log(400.0));
    b.r[i] = -0.02 + 0.12 * u(rng);
    b.q[i] = -0.02 + 0.12 * u(rng);
    b.k[i] = b.s0[i] * std::exp((u(rng) * 24 - 12) * b.vol[i] * std::sqrt(b.t[i]));
  }
  // Invalid rows mixed in: NaN, zero time, negative strike, infinite rate.
  b.s0[3] = std::numeric_limits<double>::quiet_NaN();
  b.t[5] = 0;
  b.k[8] = -1;
  b.r[13] = std::numeric_limits<double>::infinity();
  return b;
}

// Groups of 256 rows (whole blocks for any block size that divides 256) whose erfcx arguments
// fall only in Cody's middle interval, only in the outer ones, near the money (small and
// middle), then anything: the batch leaves out the intervals a block does not need.
Batch interval_batch(std::size_t n, std::uint64_t seed) {
  Batch b = random_batch(n, seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  for (std::size_t i = 0; i < n && i < 3 * 256; ++i) {
    const std::size_t group = i / 256;
    const double s = group == 2 ? 0.05 + 0.5 * u(rng) : 0.1;                        // vol sqrt(T)
    const double h = group == 0 ? 2 + 1.5 * u(rng) : group == 1 ? 6 + 2 * u(rng) : 0.5 * u(rng);  // |ln(F/K)| / s
    b.t[i] = 0.25;
    b.vol[i] = s / 0.5;
    b.k[i] = b.s0[i] * std::exp((u(rng) < 0.5 ? -h : h) * s);
  }
  return b;
}

std::uint64_t bits(double d) { return std::bit_cast<std::uint64_t>(d); }

TEST(Batch, EveryIsaPathMatchesTheScalarApiBitForBit) {
  constexpr std::size_t kN = 20'003;  // odd: exercises every vector remainder
  std::printf("best ISA on this CPU: %s\n", std::string(to_string(best_isa())).c_str());
  for (const int variant : {0, 1, 2}) {
    for (Model model : {Model::black76, Model::bsm}) {
      const std::uint64_t seed = model == Model::bsm ? 2 : 1;
      Batch b = variant == 2 ? interval_batch(kN, seed) : random_batch(kN, seed);
      // Variant 1: r = 0 (the crypto case, where the batch skips the discount factor) on the
      // first half, -0 included, random rates after it.
      if (variant == 1)
        for (std::size_t i = 0; i < kN / 2; ++i)
          if (i != 13) b.r[i] = i % 3 == 0 ? -0.0 : 0.0;
      for (Isa isa : {Isa::portable, Isa::avx2, Isa::avx512}) {
        if (!isa_supported(isa)) {
          std::printf("%s: not supported by this CPU, not run\n", std::string(to_string(isa)).c_str());
          continue;
        }
        Out out(kN);
        evaluate_batch(model, b.inputs(), out.outputs(), isa);
        for (std::size_t i = 0; i < kN; ++i) {
          const OptionSpec o{model, b.type[i], b.s0[i], b.k[i], b.t[i], b.vol[i], b.r[i], b.q[i]};
          const auto g = evaluate(o);
          ASSERT_EQ(out.status[i], g.ok() ? Errc::ok : g.error()) << i;
          if (!g.ok()) {
            for (const auto& v : out.v) ASSERT_TRUE(std::isnan(v[i])) << i;
            continue;
          }
          const double want[9] = {g->price, g->delta, g->gamma, g->vega, g->theta, g->rho, g->vanna, g->volga, g->charm};
          for (int j = 0; j < 9; ++j)
            ASSERT_EQ(bits(out.v[j][i]), bits(want[j]))
                << to_string(isa) << " row " << i << " output " << j << std::setprecision(17) << " S=" << o.underlying
                << " K=" << o.strike << " T=" << o.expiry << " vol=" << o.vol << " r=" << o.rate << " q=" << o.dividend;
        }
      }
    }
  }
}

TEST(Batch, ResultsDoNotDependOnBatchSizeOrPosition) {
  const Batch b = random_batch(1000, 3);
  Out whole(1000);
  evaluate_batch(Model::bsm, b.inputs(), whole.outputs());
  for (std::size_t start : {0u, 1u, 7u, 500u}) {
    const std::size_t n = 1000 - start;
    Out part(n);
    const BatchInputs in{std::span(b.type).subspan(start), std::span(b.s0).subspan(start),
                         std::span(b.k).subspan(start),    std::span(b.t).subspan(start),
                         std::span(b.vol).subspan(start),  std::span(b.r).subspan(start),
                         std::span(b.q).subspan(start)};
    evaluate_batch(Model::bsm, in, part.outputs());
    for (std::size_t i = 0; i < n; ++i)
      for (int j = 0; j < 9; ++j) ASSERT_EQ(bits(part.v[j][i]), bits(whole.v[j][start + i]));
  }
}

}  // namespace
}  // namespace strike::pricing
