#include "engine/config_digest.hpp"

#include <bit>
#include <vector>

#include "core/byte_buffer.hpp"
#include "engine/engine.hpp"

namespace strike::engine {
namespace {

constexpr std::uint32_t kLayout = 1;  // bump when the encoding below changes

void put(ByteWriter& w, Decimal d) {
  while (d.scale > 0 && d.units % 10 == 0) {  // by value: 0.50 and 0.5 are one number
    d.units /= 10;
    --d.scale;
  }
  w.write_i64(d.units);
  w.write_u8(static_cast<std::uint8_t>(d.scale));
}

}  // namespace

Hash256 config_digest(const InstrumentRegistry& instruments, const EngineConfig& config) {
  std::vector<std::byte> bytes;
  ByteWriter w(bytes);
  w.write_u32(kLayout);
  w.write_u32(static_cast<std::uint32_t>(instruments.currencies().all().size()));
  for (const Currency& c : instruments.currencies().all()) {
    w.write_string(c.code);
    w.write_u8(static_cast<std::uint8_t>(c.decimals));
  }
  w.write_u32(static_cast<std::uint32_t>(instruments.size()));
  for (const Instrument& i : instruments.all()) {
    w.write_string(i.name);  // the name fixes kind, underlying, expiry date, strike and option type
    w.write_u8(static_cast<std::uint8_t>(i.settlement));
    w.write_u16(i.base.raw());
    w.write_u16(i.quote.raw());
    w.write_u16(i.settlement_currency.raw());
    w.write_i64(i.expiry.ns());
    put(w, i.contract_size);
    put(w, i.min_trade_amount);
    put(w, i.ticks.finest());
    w.write_u32(static_cast<std::uint32_t>(i.ticks.steps().size()));
    for (const TickStep& s : i.ticks.steps()) {
      put(w, s.above_price);
      put(w, s.tick);
    }
    put(w, i.maker_fee);
    put(w, i.taker_fee);
  }
  const clearing::ClearingConfig& c = config.clearing;
  put(w, c.option_fee_cap);
  w.write_i64(c.funding_interval_ns);
  put(w, c.funding_clamp);
  w.write_i64(c.settlement_window_ns);
  w.write_u64(c.max_accounts);
  w.write_u32(config.max_open_orders_per_book);
  put(w, config.market_protection);
  w.write_i64(config.client_order_id_window_ns);
  w.write_u64(config.client_order_id_capacity);
  // Risk: margin parameters per currency, the marks' methods.
  const risk::RiskConfig defaults(instruments.currencies());
  for (const risk::CurrencyRisk& r : (config.risk.all().empty() ? defaults : config.risk).all()) {
    for (const Decimal d : {r.option_initial, r.option_initial_min, r.option_maintenance, r.future_initial,
                            r.future_maintenance, r.future_initial_per_coin, r.future_maintenance_per_coin,
                            r.pm_price_range, r.pm_vol_up, r.pm_vol_down, r.pm_vol_power_short, r.pm_vol_power_long,
                            r.pm_vol_pivot_days, r.pm_min_dte_days, r.pm_min_vol_up, r.pm_extended_factor,
                            r.pm_extended_dampener, r.pm_roll_annual, r.pm_roll_min, r.pm_delta_shock, r.pm_delta_free,
                            r.pm_maintenance_factor, r.collateral_haircut})
      put(w, d);
    w.write_u32(static_cast<std::uint32_t>(r.pm_price_moves));
    w.write_u32(static_cast<std::uint32_t>(r.pm_extended_moves.size()));
    for (const Decimal d : r.pm_extended_moves) put(w, d);
  }
  const risk::FuturesMarkConfig& f = config.futures_marks;
  w.write_i64(f.time_constant_ns);
  w.write_i64(f.band_below_ppm);
  w.write_i64(f.band_above_ppm);
  const risk::OptionMarksConfig& o = config.option_marks;
  w.write_u32(o.min_quotes);
  w.write_u32(static_cast<std::uint32_t>(o.fallbacks.size()));
  for (const risk::SmileSource s : o.fallbacks) w.write_u8(static_cast<std::uint8_t>(s));
  for (const double d : {o.flat_vol, o.forward_rate, o.min_iv, o.max_iv, o.max_iv_change_per_second,
                         o.max_quote_iv_uncertainty, o.max_fit_spread})
    w.write_u64(std::bit_cast<std::uint64_t>(d));
  w.write_bool(o.flat_wings);
  w.write_i64(config.option_refit_ns);
  STRIKE_ASSERT(w.ok(), "configuration encoding failed");
  return Sha256::of(bytes);
}

}  // namespace strike::engine
