#include "clearing/contract_math.hpp"

namespace strike::clearing {
namespace {

// 10^e as a (numerator, denominator) pair: e >= 0 multiplies, e < 0 divides.
struct Pow10Factor {
  int128 num = 1, den = 1;
};

Result<Pow10Factor, Errc> pow10_factor(int e) noexcept {
  if (e > 30 || e < -30) return fail(Errc::overflow);
  int128 p = 1;
  for (int i = 0; i < (e < 0 ? -e : e); ++i) p *= 10;
  return e >= 0 ? Pow10Factor{p, 1} : Pow10Factor{1, p};
}

}  // namespace

Result<ContractMath, Errc> ContractMath::make(const Instrument& ins, const CurrencyTable& currencies) noexcept {
  ContractMath m;
  m.inverse_ = ins.settlement == Settlement::inverse && !ins.is_option();
  m.option_ = ins.is_option();
  m.coin_option_ = m.option_ && ins.settlement == Settlement::inverse;
  m.option_type_ = ins.symbol.option_type;
  const Decimal lot = ins.min_trade_amount;
  const Decimal tick = ins.ticks.finest();
  const int d = currencies.get(ins.settlement_currency).decimals;
  if (tick.scale > kRefPriceScale) return fail(Errc::precision_loss);

  const int trade_exp = m.inverse_ ? d + tick.scale - lot.scale : d - lot.scale - tick.scale;
  const int ref_exp = m.inverse_ ? d + kRefPriceScale - lot.scale : d - lot.scale - kRefPriceScale;
  auto trade_f = pow10_factor(trade_exp);
  auto ref_f = pow10_factor(ref_exp);
  auto tick_f = pow10_factor(kRefPriceScale - tick.scale);
  auto amount_f = pow10_factor(d - lot.scale);
  if (!trade_f || !ref_f || !tick_f || !amount_f) return fail(Errc::overflow);

  if (m.inverse_) {
    m.k_num_ = lot.units * trade_f->num;
    m.k_den_ = tick.units * trade_f->den;
  } else {
    m.k_num_ = static_cast<int128>(lot.units) * tick.units * trade_f->num;
    m.k_den_ = trade_f->den;
  }
  m.ref_num_ = lot.units * ref_f->num;
  m.ref_den_ = ref_f->den;
  m.tick_to_ref_ = tick.units * tick_f->num;
  m.amount_num_ = lot.units * amount_f->num;
  m.amount_den_ = amount_f->den;
  if (m.option_) {
    auto strike = to_scaled(ins.strike, kRefPriceScale);
    if (!strike) return fail(strike.error());
    m.strike_ref_ = strike.value();
  }
  return m;
}

Result<std::int64_t, Errc> ContractMath::trade_value(std::int64_t lots, Price price) const noexcept {
  if (inverse_) {
    if (price.raw() <= 0) return fail(Errc::invalid_price);
    return mul_mul_div(-lots, k_num_, 1, static_cast<int128>(price.raw()) * k_den_, Rounding::half_even);
  }
  return mul_mul_div(lots, price.raw(), k_num_, k_den_, Rounding::half_even);
}

Result<std::int64_t, Errc> ContractMath::value_at(std::int64_t lots, RefPrice price, Rounding mode) const noexcept {
  if (inverse_) {
    if (price.raw() <= 0) return fail(Errc::invalid_price);
    return mul_mul_div(-lots, ref_num_, 1, static_cast<int128>(price.raw()) * ref_den_, mode);
  }
  return mul_mul_div(lots, price.raw(), ref_num_, ref_den_, mode);
}

Result<std::int64_t, Errc> ContractMath::option_payoff(std::int64_t lots, RefPrice settle) const noexcept {
  if (!option_ || settle.raw() <= 0) return fail(Errc::invalid_price);
  const int128 s = settle.raw();
  const int128 intrinsic = option_type_ == OptionType::call ? s - strike_ref_ : strike_ref_ - s;
  if (intrinsic <= 0) return std::int64_t{0};
  if (coin_option_) return mul_mul_div(lots, amount_num_, intrinsic, amount_den_ * s, Rounding::against_account);
  return mul_mul_div(lots, intrinsic, ref_num_, ref_den_, Rounding::against_account);
}

Result<std::int64_t, Errc> ContractMath::option_underlying_value(std::int64_t lots, RefPrice index) const noexcept {
  if (!option_) return fail(Errc::invalid_price);
  if (coin_option_) return mul_mul_div(lots, amount_num_, 1, amount_den_, Rounding::half_even);
  if (index.raw() <= 0) return fail(Errc::no_index_price);
  return mul_mul_div(lots, index.raw(), ref_num_, ref_den_, Rounding::half_even);
}

Result<RefPrice, Errc> ContractMath::price_of_value(std::int64_t lots, std::int64_t value) const noexcept {
  if (lots == 0 || value == 0) return fail(Errc::invalid_amount);
  // linear: value = lots x price x num / den;   inverse: value = -lots x num / (price x den).
  const int128 num = inverse_ ? -int128{lots} * ref_num_ : int128{value} * ref_den_;
  const int128 den = inverse_ ? int128{value} * ref_den_ : int128{lots} * ref_num_;
  if ((num > 0) != (den > 0)) return fail(Errc::invalid_amount);
  auto p = div_round_128(num < 0 ? -num : num, den < 0 ? -den : den, Rounding::half_even);
  if (!p || p.value() > INT64_MAX) return fail(Errc::overflow);
  return RefPrice{static_cast<std::int64_t>(p.value())};
}

RefPrice ContractMath::to_ref_price(Price price) const noexcept {
  auto ref = narrow(price.raw() * tick_to_ref_);  // |price| < 2^63, factor <= 10^8: fits in 128 bits
  STRIKE_ASSERT(ref.ok(), "price {} does not fit a reference price", price.raw());
  return RefPrice{ref.value()};
}

Price ContractMath::from_ref_price(RefPrice price) const noexcept {
  auto ticks = div_round_128(price.raw(), tick_to_ref_, Rounding::half_even);
  return Price{static_cast<std::int64_t>(ticks.value())};  // |ref| / factor >= 1 fits
}

}  // namespace strike::clearing
