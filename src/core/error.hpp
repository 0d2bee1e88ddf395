// Error codes shared by every component, grouped by range like exchange-core's
// CommandResultCode, so a code alone says which layer refused. Each code has a stable
// snake_case name (for logs and the wire) and a human message.
//
// Ranges: 1xx core arithmetic and parsing, 2xx configuration and instruments, 3xx pricing,
// 4xx order book, 5xx risk, 6xx clearing, 7xx engine, 8xx journal, 9xx gateway and protocols.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strike {

#define STRIKE_ERROR_CODES(X)                                                                \
  X(ok, 0, "ok")                                                                             \
  /* core: 1xx */                                                                            \
  X(overflow, 100, "arithmetic overflow")                                                    \
  X(division_by_zero, 101, "division by zero")                                               \
  X(invalid_number, 102, "not a decimal number")                                             \
  X(precision_loss, 103, "value is not exactly representable at this precision")            \
  X(out_of_range, 104, "value out of range")                                                 \
  X(invalid_date, 105, "not a valid date")                                                   \
  X(currency_mismatch, 106, "amounts are in different currencies")                           \
  /* configuration and instruments: 2xx */                                                   \
  X(config_unreadable, 200, "configuration file cannot be read")                             \
  X(config_syntax, 201, "configuration file is not well-formed")                             \
  X(config_missing_field, 202, "required field is missing")                                  \
  X(config_bad_value, 203, "field has an invalid value")                                     \
  X(unknown_currency, 204, "unknown currency")                                               \
  X(bad_tick_size, 205, "invalid tick size")                                                 \
  X(duplicate_instrument, 206, "instrument defined twice")                                   \
  X(invalid_instrument_name, 207, "not a valid instrument name")                             \
  X(unknown_instrument, 208, "unknown instrument")                                           \
  X(duplicate_currency, 209, "currency defined twice")                                       \
  /* pricing: 3xx */                                                                         \
  X(pricing_invalid_input, 300, "option inputs must be finite, with positive underlying, strike and volatility") \
  X(pricing_nan_input, 301, "an option input is NaN")                                        \
  X(pricing_zero_time, 302, "time to expiry is zero or negative")                            \
  X(pricing_below_intrinsic, 303, "price is below the intrinsic value")                      \
  X(pricing_above_bound, 304, "price is at or above the upper bound of the option")          \
  X(pricing_not_identifiable, 305, "price has no time value that determines a volatility")   \
  X(pricing_csv_header, 310, "CSV header lacks a required column or repeats one")            \
  X(pricing_csv_field, 311, "CSV field is not a valid number or option type")                \
  X(pricing_csv_columns, 312, "CSV row has a different number of fields than the header")    \
  X(pricing_fit_failed, 320, "not enough valid points to fit a volatility smile")

enum class Errc : std::uint16_t {
#define STRIKE_X(name, value, message) name = value,
  STRIKE_ERROR_CODES(STRIKE_X)
#undef STRIKE_X
};

// Stable identifier, e.g. "precision_loss".
std::string_view name(Errc code) noexcept;
// Human sentence, e.g. "value is not exactly representable at this precision".
std::string_view message(Errc code) noexcept;

// An error with optional context (which file, entry, field, value). Used on the control
// plane; hot paths return a bare Errc or their own reject enum and never allocate.
struct Error {
  Errc code = Errc::ok;
  std::string detail;

  Error() = default;
  Error(Errc c, std::string d = {}) : code(c), detail(std::move(d)) {}  // NOLINT: implicit by design

  // "config_missing_field: required field is missing: config/x.toml: instrument[3]: tick_size"
  std::string to_string() const;
  bool operator==(const Error&) const = default;
};

}  // namespace strike
