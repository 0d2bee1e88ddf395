// The shared reproducible stream of docs/benchmarks.md (## book), used by the benchmarks and
// the zero-allocation test:
//   xoshiro256** seeded from splitmix64(42); each operation draws r % 100:
//   < 60  limit add (GTC): side = r & 1, price = mid -/+ (1 + min(r % 64, r % 64)), size 1 + r % 100;
//   < 90  cancel of a uniformly chosen resting order (r % resting); an add when nothing rests;
//   else  IOC take: side = r & 1, size 1 + r % take_max, priced r % 5 ticks through the best
//         opposite price (mid when that side is empty).
//   mid = floor((best bid + best ask) / 2); best bid + 1 or best ask - 1 with one side; the
//   previous mid (initially 1,000,000) with none. Ids count from 1; account = 1 + id % 64.
//   take_max is 600 (shallow) or 400 (deep: the book grows to ~100,000 orders, ~600 per level).
// Adds never cross (mid is strictly inside the spread), so every add rests. The stream is a
// function of the book's correct behaviour, so it is generated once by running a book and
// then replayed, untimed generation apart from timed matching.
#pragma once

#include <cstdint>
#include <vector>

#include "book/order_book.hpp"

namespace strike::book::bench {

// xoshiro256** (Blackman & Vigna), state from splitmix64.
class Xoshiro256 {
 public:
  explicit Xoshiro256(std::uint64_t seed) noexcept {
    for (auto& w : s_) {
      std::uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      w = z ^ (z >> 31);
    }
  }
  std::uint64_t operator()() noexcept {
    const std::uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

struct StreamOp {
  enum Kind : std::uint8_t { add, cancel, take } kind;
  Side side;
  std::uint32_t account;
  std::uint64_t id;
  std::int64_t price;
  std::int64_t qty;
};

inline constexpr std::size_t kStreamOps = 2'000'000;
inline constexpr std::int64_t kShallowTakeMax = 600;
inline constexpr std::int64_t kDeepTakeMax = 400;

inline NewOrder to_order(const StreamOp& op) noexcept {
  NewOrder o;
  o.id = OrderId{op.id};
  o.account = AccountId{op.account};
  o.side = op.side;
  o.price = Price{op.price};
  o.qty = Qty{op.qty};
  o.tif = op.kind == StreamOp::take ? TimeInForce::ioc : TimeInForce::gtc;
  return o;
}

// Applies one operation; the time is the operation's index.
template <class Book>
inline Errc apply(Book& book, const StreamOp& op, std::int64_t t) {
  if (op.kind == StreamOp::cancel) return book.cancel(OrderId{op.id}, AccountId{op.account}, Timestamp::from_ns(t));
  return book.submit(to_order(op), Timestamp::from_ns(t));
}

namespace detail {

// Keeps the set of resting order ids, for "a uniformly chosen resting order".
struct RestingSet {
  std::vector<std::uint64_t> ids;
  std::vector<std::uint32_t> pos;  // by id: index in ids + 1 (0: not resting)
  void add(std::uint64_t id) {
    if (pos.size() <= id) pos.resize(id + 1, 0);
    ids.push_back(id);
    pos[id] = static_cast<std::uint32_t>(ids.size());
  }
  void remove(std::uint64_t id) {
    if (id >= pos.size() || pos[id] == 0) return;
    const std::uint32_t i = pos[id] - 1;
    ids[i] = ids.back();
    pos[ids[i]] = i + 1;
    ids.pop_back();
    pos[id] = 0;
  }
};
struct RestingSink {
  RestingSet* set;
  void on(const Trade& t) {
    if (t.maker_remaining.raw() == 0) set->remove(t.maker.raw());
  }
  void on(const Cancelled& c) { set->remove(c.id.raw()); }
  template <class E>
  void on(const E&) {}
};

}  // namespace detail

inline std::vector<StreamOp> make_stream(std::int64_t take_max, std::size_t n = kStreamOps, std::uint64_t seed = 42) {
  Xoshiro256 rng(seed);
  detail::RestingSet resting;
  BookConfig cfg;
  cfg.max_price = Price{kMaxPrice};
  OrderBook<detail::RestingSink> book(cfg, detail::RestingSink{&resting});
  std::vector<StreamOp> ops;
  ops.reserve(n);
  std::int64_t mid = 1'000'000;
  std::uint64_t next_id = 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto bid = book.best_bid(), ask = book.best_ask();
    if (bid && ask) {
      mid = (bid->raw() + ask->raw()) / 2;
    } else if (bid) {
      mid = bid->raw() + 1;
    } else if (ask) {
      mid = ask->raw() - 1;
    }
    const std::uint64_t u = rng() % 100;
    StreamOp op{};
    if (u < 60 || (u < 90 && resting.ids.empty())) {
      op.kind = StreamOp::add;
      op.side = (rng() & 1) != 0 ? Side::sell : Side::buy;
      const std::uint64_t a = rng() % 64, b = rng() % 64;
      const auto d = static_cast<std::int64_t>(1 + (a < b ? a : b));
      op.price = op.side == Side::buy ? mid - d : mid + d;
      op.qty = static_cast<std::int64_t>(1 + rng() % 100);
      op.id = next_id++;
    } else if (u < 90) {
      op.kind = StreamOp::cancel;
      op.id = resting.ids[rng() % resting.ids.size()];
    } else {
      op.kind = StreamOp::take;
      op.side = (rng() & 1) != 0 ? Side::sell : Side::buy;
      op.qty = static_cast<std::int64_t>(1 + rng() % static_cast<std::uint64_t>(take_max));
      const auto k = static_cast<std::int64_t>(rng() % 5);
      op.price = op.side == Side::buy ? (ask ? ask->raw() : mid) + k : (bid ? bid->raw() : mid) - k;
      op.id = next_id++;
    }
    op.account = static_cast<std::uint32_t>(1 + op.id % 64);
    STRIKE_ASSERT(apply(book, op, static_cast<std::int64_t>(i)) == Errc::ok, "stream op {} rejected", i);
    if (op.kind == StreamOp::add) resting.add(op.id);
    ops.push_back(op);
  }
  return ops;
}

}  // namespace strike::book::bench
