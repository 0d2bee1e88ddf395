// The venue's currencies and their precision: Money counts 10^-decimals of its currency
// (BTC 8 = satoshi, ETH 9 = gwei, USDC 6). Configured, never hard-coded in arithmetic.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/units.hpp"

namespace strike {

struct Currency {
  CurrencyId id;
  std::string code;  // "BTC"
  int decimals = 0;  // Money units are 10^-decimals of the currency
};

class CurrencyTable {
 public:
  // Errors: duplicate_currency, config_bad_value (code not 2-10 upper-case letters or digits,
  // decimals outside 0..18).
  Result<CurrencyId> add(std::string_view code, int decimals);

  const Currency* find(std::string_view code) const noexcept;
  const Currency& get(CurrencyId id) const;
  std::span<const Currency> all() const noexcept { return currencies_; }

 private:
  std::vector<Currency> currencies_;  // index == id
};

}  // namespace strike
