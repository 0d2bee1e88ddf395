#include <string>

#include <fmt/format.h>

#include "book/types.hpp"
#include "core/instrument.hpp"

namespace strike::book {

std::string_view to_string(OrderType v) noexcept {
  switch (v) {
    case OrderType::limit: return "limit";
    case OrderType::market: return "market";
    case OrderType::stop_limit: return "stop_limit";
    case OrderType::stop_market: return "stop_market";
    case OrderType::take_limit: return "take_limit";
    case OrderType::take_market: return "take_market";
  }
  return "unknown";
}
std::string_view to_string(TimeInForce v) noexcept {
  switch (v) {
    case TimeInForce::gtc: return "gtc";
    case TimeInForce::gtd: return "gtd";
    case TimeInForce::ioc: return "ioc";
    case TimeInForce::fok: return "fok";
  }
  return "unknown";
}
std::string_view to_string(PostOnly v) noexcept {
  switch (v) {
    case PostOnly::off: return "off";
    case PostOnly::reject: return "reject";
    case PostOnly::reprice: return "reprice";
  }
  return "unknown";
}
std::string_view to_string(StpMode v) noexcept {
  switch (v) {
    case StpMode::none: return "none";
    case StpMode::cancel_resting: return "cancel_resting";
    case StpMode::cancel_incoming: return "cancel_incoming";
    case StpMode::cancel_both: return "cancel_both";
    case StpMode::decrement_both: return "decrement_both";
  }
  return "unknown";
}
std::string_view to_string(PriceSource v) noexcept {
  switch (v) {
    case PriceSource::last: return "last";
    case PriceSource::mark: return "mark";
    case PriceSource::index: return "index";
  }
  return "unknown";
}
std::string_view to_string(CancelReason v) noexcept {
  switch (v) {
    case CancelReason::user: return "user";
    case CancelReason::cancel_all: return "cancel_all";
    case CancelReason::ioc_remainder: return "ioc_remainder";
    case CancelReason::fok_unfilled: return "fok_unfilled";
    case CancelReason::self_trade: return "self_trade";
    case CancelReason::expired: return "expired";
    case CancelReason::refused: return "refused";
  }
  return "unknown";
}
std::string_view to_string(AmendReason v) noexcept {
  switch (v) {
    case AmendReason::user: return "user";
    case AmendReason::self_trade: return "self_trade";
  }
  return "unknown";
}
std::string_view to_string(Command v) noexcept {
  switch (v) {
    case Command::submit: return "submit";
    case Command::cancel: return "cancel";
    case Command::amend: return "amend";
  }
  return "unknown";
}

namespace {

// Band i of the tick schedule runs from band_start(i) (inclusive) to band_start(i + 1).
std::size_t band_of(const BookConfig& c, Price p) noexcept {
  std::size_t i = 0;
  while (i < c.tick_step_count && p >= c.tick_steps[i].from) ++i;
  return i;
}
std::int64_t floor_mod(std::int64_t a, std::int64_t m) noexcept {
  const std::int64_t r = a % m;
  return r < 0 ? r + m : r;
}

}  // namespace

Price BookConfig::floor_to_grid(Price p) const noexcept {
  for (;;) {
    const std::size_t b = band_of(*this, p);
    const std::int64_t t = b == 0 ? tick : tick_steps[b - 1].tick;
    const std::int64_t q = p.raw() - floor_mod(p.raw(), t);
    if (b == 0 || q >= tick_steps[b - 1].from.raw()) return Price{q};
    p = Price{tick_steps[b - 1].from.raw() - 1};  // no grid price of this band at or below p
  }
}

Price BookConfig::ceil_to_grid(Price p) const noexcept {
  for (;;) {
    const std::size_t b = band_of(*this, p);
    const std::int64_t t = b == 0 ? tick : tick_steps[b - 1].tick;
    const std::int64_t r = floor_mod(p.raw(), t);
    const std::int64_t q = r == 0 ? p.raw() : p.raw() + (t - r);
    if (b == tick_step_count || q < tick_steps[b].from.raw()) return Price{q};
    p = tick_steps[b].from;  // the next band starts before q
  }
}

Status<Error> BookConfig::check() const {
  const auto bad = [](std::string field) { return fail(Errc::config_bad_value, "book: " + field); };
  if (tick < 1 || tick > kMaxPrice) return bad("tick");
  if (tick_step_count > kMaxTickSteps) return bad("tick_step_count");
  for (std::uint8_t i = 0; i < tick_step_count; ++i) {
    const TickStep& s = tick_steps[i];
    if (s.tick < 1 || s.tick > kMaxPrice || s.tick % tick != 0) return bad(fmt::format("tick_steps[{}].tick", i));
    if (s.from.raw() < 1 || s.from.raw() > kMaxPrice || (i > 0 && s.from <= tick_steps[i - 1].from))
      return bad(fmt::format("tick_steps[{}].from", i));
  }
  if (min_price.raw() < 1 || max_price < min_price || max_price.raw() > kMaxPrice) return bad("min_price/max_price");
  if (lot < 1 || lot > kMaxQty) return bad("lot");
  if (min_qty.raw() < 1 || max_qty < min_qty || max_qty.raw() > kMaxQty) return bad("min_qty/max_qty");
  if (min_display.raw() < 1 || min_display > max_qty) return bad("min_display");
  if (price_band.raw() < 0 || price_band.raw() > kMaxPrice) return bad("price_band");
  if (market_protection.raw() < 0 || market_protection.raw() > kMaxPrice) return bad("market_protection");
  if (market_protection_bps > 10'000) return bad("market_protection_bps");
  return {};
}

Result<BookConfig> book_config_for(const Instrument& instrument) {
  BookConfig c;
  const auto& steps = instrument.ticks.steps();
  if (steps.size() > kMaxTickSteps)
    return fail(Errc::config_bad_value, fmt::format("{}: {} tick steps, the book takes {}", instrument.name, steps.size(),
                                                    kMaxTickSteps));
  for (std::size_t i = 0; i < steps.size(); ++i) {
    auto from = steps_of(steps[i].above_price, instrument.ticks.finest());
    auto tick = steps_of(steps[i].tick, instrument.ticks.finest());
    if (!from || !tick) return fail(Errc::config_bad_value, fmt::format("{}: tick step {}", instrument.name, i));
    c.tick_steps[i] = book::TickStep{Price{from.value()}, tick.value()};
  }
  c.tick_step_count = static_cast<std::uint8_t>(steps.size());
  if (auto ok = c.check(); !ok) return fail(ok.error());
  return c;
}

}  // namespace strike::book
