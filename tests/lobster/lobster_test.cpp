// The LOBSTER AAPL sample (../shared/data/lobster, 999 Nasdaq events with the true book
// after each) replayed through the book: every top-5 comparison and every execution must
// match. Source of the data: LOBSTER sample files via GitHub YileZheng/OrderBook_HLS.
#include <gtest/gtest.h>

#include <filesystem>

#include "lobster/lobster.hpp"

namespace strike::lobster {
namespace {

const std::string kDir = std::string(STRIKE_SHARED_DATA_DIR) + "/lobster/";
const std::string kMessages = kDir + "AAPL_2012-06-21_34200000_57600000_message_10.csv";
const std::string kOrderbook = kDir + "AAPL_2012-06-21_34200000_57600000_orderbook_10.csv";

TEST(Lobster, AaplReplayMatchesEveryBookRowAndEveryExecution) {
  if (!std::filesystem::exists(kMessages)) GTEST_SKIP() << "LOBSTER sample not found at " << kDir;
  auto messages = read_messages(kMessages);
  ASSERT_TRUE(messages.ok()) << messages.error().to_string();
  auto rows = read_orderbook(kOrderbook);
  ASSERT_TRUE(rows.ok()) << rows.error().to_string();
  for (const int levels : {5, 10}) {
    auto report = replay(messages.value(), rows.value(), ReplayOptions{levels, 5});
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    const ReplayReport& r = report.value();
    std::string first;
    for (const auto& m : r.first_mismatches) first += m + "\n";
    EXPECT_EQ(r.mismatches, 0u) << "levels " << levels << ":\n" << first;
    EXPECT_EQ(r.events, 999u);
    EXPECT_EQ(r.comparisons, 999u);
    EXPECT_EQ(r.submitted, 471u);
    EXPECT_EQ(r.cancelled, 369u);
    EXPECT_EQ(r.executions, 98u);
    EXPECT_GE(r.trades, r.executions);
    // How much of the book came from the file rather than the messages: the 20 levels of the
    // first row, and the few levels that changed unseen beyond the file's 10-level window.
    EXPECT_LE(r.seeded_levels, 40u);
    EXPECT_LE(r.trimmed_levels, 5u);
  }
}

TEST(Lobster, AWrongBookIsReportedAsMismatches) {
  // Row 2 claims one lot more at the best bid than the messages produce.
  const auto messages = parse_messages("1.0,1,10,5,1000000,1\n2.0,1,11,5,1010000,-1\n3.0,3,10,5,1000000,1\n");
  ASSERT_TRUE(messages.ok());
  const auto rows = parse_orderbook("1010000,0,1000000,5\n1010000,5,1000000,5\n1010000,5,1000000,1\n");
  ASSERT_TRUE(rows.ok()) << rows.error().to_string();
  const auto report = replay(messages.value(), rows.value());
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  EXPECT_EQ(report.value().mismatches, 1u);
  ASSERT_EQ(report.value().first_mismatches.size(), 1u);
  EXPECT_NE(report.value().first_mismatches[0].find("event 2"), std::string::npos) << report.value().first_mismatches[0];
}

TEST(Lobster, MalformedLinesAreTypedErrorsWithTheirPlace) {
  auto bad = parse_messages("1.0,1,10,5,1000000,1\n2.0,9,11,5,1010000,-1\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::config_syntax);
  EXPECT_NE(bad.error().detail.find("line 2"), std::string::npos) << bad.error().detail;
  EXPECT_FALSE(parse_messages("x,1,10,5,1000000,1\n").ok());
  EXPECT_FALSE(parse_messages("1.0,1,10,5,1000000\n").ok());
  EXPECT_FALSE(parse_orderbook("1010000,5,1000000\n").ok());
  EXPECT_FALSE(read_messages("/nonexistent/file.csv").ok());
  const auto m = parse_messages("1.0,1,10,5,1000000,1\n");
  const auto r = parse_orderbook("1010000,5,1000000,5\n1010000,5,1000000,5\n");
  EXPECT_EQ(replay(m.value(), r.value()).error().code, Errc::config_bad_value);  // lengths differ
}

}  // namespace
}  // namespace strike::lobster
