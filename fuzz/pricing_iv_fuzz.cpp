// Implied-vol solver on arbitrary doubles: never crashes, never hangs, and either returns a
// code or a volatility whose price reproduces the input to the attainable precision; the
// bounded form's interval always holds the volatility the price came from.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "pricing/implied_vol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  double v[5] = {0, 0, 0, 0, 0};
  std::memcpy(v, data, size < sizeof v ? size : sizeof v);
  using namespace strike::pricing;
  const OptionType type = (size > 40 && (data[40] & 1)) ? OptionType::put : OptionType::call;
  // Raw bits as given (NaN, inf, subnormals, negatives) ...
  (void)implied_vol_black76(type, v[0], v[1], v[2], v[3], v[4]);
  (void)normalised_implied_vol(v[0], v[1], type == OptionType::call ? 1 : -1);
  (void)implied_vol_black76_bounded(type, v[0], v[1], v[2], v[3], v[4], v[4]);
  // ... and a mapped, mostly valid case that must round-trip.
  const double f = std::exp(std::fmod(std::fabs(v[1]), 20.0) - 10), k = f * std::exp(std::fmod(v[2], 5.0));
  const double t = 1e-6 + std::fmod(std::fabs(v[3]), 5.0), vol = 0.01 + std::fmod(std::fabs(v[0]), 4.0);
  if (!std::isfinite(f) || !std::isfinite(k) || !(k > 0) || !std::isfinite(t) || !std::isfinite(vol)) return 0;
  const auto g = black76(type, f, k, t, vol);
  if (!g) return 0;
  const auto iv = implied_vol_black76(type, g->price, f, k, t);
  if (iv && std::fabs(iv.value() - vol) > 1e-12 * vol + 1e-10 * g->price / g->vega) {
    std::fprintf(stderr, "round trip: F=%.17g K=%.17g T=%.17g vol=%.17g got %.17g\n", f, k, t, vol, iv.value());
    std::abort();
  }
  const auto bounded = implied_vol_black76_bounded(type, g->price, f, k, t, 0, INFINITY);
  if (bounded && !(std::fabs(bounded->vol - vol) <= bounded->uncertainty)) {
    std::fprintf(stderr, "bound: F=%.17g K=%.17g T=%.17g vol=%.17g got %.17g +- %.17g\n", f, k, t, vol, bounded->vol,
                 bounded->uncertainty);
    std::abort();
  }
  return 0;
}
