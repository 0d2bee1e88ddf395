// Cost of the integer money primitives that every fee, PnL and conversion goes through.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/checked_math.hpp"
#include "core/decimal.hpp"

namespace {

std::vector<std::int64_t> values(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = static_cast<std::int64_t>(rng() >> 20) - (1LL << 43);
  return v;
}

void BM_MulDivHalfEven(benchmark::State& state) {
  const auto a = values(4096, 1), b = values(4096, 2);
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = strike::mul_div(a[i & 4095], 3, 10'000 + (b[i & 4095] & 7), strike::Rounding::half_even);
    benchmark::DoNotOptimize(r);
    ++i;
  }
}
BENCHMARK(BM_MulDivHalfEven);

void BM_MulDivAgainstAccount(benchmark::State& state) {
  const auto a = values(4096, 3), b = values(4096, 4);
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = strike::mul_div(a[i & 4095], b[i & 4095] >> 24, 100'000'000, strike::Rounding::against_account);
    benchmark::DoNotOptimize(r);
    ++i;
  }
}
BENCHMARK(BM_MulDivAgainstAccount);

void BM_ParseDecimalPrice(benchmark::State& state) {
  const char* texts[] = {"0.0105", "43125.5", "0.0005", "1e-05", "118000", "0.1234"};
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = strike::parse_decimal(texts[i++ % 6]);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseDecimalPrice);

}  // namespace

BENCHMARK_MAIN();
