#include "risk/standard_margin.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace strike::risk {
namespace {

constexpr int kCalcScale = 12;
constexpr int128 kCalc = 1'000'000'000'000;  // 10^12
// Prices above 10^13 (of USD or coin) are refused, so every product below fits 128 bits.
constexpr int128 kMaxPrice12 = static_cast<int128>(10'000'000'000'000) * kCalc;

// 10^e as numerator/denominator (e < 0 divides).
struct Factor {
  int128 num = 1, den = 1;
};
Result<Factor, Errc> pow10_factor(int e) noexcept {
  if (e > 36 || e < -36) return fail(Errc::overflow);
  int128 p = 1;
  for (int i = 0; i < (e < 0 ? -e : e); ++i) p *= 10;
  return e >= 0 ? Factor{p, 1} : Factor{1, p};
}

Result<int128, Errc> to_calc(Decimal d) noexcept {
  if (d.scale > kCalcScale) return fail(Errc::precision_loss);
  int128 v = d.units;
  for (int i = d.scale; i < kCalcScale; ++i) v *= 10;  // |units| < 2^63, x 10^12: fits
  return v;
}

// a x b / c rounded as asked, a, b, c >= 0 and c > 0; overflow of the product is reported.
Result<int128, Errc> mul_div_128(int128 a, int128 b, int128 c, Rounding mode) noexcept {
  int128 p = 0;
  if (__builtin_mul_overflow(a, b, &p)) return fail(Errc::overflow);
  return div_round_128(p, c, mode);
}

int128 ceil_div(int128 a, int128 b) noexcept { return (a + b - 1) / b; }  // a >= 0, b > 0, no overflow in use

std::int64_t abs64(std::int64_t v) noexcept { return v < 0 ? -v : v; }  // callers exclude INT64_MIN

}  // namespace

Result<StandardMargin, Error> StandardMargin::make(const Instrument& ins, const CurrencyTable& currencies,
                                                   const RiskConfig& config) {
  StandardMargin m;
  m.option_ = ins.is_option();
  m.inverse_ = ins.settlement == Settlement::inverse;
  m.call_ = ins.symbol.option_type == OptionType::call;
  const int d = currencies.get(ins.settlement_currency).decimals;
  m.settlement_decimals_ = d;
  const Decimal lot = ins.min_trade_amount;
  m.lot_units_ = lot.units;
  const auto where = [&](std::string_view field) { return fmt::format("{}: {}", ins.name, field); };

  const bool inverse_future = m.inverse_ && !m.option_;
  // Options, linear futures: units = lots x lot x amount x 10^d, amount at 10^-12.
  // Inverse futures: units = lots x lot (USD) x 10^d / mark, mark at 10^-12.
  auto f = pow10_factor(inverse_future ? d + kCalcScale - lot.scale : d - lot.scale - kCalcScale);
  auto coin = pow10_factor(inverse_future ? kCalcScale - d : kCalcScale - lot.scale);
  if (!f || !coin) return fail(Errc::config_bad_value, where("min_trade_amount") + ": lot and currency decimals out of range");
  m.num_ = f->num;
  m.den_ = f->den;
  m.coin_num_ = coin->num;
  m.coin_den_ = coin->den;
  if (m.option_) {
    auto strike = to_calc(ins.strike);
    if (!strike || strike.value() <= 0 || strike.value() > kMaxPrice12)
      return fail(Errc::config_bad_value, where("strike") + ": must be positive, below 10^13, with at most 12 decimals");
    m.strike_ = strike.value();
  }
  const CurrencyRisk& r = config.get(ins.base);
  // validate() bounds every decimal to 12 places, so these conversions succeed.
  m.opt_initial_ = to_calc(r.option_initial).value();
  m.opt_initial_min_ = to_calc(r.option_initial_min).value();
  m.opt_maintenance_ = to_calc(r.option_maintenance).value();
  m.fut_initial_ = to_calc(r.future_initial).value();
  m.fut_maintenance_ = to_calc(r.future_maintenance).value();
  m.fut_initial_per_coin_ = to_calc(r.future_initial_per_coin).value();
  m.fut_maintenance_per_coin_ = to_calc(r.future_maintenance_per_coin).value();
  return m;
}

Result<StandardMargin::Px, Errc> StandardMargin::prices(const MarginPrices& p) const noexcept {
  auto mark = to_calc(p.mark);
  if (!mark) return fail(mark.error());
  Px px;
  px.mark = mark.value();
  if (px.mark > kMaxPrice12) return fail(Errc::out_of_range);
  if (option_) {
    if (px.mark < 0) return fail(Errc::invalid_price);
    auto index = to_calc(p.index);
    if (!index) return fail(index.error());
    px.index = index.value();
    if (px.index <= 0) return fail(Errc::no_index_price);
    if (px.index > kMaxPrice12) return fail(Errc::out_of_range);
  } else if (px.mark <= 0) {
    return fail(Errc::invalid_price);
  }
  return px;
}

StandardMargin::Rates StandardMargin::short_option_rates(const Px& px) const noexcept {
  const int128 s = px.index, m = px.mark, k = strike_;
  const int128 otm = call_ ? std::max<int128>(k - s, 0) : std::max<int128>(s - k, 0);
  // Bounds: constants <= 10^12, prices <= 10^25: every product < 10^38.
  int128 core = 0, floor_c = 0;
  if (inverse_) {
    const int128 otm_over_s = otm * kCalc / s;  // rounds down: the IM it is subtracted from rounds up
    core = std::max(opt_initial_ - otm_over_s, opt_initial_min_) + m;
    floor_c = opt_maintenance_;
  } else {  // the constants times S
    const int128 a = ceil_div(opt_initial_ * s, kCalc), b = ceil_div(opt_initial_min_ * s, kCalc);
    core = std::max(a - otm, b) + m;
    floor_c = ceil_div(opt_maintenance_ * s, kCalc);
  }
  Rates r;
  r.maintenance = call_ ? floor_c + m : std::max(floor_c, ceil_div(opt_maintenance_ * m, kCalc)) + m;
  r.initial = call_ ? core : std::max(core, r.maintenance);
  return r;
}

Result<std::int64_t, Errc> StandardMargin::per_coin_amount(std::int64_t lots, int128 rate12, Rounding mode) const noexcept {
  int128 c = 0;
  if (__builtin_mul_overflow(rate12, num_, &c)) return fail(Errc::overflow);
  return mul_mul_div(abs64(lots), lot_units_, c, den_, mode);
}

Result<Margin, Errc> StandardMargin::option_margin(std::int64_t lots, const Px& px) const noexcept {
  if (lots >= 0) {  // long: the premium at the mark
    auto v = per_coin_amount(lots, px.mark, Rounding::up);
    if (!v) return fail(v.error());
    return Margin{v.value(), v.value()};
  }
  const Rates r = short_option_rates(px);
  auto im = per_coin_amount(lots, r.initial, Rounding::up);
  auto mm = per_coin_amount(lots, r.maintenance, Rounding::up);
  if (!im) return fail(im.error());
  if (!mm) return fail(mm.error());
  return Margin{im.value(), mm.value()};
}

Result<std::int64_t, Errc> StandardMargin::mark_value(std::int64_t lots, const MarginPrices& prices_in,
                                                      Rounding mode) const noexcept {
  if (lots == std::numeric_limits<std::int64_t>::min()) return fail(Errc::overflow);
  auto px = prices(prices_in);
  if (!px) return fail(px.error());
  if (option_) return per_coin_amount(lots, px->mark, mode);
  if (inverse_) {
    int128 den = 0;
    if (__builtin_mul_overflow(px->mark, den_, &den)) return fail(Errc::overflow);
    return mul_mul_div(abs64(lots), lot_units_, num_, den, mode);
  }
  return per_coin_amount(lots, px->mark, mode);
}

Result<Margin, Errc> StandardMargin::future_margin(std::int64_t lots, const Px& px) const noexcept {
  const std::int64_t q = abs64(lots);
  // The value at the mark and the size in coin (10^-12), both rounded up.
  int128 value = 0, coin12 = 0;
  if (inverse_) {
    int128 den = 0;
    if (__builtin_mul_overflow(px.mark, den_, &den)) return fail(Errc::overflow);
    auto v = mul_mul_div(q, lot_units_, num_, den, Rounding::up);
    if (!v) return fail(v.error());
    value = v.value();
    auto c = mul_div_128(value, coin_num_, coin_den_, Rounding::up);
    if (!c) return fail(c.error());
    coin12 = c.value();
  } else {
    auto v = per_coin_amount(q, px.mark, Rounding::up);
    if (!v) return fail(v.error());
    value = v.value();
    auto c = mul_mul_div(q, lot_units_, coin_num_, coin_den_, Rounding::up);
    if (!c) return fail(c.error());
    coin12 = c.value();
  }
  const auto amount = [&](int128 base, int128 per_coin) -> Result<std::int64_t, Errc> {
    auto increase = mul_div_128(coin12, per_coin, kCalc, Rounding::up);
    if (!increase) return fail(increase.error());
    auto m = mul_div_128(value, base + increase.value(), kCalc, Rounding::up);
    if (!m) return fail(m.error());
    return narrow(m.value());
  };
  auto im = amount(fut_initial_, fut_initial_per_coin_);
  auto mm = amount(fut_maintenance_, fut_maintenance_per_coin_);
  if (!im) return fail(im.error());
  if (!mm) return fail(mm.error());
  return Margin{im.value(), mm.value()};
}

Result<Margin, Errc> StandardMargin::margin_at(std::int64_t lots, const Px& px) const noexcept {
  if (lots == 0) return Margin{};
  if (lots == std::numeric_limits<std::int64_t>::min()) return fail(Errc::overflow);
  return option_ ? option_margin(lots, px) : future_margin(lots, px);
}

Result<Margin, Errc> StandardMargin::position(std::int64_t lots, const MarginPrices& prices_in) const noexcept {
  auto px = prices(prices_in);
  if (!px) return fail(px.error());
  return margin_at(lots, px.value());
}

Result<MarginWithOrders, Errc> StandardMargin::with_orders(std::int64_t lots, const OpenOrders& orders,
                                                           const MarginPrices& prices_in) const noexcept {
  if (orders.buy_lots < 0 || orders.sell_lots < 0 || orders.buy_premium < 0) return fail(Errc::out_of_range);
  auto px = prices(prices_in);
  if (!px) return fail(px.error());
  auto pos = margin_at(lots, px.value());
  if (!pos) return fail(pos.error());
  MarginWithOrders out{pos.value(), pos->initial};
  if (orders.buy_lots > 0) {
    auto after = checked_add(lots, orders.buy_lots);
    if (!after) return fail(after.error());
    auto m = margin_at(after.value(), px.value());
    if (!m) return fail(m.error());
    std::int64_t need = m->initial;
    // An option bought pays its premium: the part that opens a long reserves the orders' premium
    // (pro rata) instead of its mark value, which the long's IM counts and equity does not yet hold.
    const std::int64_t open = std::max<std::int64_t>(after.value(), 0) - std::max<std::int64_t>(lots, 0);
    if (option_ && open > 0) {
      auto value = per_coin_amount(open, px->mark, Rounding::down);
      auto reserve = mul_div_128(orders.buy_premium, open, orders.buy_lots, Rounding::up);
      if (!value) return fail(value.error());
      if (!reserve) return fail(reserve.error());
      auto total = narrow(static_cast<int128>(need) - value.value() + reserve.value());
      if (!total) return fail(total.error());
      need = total.value();
    }
    out.initial = std::max(out.initial, need);
  }
  if (orders.sell_lots > 0) {
    auto after = checked_sub(lots, orders.sell_lots);
    if (!after) return fail(after.error());
    auto m = margin_at(after.value(), px.value());
    if (!m) return fail(m.error());
    out.initial = std::max(out.initial, m->initial);
  }
  return out;
}

}  // namespace strike::risk
