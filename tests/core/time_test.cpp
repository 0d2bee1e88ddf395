#include <gtest/gtest.h>

#include "core/time.hpp"

namespace strike {
namespace {

TEST(Time, ExpiryCodesFollowDeribit) {
  EXPECT_EQ(format_expiry_code({2024, 12, 27}), "27DEC24");
  EXPECT_EQ(format_expiry_code({2021, 8, 6}), "6AUG21");
  EXPECT_EQ(parse_expiry_code("6AUG21").value(), (Date{2021, 8, 6}));
  EXPECT_EQ(parse_expiry_code("27DEC24").value(), (Date{2024, 12, 27}));
  for (const char* bad : {"06AUG21", "32DEC24", "29FEB23", "1Dec24", "27DEC2", "DEC24", "27XYZ24", ""})
    EXPECT_FALSE(parse_expiry_code(bad).ok()) << bad;
  EXPECT_TRUE(parse_expiry_code("29FEB24").ok());
}

TEST(Time, ExpiryIsEightOClockUtc) {
  // BTC-24SEP21 expires at 1632470400000 ms (Deribit's own field).
  EXPECT_EQ(at_utc_hour({2021, 9, 24}, 8).value().ms(), 1632470400000);
  EXPECT_EQ(date_of(Timestamp::from_ms(1632470400000)), (Date{2021, 9, 24}));
  EXPECT_EQ(format_iso8601(Timestamp::from_ms(1632470400000)), "2021-09-24T08:00:00Z");
  EXPECT_EQ(date_of(Timestamp::from_ns(-1)), (Date{1969, 12, 31}));
}

TEST(Time, ATradingSessionRunsFromOneEightOClockUtcToTheNext) {
  const Timestamp eight = at_utc_hour(Date{2024, 12, 27}, 8).value();
  const Timestamp before = Timestamp::from_ns(eight.ns() - 1);
  EXPECT_EQ(trading_session_of(eight), trading_session_of(before) + 1);
  EXPECT_EQ(trading_session_end(before), eight);
  // At 08:00 exactly the session has just begun: it ends the next day.
  EXPECT_EQ(trading_session_end(eight), at_utc_hour(Date{2024, 12, 28}, 8).value());
  EXPECT_EQ(trading_session_of(Timestamp::from_ns(8 * 3600 * kNsPerSecond)), 0);
  EXPECT_EQ(trading_session_of(Timestamp{}), -1);  // 1970-01-01T00:00Z is in the session before
}

}  // namespace
}  // namespace strike
