#include "lobster/lobster.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "book/order_book.hpp"
#include "core/decimal.hpp"

namespace strike::lobster {

using namespace strike::book;
namespace {

constexpr std::int64_t kEmptyAsk = -9999999999;
constexpr std::int64_t kEmptyBid = 9999999999;

// Comma-separated fields of one line.
class Fields {
 public:
  Fields(std::string_view line, int number) : line_(line), number_(number) {}
  bool next(std::string_view& out) {
    if (pos_ > line_.size()) return false;
    const std::size_t end = std::min(line_.find(',', pos_), line_.size());
    out = line_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++column_;
    return true;
  }
  int column() const noexcept { return column_; }
  Failure<Error> error(std::string_view what) const {
    return fail(Errc::config_syntax, fmt::format("line {}, field {}: {}", number_, column_, what));
  }
  template <class T>
  Result<T> integer() {
    std::string_view f;
    if (!next(f)) return error("missing");
    T v{};
    const auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (ec != std::errc{} || ptr != f.data() + f.size()) return error(fmt::format("'{}' is not an integer", f));
    return v;
  }
  bool done() const noexcept { return pos_ > line_.size(); }

 private:
  std::string_view line_;
  int number_;
  std::size_t pos_ = 0;
  int column_ = 0;
};

// Non-empty lines (a trailing '\r' dropped), with their 1-based numbers.
template <class F>
Status<Error> for_each_line(std::string_view text, F&& f) {
  int number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (auto ok = f(line, number); !ok) return ok;
  }
  return {};
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::config_unreadable, path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(Errc::config_unreadable, path);
  return text.str();
}

// Trades and remainders of the IOC orders that stand for executions.
struct ReplaySink {
  std::vector<Trade>* trades;
  bool* remainder;
  void on(const Trade& t) { trades->push_back(t); }
  void on(const Cancelled& c) {
    if (c.reason == CancelReason::ioc_remainder) *remainder = true;
  }
  template <class E>
  void on(const E&) {}
};

constexpr AccountId kFileAccount{1};
constexpr AccountId kSeedAccount{2};
constexpr AccountId kTakerAccount{3};
constexpr std::uint64_t kSeedIds = std::uint64_t{1} << 62;
constexpr std::uint64_t kTakerIds = std::uint64_t{1} << 63;

class Replayer {
 public:
  Replayer(const std::vector<Message>& messages, const std::vector<BookRow>& rows, const ReplayOptions& options)
      : messages_(messages), rows_(rows), options_(options), book_(config(), ReplaySink{&trades_, &remainder_}) {
    depth_ = 0;
    for (const BookRow& r : rows) depth_ = std::max({depth_, r.asks.size(), r.bids.size()});
  }

  Result<ReplayReport> run() {
    seed_initial();
    for (std::size_t i = 0; i < messages_.size(); ++i) {
      const Message& m = messages_[i];
      ++report_.events;
      apply(i, m);
      sync(rows_[i]);
      compare(i, rows_[i]);
    }
    return report_;
  }

 private:
  static BookConfig config() {
    BookConfig c;
    c.tick = 100;  // one cent, in LOBSTER's units of $0.0001
    return c;
  }
  Timestamp at(const Message& m) const { return Timestamp::from_ns(m.time_ns); }

  // The book before message 0: row 0 with message 0 undone; one synthetic order per level.
  void seed_initial() {
    std::map<std::pair<Side, std::int64_t>, std::int64_t> levels;
    for (const BookLevel& l : rows_[0].asks) levels[{Side::sell, l.price}] += l.size;
    for (const BookLevel& l : rows_[0].bids) levels[{Side::buy, l.price}] += l.size;
    const Message& m0 = messages_[0];
    const std::int64_t undo = m0.type == 1 ? -m0.size : (m0.type >= 2 && m0.type <= 4) ? m0.size : 0;
    if (undo != 0 && (levels[{m0.side, m0.price}] += undo) <= 0) levels.erase({m0.side, m0.price});
    for (const auto& [key, qty] : levels) {
      const OrderId id{kSeedIds + seeds_++};
      NewOrder o;
      o.id = id;
      o.account = kSeedAccount;
      o.side = key.first;
      o.price = Price{key.second};
      o.qty = Qty{qty};
      (void)book_.submit(o, at(m0));
      seed_at_[key] = id;
      ++report_.seeded_levels;
    }
    for (const Side side : {Side::sell, Side::buy}) window_[index(side)] = bound_of(rows_[0], side);
  }

  // The file only carries events inside the levels it shows (its window). A side's window
  // ends at its worst shown level when it shows the file's full depth, else covers the side.
  static std::size_t index(Side s) { return s == Side::buy ? 0 : 1; }
  const std::vector<BookLevel>& levels_of(const BookRow& row, Side side) const {
    return side == Side::sell ? row.asks : row.bids;
  }
  std::optional<std::int64_t> bound_of(const BookRow& row, Side side) const {
    const auto& levels = levels_of(row, side);
    if (levels.size() < depth_) return std::nullopt;
    return levels.back().price;
  }
  static bool worse(Side side, std::int64_t a, std::int64_t b) { return side == Side::sell ? a > b : a < b; }
  bool beyond_window(Side side, std::int64_t price) const {
    const auto& bound = window_[index(side)];
    return bound.has_value() && worse(side, price, *bound);
  }

  void apply(std::size_t i, const Message& m) {
    const bool own = m.order_id < kSeedIds && book_.find(OrderId{m.order_id}).has_value();
    switch (m.type) {
      case 1: {
        ++report_.submitted;
        NewOrder o;
        o.id = OrderId{m.order_id};
        o.account = kFileAccount;
        o.side = m.side;
        o.price = Price{m.price};
        o.qty = Qty{m.size};
        if (const Errc e = book_.submit(o, at(m)); e != Errc::ok) mismatch(i, fmt::format("submit rejected: {}", name(e)));
        return;
      }
      case 2:
      case 3: {
        (m.type == 2 ? report_.amended : report_.cancelled) += 1;
        if (own) {
          const auto open = book_.find(OrderId{m.order_id})->qty.raw();
          if (m.size > open || (m.type == 3 && m.size != open)) {
            mismatch(i, fmt::format("order {} has {} open, the file removes {}", m.order_id, open, m.size));
          } else if (m.size == open) {
            (void)book_.cancel(OrderId{m.order_id}, kFileAccount, at(m));
          } else {
            (void)book_.amend(AmendOrder{OrderId{m.order_id}, kFileAccount, Price{m.price}, Qty{open - m.size}, Price{}},
                              at(m));
          }
          return;
        }
        if (beyond_window(m.side, m.price)) return;  // an unseen level; synced when it comes into view
        reduce_seed(i, m);
        return;
      }
      case 4:
        ++report_.executions;
        execute(i, m, own);
        return;
      default:
        ++report_.skipped;  // hidden execution, cross, halt: the visible book does not change
        return;
    }
  }

  // Cancels or amends part of the seeded order at the message's price.
  void reduce_seed(std::size_t i, const Message& m) {
    const auto it = seed_at_.find({m.side, m.price});
    const auto seed = it == seed_at_.end() ? std::nullopt : book_.find(it->second);
    if (!seed || seed->qty.raw() < m.size) {
      mismatch(i, fmt::format("unknown order {} at {} has no seeded quantity to take {} from", m.order_id, m.price, m.size));
      return;
    }
    if (seed->qty.raw() == m.size) {
      (void)book_.cancel(seed->id, kSeedAccount, at(m));
    } else {
      (void)book_.amend(AmendOrder{seed->id, kSeedAccount, seed->price, Qty{seed->qty.raw() - m.size}, Price{}}, at(m));
    }
  }

  // An execution of a visible order: an IOC of that size on the other side at that price,
  // which must fill exactly the named order (or the seeded order, for an unknown id).
  void execute(std::size_t i, const Message& m, bool own) {
    OrderId expected{m.order_id};
    if (!own) {
      const auto it = seed_at_.find({m.side, m.price});
      if (it == seed_at_.end()) {
        mismatch(i, fmt::format("execution of unknown order {} at {}: nothing seeded there", m.order_id, m.price));
        return;
      }
      expected = it->second;
    }
    trades_.clear();
    remainder_ = false;
    NewOrder o;
    o.id = OrderId{kTakerIds + i};
    o.account = kTakerAccount;
    o.side = opposite(m.side);
    o.tif = TimeInForce::ioc;
    o.price = Price{m.price};
    o.qty = Qty{m.size};
    (void)book_.submit(o, at(m));
    report_.trades += trades_.size();
    std::int64_t filled = 0;
    bool only_expected = true;
    for (const Trade& t : trades_) {
      filled += t.qty.raw();
      only_expected = only_expected && t.maker == expected;
    }
    if (remainder_ || filled != m.size || !only_expected)
      mismatch(i, fmt::format("execution of {} x {} at {} filled {} in {} trades{}", m.order_id, m.size, m.price, filled,
                              trades_.size(), only_expected ? "" : ", not all against that order"));
  }

  // When a side's window widens, the levels that come into view changed unseen while they
  // were beyond it: missing quantity belongs to orders older than the file (seeded at the
  // front of the queue), excess was cancelled unseen (trimmed from the back).
  void sync(const BookRow& row) {
    for (const Side side : {Side::sell, Side::buy}) {
      const auto previous = window_[index(side)];
      const auto bound = bound_of(row, side);
      window_[index(side)] = bound;
      if (!previous) continue;                            // the whole side was in view already
      if (bound && !worse(side, *bound, *previous)) continue;  // the window did not widen
      const auto newly_visible = [&](std::int64_t p) {
        return worse(side, p, *previous) && (!bound || !worse(side, p, *bound));
      };
      const auto& levels = levels_of(row, side);
      for (const BookLevel& l : levels)
        if (newly_visible(l.price)) sync_level(side, l.price, l.size);
      ours_.resize(book_.resting_count() + 1);
      ours_.resize(book_.depth(side, ours_));
      for (const DepthLevel& d : ours_) {
        const bool shown = std::any_of(levels.begin(), levels.end(), [&](const BookLevel& l) { return l.price == d.price.raw(); });
        if (newly_visible(d.price.raw()) && !shown) sync_level(side, d.price.raw(), 0);
      }
    }
  }
  void sync_level(Side side, std::int64_t price, std::int64_t want) {
    const std::int64_t have = book_.total_at(side, Price{price}).raw();
    if (want > have) seed_front(side, price, want - have);
    if (want < have) trim_back(side, price, have - want);
  }
  void trim_back(Side side, std::int64_t price, std::int64_t excess) {
    std::vector<OrderState> queue;
    book_.for_each_order([&](const OrderState& o) {
      if (!is_stop(o.type) && o.side == side && o.price.raw() == price) queue.push_back(o);
    });
    const Timestamp now = book_.now();
    for (auto it = queue.rbegin(); it != queue.rend() && excess > 0; ++it) {
      const std::int64_t take = std::min(excess, it->qty.raw());
      excess -= take;
      if (take == it->qty.raw()) {
        (void)book_.cancel(it->id, it->account, now);
      } else {
        (void)book_.amend(AmendOrder{it->id, it->account, it->price, Qty{it->qty.raw() - take}, Price{}}, now);
      }
    }
    ++report_.trimmed_levels;
  }

  // The book API has no "insert ahead of the queue" (no venue needs one): rebuild the book
  // from its snapshot with the seed placed first at its price.
  void seed_front(Side side, std::int64_t price, std::int64_t qty) {
    BookSnapshot s = book_.snapshot();
    OrderState seed;
    seed.id = OrderId{kSeedIds + seeds_++};
    seed.account = kSeedAccount;
    seed.side = side;
    seed.price = Price{price};
    seed.qty = Qty{qty};
    seed.visible = Qty{qty};
    const auto first = std::find_if(s.orders.begin(), s.orders.end(), [&](const OrderState& o) {
      return !is_stop(o.type) && o.side == side && o.price.raw() == price;
    });
    s.orders.insert(first, seed);
    const auto ok = book_.restore(s);
    STRIKE_ASSERT(ok.ok(), "seeding {} at {}: {}", qty, price, ok.ok() ? "" : ok.error().to_string());
    seed_at_[{side, price}] = seed.id;
    ++report_.seeded_levels;
  }

  void compare(std::size_t i, const BookRow& row) {
    ++report_.comparisons;
    std::string diff;
    for (const Side side : {Side::sell, Side::buy}) {
      const std::vector<BookLevel>& want = side == Side::sell ? row.asks : row.bids;
      const std::size_t n = std::min<std::size_t>(want.size(), static_cast<std::size_t>(options_.levels));
      std::vector<DepthLevel>& got = ours_;
      got.resize(static_cast<std::size_t>(options_.levels));
      got.resize(book_.depth(side, got));
      bool same = got.size() == n;
      for (std::size_t k = 0; same && k < n; ++k)
        same = got[k].price.raw() == want[k].price && got[k].qty.raw() == want[k].size;
      if (same) continue;
      diff += fmt::format(" {}: book", side == Side::sell ? "asks" : "bids");
      for (const DepthLevel& d : got) diff += fmt::format(" {}x{}", d.price.raw(), d.qty.raw());
      diff += ", file";
      for (std::size_t k = 0; k < n; ++k) diff += fmt::format(" {}x{}", want[k].price, want[k].size);
    }
    if (!diff.empty()) mismatch(i, "top levels differ:" + diff);
  }

  void mismatch(std::size_t i, std::string what) {
    ++report_.mismatches;
    if (report_.first_mismatches.size() < static_cast<std::size_t>(options_.keep_mismatches)) {
      const Message& m = messages_[i];
      report_.first_mismatches.push_back(fmt::format("event {} (type {} id {} size {} price {} {}): {}", i, m.type,
                                                     m.order_id, m.size, m.price, to_string(m.side), what));
    }
  }

  const std::vector<Message>& messages_;
  const std::vector<BookRow>& rows_;
  ReplayOptions options_;
  std::vector<Trade> trades_;
  bool remainder_ = false;
  OrderBook<ReplaySink> book_;
  std::map<std::pair<Side, std::int64_t>, OrderId> seed_at_;
  std::uint64_t seeds_ = 0;
  std::size_t depth_ = 0;  // levels per side the orderbook file carries
  std::optional<std::int64_t> window_[2];  // by side: worst price in view (nullopt: all of it)
  std::vector<DepthLevel> ours_;  // scratch
  ReplayReport report_;
};

}  // namespace

Result<std::vector<Message>> parse_messages(std::string_view text) {
  std::vector<Message> out;
  auto ok = for_each_line(text, [&](std::string_view line, int number) -> Status<Error> {
    Fields f(line, number);
    Message m;
    std::string_view time;
    f.next(time);
    auto ns = parse_scaled(time, 9);
    if (!ns) return f.error(fmt::format("'{}' is not a time in seconds", time));
    m.time_ns = ns.value();
    auto type = f.integer<int>();
    auto id = f.integer<std::uint64_t>();
    auto size = f.integer<std::int64_t>();
    auto price = f.integer<std::int64_t>();
    auto dir = f.integer<int>();
    if (!type) return fail(type.error());
    if (!id) return fail(id.error());
    if (!size) return fail(size.error());
    if (!price) return fail(price.error());
    if (!dir) return fail(dir.error());
    if (!f.done()) return f.error("too many fields");
    if (type.value() < 1 || type.value() > 7) return f.error("type is not 1..7");
    if (size.value() < 0 || size.value() > kMaxQty) return f.error("size out of range");
    if (price.value() < 0 || price.value() > kMaxPrice) return f.error("price out of range");
    if (dir.value() != 1 && dir.value() != -1) return f.error("direction is not 1 or -1");
    m.type = type.value();
    m.order_id = id.value();
    m.size = size.value();
    m.price = price.value();
    m.side = dir.value() == 1 ? Side::buy : Side::sell;
    if ((m.type >= 1 && m.type <= 4) && (m.size == 0 || m.price == 0)) return f.error("an order event needs a size and a price");
    out.push_back(m);
    return {};
  });
  if (!ok) return fail(ok.error());
  return out;
}

Result<std::vector<BookRow>> parse_orderbook(std::string_view text) {
  std::vector<BookRow> out;
  auto ok = for_each_line(text, [&](std::string_view line, int number) -> Status<Error> {
    Fields f(line, number);
    BookRow row;
    bool asks_ended = false, bids_ended = false;
    while (!f.done()) {
      std::int64_t v[4];
      for (std::int64_t& x : v) {
        auto r = f.integer<std::int64_t>();
        if (!r) return fail(r.error());
        x = r.value();
      }
      const auto side_level = [&](std::int64_t price, std::int64_t size, std::int64_t empty, bool& ended,
                                  std::vector<BookLevel>& levels) -> Status<Error> {
        if (price == empty || size == 0) {
          ended = true;
          return {};
        }
        if (ended) return f.error("a level after an empty one");
        if (price <= 0 || price > kMaxPrice || size < 0 || size > kMaxQty) return f.error("level out of range");
        levels.push_back({price, size});
        return {};
      };
      if (auto s = side_level(v[0], v[1], kEmptyAsk, asks_ended, row.asks); !s) return s;
      if (auto s = side_level(v[2], v[3], kEmptyBid, bids_ended, row.bids); !s) return s;
    }
    out.push_back(std::move(row));
    return {};
  });
  if (!ok) return fail(ok.error());
  return out;
}

namespace {

// Reads a file and parses it; errors name the file.
template <class Parse>
auto read_and_parse(const std::string& path, Parse parse) -> decltype(parse(std::string_view{})) {
  auto text = read_text(path);
  if (!text) return fail(text.error());
  auto r = parse(text.value());
  if (!r) return fail(Error{r.error().code, path + ": " + r.error().detail});
  return r;
}

}  // namespace

Result<std::vector<Message>> read_messages(const std::string& path) { return read_and_parse(path, parse_messages); }
Result<std::vector<BookRow>> read_orderbook(const std::string& path) { return read_and_parse(path, parse_orderbook); }

Result<ReplayReport> replay(const std::vector<Message>& messages, const std::vector<BookRow>& rows,
                            const ReplayOptions& options) {
  if (messages.empty()) return fail(Errc::config_bad_value, "no messages");
  if (messages.size() != rows.size())
    return fail(Errc::config_bad_value,
                fmt::format("{} messages but {} orderbook rows (one row per message)", messages.size(), rows.size()));
  if (options.levels < 1) return fail(Errc::config_bad_value, "levels must be at least 1");
  return Replayer(messages, rows, options).run();
}

}  // namespace strike::lobster
