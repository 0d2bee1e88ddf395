#include "risk/option_marks.hpp"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "pricing/batch.hpp"
#include "pricing/deribit.hpp"
#include "pricing/implied_vol.hpp"
#include "pricing/math.hpp"
#include "risk/numeric.hpp"

namespace strike::risk {

std::vector<SmileSource> default_fallbacks() {
  return {SmileSource::previous_fit, SmileSource::neighbour, SmileSource::flat};
}


namespace {

using pricing::OptionType;

constexpr double kNsPerYear = pricing::deribit::kDaysPerYear * 86'400.0 * 1e9;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint8_t kStateVersion = 1;

double units(RefPrice p) noexcept { return static_cast<double>(p.raw()) / kRefUnitsPerOne; }

bool finite_positive(double v) noexcept { return std::isfinite(v) && v > 0; }

// Raw SVI scaled in total variance (w -> c w): a and b scale, the shape does not.
pricing::SviParams scaled(pricing::SviParams p, double c) noexcept {
  p.a *= c;
  p.b *= c;
  return p;
}

void put_double(ByteWriter& out, double v) { out.write_u64(std::bit_cast<std::uint64_t>(v)); }
double get_double(ByteReader& in) { return std::bit_cast<double>(in.read_u64()); }

}  // namespace

// Bounds far outside anything a real fit produces, so every later evaluation stays finite; fits
// and loaded state are held to the same test, so a saved state always loads.
bool OptionMarks::sane(const Fit& f) noexcept {
  const auto within = [](double v, double lim) { return std::isfinite(v) && std::fabs(v) <= lim; };
  return finite_positive(f.years) && within(f.years, 1e3) && within(f.params.a, 1e3) && within(f.params.m, 1e3) &&
         within(f.params.sigma, 1e3) && f.params.satisfies_constraints() && within(f.k_min, 1e3) &&
         within(f.k_max, 1e3) && f.k_min <= f.k_max;
}

std::string_view to_string(SmileSource s) noexcept {
  switch (s) {
    case SmileSource::fit: return "fit";
    case SmileSource::previous_fit: return "previous_fit";
    case SmileSource::neighbour: return "neighbour";
    case SmileSource::flat: return "flat";
  }
  return "?";
}

Status<Error> validate(const OptionMarksConfig& c) {
  auto bad = [](std::string_view field, std::string_view rule) {
    return fail(Errc::config_bad_value, fmt::format("option marks: {} {}", field, rule));
  };
  if (c.min_quotes < 5) return bad("min_quotes", "must be >= 5 (an SVI fit needs 5 points)");
  for (std::size_t i = 0; i < c.fallbacks.size(); ++i) {
    if (c.fallbacks[i] == SmileSource::fit) return bad("fallbacks", "cannot list fit");
    for (std::size_t j = 0; j < i; ++j)
      if (c.fallbacks[j] == c.fallbacks[i]) return bad("fallbacks", "lists a source twice");
  }
  if (!finite_positive(c.min_iv)) return bad("min_iv", "must be > 0");
  if (!(std::isfinite(c.max_iv) && c.max_iv >= c.min_iv)) return bad("max_iv", "must be >= min_iv");
  if (!(finite_positive(c.flat_vol) && c.flat_vol >= c.min_iv && c.flat_vol <= c.max_iv))
    return bad("flat_vol", "must be within [min_iv, max_iv]");
  if (!(std::isfinite(c.forward_rate) && std::fabs(c.forward_rate) <= 1)) return bad("forward_rate", "must be in [-1, 1]");
  if (!(c.max_iv_change_per_second >= 0)) return bad("max_iv_change_per_second", "must be >= 0 (inf: no limit)");
  if (!finite_positive(c.max_quote_iv_uncertainty)) return bad("max_quote_iv_uncertainty", "must be > 0");
  if (!(c.max_fit_spread >= 0)) return bad("max_fit_spread", "must be >= 0 (inf: no limit)");
  return {};
}

Result<OptionMarks, Error> OptionMarks::make(OptionMarksConfig config) {
  if (auto v = validate(config); !v) return fail(v.error());
  return OptionMarks(std::move(config));
}

OptionMarks::OptionMarks(OptionMarksConfig config) : config_(std::move(config)) {}

Status<Errc> OptionMarks::recompute(const ChainInput& in, ChainMarks& out) { return run(in, out, true); }
Status<Errc> OptionMarks::reprice(const ChainInput& in, ChainMarks& out) { return run(in, out, false); }

Status<Errc> OptionMarks::run(const ChainInput& in, ChainMarks& out, bool refit) {
  // ---- validation: nothing below can fail, so a rejected call changes nothing
  if (in.index.raw() <= 0) return fail(Errc::invalid_price);
  if (last_call_ && in.now < *last_call_) return fail(Errc::out_of_range);
  const std::size_t n_exp = in.expiries.size(), n_opt = in.options.size();
  for (std::size_t e = 0; e < n_exp; ++e) {
    if (e > 0 && !(in.expiries[e - 1].expiry < in.expiries[e].expiry)) return fail(Errc::out_of_range);
    if (in.expiries[e].future_mark && in.expiries[e].future_mark->raw() <= 0) return fail(Errc::invalid_price);
  }
  for (const OptionInput& o : in.options) {
    if (o.expiry >= n_exp) return fail(Errc::out_of_range);
    if (o.strike.raw() <= 0 || (o.bid && o.bid->raw() <= 0) || (o.ask && o.ask->raw() <= 0))
      return fail(Errc::invalid_price);
  }
  // Options by (expiry, strike, type, id): the order every loop below uses, so the input's order
  // cannot reach the results.
  order_.resize(n_opt);
  for (std::uint32_t i = 0; i < n_opt; ++i) order_[i] = i;
  std::sort(order_.begin(), order_.end(), [&](std::uint32_t a, std::uint32_t b) {
    const OptionInput &x = in.options[a], &y = in.options[b];
    if (x.expiry != y.expiry) return x.expiry < y.expiry;
    if (x.strike != y.strike) return x.strike < y.strike;
    if (x.type != y.type) return x.type < y.type;
    return x.id < y.id;
  });
  next_ivs_.resize(n_opt);
  for (std::size_t i = 0; i < n_opt; ++i) next_ivs_[i] = {in.options[i].id.raw(), 0};
  std::sort(next_ivs_.begin(), next_ivs_.end(), [](const LastIv& a, const LastIv& b) { return a.id < b.id; });
  for (std::size_t i = 1; i < n_opt; ++i)
    if (next_ivs_[i - 1].id == next_ivs_[i].id) return fail(Errc::duplicate_instrument);

  // ---- 1. forwards
  const double index = units(in.index);
  out.expiries.resize(n_exp);
  for (std::size_t e = 0; e < n_exp; ++e) {
    ExpiryMark& m = out.expiries[e];
    const ExpiryInput& x = in.expiries[e];
    m = ExpiryMark{};
    m.expiry = x.expiry;
    m.years = ns_between(in.now, x.expiry) / kNsPerYear;
    m.forward_from_future = x.future_mark.has_value();
    m.forward = x.future_mark ? units(*x.future_mark)
                              : index * pricing::math::exp_branchy(config_.forward_rate * std::max(m.years, 0.0));
  }

  // ---- 2. quote IVs (Black-76 on F, r = 0). The premium's conversion to USD is rounded once
  // (/1e8) or twice (and x F): their 1-2 ulp go into the bound.
  out.options.resize(n_opt);
  auto quote_iv = [&](const OptionInput& o, const ExpiryMark& m, std::optional<RefPrice> p) {
    if (!p) return kNaN;
    const bool coin = config_.premium_unit == PremiumUnit::coin;
    const double usd = coin ? units(*p) * m.forward : units(*p);
    const double rounding = (coin ? 2 : 1) * DBL_EPSILON * usd;
    const auto iv = pricing::implied_vol_black76_bounded(o.type, usd, m.forward, units(o.strike), m.years, 0,
                                                         config_.max_quote_iv_uncertainty, rounding);
    return iv ? iv.value().vol : kNaN;
  };
  for (std::size_t i = 0; i < n_opt; ++i) {
    const OptionInput& o = in.options[i];
    const ExpiryMark& m = out.expiries[o.expiry];
    OptionMark& r = out.options[i];
    r = OptionMark{};
    r.id = o.id;
    if (!(m.years > 0)) {
      r.status = Errc::pricing_zero_time;
      r.bid_iv = r.ask_iv = kNaN;
      continue;
    }
    r.bid_iv = quote_iv(o, m, o.bid);
    r.ask_iv = quote_iv(o, m, o.ask);
  }

  // ---- 3. smiles. Pass A: this call's fits (recompute) or the latest fits (reprice).
  slot_fits_.assign(n_exp, Fit{});
  fresh_.assign(n_exp, 0);
  auto old_fit = [&](std::int64_t expiry_ns) -> const Fit* {
    const auto it = std::lower_bound(fits_.begin(), fits_.end(), expiry_ns,
                                     [](const Fit& f, std::int64_t ns) { return f.expiry_ns < ns; });
    return it != fits_.end() && it->expiry_ns == expiry_ns ? &*it : nullptr;
  };
  std::size_t next = 0;  // into order_
  const pricing::SviSlice* shorter = nullptr;
  pricing::SviSlice last_slice;
  for (std::size_t e = 0; e < n_exp; ++e) {
    ExpiryMark& m = out.expiries[e];
    const std::size_t begin = next;
    while (next < n_opt && in.options[order_[next]].expiry == e) ++next;
    if (!(m.years > 0)) continue;  // expired: no smile, not kept
    if (!refit) {
      if (const Fit* f = old_fit(m.expiry.ns())) slot_fits_[e] = *f;
      continue;
    }
    points_.clear();
    for (std::size_t j = begin; j < next; ++j) {
      const std::uint32_t i = order_[j];
      const OptionInput& o = in.options[i];
      const OptionMark& r = out.options[i];
      const double k = units(o.strike);
      const bool otm = (o.type == OptionType::call) == (k >= m.forward);
      if (!otm || !std::isfinite(r.bid_iv) || !std::isfinite(r.ask_iv)) continue;
      if (!(r.ask_iv - r.bid_iv <= config_.max_fit_spread)) continue;
      points_.push_back({pricing::math::log_ratio(k, m.forward), 0.5 * (r.bid_iv + r.ask_iv), 1.0});
    }
    m.quotes = static_cast<std::uint32_t>(points_.size());
    if (points_.size() < config_.min_quotes) continue;
    auto slice = pricing::fit_svi(points_, m.years, shorter);
    if (!slice) continue;
    double k_min = points_.front().k, k_max = k_min;
    for (const pricing::SmilePoint& p : points_) {
      k_min = std::min(k_min, p.k);
      k_max = std::max(k_max, p.k);
    }
    const Fit fit{m.expiry.ns(), slice.value().params, m.years, k_min, k_max, true};
    if (!sane(fit)) continue;
    last_slice = slice.value();
    shorter = &last_slice;
    slot_fits_[e] = fit;
    fresh_[e] = 1;
    m.source = SmileSource::fit;
    m.fit_rmse_vol_points = last_slice.rmse_vol_points;
  }
  // The surface of pass A's fits, each at its IV smile of the fit, as total variance at now.
  slices_.clear();
  double surface_k_min = INFINITY, surface_k_max = -INFINITY;
  for (std::size_t e = 0; e < n_exp; ++e) {
    const Fit& f = slot_fits_[e];
    if (!f.valid) continue;
    surface_k_min = std::min(surface_k_min, f.k_min);
    surface_k_max = std::max(surface_k_max, f.k_max);
    pricing::SviSlice s;
    s.expiry = out.expiries[e].years;
    s.params = scaled(f.params, s.expiry / f.years);
    slices_.push_back(s);
  }
  std::optional<pricing::SviSurface> surface;
  if (!slices_.empty()) {
    auto made = pricing::SviSurface::make(slices_);
    if (made) surface = std::move(made.value());
  }
  // Pass B: expiries without a fit of this call take the fallbacks in order.
  for (std::size_t e = 0; e < n_exp; ++e) {
    ExpiryMark& m = out.expiries[e];
    if (!(m.years > 0) || fresh_[e]) continue;
    m.source = SmileSource::flat;
    for (SmileSource s : config_.fallbacks) {
      if (s == SmileSource::previous_fit) {
        const Fit* f = refit ? old_fit(m.expiry.ns()) : (slot_fits_[e].valid ? &slot_fits_[e] : nullptr);
        if (!f) continue;
        slot_fits_[e] = *f;  // kept as the expiry's latest fit
        m.source = SmileSource::previous_fit;
        break;
      }
      if (s == SmileSource::neighbour) {
        if (!surface) continue;
        m.source = SmileSource::neighbour;
        break;
      }
      if (s == SmileSource::flat) break;
    }
    // A recompute keeps an old fit for a later previous_fit even when another source is used.
    if (refit && !slot_fits_[e].valid)
      if (const Fit* f = old_fit(m.expiry.ns())) slot_fits_[e] = *f;
  }

  // ---- 4. mark IVs, and the batch's inputs
  // The band around the previous mark IV: none on the first call or with an infinite rate.
  const bool banded = last_call_.has_value() && std::isfinite(config_.max_iv_change_per_second);
  const double max_move =
      banded ? config_.max_iv_change_per_second * ns_between(*last_call_, in.now) / 1e9 : 0.0;
  for (auto& c : col_) c.clear();
  types_.clear();
  enum { kF, kK, kT, kVol, kZero, kPrice, kDelta, kGamma, kVega, kTheta, kRho, kVanna, kVolga, kCharm };
  std::size_t live = 0;
  for (std::uint32_t i : order_) {
    const OptionInput& o = in.options[i];
    const ExpiryMark& m = out.expiries[o.expiry];
    OptionMark& r = out.options[i];
    if (r.status != Errc::ok) continue;
    const double k = units(o.strike), x = pricing::math::log_ratio(k, m.forward);
    double iv = config_.flat_vol;
    if (m.source == SmileSource::fit || m.source == SmileSource::previous_fit) {
      const Fit& f = slot_fits_[o.expiry];
      const double kx = config_.flat_wings ? std::clamp(x, f.k_min, f.k_max) : x;
      iv = std::sqrt(std::max(f.params.total_variance(kx), 0.0) / f.years);
    } else if (m.source == SmileSource::neighbour) {
      const double kx = config_.flat_wings ? std::clamp(x, surface_k_min, surface_k_max) : x;
      iv = std::sqrt(std::max(surface->total_variance(kx, m.years), 0.0) / m.years);
    }
    if (!(iv >= 0)) iv = config_.flat_vol;  // not reachable from fits; a guard for any loaded state
    const auto prev = std::lower_bound(last_ivs_.begin(), last_ivs_.end(), o.id.raw(),
                                       [](const LastIv& l, std::uint32_t id) { return l.id < id; });
    if (banded && prev != last_ivs_.end() && prev->id == o.id.raw())
      iv = std::clamp(iv, prev->iv - max_move, prev->iv + max_move);
    iv = std::clamp(iv, config_.min_iv, config_.max_iv);
    r.mark_iv = iv;
    col_[kF].push_back(m.forward);
    col_[kK].push_back(k);
    col_[kT].push_back(m.years);
    col_[kVol].push_back(iv);
    col_[kZero].push_back(0.0);
    types_.push_back(o.type);
    ++live;
  }
  for (int c = kPrice; c <= kCharm; ++c) col_[c].resize(live);

  // ---- 5. prices and Greeks in one batch. bsm at r = q = 0 is Black-76 at r = 0 to the bit
  // (same x, same kernel), with rho = K T Phi(+-d2) as Deribit reports it.
  const pricing::BatchInputs bin{types_, col_[kF], col_[kK], col_[kT], col_[kVol], col_[kZero], col_[kZero]};
  const pricing::BatchOutputs bout{col_[kPrice], col_[kDelta], col_[kGamma], col_[kVega],  col_[kTheta],
                                   col_[kRho],   col_[kVanna], col_[kVolga], col_[kCharm], {}};
  pricing::evaluate_batch(pricing::Model::bsm, bin, bout);
  std::size_t b = 0;
  for (std::uint32_t i : order_) {
    OptionMark& r = out.options[i];
    if (r.status != Errc::ok) continue;
    const double usd = col_[kPrice][b], f = col_[kF][b];
    const double premium = (config_.premium_unit == PremiumUnit::coin ? usd / f : usd) * kRefUnitsPerOne;
    if (!(premium < 0x1p62)) r.status = Errc::overflow;  // a premium beyond int64 units
    r.mark_price = RefPrice{r.status == Errc::ok ? round_half_even(premium) : 0};
    r.greeks = {col_[kDelta][b], col_[kGamma][b], pricing::deribit::vega(col_[kVega][b]),
                pricing::deribit::theta(col_[kTheta][b]), col_[kRho][b] / 100.0};
    ++b;
  }

  // ---- commit
  fits_.clear();
  for (std::size_t e = 0; e < n_exp; ++e)
    if (slot_fits_[e].valid) fits_.push_back(slot_fits_[e]);
  next_ivs_.clear();
  for (const OptionMark& r : out.options)
    if (r.status == Errc::ok) next_ivs_.push_back({r.id.raw(), r.mark_iv});
  std::sort(next_ivs_.begin(), next_ivs_.end(), [](const LastIv& a, const LastIv& c) { return a.id < c.id; });
  last_ivs_.swap(next_ivs_);
  last_call_ = in.now;
  return {};
}

void OptionMarks::save(ByteWriter& out) const {
  out.write_u8(kStateVersion);
  out.write_bool(last_call_.has_value());
  out.write_i64(last_call_ ? last_call_->ns() : 0);
  out.write_u32(static_cast<std::uint32_t>(fits_.size()));
  for (const Fit& f : fits_) {
    out.write_i64(f.expiry_ns);
    for (double v : {f.params.a, f.params.b, f.params.rho, f.params.m, f.params.sigma, f.years, f.k_min, f.k_max})
      put_double(out, v);
  }
  out.write_u32(static_cast<std::uint32_t>(last_ivs_.size()));
  for (const LastIv& l : last_ivs_) {
    out.write_u32(l.id);
    put_double(out, l.iv);
  }
}

Status<Errc> OptionMarks::load(ByteReader& in) {
  auto invalid = [&] {
    in.fail(Errc::decode_invalid);
    return fail(Errc::decode_invalid);
  };
  if (in.read_u8() != kStateVersion && in.ok()) return invalid();
  const bool has_last = in.read_bool();
  const std::int64_t last = in.read_i64();
  // Counts are checked against the bytes left before anything is allocated.
  const std::uint32_t n_fits = in.read_u32();
  if (in.ok() && n_fits > in.remaining() / 72) in.fail(Errc::decode_truncated);
  std::vector<Fit> fits(in.ok() ? n_fits : 0);
  for (Fit& f : fits) {
    f.expiry_ns = in.read_i64();
    f.params.a = get_double(in);
    f.params.b = get_double(in);
    f.params.rho = get_double(in);
    f.params.m = get_double(in);
    f.params.sigma = get_double(in);
    f.years = get_double(in);
    f.k_min = get_double(in);
    f.k_max = get_double(in);
    f.valid = true;
  }
  const std::uint32_t n_ivs = in.read_u32();
  if (in.ok() && n_ivs > in.remaining() / 12) in.fail(Errc::decode_truncated);
  std::vector<LastIv> ivs(in.ok() ? n_ivs : 0);
  for (LastIv& l : ivs) {
    l.id = in.read_u32();
    l.iv = get_double(in);
  }
  if (!in.ok()) return fail(in.error());
  for (std::size_t i = 0; i < fits.size(); ++i) {
    const Fit& f = fits[i];
    if ((i > 0 && !(fits[i - 1].expiry_ns < f.expiry_ns)) || !sane(f))
      return invalid();
  }
  for (std::size_t i = 0; i < ivs.size(); ++i)
    if ((i > 0 && !(ivs[i - 1].id < ivs[i].id)) || !finite_positive(ivs[i].iv) || ivs[i].iv > 1e3) return invalid();
  last_call_ = has_last ? std::optional<Timestamp>(Timestamp::from_ns(last)) : std::nullopt;
  fits_ = std::move(fits);
  last_ivs_ = std::move(ivs);
  return {};
}

bool OptionMarks::same_state(const OptionMarks& other) const noexcept {
  auto same_fit = [](const Fit& a, const Fit& b) {
    return a.expiry_ns == b.expiry_ns && a.years == b.years && a.k_min == b.k_min && a.k_max == b.k_max &&
           a.params.a == b.params.a && a.params.b == b.params.b &&
           a.params.rho == b.params.rho && a.params.m == b.params.m && a.params.sigma == b.params.sigma;
  };
  return last_call_ == other.last_call_ &&
         std::equal(fits_.begin(), fits_.end(), other.fits_.begin(), other.fits_.end(), same_fit) &&
         std::equal(last_ivs_.begin(), last_ivs_.end(), other.last_ivs_.begin(), other.last_ivs_.end(),
                    [](const LastIv& a, const LastIv& b) { return a.id == b.id && a.iv == b.iv; });
}

}  // namespace strike::risk
