// Replay of LOBSTER's Nasdaq order flow (lobsterdata.com) through the book, checked against
// LOBSTER's own book after every event.
//
// Files: the message file (time, type, order id, size, price * 10000, direction) and the
// orderbook file (row i = the book after message i: ask price, ask size, bid price, bid size
// for each level; empty levels priced -9999999999 / 9999999999 with size 0).
//
// Mapping: new limit orders (type 1) are submitted; partial cancellations (2) are amends
// down; deletions (3) are cancels; executions of visible orders (4) are IOC orders on the
// other side at that price and size, which must fill exactly the order LOBSTER names;
// hidden executions (5), crosses (6) and halts (7) leave the visible book alone. Orders that
// rested before the file starts are unknown: one synthetic order per level is seeded from the
// first orderbook row minus the first message. The file only carries events inside the levels
// it shows (10 per side), so a level beyond them can change unseen: when it comes into view,
// missing quantity is seeded at the *front* of its queue (those orders are older than every
// order the file showed there) and excess is trimmed from the back. An event naming an
// unknown id applies to the seeded order at its price. Then the top N levels (default 5) are
// compared with the file's row.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/units.hpp"

namespace strike::lobster {

struct Message {
  std::int64_t time_ns = 0;  // after midnight
  int type = 0;
  std::uint64_t order_id = 0;
  std::int64_t size = 0;
  std::int64_t price = 0;  // dollars * 10000
  Side side = Side::buy;   // the resting order's side for executions
};

struct BookLevel {
  std::int64_t price = 0;
  std::int64_t size = 0;
  bool operator==(const BookLevel&) const = default;
};

// One orderbook row: the non-empty levels, best first.
struct BookRow {
  std::vector<BookLevel> asks;
  std::vector<BookLevel> bids;
};

// Parsers of the two files' text. Errors: config_syntax with the line number and column.
Result<std::vector<Message>> parse_messages(std::string_view text);
Result<std::vector<BookRow>> parse_orderbook(std::string_view text);
// Reads and parses a file (errors: config_unreadable, or the parser's).
Result<std::vector<Message>> read_messages(const std::string& path);
Result<std::vector<BookRow>> read_orderbook(const std::string& path);

struct ReplayOptions {
  int levels = 5;        // compared per side
  int keep_mismatches = 5;  // described in the report
};

struct ReplayReport {
  std::uint64_t events = 0;       // messages replayed
  std::uint64_t submitted = 0;    // type 1
  std::uint64_t amended = 0;      // type 2
  std::uint64_t cancelled = 0;    // type 3
  std::uint64_t executions = 0;   // type 4, each checked to fill exactly the named order
  std::uint64_t skipped = 0;      // types 5, 6, 7
  std::uint64_t seeded_levels = 0;   // synthetic orders for quantity older than the file
  std::uint64_t trimmed_levels = 0;  // levels that lost quantity unseen, beyond the file's window
  std::uint64_t comparisons = 0;  // top-N comparisons (one per event)
  std::uint64_t mismatches = 0;   // comparisons that differed, plus executions that filled wrongly
  std::vector<std::string> first_mismatches;
  std::uint64_t trades = 0;
};

// Replays messages[i] against rows[i]. Errors: config_bad_value if the files disagree in
// length or are empty.
Result<ReplayReport> replay(const std::vector<Message>& messages, const std::vector<BookRow>& rows,
                            const ReplayOptions& options = {});

}  // namespace strike::lobster
