// Standard margin (Deribit's S:SM/X:SM rules) of one instrument: per position and with the
// account's open orders in it, in integer units of the settlement currency.
//
//   inverse options, per coin, in coin (S = index, OTM = out-of-the-money amount in USD):
//     short call  IM = max(0.15 - OTM/S, 0.10) + mark            MM = 0.075 + mark
//     short put   IM = max(max(0.15 - OTM/S, 0.10) + mark, MM)   MM = max(0.075, 0.075 x mark) + mark
//     long        IM = MM = mark (the premium, paid in full: it cancels the option's value in equity)
//   USDC-linear options: the same with 0.15, 0.10, 0.075 times S (mark in USDC).
//   futures and perpetuals: rate x value at the mark (coin for inverse, USDC for linear), with
//     IM rate = 2% + |size in coin| x 0.005%, MM rate = 1% + |size in coin| x 0.005% (BTC).
// Constants come from the underlying's CurrencyRisk (risk_config.hpp).
//
// Open orders (docs/risk.md, "Open orders"): the worse of "every buy order filled" and "every
// sell order filled", never below the position alone; an option buy order also reserves the
// premium of the part that opens a long. An order that only reduces the position adds nothing.
//
// Invariants: results are >= 0, IM >= MM, and every result rounds up (against the account):
// it is never below the exact value of the formula. Prices enter as exact decimals (the
// engine's RefPrice has 8 decimals; Deribit's ETH marks have 9) and per-coin rates are computed
// at 10^-12 with 128-bit intermediates: OTM/S rounds down and the constants times S round up,
// so an option's margin exceeds the formula by less than 1 unit + 10^-12 per coin held; a
// future's value and rate are each rounded up first, so its margin exceeds by less than
// 1 unit + the rate.
// Costs: a position is a handful of 128-bit multiplications and divisions (tens of ns); with
// orders, three positions. No allocation after make().
#pragma once

#include <cstdint>

#include "core/checked_math.hpp"
#include "core/decimal.hpp"
#include "core/instrument.hpp"
#include "risk/risk_config.hpp"

namespace strike::risk {

// Margin amounts in smallest units of the settlement currency.
struct Margin {
  std::int64_t initial = 0;
  std::int64_t maintenance = 0;
  bool operator==(const Margin&) const = default;
};

// What the rules read from the market, as exact decimals.
struct MarginPrices {
  Decimal index;  // the underlying's index, USD (S)
  Decimal mark;   // the instrument's mark in its price currency (coin for inverse options, USD for inverse futures)
};
// The engine's reference prices (8 decimals) as decimals.
constexpr Decimal ref_decimal(RefPrice p) noexcept { return Decimal{p.raw(), kRefPriceScale}; }

// One account's open orders in one instrument, as the engine's order table sums them.
struct OpenOrders {
  std::int64_t buy_lots = 0;     // remaining amount of the buy orders, lots (>= 0)
  std::int64_t sell_lots = 0;    // remaining amount of the sell orders, lots (>= 0)
  std::int64_t buy_premium = 0;  // options: the trade value of the buy orders at their limit prices (>= 0)
};

struct MarginWithOrders {
  Margin position;           // the position alone (private/get_positions)
  std::int64_t initial = 0;  // position plus open orders (private/get_account_summary); >= position.initial
};

class StandardMargin {
 public:
  // Errors: config_bad_value (a lot, strike or currency precision the 10^-12 arithmetic cannot
  // hold exactly, e.g. a strike with 13 decimals).
  static Result<StandardMargin, Error> make(const Instrument& instrument, const CurrencyTable& currencies,
                                            const RiskConfig& config);

  // Margin of a position of `lots` (signed: long > 0). Errors: no_index_price (options need
  // index > 0), invalid_price (mark < 0 for options, <= 0 for futures), precision_loss (a price
  // with more than 12 decimals), overflow.
  Result<Margin, Errc> position(std::int64_t lots, const MarginPrices& prices) const noexcept;

  // The position and the account's open orders in this instrument. Errors: as position();
  // out_of_range (negative order amounts or premium).
  Result<MarginWithOrders, Errc> with_orders(std::int64_t lots, const OpenOrders& orders,
                                             const MarginPrices& prices) const noexcept;

  // The mark value of |lots| (an option's premium), rounded down or up.
  Result<std::int64_t, Errc> mark_value(std::int64_t lots, const MarginPrices& prices, Rounding mode) const noexcept;

  bool is_option() const noexcept { return option_; }

 private:
  // Prices at 10^-12, checked.
  struct Px {
    int128 index = 0, mark = 0;
  };
  Result<Px, Errc> prices(const MarginPrices& p) const noexcept;
  // Per-coin IM and MM rates of a short option at 10^-12 (coin, or USDC for linear).
  struct Rates {
    int128 initial = 0, maintenance = 0;
  };
  Rates short_option_rates(const Px& px) const noexcept;
  // |lots| x lot x rate12 in settlement units, rounded up.
  Result<std::int64_t, Errc> per_coin_amount(std::int64_t lots, int128 rate12, Rounding mode) const noexcept;
  Result<Margin, Errc> option_margin(std::int64_t lots, const Px& px) const noexcept;
  Result<Margin, Errc> future_margin(std::int64_t lots, const Px& px) const noexcept;
  Result<Margin, Errc> margin_at(std::int64_t lots, const Px& px) const noexcept;

  bool option_ = false;
  bool inverse_ = false;  // coin-settled
  bool call_ = true;
  int128 strike_ = 0;     // 10^-12 USD (or quote)
  int128 lot_units_ = 1;  // min_trade_amount's units: coin per lot (options, linear futures) or USD (inverse futures)
  // Options and linear futures: settlement units = lots x lot_units x amount12 x num / den.
  // Inverse futures: settlement units = lots x lot_units x num / (mark12 x den).
  int128 num_ = 1, den_ = 1;
  int128 coin_num_ = 1, coin_den_ = 1;  // settlement units -> coin at 10^-12 (inverse futures)
  int settlement_decimals_ = 0;
  // Constants at 10^-12.
  int128 opt_initial_ = 0, opt_initial_min_ = 0, opt_maintenance_ = 0;
  int128 fut_initial_ = 0, fut_maintenance_ = 0, fut_initial_per_coin_ = 0, fut_maintenance_per_coin_ = 0;
};

}  // namespace strike::risk
