#include "core/currency.hpp"

#include <fmt/format.h>

namespace strike {

Result<CurrencyId> CurrencyTable::add(std::string_view code, int decimals) {
  const bool code_ok = code.size() >= 2 && code.size() <= 10 &&
                       code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == std::string_view::npos;
  if (!code_ok) return fail(Errc::config_bad_value, fmt::format("currency code '{}' must be 2-10 upper-case letters or digits", code));
  if (decimals < 0 || decimals > 18)
    return fail(Errc::config_bad_value, fmt::format("currency {}: decimals {} outside 0..18", code, decimals));
  if (find(code) != nullptr) return fail(Errc::duplicate_currency, std::string(code));
  const CurrencyId id{static_cast<std::uint16_t>(currencies_.size())};
  currencies_.push_back(Currency{id, std::string(code), decimals});
  return id;
}

const Currency* CurrencyTable::find(std::string_view code) const noexcept {
  for (const auto& c : currencies_)
    if (c.code == code) return &c;
  return nullptr;
}

const Currency& CurrencyTable::get(CurrencyId id) const {
  STRIKE_ASSERT(id.raw() < currencies_.size(), "unknown currency id {}", id.raw());
  return currencies_[id.raw()];
}

}  // namespace strike
