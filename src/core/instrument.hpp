// An instrument's contract specification: what it is (option, dated future, perpetual;
// inverse or linear), what one contract is worth, and the grids its orders live on.
//
// Units at the boundary of the venue:
//   Price counts ticks of ticks.finest()   (BTC options: 0.0001 BTC; BTC-PERPETUAL: 0.5 USD)
//   Qty   counts lots of min_trade_amount  (BTC options: 0.1 BTC;    BTC-PERPETUAL: 10 USD)
// Conversions from decimal text are exact or fail; nothing here uses floating point.
#pragma once

#include <string>
#include <vector>

#include "core/currency.hpp"
#include "core/decimal.hpp"
#include "core/instrument_name.hpp"
#include "core/time.hpp"
#include "core/units.hpp"

namespace strike {

// Inverse: coin-settled (BTC-PERPETUAL: USD-quoted, 10 USD contracts, PnL in BTC; BTC options
// priced and settled in BTC). Linear: priced and settled in the quote currency (USDC).
enum class Settlement : std::uint8_t { inverse, linear };
std::string_view to_string(Settlement s) noexcept;

// Deribit's tick_size with tick_size_steps: `base_tick` below the first step, each step's tick
// at or above its price. Options: 0.0001 below 0.005, 0.0005 from 0.005 up.
struct TickStep {
  Decimal above_price;
  Decimal tick;
};

class TickSchedule {
 public:
  // Errors: bad_tick_size (a tick <= 0, steps not ascending, a step's tick or price not on the
  // finest grid, a step tick not a multiple of the base tick).
  static Result<TickSchedule, Error> make(Decimal base_tick, std::vector<TickStep> steps);

  Decimal finest() const noexcept { return base_tick_; }
  const std::vector<TickStep>& steps() const noexcept { return steps_; }
  // Tick (in finest ticks) that applies at this price: 1 below the first step.
  std::int64_t tick_at(Price p) const noexcept;
  bool is_on_grid(Price p) const noexcept { return p.raw() % tick_at(p) == 0; }

 private:
  Decimal base_tick_;
  std::vector<TickStep> steps_;
  std::vector<std::pair<std::int64_t, std::int64_t>> steps_in_ticks_;  // (above, tick) in finest ticks
};

struct Instrument {
  InstrumentId id;
  std::string name;  // canonical Deribit name
  InstrumentName symbol;
  InstrumentKind kind = InstrumentKind::perpetual;
  Settlement settlement = Settlement::inverse;
  CurrencyId base;                 // the underlying coin
  CurrencyId quote;                // currency of the price (BTC for inverse options, USD for inverse futures)
  CurrencyId settlement_currency;  // where PnL and premiums land
  Timestamp expiry;                // 08:00 UTC of the expiry date; perpetuals: none (see has_expiry)
  Decimal strike;                  // options: in USD (inverse) or the quote currency (linear)
  Decimal contract_size;           // inverse futures: USD per contract; otherwise base coin per contract
  Decimal min_trade_amount;        // amount step; one lot
  TickSchedule ticks;
  Decimal maker_fee;               // rate on the traded value; negative is a rebate
  Decimal taker_fee;

  bool has_expiry() const noexcept { return kind != InstrumentKind::perpetual; }
  bool is_option() const noexcept { return kind == InstrumentKind::option; }

  // Decimal price -> ticks: exact, on the tick grid, > 0 for options. Errors: precision_loss
  // (off the finest grid), bad_tick_size (off the step grid), out_of_range, overflow.
  Result<Price, Errc> price_from_decimal(Decimal price) const noexcept;
  Decimal price_to_decimal(Price p) const noexcept;
  // Decimal amount (Deribit's `amount`: USD for inverse futures, coin otherwise) -> lots.
  Result<Qty, Errc> qty_from_amount(Decimal amount) const noexcept;
  Decimal amount_of(Qty q) const noexcept;

  // The same conversions for an order, failing with the order book's reason: a price off the
  // tick grid (finest or step) is book_off_tick, an option price <= 0 or one beyond int64 ticks
  // book_price_out_of_range; an amount between 0 and one lot is book_below_min_size, one off
  // the lot above it book_off_lot, one <= 0 or beyond int64 lots book_invalid_quantity.
  Result<Price, Errc> order_price(Decimal price) const noexcept;
  Result<Qty, Errc> order_qty(Decimal amount) const noexcept;
};

// The fields of a contract that are not in its name.
struct ContractSpec {
  Decimal contract_size;
  Decimal min_trade_amount;
  TickSchedule ticks;
  Decimal maker_fee;
  Decimal taker_fee;
};

// Builds an instrument from its name and spec, resolving currencies: base from the name;
// inverse options are quoted in the base coin, inverse futures in USD, linear ones in the
// name's quote currency. Expiry is 08:00 UTC of the name's date. Errors: invalid_instrument_name,
// unknown_currency (detail names the currency), config_bad_value (detail names the field).
Result<Instrument, Error> make_instrument(std::string_view name, const ContractSpec& spec, const CurrencyTable& currencies);

}  // namespace strike
