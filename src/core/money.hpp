// Money: an integer count of a currency's smallest unit (satoshi for BTC, 1e-9 ETH, 1e-6
// USDC), tagged with its currency so BTC is never added to USDC. Decimals per currency come
// from the currency table (configuration), not from this type.
#pragma once

#include <cstdint>

#include "core/checked_math.hpp"
#include "core/units.hpp"

namespace strike {

class Money {
 public:
  constexpr Money() noexcept = default;
  constexpr Money(CurrencyId currency, std::int64_t units) noexcept : currency_(currency), units_(units) {}

  constexpr CurrencyId currency() const noexcept { return currency_; }
  constexpr std::int64_t units() const noexcept { return units_; }
  constexpr bool operator==(const Money&) const noexcept = default;

  static constexpr Result<Money, Errc> checked_add(Money a, Money b) noexcept {
    if (a.currency_ != b.currency_) return fail(Errc::currency_mismatch);
    auto r = ::strike::checked_add(a.units_, b.units_);
    if (!r) return fail(r.error());
    return Money{a.currency_, r.value()};
  }
  static constexpr Result<Money, Errc> checked_sub(Money a, Money b) noexcept {
    if (a.currency_ != b.currency_) return fail(Errc::currency_mismatch);
    auto r = ::strike::checked_sub(a.units_, b.units_);
    if (!r) return fail(r.error());
    return Money{a.currency_, r.value()};
  }
  // units * num / den with one rounding step (fees: amount * rate_num / rate_den).
  constexpr Result<Money, Errc> scaled(std::int64_t num, std::int64_t den, Rounding mode) const noexcept {
    auto r = mul_div(units_, num, den, mode);
    if (!r) return fail(r.error());
    return Money{currency_, r.value()};
  }

 private:
  CurrencyId currency_{};
  std::int64_t units_ = 0;
};

}  // namespace strike
