#include "core/instrument.hpp"

#include <fmt/format.h>

namespace strike {

std::string_view to_string(Settlement s) noexcept { return s == Settlement::inverse ? "inverse" : "linear"; }

Result<TickSchedule, Error> TickSchedule::make(Decimal base_tick, std::vector<TickStep> steps) {
  if (!base_tick.is_positive()) return fail(Errc::bad_tick_size, fmt::format("tick size {} must be positive", format_decimal(base_tick)));
  TickSchedule s;
  s.base_tick_ = base_tick;
  std::int64_t previous_above = 0;
  for (const auto& step : steps) {
    auto above = steps_of(step.above_price, base_tick);
    auto tick = steps_of(step.tick, base_tick);
    if (!step.tick.is_positive() || !tick || !above || above.value() <= previous_above)
      return fail(Errc::bad_tick_size,
                  fmt::format("tick step (above {} tick {}) must be ascending, positive and a multiple of the base tick {}",
                              format_decimal(step.above_price), format_decimal(step.tick), format_decimal(base_tick)));
    if (above.value() % tick.value() != 0)
      return fail(Errc::bad_tick_size, fmt::format("tick step price {} is not a multiple of its tick {}",
                                                   format_decimal(step.above_price), format_decimal(step.tick)));
    previous_above = above.value();
    s.steps_in_ticks_.emplace_back(above.value(), tick.value());
  }
  s.steps_ = std::move(steps);
  return s;
}

std::int64_t TickSchedule::tick_at(Price p) const noexcept {
  std::int64_t tick = 1;
  for (const auto& [above, step_tick] : steps_in_ticks_) {
    if (p.raw() < above) break;
    tick = step_tick;
  }
  return tick;
}

Result<Price, Errc> Instrument::price_from_decimal(Decimal price) const noexcept {
  auto ticks_count = steps_of(price, ticks.finest());
  if (!ticks_count) return fail(ticks_count.error());
  const Price p{ticks_count.value()};
  if (is_option() && p.raw() <= 0) return fail(Errc::out_of_range);
  if (!ticks.is_on_grid(p)) return fail(Errc::bad_tick_size);
  return p;
}

Decimal Instrument::price_to_decimal(Price p) const noexcept {
  auto d = times(ticks.finest(), p.raw());
  return d ? d.value() : Decimal{};  // finest tick * int64 fits by construction of the schedule
}

Result<Qty, Errc> Instrument::qty_from_amount(Decimal amount) const noexcept {
  auto lots = steps_of(amount, min_trade_amount);
  if (!lots) return fail(lots.error());
  if (lots.value() <= 0) return fail(Errc::out_of_range);
  return Qty{lots.value()};
}

Result<Price, Errc> Instrument::order_price(Decimal price) const noexcept {
  auto p = price_from_decimal(price);
  if (p) return p;
  const bool off_grid = p.error() == Errc::precision_loss || p.error() == Errc::bad_tick_size;
  return fail(off_grid ? Errc::book_off_tick : Errc::book_price_out_of_range);
}

Result<Qty, Errc> Instrument::order_qty(Decimal amount) const noexcept {
  auto q = qty_from_amount(amount);
  if (q) return q;
  if (q.error() != Errc::precision_loss) return fail(Errc::book_invalid_quantity);  // <= 0 or overflow
  // Not a whole number of lots: a positive amount under one lot is below the minimum.
  if (amount.is_positive() && compare(amount, min_trade_amount) < 0) return fail(Errc::book_below_min_size);
  return fail(amount.is_positive() ? Errc::book_off_lot : Errc::book_invalid_quantity);
}

Decimal Instrument::amount_of(Qty q) const noexcept {
  auto d = times(min_trade_amount, q.raw());
  return d ? d.value() : Decimal{};
}

Result<Instrument, Error> make_instrument(std::string_view name, const ContractSpec& spec, const CurrencyTable& currencies) {
  auto symbol = parse_instrument_name(name);
  if (!symbol) return fail(Errc::invalid_instrument_name, fmt::format("'{}'", name));
  const InstrumentName& sym = symbol.value();

  auto currency = [&](std::string_view code) -> Result<CurrencyId> {
    const Currency* c = currencies.find(code);
    if (c == nullptr) return fail(Errc::unknown_currency, std::string(code));
    return c->id;
  };
  Instrument ins;
  ins.name = std::string(name);
  ins.symbol = sym;
  ins.kind = sym.kind;
  ins.settlement = sym.is_linear() ? Settlement::linear : Settlement::inverse;
  const std::string quote_code = sym.is_linear() ? sym.quote : (sym.kind == InstrumentKind::option ? sym.base : "USD");
  const std::string settle_code = sym.is_linear() ? sym.quote : sym.base;
  for (auto [target, code] : {std::pair{&ins.base, sym.base}, std::pair{&ins.quote, quote_code},
                              std::pair{&ins.settlement_currency, settle_code}}) {
    auto id = currency(code);
    if (!id) return fail(id.error());
    *target = id.value();
  }
  if (sym.kind != InstrumentKind::perpetual) {
    auto expiry = at_utc_hour(sym.expiry, 8);
    if (!expiry) return fail(Errc::invalid_instrument_name, fmt::format("'{}': expiry date", name));
    ins.expiry = expiry.value();
  }
  ins.strike = sym.strike;
  if (!spec.contract_size.is_positive()) return fail(Errc::config_bad_value, "contract_size: must be positive");
  if (!spec.min_trade_amount.is_positive()) return fail(Errc::config_bad_value, "min_trade_amount: must be positive");
  ins.contract_size = spec.contract_size;
  ins.min_trade_amount = spec.min_trade_amount;
  ins.ticks = spec.ticks;
  ins.maker_fee = spec.maker_fee;
  ins.taker_fee = spec.taker_fee;
  return ins;
}

}  // namespace strike
