// The mark price of a dated future or a perpetual, as Deribit computes it: the index plus a
// smoothed, clamped premium of the book over the index (docs/risk.md, "Marks", gives the method
// and its sources).
//
//   sample s(t)  = fair book price - index            (taken by update(), RefPrice units)
//   premium p(t) = exponential moving average of the samples, time constant tau (30 s) of venue
//                  time: between samples the EMA relaxes towards the sample held since the last
//                  update, exactly: p(t) = s + (p(t0) - s) e^(-(t - t0)/tau)
//   mark(t)      = index + clamp(round_half_even(p(t)), -index x below, +index x above)
//
// Fair book price: the mid of the best (or impact) bid and ask; with one side only, the current
// mark's price bounded by that side (a lone bid above it lifts it, a lone ask below it lowers it);
// with no side, the current mark's price (the premium holds). The premium starts at 0 (mark =
// index) and follows the book from the first sample, so a new or empty book cannot jump the mark.
//
// Owns: one instrument's EMA state: the venue time of the last sample, the EMA there and the held
// sample, three plain values saved and loaded with core/byte_buffer.hpp. Invariants: a pure
// function of the sequence of update() calls (venue time, index, book top passed in; no clock, no
// state elsewhere); the arithmetic is IEEE double with pricing's bit-reproducible exp and no FMA
// contraction, so replays on any machine give the same bits. A rejected call changes nothing.
// Costs: update() and mark() are one exp and a few operations (~20 ns); no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/byte_buffer.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "core/units.hpp"

namespace strike::risk {

struct FuturesMarkConfig {
  std::int64_t time_constant_ns = 30 * kNsPerSecond;  // tau of the premium's EMA
  std::int64_t band_below_ppm = 5'000;                 // premium >= -index x 0.5%
  std::int64_t band_above_ppm = 5'000;                 // premium <= +index x 0.5%

  bool operator==(const FuturesMarkConfig&) const noexcept = default;
};

// Errors: config_bad_value, the detail naming the field (tau not > 0, a band outside [0, 10^6)).
Status<Error> validate(const FuturesMarkConfig& config);

// The book as the mark sees it: best (or impact, see impact_price()) bid and ask, in the
// instrument's reference units; an empty side is nullopt.
struct BookTop {
  std::optional<RefPrice> bid, ask;
};

// One price level of a book side, best first.
struct BookLevel {
  RefPrice price;
  std::int64_t lots = 0;
};

// The average price of filling `impact_lots` against `levels` (best first), rounded half-even:
// Deribit's depth-weighted book price. nullopt when the side holds fewer lots; impact_lots <= 0
// gives the best price. Costs: the levels walked, 128-bit sums.
std::optional<RefPrice> impact_price(std::span<const BookLevel> levels, std::int64_t impact_lots) noexcept;

class FuturesMark {
 public:
  // Errors: as validate().
  static Result<FuturesMark, Error> make(const FuturesMarkConfig& config);

  // A sample at venue time `now`: the EMA advances from the previous sample's time to now with
  // the sample held since then, then this sample (fair book price - index) is held.
  // Errors, changing nothing: invalid_price (index or a side not > 0), out_of_range (now before
  // the previous sample, or bid above ask).
  Status<Errc> update(Timestamp now, RefPrice index, const BookTop& top) noexcept;

  // index + clamped, rounded EMA at `now` (no state changes: the EMA is advanced in a copy).
  // Before any sample the premium is 0. Errors: invalid_price (index not > 0), out_of_range (now
  // before the last sample), overflow (index + premium beyond int64).
  Result<RefPrice, Errc> mark(Timestamp now, RefPrice index) const noexcept;

  // The unclamped EMA of the premium at `now`, in RefPrice units (>= the last sample's time).
  double premium_at(Timestamp now) const noexcept;
  bool has_sample() const noexcept { return has_sample_; }
  Timestamp last_sample_time() const noexcept { return last_; }
  const FuturesMarkConfig& config() const noexcept { return config_; }

  // The state (not the configuration, which comes from the configuration file): 25 bytes.
  void save(ByteWriter& out) const noexcept;
  // Errors: decode_* from the reader, decode_invalid (a non-finite EMA). On failure the state is
  // unchanged.
  Status<Errc> load(ByteReader& in) noexcept;

  bool operator==(const FuturesMark&) const noexcept = default;

 private:
  explicit FuturesMark(const FuturesMarkConfig& config) noexcept : config_(config) {}

  FuturesMarkConfig config_;
  bool has_sample_ = false;
  Timestamp last_;    // venue time of the last sample
  double ema_ = 0;    // EMA of the premium at last_, RefPrice units
  double held_ = 0;   // the sample taken at last_, held until the next one
};

}  // namespace strike::risk
