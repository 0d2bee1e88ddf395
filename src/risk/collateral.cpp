#include "risk/collateral.hpp"

namespace strike::risk {
namespace {

// 10^(decimals + kRefPriceScale - kUsdScale): units x price / this = micro-USD.
Result<int128, Errc> usd_divisor(int decimals) noexcept {
  const int e = decimals + kRefPriceScale - kUsdScale;
  if (e < 0 || e > 36) return fail(Errc::out_of_range);
  int128 p = 1;
  for (int i = 0; i < e; ++i) p *= 10;
  return p;
}

}  // namespace

std::string_view to_string(MarginModel model) noexcept {
  switch (model) {
    case MarginModel::segregated_sm: return "segregated_sm";
    case MarginModel::cross_sm: return "cross_sm";
    case MarginModel::segregated_pm: return "segregated_pm";
    case MarginModel::cross_pm: return "cross_pm";
  }
  return "?";
}

Result<MarginModel, Errc> parse_margin_model(std::string_view name) noexcept {
  for (MarginModel m : {MarginModel::segregated_sm, MarginModel::cross_sm, MarginModel::segregated_pm, MarginModel::cross_pm})
    if (to_string(m) == name) return m;
  return fail(Errc::rpc_bad_param);
}

Result<std::int64_t, Errc> units_to_usd(std::int64_t units, RefPrice price, int decimals, Rounding mode) noexcept {
  if (price.raw() <= 0) return fail(Errc::no_index_price);
  auto div = usd_divisor(decimals);
  if (!div) return fail(div.error());
  return mul_mul_div(units, price.raw(), 1, div.value(), mode);
}

Result<std::int64_t, Errc> usd_to_units(std::int64_t usd, RefPrice price, int decimals, Rounding mode) noexcept {
  if (price.raw() <= 0) return fail(Errc::no_index_price);
  auto div = usd_divisor(decimals);
  if (!div) return fail(div.error());
  return mul_mul_div(usd, div.value(), 1, price.raw(), mode);
}

Result<Funds, Errc> segregated_funds(const CurrencyState& s) noexcept {
  if (s.initial < 0 || s.maintenance < 0) return fail(Errc::out_of_range);
  auto available = checked_sub(s.equity, s.initial);
  if (!available) return fail(available.error());
  return Funds{s.equity, s.equity, s.initial, s.maintenance, available.value()};
}

Result<Funds, Errc> cross_funds(std::span<const CurrencyState> states, const RiskConfig& config,
                                const CurrencyTable& currencies) noexcept {
  int128 balance = 0, maintenance_balance = 0, initial = 0, maintenance = 0;
  for (const CurrencyState& s : states) {
    if (s.initial < 0 || s.maintenance < 0) return fail(Errc::out_of_range);
    if (s.equity == 0 && s.initial == 0 && s.maintenance == 0) continue;  // needs no price
    const int d = currencies.get(s.currency).decimals;
    auto value = units_to_usd(s.equity, s.usd_price, d, Rounding::down);
    auto im = units_to_usd(s.initial, s.usd_price, d, Rounding::up);
    auto mm = units_to_usd(s.maintenance, s.usd_price, d, Rounding::up);
    if (!value) return fail(value.error());
    if (!im) return fail(im.error());
    if (!mm) return fail(mm.error());
    maintenance_balance += value.value();
    if (value.value() > 0) {  // the haircut shrinks collateral, never a debt
      const Decimal h = config.get(s.currency).collateral_haircut;
      const std::int64_t keep_num = pow10(h.scale) - h.units;  // (1 - h) = keep_num / 10^scale
      auto kept = mul_div(value.value(), keep_num, pow10(h.scale), Rounding::down);
      if (!kept) return fail(kept.error());
      balance += kept.value();
    } else {
      balance += value.value();
    }
    initial += im.value();
    maintenance += mm.value();
  }
  auto b = narrow(balance), mb = narrow(maintenance_balance), im = narrow(initial), mm = narrow(maintenance);
  if (!b || !mb || !im || !mm) return fail(Errc::overflow);
  auto available = checked_sub(b.value(), im.value());
  if (!available) return fail(available.error());
  return Funds{b.value(), mb.value(), im.value(), mm.value(), available.value()};
}

Result<std::vector<Funds>, Errc> account_funds(MarginModel model, std::span<const CurrencyState> states,
                                               const RiskConfig& config, const CurrencyTable& currencies) {
  std::vector<Funds> out;
  out.reserve(states.size());
  if (!is_cross(model)) {
    for (const CurrencyState& s : states) {
      auto f = segregated_funds(s);
      if (!f) return fail(f.error());
      out.push_back(f.value());
    }
    return out;
  }
  auto total = cross_funds(states, config, currencies);
  if (!total) return fail(total.error());
  const Funds& t = total.value();
  for (const CurrencyState& s : states) {
    const int d = currencies.get(s.currency).decimals;
    auto conv = [&](std::int64_t usd, Rounding mode) { return usd_to_units(usd, s.usd_price, d, mode); };
    auto b = conv(t.margin_balance, Rounding::down), mb = conv(t.maintenance_balance, Rounding::down);
    auto im = conv(t.initial, Rounding::up), mm = conv(t.maintenance, Rounding::up), av = conv(t.available, Rounding::down);
    if (!b || !mb || !im || !mm || !av) return fail(!b ? b.error() : !mb ? mb.error() : !im ? im.error() : !mm ? mm.error() : av.error());
    out.push_back(Funds{b.value(), mb.value(), im.value(), mm.value(), av.value()});
  }
  return out;
}

}  // namespace strike::risk
