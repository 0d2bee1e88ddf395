// Fixed work for instruction counting: the machine the benchmarks run on is shared and noisy,
// instruction counts are not. Run under valgrind and read the count of the one function:
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect='*count_*'
//            build/release/bench/pricing/pricing_count batch-avx2
// Workloads (the same inputs as pricing_bench, bench/pricing/workloads.hpp):
//   batch-portable | batch-avx2   one evaluate_batch() over the 4,096-option book
//   scalar                        black76() on each option of the book
//   iv                            implied_vol_black76() on each of the 500 grid points
// valgrind prints the instructions collected; divide by 4,096 options (500 solves for iv).
#include <cstdio>
#include <cstring>

#include "pricing/batch.hpp"
#include "pricing/implied_vol.hpp"
#include "workloads.hpp"

namespace {

using namespace strike::pricing;

[[gnu::noinline]] double count_batch(bench::Book& b, Isa isa) {
  evaluate_batch(Model::black76, b.in(), b.outputs(), isa);
  return b.out[0][0];
}

[[gnu::noinline]] double count_scalar(const bench::Book& b) {
  double sum = 0;
  for (std::size_t i = 0; i < bench::kBookSize; ++i) sum += black76(b.type[i], b.f[i], b.k[i], b.t[i], b.vol[i])->price;
  return sum;
}

[[gnu::noinline]] double count_iv(const bench::IvGrid& g) {
  double sum = 0;
  for (std::size_t i = 0; i < g.price.size(); ++i)
    sum += implied_vol_black76(g.type[i], g.price[i], g.f[i], g.k[i], g.t[i]).value_or(0.0);
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  const char* what = argc > 1 ? argv[1] : "";
  double r = 0;
  if (std::strcmp(what, "batch-portable") == 0 || std::strcmp(what, "batch-avx2") == 0) {
    const Isa isa = what[6] == 'a' ? Isa::avx2 : Isa::portable;
    if (!isa_supported(isa)) {
      std::fprintf(stderr, "%s not supported by this CPU\n", what);
      return 1;
    }
    bench::Book b;
    r = count_batch(b, isa);
  } else if (std::strcmp(what, "scalar") == 0) {
    r = count_scalar(bench::Book{});
  } else if (std::strcmp(what, "iv") == 0) {
    r = count_iv(bench::IvGrid{});
  } else {
    std::fprintf(stderr, "usage: pricing_count batch-portable|batch-avx2|scalar|iv\n");
    return 2;
  }
  std::printf("%.17g\n", r);
  return 0;
}
