#include "risk/futures_mark.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include <fmt/format.h>

#include "core/checked_math.hpp"
#include "pricing/math.hpp"
#include "risk/numeric.hpp"

namespace strike::risk {

namespace {

constexpr std::int64_t kPpm = 1'000'000;

// index x ppm / 10^6, rounded toward zero: the band is never wider than configured.
std::int64_t band_of(RefPrice index, std::int64_t ppm) noexcept {
  return static_cast<std::int64_t>(static_cast<int128>(index.raw()) * ppm / kPpm);
}

// The EMA at t0 + dt relaxing towards `held` with time constant tau: the exact solution of
// dp/dt = (held - p) / tau. exp is pricing's (IEEE operations only), so the bits do not depend on
// the machine's libm.
double relax(double ema, double held, double dt_ns, std::int64_t tau_ns) noexcept {
  if (!(dt_ns > 0)) return ema;
  const double w = pricing::math::exp_branchy(-dt_ns / static_cast<double>(tau_ns));
  return held + (ema - held) * w;
}

}  // namespace

Status<Error> validate(const FuturesMarkConfig& config) {
  if (config.time_constant_ns <= 0) return fail(Errc::config_bad_value, "futures mark: time_constant must be > 0");
  if (config.band_below_ppm < 0 || config.band_below_ppm >= kPpm)
    return fail(Errc::config_bad_value, "futures mark: band_below must be in [0, 1)");
  if (config.band_above_ppm < 0 || config.band_above_ppm >= kPpm)
    return fail(Errc::config_bad_value, "futures mark: band_above must be in [0, 1)");
  return {};
}

std::optional<RefPrice> impact_price(std::span<const BookLevel> levels, std::int64_t impact_lots) noexcept {
  if (levels.empty()) return std::nullopt;
  if (impact_lots <= 0) return levels.front().price;
  int128 value = 0;
  std::int64_t need = impact_lots;
  for (const BookLevel& l : levels) {
    if (l.lots <= 0) continue;
    const std::int64_t take = std::min(need, l.lots);
    value += static_cast<int128>(l.price.raw()) * take;
    need -= take;
    if (need == 0) break;
  }
  if (need > 0) return std::nullopt;
  // value / impact_lots, half-even (both positive).
  const int128 q = value / impact_lots, r = value % impact_lots, twice = 2 * r;
  const int128 rounded = twice > impact_lots || (twice == impact_lots && (q & 1) != 0) ? q + 1 : q;
  return RefPrice{static_cast<std::int64_t>(rounded)};
}

Result<FuturesMark, Error> FuturesMark::make(const FuturesMarkConfig& config) {
  if (auto v = validate(config); !v) return fail(v.error());
  return FuturesMark(config);
}

double FuturesMark::premium_at(Timestamp now) const noexcept {
  if (!has_sample_) return 0;
  return relax(ema_, held_, ns_between(last_, now), config_.time_constant_ns);
}

Status<Errc> FuturesMark::update(Timestamp now, RefPrice index, const BookTop& top) noexcept {
  if (index.raw() <= 0 || (top.bid && top.bid->raw() <= 0) || (top.ask && top.ask->raw() <= 0))
    return fail(Errc::invalid_price);
  if (top.bid && top.ask && *top.bid > *top.ask) return fail(Errc::out_of_range);
  if (has_sample_ && now < last_) return fail(Errc::out_of_range);
  const double ema_now = premium_at(now);
  // Premiums are differences of int64 reference prices below 2^53: exact in double.
  const double idx = static_cast<double>(index.raw());
  double sample = ema_now;  // no side: the premium holds
  if (top.bid && top.ask) {
    sample = 0.5 * (static_cast<double>(top.bid->raw()) + static_cast<double>(top.ask->raw())) - idx;
  } else if (top.bid) {
    sample = std::max(ema_now, static_cast<double>(top.bid->raw()) - idx);
  } else if (top.ask) {
    sample = std::min(ema_now, static_cast<double>(top.ask->raw()) - idx);
  }
  ema_ = ema_now;
  held_ = sample;
  last_ = now;
  has_sample_ = true;
  return {};
}

Result<RefPrice, Errc> FuturesMark::mark(Timestamp now, RefPrice index) const noexcept {
  if (index.raw() <= 0) return fail(Errc::invalid_price);
  if (has_sample_ && now < last_) return fail(Errc::out_of_range);
  const double p = premium_at(now);
  const std::int64_t lo = -band_of(index, config_.band_below_ppm), hi = band_of(index, config_.band_above_ppm);
  // Clamp in double first: the EMA of int64 premiums is bounded by them, but clamping before the
  // conversion keeps the cast in range whatever the samples were.
  const double clamped = std::clamp(p, static_cast<double>(lo), static_cast<double>(hi));
  const std::int64_t premium = std::clamp(round_half_even(clamped), lo, hi);
  std::int64_t mark = 0;
  if (__builtin_add_overflow(index.raw(), premium, &mark)) return fail(Errc::overflow);
  return RefPrice{mark};
}

void FuturesMark::save(ByteWriter& out) const noexcept {
  out.write_bool(has_sample_);
  out.write_i64(last_.ns());
  out.write_u64(std::bit_cast<std::uint64_t>(ema_));
  out.write_u64(std::bit_cast<std::uint64_t>(held_));
}

Status<Errc> FuturesMark::load(ByteReader& in) noexcept {
  const bool has = in.read_bool();
  const std::int64_t last = in.read_i64();
  const double ema = std::bit_cast<double>(in.read_u64());
  const double held = std::bit_cast<double>(in.read_u64());
  if (!in.ok()) return fail(in.error());
  if (!std::isfinite(ema) || !std::isfinite(held)) {
    in.fail(Errc::decode_invalid);
    return fail(Errc::decode_invalid);
  }
  has_sample_ = has;
  last_ = Timestamp::from_ns(last);
  ema_ = ema;
  held_ = held;
  return {};
}

}  // namespace strike::risk
