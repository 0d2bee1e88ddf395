// Struct-of-arrays evaluation of price and all Greeks for N options, vectorised and
// dispatched at run time: AVX-512 (8 lanes), AVX2 (4 lanes) or the portable x86-64-v2 build
// (2 lanes, SSE4.2), chosen once from the CPU (__builtin_cpu_supports) or forced by the caller.
//
// Invariants: every path computes each option with the very same sequence of correctly
// rounded IEEE operations as the scalar evaluate() (math.hpp, -ffp-contract=off), so the
// outputs are bit-identical across paths, CPUs and batch sizes for a given binary. No
// allocation, no exceptions. Rows whose inputs are invalid (see validate()) get NaN in every
// output; pass `status` to also receive the Errc of each row. Costs: options go through the
// kernel a block of 64 at a time (12 KB of stack); a block whose rates are all 0 skips the
// discount factor, one whose erfcx arguments miss Cody's first or last interval skips it.
#pragma once

#include <span>

#include "pricing/black.hpp"

namespace strike::pricing {

struct BatchInputs {
  std::span<const OptionType> type;
  std::span<const double> underlying;  // forward (black76) or spot (bsm)
  std::span<const double> strike;
  std::span<const double> expiry;
  std::span<const double> vol;
  std::span<const double> rate;
  std::span<const double> dividend;  // bsm only; may be empty for black76
};

struct BatchOutputs {
  std::span<double> price, delta, gamma, vega, theta, rho, vanna, volga, charm;
  std::span<Errc> status;  // optional (empty: not written)
};

enum class Isa : std::uint8_t { portable, avx2, avx512 };
std::string_view to_string(Isa isa) noexcept;
bool isa_supported(Isa isa) noexcept;
Isa best_isa() noexcept;  // the widest path this CPU runs

// All spans must have the same length (dividend may be empty for black76); checked with
// STRIKE_ASSERT, as a caller's broken invariant.
void evaluate_batch(Model model, const BatchInputs& in, const BatchOutputs& out) noexcept;
void evaluate_batch(Model model, const BatchInputs& in, const BatchOutputs& out, Isa isa) noexcept;

}  // namespace strike::pricing
