#include "pricing/batch.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

#include "core/assert.hpp"
#include "pricing/kernel.hpp"

namespace strike::pricing {
namespace {

struct Arrays {
  const OptionType* type;
  const double *s0, *k, *t, *vol, *r, *q;
  double *price, *delta, *gamma, *vega, *theta, *rho, *vanna, *volga, *charm;
};

// Options go through the kernel's stages (kernel.hpp) a block at a time, each stage a
// loop over the block with its values in small stack arrays: the fused kernel's single loop
// body needed more than the 16 (AVX2) vector registers and spilled most of its values, and one
// option's long dependency chain (log, divisions, exp, erfcx) could not overlap the next one's.
// 64 options keep the intermediates (12 KB) in L1.
inline constexpr std::size_t kBlock = 64;

// The setup stage's inputs and outputs (a block's stack arrays).
struct SetupArrays {
  const double *s0, *k, *t, *vol, *r, *q;
  double *sqrt_t, *s, *df, *dq, *x, *inv_s, *h, *ho, *half_s, *e0, *bm, *y;
};

// Leaves the exponents in df, dq, e0 and bm (kernel_setup_args) for exp_stage.
template <bool kBsm>
STRIKE_PRICING_INLINE void setup_stage(const SetupArrays& a, std::size_t m) noexcept {
#pragma GCC ivdep
  for (std::size_t i = 0; i < m; ++i) {
    const detail::KernelSetup p = detail::kernel_setup_args<kBsm>(a.s0[i], a.k[i], a.t[i], a.vol[i], a.r[i], a.q[i]);
    a.sqrt_t[i] = p.sqrt_t;
    a.s[i] = p.s;
    a.df[i] = p.df;
    if (kBsm) a.dq[i] = p.dq;
    a.x[i] = p.x;
    a.inv_s[i] = p.inv_s;
    a.h[i] = p.h;
    a.ho[i] = p.ho;
    a.half_s[i] = p.half_s;
    a.e0[i] = p.e0;
    a.bm[i] = p.bm;
    const detail::ErfcxArgs e = detail::kernel_erfcx_args(p);
    a.y[i] = e.a0;
    a.y[m + i] = e.a1;
    a.y[2 * m + i] = e.a2;
  }
}

// kernel_setup_exp as short loops, one exponential each.
STRIKE_PRICING_INLINE void exp_stage(double* v, std::size_t m) noexcept {
#pragma GCC ivdep
  for (std::size_t i = 0; i < m; ++i) v[i] = math::exp(v[i]);
}

template <bool kSmall, bool kLarge>
STRIKE_PRICING_INLINE void erfcx_stage(double* y, std::size_t n) noexcept {
#pragma GCC ivdep
  for (std::size_t i = 0; i < n; ++i) y[i] = math::erfcx<kSmall, kLarge>(y[i]);
}

// The loops every path compiles; always_inline so each target attribute below re-vectorises
// them at its own width. Invalid rows are computed on placeholder inputs and then replaced by
// NaN, so the loops have no branch.
template <bool kBsm>
STRIKE_PRICING_INLINE void batch_block(const Arrays& a, std::size_t base, std::size_t m) noexcept {
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // Outputs never alias inputs or each other (distinct spans): no run-time alias checks.
  const OptionType* type = a.type + base;
  const double *s0v = a.s0 + base, *kv = a.k + base, *tv = a.t + base, *volv = a.vol + base, *rv = a.r + base,
               *qv = (kBsm ? a.q : a.r) + base;
  double *price = a.price + base, *delta = a.delta + base, *gamma = a.gamma + base, *vega = a.vega + base,
         *theta = a.theta + base, *rho = a.rho + base, *vanna = a.vanna + base, *volga = a.volga + base,
         *charm = a.charm + base;
  // Placeholder-substituted inputs, the setup stage's values, and the erfcx arguments/values
  // (y0 at [0, m), y1 at [m, 2m), y2 at [2m, 3m)).
  alignas(64) double s0a[kBlock], ka[kBlock], ta[kBlock], vola[kBlock], ra[kBlock], qa[kBlock];
  // Doubles, not bool and OptionType: GCC vectorises the finish loop only without byte masks.
  alignas(64) double valida[kBlock], signa[kBlock];
  alignas(64) double sqrt_t[kBlock], s[kBlock], df[kBlock], dq[kBlock], x[kBlock], inv_s[kBlock], h[kBlock],
      ho[kBlock], half_s[kBlock], e0[kBlock], bm[kBlock], ibm[kBlock];
  alignas(64) double y[3 * kBlock];

#pragma GCC ivdep
  for (std::size_t i = 0; i < m; ++i) {
    const double s0 = s0v[i], k = kv[i], t = tv[i], vol = volv[i], r = rv[i], q = kBsm ? qv[i] : 0.0;
    // Non-short-circuit '&' so the test is straight-line code (each comparison is false on NaN).
    const bool valid = (s0 > 0) & (s0 < kInf) & (k > 0) & (k < kInf) & (t > 0) & (t < kInf) & (vol > 0) &
                       (vol < kInf) & (r > -kInf) & (r < kInf) & (q > -kInf) & (q < kInf);
    valida[i] = valid ? 1.0 : 0.0;
    signa[i] = type[i] == OptionType::call ? 1.0 : -1.0;
    s0a[i] = valid ? s0 : 1.0;
    ka[i] = valid ? k : 1.0;
    ta[i] = valid ? t : 1.0;
    vola[i] = valid ? vol : 1.0;
    ra[i] = valid ? r : 0.0;
    qa[i] = valid ? q : 0.0;
  }
  // A block whose rates are all 0 (Deribit prices on r = 0) skips the discount factor. The
  // flags are integer ORs so that these loops vectorise (a bool reduction does not).
  std::uint64_t nonzero_rate = 0;
  for (std::size_t i = 0; i < m; ++i) nonzero_rate |= ra[i] != 0.0 ? 1 : 0;
  const bool zero_rate = nonzero_rate == 0;
  const SetupArrays sa{s0a, ka, ta, vola, ra, qa, sqrt_t, s, df, dq, x, inv_s, h, ho, half_s, e0, bm, y};
  setup_stage<kBsm>(sa, m);
  exp_stage(e0, m);
  exp_stage(bm, m);
  if (kBsm) exp_stage(dq, m);
  if (zero_rate)
    for (std::size_t i = 0; i < m; ++i) df[i] = 1.0;  // e^(-0 T), exactly
  else
    exp_stage(df, m);
#pragma GCC ivdep
  for (std::size_t i = 0; i < m; ++i) ibm[i] = 1.0 / bm[i];
  // One loop over all three arguments: the longest stage (up to three rationals and a
  // division). Cody's outer intervals are evaluated only when some argument of the block
  // needs them: near-the-money books never reach y > 4.
  std::uint64_t small = 0, large = 0;
  for (std::size_t i = 0; i < 3 * m; ++i) {
    small |= y[i] <= 0.46875 ? 1 : 0;
    large |= y[i] <= 4.0 ? 0 : 1;  // NaN too
  }
  const bool any_small = small != 0, any_large = large != 0;
  if (any_small && any_large)
    erfcx_stage<true, true>(y, 3 * m);
  else if (any_small)
    erfcx_stage<true, false>(y, 3 * m);
  else if (any_large)
    erfcx_stage<false, true>(y, 3 * m);
  else
    erfcx_stage<false, false>(y, 3 * m);
#pragma GCC ivdep
  for (std::size_t i = 0; i < m; ++i) {
    const detail::KernelSetup p{sqrt_t[i], s[i],  df[i], kBsm ? dq[i] : df[i], x[i],  inv_s[i],
                                h[i],      ho[i], half_s[i], e0[i], bm[i], ibm[i]};
    const detail::KernelOut o = detail::kernel_finish<kBsm>(signa[i], s0a[i], ka[i], ta[i], vola[i], ra[i], qa[i], p, y[i],
                                                            y[m + i], y[2 * m + i]);
    const bool valid = valida[i] != 0.0;
    price[i] = valid ? o.price : kNan;
    delta[i] = valid ? o.delta : kNan;
    gamma[i] = valid ? o.gamma : kNan;
    vega[i] = valid ? o.vega : kNan;
    theta[i] = valid ? o.theta : kNan;
    rho[i] = valid ? o.rho : kNan;
    vanna[i] = valid ? o.vanna : kNan;
    volga[i] = valid ? o.volga : kNan;
    charm[i] = valid ? o.charm : kNan;
  }
}

template <bool kBsm>
STRIKE_PRICING_INLINE void batch_loop(const Arrays& a, std::size_t n) noexcept {
  for (std::size_t base = 0; base < n; base += kBlock) batch_block<kBsm>(a, base, n - base < kBlock ? n - base : kBlock);
}

#define STRIKE_BATCH_VARIANT(NAME, TARGET)                                                       \
  TARGET void NAME(bool bsm, const Arrays& a, std::size_t n) noexcept {                          \
    if (bsm)                                                                                     \
      batch_loop<true>(a, n);                                                                    \
    else                                                                                         \
      batch_loop<false>(a, n);                                                                   \
  }

STRIKE_BATCH_VARIANT(run_portable, )
STRIKE_BATCH_VARIANT(run_avx2, [[gnu::target("avx2")]])
STRIKE_BATCH_VARIANT(run_avx512, [[gnu::target("avx512f,avx512dq,avx512vl,avx512bw,prefer-vector-width=512")]])
#undef STRIKE_BATCH_VARIANT

Isa detect() noexcept {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw"))
    return Isa::avx512;
  if (__builtin_cpu_supports("avx2")) return Isa::avx2;
  return Isa::portable;
}

}  // namespace

std::string_view to_string(Isa isa) noexcept {
  switch (isa) {
    case Isa::portable: return "portable (x86-64-v2)";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "?";
}

Isa best_isa() noexcept {
  static const Isa kBest = detect();
  return kBest;
}

bool isa_supported(Isa isa) noexcept { return static_cast<int>(isa) <= static_cast<int>(best_isa()); }

void evaluate_batch(Model model, const BatchInputs& in, const BatchOutputs& out) noexcept {
  evaluate_batch(model, in, out, best_isa());
}

void evaluate_batch(Model model, const BatchInputs& in, const BatchOutputs& out, Isa isa) noexcept {
  const std::size_t n = in.type.size();
  const bool bsm = model == Model::bsm;
  for (std::size_t len : {in.underlying.size(), in.strike.size(), in.expiry.size(), in.vol.size(), in.rate.size(),
                          out.price.size(), out.delta.size(), out.gamma.size(), out.vega.size(), out.theta.size(),
                          out.rho.size(), out.vanna.size(), out.volga.size(), out.charm.size()})
    STRIKE_ASSERT(len == n, "batch spans differ in length: {} vs {}", len, n);
  STRIKE_ASSERT(!bsm || in.dividend.size() == n, "bsm batch needs a dividend per option");
  STRIKE_ASSERT(out.status.empty() || out.status.size() == n, "status span length {} vs {}", out.status.size(), n);
  STRIKE_ASSERT(isa_supported(isa), "CPU does not support {}", to_string(isa));
  const Arrays a{in.type.data(), in.underlying.data(), in.strike.data(), in.expiry.data(), in.vol.data(),
                 in.rate.data(), bsm ? in.dividend.data() : nullptr, out.price.data(), out.delta.data(),
                 out.gamma.data(), out.vega.data(), out.theta.data(), out.rho.data(), out.vanna.data(),
                 out.volga.data(), out.charm.data()};
  switch (isa) {
    case Isa::avx512: run_avx512(bsm, a, n); break;
    case Isa::avx2: run_avx2(bsm, a, n); break;
    case Isa::portable: run_portable(bsm, a, n); break;
  }
  if (!out.status.empty())
    for (std::size_t i = 0; i < n; ++i)
      out.status[i] = validate({model, in.type[i], in.underlying[i], in.strike[i], in.expiry[i], in.vol[i], in.rate[i],
                                bsm ? in.dividend[i] : 0.0});
}

}  // namespace strike::pricing
