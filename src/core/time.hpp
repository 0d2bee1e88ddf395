// Time as the venue sees it: nanoseconds since the Unix epoch, UTC. Inside the engine time
// only ever comes from the sequencer's stamp on a journaled command (DESIGN.md,
// determinism); nothing in core reads a clock.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace strike {

class Timestamp {
 public:
  constexpr Timestamp() noexcept = default;
  static constexpr Timestamp from_ns(std::int64_t ns) noexcept { return Timestamp{ns}; }
  static constexpr Timestamp from_ms(std::int64_t ms) noexcept { return Timestamp{ms * 1'000'000}; }
  constexpr std::int64_t ns() const noexcept { return ns_; }
  constexpr std::int64_t ms() const noexcept { return ns_ / 1'000'000; }
  constexpr auto operator<=>(const Timestamp&) const noexcept = default;

 private:
  constexpr explicit Timestamp(std::int64_t ns) noexcept : ns_(ns) {}
  std::int64_t ns_ = 0;
};

inline constexpr std::int64_t kNsPerSecond = 1'000'000'000;
inline constexpr std::int64_t kNsPerDay = 86'400 * kNsPerSecond;

// Deribit's trading session runs from one 08:00 UTC to the next (expiries, settlement,
// good_til_day, session PnL). A session's number: whole days since 1970-01-01T08:00Z (floor).
constexpr std::int64_t trading_session_of(Timestamp t) noexcept {
  const std::int64_t since = t.ns() - 8 * 3600 * kNsPerSecond;
  return since >= 0 ? since / kNsPerDay : (since - kNsPerDay + 1) / kNsPerDay;
}
// The 08:00 UTC that ends t's session: the next one strictly after t.
constexpr Timestamp trading_session_end(Timestamp t) noexcept {
  return Timestamp::from_ns((trading_session_of(t) + 1) * kNsPerDay + 8 * 3600 * kNsPerSecond);
}

struct Date {
  int year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
  bool operator==(const Date&) const = default;
};

// Calendar date of a timestamp (UTC) and the timestamp of a date at a UTC hour.
Date date_of(Timestamp t) noexcept;
Result<Timestamp, Errc> at_utc_hour(Date d, int hour) noexcept;

// Deribit's expiry code: "27DEC24", "6AUG21" (day without leading zero, two-digit year 20yy).
std::string format_expiry_code(Date d);
Result<Date, Errc> parse_expiry_code(std::string_view code) noexcept;

// ISO-8601 "2024-12-27T08:00:00Z" (whole seconds).
std::string format_iso8601(Timestamp t);

}  // namespace strike
