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
  X(duplicate_currency, 209, "currency defined twice")                                     \
  /* order book: 4xx */                                                                      \
  X(book_duplicate_order_id, 400, "an open order with this id already exists")               \
  X(book_unknown_order, 401, "no open order with this id (filled, cancelled or never seen)") \
  X(book_not_owner, 402, "the order belongs to another account")                             \
  X(book_invalid_order, 403, "invalid combination of order type, time in force and flags")   \
  X(book_invalid_quantity, 404, "quantity is not positive or above the maximum")             \
  X(book_off_lot, 405, "quantity is not a multiple of the lot size")                         \
  X(book_below_min_size, 406, "quantity is below the minimum order size")                    \
  X(book_invalid_display, 407, "display quantity is below the minimum, above the order or off the lot") \
  X(book_price_out_of_range, 408, "price is outside the instrument's price limits")          \
  X(book_off_tick, 409, "price is not on the tick grid")                                     \
  X(book_outside_price_band, 410, "price is outside the band around the reference price")    \
  X(book_invalid_trigger, 411, "trigger price is outside the price limits or off the tick grid") \
  X(book_trigger_reached, 412, "trigger price is already reached")                           \
  X(book_expiry_not_future, 413, "good-till-date expiry is not after the current time")      \
  X(book_too_many_open_orders, 414, "the account has reached its maximum open orders in this book") \
  X(book_post_only_would_take, 415, "post-only order would take liquidity")                  \
  X(book_bad_snapshot, 416, "book snapshot is inconsistent")

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
