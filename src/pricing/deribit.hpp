// Deribit's display conventions for option Greeks (public/ticker, get_book_summary): Black-76
// on the option's underlying future, delta not premium-adjusted, vega per volatility point
// (per 1%), theta per calendar day of a 365-day year, expiry in years of 365 days.
#pragma once

#include <cstdint>

namespace strike::pricing::deribit {

inline constexpr double kDaysPerYear = 365.0;
inline constexpr double kMsPerYear = kDaysPerYear * 86'400'000.0;

// Raw vega (per 1.0 of volatility) -> per vol point.
constexpr double vega(double raw_vega) noexcept { return raw_vega / 100.0; }
// Raw theta (-dV/dT per year) -> per calendar day.
constexpr double theta(double raw_theta) noexcept { return raw_theta / kDaysPerYear; }
// Time between two millisecond timestamps in 365-day years.
constexpr double years_between_ms(std::int64_t from_ms, std::int64_t to_ms) noexcept {
  return static_cast<double>(to_ms - from_ms) / kMsPerYear;
}

}  // namespace strike::pricing::deribit
