// The money arithmetic of one instrument: what q lots at a price are worth in the settlement
// currency, what an option pays at expiry, and the fees of a fill. Pure integer arithmetic
// with 128-bit intermediates; every result names its rounding.
//
// Two shapes of contract, in settlement-currency units (satoshi, gwei, micro-USDC):
//   linear-valued  (linear futures and options, inverse options priced in coin)
//                  value(q, p) = q * p * k_num / k_den        rises with the price
//   inverse-valued (inverse futures and perpetuals: USD notional, PnL in coin)
//                  value(q, p) = -q * k_num / (p * k_den)     rises with the price too
// A position's basis is minus the sum of the values of its fills, so its PnL at any price X is
// basis + value(size, X), the same formula for both shapes (see docs/clearing.md).
// value() is odd in q (computed on |q|, then signed), so the two sides of a trade book exactly
// opposite amounts and the sum of all bases is zero by construction.
#pragma once

#include <cstdint>

#include "core/checked_math.hpp"
#include "core/currency.hpp"
#include "core/instrument.hpp"
#include "core/result.hpp"
#include "core/units.hpp"

namespace strike::clearing {

class ContractMath {
 public:
  // Errors: overflow when the instrument's grids and currency decimals give factors that do not
  // fit (a configuration error, reported at start-up).
  static Result<ContractMath, Errc> make(const Instrument& instrument, const CurrencyTable& currencies) noexcept;

  bool inverse_valued() const noexcept { return inverse_; }
  bool is_option() const noexcept { return option_; }

  // Signed value of `lots` (signed) at a trade price, rounded half-even on the magnitude.
  Result<std::int64_t, Errc> trade_value(std::int64_t lots, Price price) const noexcept;
  // Signed value of `lots` at a reference price (mark, settlement), rounded `mode`.
  Result<std::int64_t, Errc> value_at(std::int64_t lots, RefPrice price, Rounding mode) const noexcept;
  // The price at which `lots` are worth `value` (value_at's inverse): a position's average entry
  // from its basis (value = -basis). Errors: invalid_amount (lots or value 0, or signs that no
  // positive price gives), overflow.
  Result<RefPrice, Errc> price_of_value(std::int64_t lots, std::int64_t value) const noexcept;
  // What `lots` (signed: long > 0) of this option receive at settlement price `settle`
  // (index units, USD), rounded against the account: the intrinsic value, in coin for inverse
  // options (max(S-K, 0) / S per coin of underlying) and quote currency for linear ones.
  Result<std::int64_t, Errc> option_payoff(std::int64_t lots, RefPrice settle) const noexcept;
  // Underlying amount of `lots`, in settlement-currency units (inverse options) or, times the
  // index, in quote units (linear options): the base of Deribit's option fee.
  Result<std::int64_t, Errc> option_underlying_value(std::int64_t lots, RefPrice index) const noexcept;

  // A trade price as a reference price, and a reference price as the nearest tick (half-even).
  RefPrice to_ref_price(Price price) const noexcept;
  Price from_ref_price(RefPrice price) const noexcept;

 private:
  bool inverse_ = false;
  bool option_ = false;
  bool coin_option_ = false;  // inverse option: premium and payoff in the underlying coin
  OptionType option_type_ = OptionType::call;
  int128 k_num_ = 1, k_den_ = 1;          // trade_value factors (ticks)
  int128 ref_num_ = 1, ref_den_ = 1;      // value_at factors (reference price units)
  int128 tick_to_ref_ = 1;                // ref units per tick (the finest tick is coarser than 1e-8)
  int128 strike_ref_ = 0;                 // options: strike in reference units
  int128 amount_num_ = 1, amount_den_ = 1;  // options: settlement units of underlying per lot (x index / 1e8 for linear)
};

}  // namespace strike::clearing
