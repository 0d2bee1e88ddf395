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

// core arithmetic and parsing: 1xx
#define STRIKE_ERRORS_CORE(X) \
  X(overflow, 100, "arithmetic overflow") \
  X(division_by_zero, 101, "division by zero") \
  X(invalid_number, 102, "not a decimal number") \
  X(precision_loss, 103, "value is not exactly representable at this precision") \
  X(out_of_range, 104, "value out of range") \
  X(invalid_date, 105, "not a valid date") \
  X(currency_mismatch, 106, "amounts are in different currencies")

// configuration and instruments: 2xx
#define STRIKE_ERRORS_CONFIG(X) \
  X(config_unreadable, 200, "configuration file cannot be read") \
  X(config_syntax, 201, "configuration file is not well-formed") \
  X(config_missing_field, 202, "required field is missing") \
  X(config_bad_value, 203, "field has an invalid value") \
  X(unknown_currency, 204, "unknown currency") \
  X(bad_tick_size, 205, "invalid tick size") \
  X(duplicate_instrument, 206, "instrument defined twice") \
  X(invalid_instrument_name, 207, "not a valid instrument name") \
  X(unknown_instrument, 208, "unknown instrument") \
  X(duplicate_currency, 209, "currency defined twice") \
  X(config_mismatch, 210, "the data was written with another configuration")

// pricing: 3xx
#define STRIKE_ERRORS_PRICING(X) \
  X(pricing_invalid_input, 300, "option inputs must be finite, with positive underlying, strike and volatility") \
  X(pricing_nan_input, 301, "an option input is NaN") \
  X(pricing_zero_time, 302, "time to expiry is zero or negative") \
  X(pricing_below_intrinsic, 303, "price is below the intrinsic value") \
  X(pricing_above_bound, 304, "price is at or above the upper bound of the option") \
  X(pricing_not_identifiable, 305, "price has no time value that determines a volatility") \
  X(pricing_csv_header, 310, "CSV header lacks a required column or repeats one") \
  X(pricing_csv_field, 311, "CSV field is not a valid number or option type") \
  X(pricing_csv_columns, 312, "CSV row has a different number of fields than the header") \
  X(pricing_fit_failed, 320, "not enough valid points to fit a volatility smile")

// order book: 4xx
#define STRIKE_ERRORS_BOOK(X) \
  X(book_duplicate_order_id, 400, "an open order with this id already exists") \
  X(book_unknown_order, 401, "no open order with this id (filled, cancelled or never seen)") \
  X(book_not_owner, 402, "the order belongs to another account") \
  X(book_invalid_order, 403, "invalid combination of order type, time in force and flags") \
  X(book_invalid_quantity, 404, "quantity is not positive or above the maximum") \
  X(book_off_lot, 405, "quantity is not a multiple of the lot size") \
  X(book_below_min_size, 406, "quantity is below the minimum order size") \
  X(book_invalid_display, 407, "display quantity is below the minimum, above the order or off the lot") \
  X(book_price_out_of_range, 408, "price is outside the instrument's price limits") \
  X(book_off_tick, 409, "price is not on the tick grid") \
  X(book_outside_price_band, 410, "price is outside the band around the reference price") \
  X(book_invalid_trigger, 411, "trigger price is outside the price limits or off the tick grid") \
  X(book_trigger_reached, 412, "trigger price is already reached") \
  X(book_expiry_not_future, 413, "good-till-date expiry is not after the current time") \
  X(book_too_many_open_orders, 414, "the account has reached its maximum open orders in this book") \
  X(book_post_only_would_take, 415, "post-only order would take liquidity") \
  X(book_bad_snapshot, 416, "book snapshot is inconsistent")

// risk: 5xx
#define STRIKE_ERRORS_RISK(X)

// clearing: 6xx
#define STRIKE_ERRORS_CLEARING(X) \
  X(unknown_account, 600, "unknown account") \
  X(insufficient_funds, 601, "not enough funds") \
  X(invalid_amount, 602, "amount must be positive") \
  X(not_same_owner, 603, "accounts do not belong to the same owner") \
  X(currency_not_held, 604, "currency cannot be held in an account") \
  X(no_index_price, 605, "no index price for the underlying") \
  X(no_mark_price, 606, "no mark price for the instrument") \
  X(invalid_price, 607, "price must be positive") \
  X(account_limit, 608, "too many accounts") \
  X(invalid_proof, 609, "not a valid proof of liabilities") \
  X(transfer_to_self, 610, "a transfer needs two different accounts")

// engine: 7xx
#define STRIKE_ERRORS_ENGINE(X) \
  X(instrument_halted, 700, "trading in the instrument is halted") \
  X(instrument_expired, 701, "the instrument has expired") \
  X(instrument_not_halted, 702, "the instrument is not halted") \
  X(instrument_not_dated, 703, "the instrument has no expiry") \
  X(order_too_large, 704, "the order's value is beyond the venue's limit") \
  X(reduce_only_rejected, 705, "reduce-only order would not reduce a position") \
  X(amend_below_filled, 706, "the new amount is not above the filled amount") \
  X(duplicate_client_order_id, 707, "the account already used this client order id within the window")

// binary serialisation (core/byte_buffer.hpp) and journal: 8xx
#define STRIKE_ERRORS_JOURNAL(X) \
  X(encode_overflow, 800, "value does not fit in the output buffer") \
  X(decode_truncated, 801, "input ends inside a value") \
  X(decode_invalid, 802, "input holds an invalid value") \
  X(decode_trailing_bytes, 803, "input has bytes after the last value") \
  X(journal_io, 810, "journal I/O failed") \
  X(journal_corrupt, 811, "journal is corrupt") \
  X(journal_chain_mismatch, 812, "journal hash chain does not match") \
  X(journal_sequence_gap, 813, "journal sequence is not contiguous") \
  X(journal_unsupported_version, 814, "journal format version is not supported") \
  X(journal_locked, 815, "journal is in use by another writer") \
  X(journal_changed, 816, "journal changed since it was scanned") \
  X(journal_bad_option, 817, "invalid journal option") \
  X(journal_records_missing, 818, "the journal lacks records that a snapshot shows were acknowledged") \
  X(journal_failed, 819, "the journal stopped after an I/O error; the venue must restart") \
  X(snapshot_corrupt, 820, "snapshot is damaged") \
  X(snapshot_journal_mismatch, 821, "snapshot does not match the journal")

// gateway and protocols: 9xx
#define STRIKE_ERRORS_GATEWAY(X) \
  X(rpc_parse_error, 900, "the line is not a JSON object") \
  X(rpc_invalid_request, 901, "not a valid JSON-RPC 2.0 request") \
  X(rpc_unknown_method, 902, "no such method") \
  X(rpc_missing_param, 903, "a required parameter is missing") \
  X(rpc_bad_param, 904, "a parameter has the wrong type or an unknown value") \
  X(rpc_too_many_params, 905, "more parameters than any method takes") \
  X(rpc_duplicate_key, 906, "a JSON object repeats a key") \
  X(rpc_too_deep, 907, "objects and arrays nest deeper than any request needs") \
  X(rpc_line_too_long, 908, "the line is longer than the longest request accepted") \
  X(history_unavailable, 909, "the account history is not available here")

#define STRIKE_ERROR_CODES(X) \
  X(ok, 0, "ok") \
  STRIKE_ERRORS_CORE(X) \
  STRIKE_ERRORS_CONFIG(X) \
  STRIKE_ERRORS_PRICING(X) \
  STRIKE_ERRORS_BOOK(X) \
  STRIKE_ERRORS_RISK(X) \
  STRIKE_ERRORS_CLEARING(X) \
  STRIKE_ERRORS_ENGINE(X) \
  STRIKE_ERRORS_JOURNAL(X) \
  STRIKE_ERRORS_GATEWAY(X)

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
