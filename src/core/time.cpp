#include "core/time.hpp"

#include <array>
#include <chrono>

#include <fmt/format.h>

namespace strike {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

Date date_of(Timestamp t) noexcept {
  using namespace std::chrono;
  const sys_days days{std::chrono::days{floor_div(t.ns(), kNsPerDay)}};
  const year_month_day ymd{days};
  return Date{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())};
}

Result<Timestamp, Errc> at_utc_hour(Date d, int hour) noexcept {
  using namespace std::chrono;
  const year_month_day ymd{year{d.year}, month{d.month}, day{d.day}};
  if (!ymd.ok() || hour < 0 || hour > 23) return fail(Errc::invalid_date);
  const auto days = sys_days{ymd}.time_since_epoch().count();
  return Timestamp::from_ns(days * kNsPerDay + hour * 3600 * kNsPerSecond);
}

std::string format_expiry_code(Date d) {
  return fmt::format("{}{}{:02}", d.day, kMonths[(d.month - 1) % 12], d.year % 100);
}

Result<Date, Errc> parse_expiry_code(std::string_view code) noexcept {
  // 1-2 digit day (no leading zero), 3-letter month, 2-digit year.
  if (code.size() != 6 && code.size() != 7) return fail(Errc::invalid_date);
  const std::size_t day_len = code.size() - 5;
  unsigned day = 0;
  for (std::size_t i = 0; i < day_len; ++i) {
    if (code[i] < '0' || code[i] > '9') return fail(Errc::invalid_date);
    day = day * 10 + static_cast<unsigned>(code[i] - '0');
  }
  if (day_len == 2 && code[0] == '0') return fail(Errc::invalid_date);
  const std::string_view mon = code.substr(day_len, 3);
  unsigned month = 0;
  for (unsigned m = 0; m < 12; ++m)
    if (kMonths[m] == mon) month = m + 1;
  const std::string_view yy = code.substr(day_len + 3, 2);
  if (month == 0 || yy[0] < '0' || yy[0] > '9' || yy[1] < '0' || yy[1] > '9') return fail(Errc::invalid_date);
  const Date d{2000 + (yy[0] - '0') * 10 + (yy[1] - '0'), month, day};
  using namespace std::chrono;
  if (!year_month_day{year{d.year}, std::chrono::month{d.month}, std::chrono::day{d.day}}.ok())
    return fail(Errc::invalid_date);
  return d;
}

std::string format_iso8601(Timestamp t) {
  const Date d = date_of(t);
  const std::int64_t secs_of_day = floor_div(t.ns(), kNsPerSecond) - floor_div(t.ns(), kNsPerDay) * 86'400;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", d.year, d.month, d.day, secs_of_day / 3600,
                     (secs_of_day / 60) % 60, secs_of_day % 60);
}

}  // namespace strike
