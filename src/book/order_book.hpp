// strike::book::OrderBook<Sink>: one instrument's central limit order book, price-time (FIFO)
// priority on integer ticks and lots. Usable on its own: include this header, link
// strike_book (and strike_core); see docs/book.md for an example.
//
// Owns: resting orders (limit GTC/GTD, icebergs), untriggered stop and take-profit orders,
// the id -> order map, per-account open-order counts, the GTD expiry queue and the last,
// mark and index prices. It never reads a clock: time and reference prices come in as
// arguments, and GTD expiry and stop triggering happen when an argument crosses them.
//
// Invariants (validate() checks them all): the book is never crossed; every level's
// aggregates equal the sums over its FIFO; every open order is in the id map and its
// account's count, and nothing else is; a rejected command changes nothing; events are a
// pure function of (state, command).
//
// Costs: add, cancel and amend-down are O(1) whatever the queue depth (intrusive FIFO per
// level, open-addressing id map, paged ladder: see detail/ladder.hpp); a fill is O(1) per
// maker touched; best price O(1). No allocation in steady state: orders, pages and map slots
// come from pools that grow in chunks to a high-water mark and are then reused (reserve()
// pre-sizes them). No virtual call, no std::function, no exception: the Sink is a template
// parameter with `void on(const Event&)` overloads for each event type of types.hpp.
// cancel_all(), state_hash(), snapshot() and validate() are O(open orders).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "book/detail/ladder.hpp"
#include "book/detail/memory.hpp"
#include "book/detail/pool.hpp"
#include "book/types.hpp"

// The hot path is a handful of small functions; inlining them into submit()/cancel() removes
// a call frame per step (about a quarter of the instructions of an add).
#define STRIKE_BOOK_HOT [[gnu::always_inline]] inline
#define STRIKE_BOOK_COLD [[gnu::noinline, gnu::cold]]

namespace strike::book {

namespace detail {

// One open order: one cache line, what matching and cancel touch. A free slot has leaves 0.
struct alignas(64) Order {
  std::uint64_t id = 0;
  std::uint64_t account = 0;
  std::int64_t price = 0;    // limit price; market: protection price; stop-market: 0
  std::int64_t leaves = 0;   // open quantity
  std::int64_t visible = 0;  // displayed part of leaves (resting); 0 for untriggered stops
  std::uint32_t prev = kNil;
  std::uint32_t next = kNil;  // also the free list
  std::uint32_t page = kNil;  // page of its level (book ladder, or trigger ladder for stops)
  std::uint32_t acct = kNil;  // account record
  Side side = Side::buy;
  OrderType type = OrderType::limit;
  TimeInForce tif = TimeInForce::gtc;
  PostOnly post_only = PostOnly::off;
  StpMode stp = StpMode::none;
  PriceSource trigger = PriceSource::last;
  bool reduce_only = false;
  bool iceberg = false;
};
static_assert(sizeof(Order) == 64);

// What only icebergs, stops and GTD orders need, beside the order (same handle). Read only
// when the order's flags say so: a plain GTC order never touches it.
struct OrderExt {
  std::int64_t display = 0;        // iceberg
  std::int64_t trigger_price = 0;  // stop
  std::int64_t expiry = 0;         // gtd
  std::uint32_t heap_pos = kNil;   // gtd
};

struct AccountRec {
  std::uint64_t account = 0;
  std::uint32_t count = 0;  // open orders, resting and stops (0: free record)
  std::uint32_t next_free = kNil;
};

// Deterministic 64-bit digest (no addresses, no layout): a multiply-xorshift chain.
class Hasher {
 public:
  void add(std::uint64_t v) noexcept {
    h_ = (h_ ^ v) * 0x9e37'79b9'7f4a'7c15ull;
    h_ ^= h_ >> 29;
  }
  void add_signed(std::int64_t v) noexcept { add(static_cast<std::uint64_t>(v)); }
  std::uint64_t value() const noexcept {
    std::uint64_t z = h_;
    z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11ebull;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t h_ = 0x6a09'e667'f3bc'c908ull;
};

}  // namespace detail

template <class Sink = NullSink>
class OrderBook {
  using Order = detail::Order;
  using Level = detail::Level;
  using LevelRef = detail::LevelRef;
  using Ladder = detail::Ladder;
  static constexpr std::uint32_t kNil = detail::kNil;

 public:
  // Precondition: config.check() passes (it is the instrument's configuration, not input).
  explicit OrderBook(const BookConfig& config, Sink sink = Sink{}) : cfg_(config), sink_(std::move(sink)) {
    const auto ok = config.check();
    STRIKE_ASSERT(ok.ok(), "invalid book configuration: {}", ok.ok() ? "" : ok.error().to_string());
    for (int s = 0; s < kPriceSources; ++s) {
      stops_[stop_ladder(static_cast<PriceSource>(s), true)] = Ladder(false);  // rising: lowest trigger first
      stops_[stop_ladder(static_cast<PriceSource>(s), false)] = Ladder(true);  // falling: highest first
    }
  }

  // ---- commands. Each takes the sequencer's time (a stamp earlier than one already seen
  // counts as the latest seen), first expires GTD orders whose expiry it reached, and
  // returns Errc::ok or the reason of the Rejected event it emitted.

  Errc submit(const NewOrder& o, Timestamp now) {
    advance(now);
    std::int64_t price = o.price.raw();
    bool repriced = false;
    std::uint32_t acct = kNil;
    if (const Errc e = check_new(o, price, repriced, acct); e != Errc::ok) return reject(o.id, o.account, Command::submit, e);

    const std::uint32_t h = alloc_order();
    Order& in = orders_[h];
    in.id = o.id.raw();
    in.account = o.account.raw();
    in.leaves = o.qty.raw();
    in.side = o.side;
    in.type = o.type;
    in.tif = o.tif;
    in.post_only = o.post_only;
    in.stp = o.stp;
    in.trigger = is_stop(o.type) ? o.trigger : PriceSource::last;
    in.reduce_only = o.reduce_only;
    in.iceberg = o.display.raw() != 0;
    if (in.iceberg || is_stop(o.type) || o.tif == TimeInForce::gtd) {
      detail::OrderExt& x = ext_[h];
      x.display = o.display.raw();
      x.trigger_price = o.trigger_price.raw();
      x.expiry = o.tif == TimeInForce::gtd ? o.expiry.ns() : 0;
    }
    if (is_market(o.type)) price = is_stop(o.type) ? 0 : protection(o.side);
    in.price = price;
    sink_.on(Accepted{o.id, o.account, o.side, o.type, o.tif, Price{price}, o.qty, o.display, o.reduce_only, repriced, h});

    if (is_stop(o.type)) {
      register_order(h, acct);
      link_stop(h);
      return Errc::ok;
    }
    enter(h, /*registered=*/false, acct);
    run_triggers();
    return Errc::ok;
  }

  Errc cancel(OrderId id, AccountId account, Timestamp now) {
    advance(now);
    const std::uint32_t h = find_order(id.raw());
    if (h == kNil) return reject(id, account, Command::cancel, Errc::book_unknown_order);
    if (orders_[h].account != account.raw()) return reject(id, account, Command::cancel, Errc::book_not_owner);
    cancel_order(h, CancelReason::user);
    return Errc::ok;
  }

  Errc amend(const AmendOrder& a, Timestamp now) {
    advance(now);
    const std::uint32_t h = find_order(a.id.raw());
    if (h == kNil) return reject(a.id, a.account, Command::amend, Errc::book_unknown_order);
    Order& o = orders_[h];
    if (o.account != a.account.raw()) return reject(a.id, a.account, Command::amend, Errc::book_not_owner);
    if (const Errc e = check_qty(a.qty.raw()); e != Errc::ok) return reject(a.id, a.account, Command::amend, e);
    if (is_stop(o.type)) return amend_stop(h, a);

    std::int64_t price = a.price.raw();
    bool repriced = false;
    if (Errc e = check_limit_price(price); e != Errc::ok) return reject(a.id, a.account, Command::amend, e);
    if (o.post_only != PostOnly::off)
      if (Errc e = post_only_price(o.side, o.post_only, price, repriced); e != Errc::ok)
        return reject(a.id, a.account, Command::amend, e);

    const std::int64_t old_price = o.price, old_qty = o.leaves, qty = a.qty.raw();
    Ladder& own = side_ladder(o.side);
    const LevelRef old_ref{o.page, slot_of(old_price)};
    Level& old_level = level(old_ref);
    if (price == old_price && qty <= old_qty) {  // keeps its place in the queue
      const std::int64_t visible = std::min(o.visible, qty);
      const bool shown_changed = visible != o.visible;
      old_level.total -= old_qty - qty;
      old_level.visible -= o.visible - visible;
      o.visible = visible;
      o.leaves = qty;
      sink_.on(Amended{a.id, a.account, o.side, Price{price}, Qty{qty}, Price{old_price}, Qty{old_qty}, true,
                       AmendReason::user, h});
      if (shown_changed) emit_level(o.side, old_price, old_level);
      return Errc::ok;
    }
    // Loses priority: out of its level, then in again as an incoming order at the new price.
    const std::int64_t before_qty = old_level.visible;
    const std::uint32_t before_count = old_level.count;
    detach(h, old_level);
    if (old_level.count == 0) own.set_empty(pages_, old_ref);
    o.price = price;
    o.leaves = qty;
    o.visible = shown(h, qty);
    sink_.on(Amended{a.id, a.account, o.side, Price{price}, Qty{qty}, Price{old_price}, Qty{old_qty}, false,
                     AmendReason::user, h});
    if (price != old_price) {
      emit_level_at(o.side, old_price);
      match(h, price);
      if (o.leaves == 0) {
        close(h);
      } else {
        rest(h);
      }
    } else {
      rest_quiet(h);
      const LevelRef r{o.page, slot_of(price)};
      const Level& l = level(r);
      if (l.visible != before_qty || l.count != before_count) emit_level(o.side, price, l);
    }
    run_triggers();
    return Errc::ok;
  }

  // Cancels every open order matching the filter, in ascending id order. Returns how many.
  // A scan of the order pool: O(its high-water mark).
  std::uint32_t cancel_all(const CancelAllFilter& f, Timestamp now) {
    advance(now);
    scratch_.clear();
    for (std::uint32_t h = 0; h < orders_.size(); ++h) {
      const Order& o = orders_[h];
      if (o.leaves == 0) continue;  // free slot
      if (f.account && o.account != f.account->raw()) continue;
      if (f.side && o.side != *f.side) continue;
      if (is_stop(o.type) ? f.stops : f.resting) scratch_.push_back(h);
    }
    std::sort(scratch_.begin(), scratch_.end(),
              [this](std::uint32_t a, std::uint32_t b) { return orders_[a].id < orders_[b].id; });
    for (const std::uint32_t h : scratch_) cancel_order(h, CancelReason::cancel_all);
    return static_cast<std::uint32_t>(scratch_.size());
  }

  // A new reference price (the engine's last/mark/index feed); triggers the stops it reaches.
  // The book also sets `last` itself on every trade.
  void set_price(PriceSource source, Price p, Timestamp now) {
    advance(now);
    prices_[static_cast<int>(source)] = p.raw();
    has_price_[static_cast<int>(source)] = true;
    run_triggers();
  }

  // Moves time forward: expires GTD orders (and stops) whose expiry is reached, in (expiry, id) order.
  void advance_time(Timestamp now) { advance(now); }
  // The worst price a market order of `side` could trade at now (0: nothing to trade against).
  Price market_limit(Side side) const noexcept { return Price{protection(side)}; }

  // ---- held triggers (config().hold_triggered): the owner decides each triggered stop.
  // The next stop whose source price has reached its trigger, in the order the book would fire
  // them (source last, mark, index; rising first; closest trigger, then FIFO), taken out of its
  // trigger queue and turned into a plain order (Triggered emitted). It is held, in no queue,
  // until activate_triggered() enters it (matching, resting) or drop_triggered() cancels it; no
  // other command may come in between. nullopt when no stop is reached.
  std::optional<Triggered> take_triggered() {
    STRIKE_ASSERT(cfg_.hold_triggered && held_ == kNil, "take_triggered() without hold_triggered, or twice");
    if (stop_count_ == 0) return std::nullopt;
    Triggered t{};
    held_ = take_reached_stop(&t);
    if (held_ == kNil) return std::nullopt;
    return t;
  }
  void activate_triggered() {
    STRIKE_ASSERT(held_ != kNil, "no triggered order is held");
    const std::uint32_t h = std::exchange(held_, kNil);
    enter_triggered(h);
  }
  void drop_triggered(CancelReason reason) {
    STRIKE_ASSERT(held_ != kNil, "no triggered order is held");
    const std::uint32_t h = std::exchange(held_, kNil);
    const Order& o = orders_[h];
    sink_.on(Cancelled{OrderId{o.id}, AccountId{o.account}, o.side, Price{o.price}, Qty{o.leaves}, reason,
                       o.reduce_only, h});
    close(h);
  }
  // The held triggered order, if any (its open quantity, side, reduce-only flag, ...).
  std::optional<OrderState> held() const noexcept {
    if (held_ == kNil) return std::nullopt;
    return state_of(held_);
  }

  // Pre-sizes the pools so a book that stays within these bounds never allocates: open
  // orders, 64-price pages in use (both sides and stops), accounts with open orders.
  void reserve(std::uint32_t orders, std::uint32_t price_pages, std::uint32_t accounts) {
    if (orders_.size() < orders) grow_orders(orders);
    if (accounts_.size() < accounts) grow_accounts(accounts);
    account_ids_.reserve(accounts);
    ids_.reserve(orders);
    gtd_.reserve(orders);
    scratch_.reserve(orders);
    pages_.reserve(price_pages);
    bids_.reserve(price_pages);
    asks_.reserve(price_pages);
    for (Ladder& l : stops_) l.reserve(price_pages);
  }

  // ---- queries

  std::optional<Price> best_bid() const noexcept { return best(bids_); }
  std::optional<Price> best_ask() const noexcept { return best(asks_); }
  // Displayed quantity at a price (0 if none); total_at adds hidden iceberg quantity.
  Qty visible_at(Side side, Price p) const noexcept {
    const LevelRef r = side_ladder(side).find(pages_, p.raw());
    return Qty{r.found() ? level(r).visible : 0};
  }
  Qty total_at(Side side, Price p) const noexcept {
    const LevelRef r = side_ladder(side).find(pages_, p.raw());
    return Qty{r.found() ? level(r).total : 0};
  }
  // Top levels of a side, best first, into `out`; returns how many were written. No allocation.
  std::size_t depth(Side side, std::span<DepthLevel> out) const noexcept {
    std::size_t n = 0;
    if (out.empty()) return 0;
    side_ladder(side).for_each(pages_, [&](LevelRef r, std::int64_t price) {
      const Level& l = level(r);
      out[n++] = DepthLevel{Price{price}, Qty{l.visible}, l.count};
      return n < out.size();
    });
    return n;
  }
  std::optional<OrderState> find(OrderId id) const noexcept {
    const std::uint32_t h = find_order(id.raw());
    if (h == kNil) return std::nullopt;
    return state_of(h);
  }
  // Where an open order is kept (see the events' `slot`); nullopt when the id is not open.
  std::optional<std::uint32_t> slot_of(OrderId id) const noexcept {
    const std::uint32_t h = find_order(id.raw());
    if (h == kNil) return std::nullopt;
    return h;
  }
  // One past the highest slot an order can have now (the storage's size).
  std::uint32_t slot_count() const noexcept { return static_cast<std::uint32_t>(orders_.size()); }
  // L3: every open order in canonical order (see BookSnapshot): f(const OrderState&).
  template <class F>
  void for_each_order(F&& f) const {
    const auto walk = [&](const Ladder& ladder) {
      ladder.for_each(pages_, [&](LevelRef r, std::int64_t) {
        for (std::uint32_t h = level(r).head; h != kNil; h = orders_[h].next) f(state_of(h));
        return true;
      });
    };
    walk(bids_);
    walk(asks_);
    for (const Ladder& l : stops_) walk(l);
  }
  std::uint32_t resting_count() const noexcept { return ids_.size() - stop_count_; }
  std::uint32_t stop_count() const noexcept { return stop_count_; }
  std::uint32_t open_orders(AccountId account) const noexcept {
    const std::uint32_t r = find_account(account.raw());
    return r == kNil ? 0 : accounts_[r].count;
  }
  std::optional<Price> price(PriceSource source) const noexcept {
    const int s = static_cast<int>(source);
    return has_price_[s] ? std::optional<Price>(Price{prices_[s]}) : std::nullopt;
  }
  Timestamp now() const noexcept { return Timestamp::from_ns(now_); }
  const BookConfig& config() const noexcept { return cfg_; }
  Sink& sink() noexcept { return sink_; }
  const Sink& sink() const noexcept { return sink_; }
  // Heap bytes held (pools at their high-water mark), for capacity planning.
  std::size_t memory_bytes() const noexcept {
    std::size_t n = orders_.capacity() * sizeof(Order) + ext_.capacity() * sizeof(detail::OrderExt) + ids_.bytes() +
                    accounts_.capacity() * sizeof(detail::AccountRec) + account_ids_.bytes() + pages_.bytes() +
                    bids_.bytes() + asks_.bytes() + gtd_.capacity() * 4 + scratch_.capacity() * 4;
    for (const Ladder& l : stops_) n += l.bytes();
    return n;
  }

  // Digest of the full state: configuration, time, reference prices and every open order
  // with all its fields in canonical order. Independent of addresses and table layout, so a
  // restored book hashes the same.
  std::uint64_t state_hash() const noexcept {
    detail::Hasher h;
    hash_config(h);
    h.add_signed(now_);
    for (int s = 0; s < kPriceSources; ++s) {
      h.add(has_price_[s]);
      h.add_signed(has_price_[s] ? prices_[s] : 0);
    }
    std::uint64_t n = 0;
    for_each_order([&](const OrderState& o) {
      ++n;
      h.add(o.id.raw());
      h.add(o.account.raw());
      h.add(static_cast<std::uint64_t>(o.side) | static_cast<std::uint64_t>(o.type) << 8 |
            static_cast<std::uint64_t>(o.tif) << 16 | static_cast<std::uint64_t>(o.post_only) << 24 |
            static_cast<std::uint64_t>(o.stp) << 32 | static_cast<std::uint64_t>(o.trigger) << 40 |
            static_cast<std::uint64_t>(o.reduce_only) << 48);
      h.add_signed(o.price.raw());
      h.add_signed(o.qty.raw());
      h.add_signed(o.visible.raw());
      h.add_signed(o.display.raw());
      h.add_signed(o.trigger_price.raw());
      h.add_signed(o.expiry.ns());
    });
    h.add(n);
    return h.value();
  }

  BookSnapshot snapshot() const {
    STRIKE_ASSERT(held_ == kNil, "snapshot while a triggered order is held");
    BookSnapshot s;
    s.config = cfg_;
    s.now = Timestamp::from_ns(now_);
    for (int i = 0; i < kPriceSources; ++i)
      if (has_price_[i]) s.prices[i] = Price{prices_[i]};
    s.orders.reserve(ids_.size());
    for_each_order([&](const OrderState& o) { s.orders.push_back(o); });
    return s;
  }

  // Replaces this book with the one the snapshot describes (same state_hash, same future
  // behaviour). Changes nothing and returns book_bad_snapshot (detail says why) if the
  // snapshot is inconsistent. Emits no events.
  Status<Error> restore(const BookSnapshot& s) {
    if (auto ok = s.config.check(); !ok) return ok;
    OrderBook fresh(s.config, sink_);
    if (auto ok = fresh.load(s); !ok) return ok;
    *this = std::move(fresh);
    return {};
  }

  // Checks every internal invariant; the first violation is described in the error.
  Status<Error> validate() const;

 private:
  // ---- validation of commands (no state change)

  STRIKE_BOOK_HOT Errc check_qty(std::int64_t q) const noexcept {
    if (q <= 0 || q > cfg_.max_qty.raw()) return Errc::book_invalid_quantity;
    if (cfg_.lot != 1 && q % cfg_.lot != 0) return Errc::book_off_lot;
    if (q < cfg_.min_qty.raw()) return Errc::book_below_min_size;
    return Errc::ok;
  }
  STRIKE_BOOK_HOT bool in_range(std::int64_t p) const noexcept { return p >= cfg_.min_price.raw() && p <= cfg_.max_price.raw(); }
  // The reference prices come from outside: band arithmetic in 128 bits cannot overflow.
  STRIKE_BOOK_HOT bool outside_band(std::int64_t p) const noexcept {
    if (cfg_.price_band.raw() == 0 || !has_price_[kMark]) return false;
    const int128 d = static_cast<int128>(p) - prices_[kMark];
    return d > cfg_.price_band.raw() || d < -cfg_.price_band.raw();
  }
  // mark +/- band, clamped to the price limits.
  std::int64_t band_edge(bool upper) const noexcept {
    const int128 edge = static_cast<int128>(prices_[kMark]) + (upper ? cfg_.price_band.raw() : -cfg_.price_band.raw());
    return static_cast<std::int64_t>(std::clamp<int128>(edge, cfg_.min_price.raw(), cfg_.max_price.raw()));
  }
  STRIKE_BOOK_HOT Errc check_limit_price(std::int64_t p) const noexcept {
    if (!in_range(p)) return Errc::book_price_out_of_range;
    if (!cfg_.on_grid(Price{p})) return Errc::book_off_tick;
    if (outside_band(p)) return Errc::book_outside_price_band;
    return Errc::ok;
  }
  Errc check_trigger(OrderType type, Side side, PriceSource source, std::int64_t trigger) const noexcept {
    if (!in_range(trigger) || !cfg_.on_grid(Price{trigger})) return Errc::book_invalid_trigger;
    const int s = static_cast<int>(source);
    if (has_price_[s] && (triggers_on_rise(type, side) ? prices_[s] >= trigger : prices_[s] <= trigger))
      return Errc::book_trigger_reached;
    return Errc::ok;
  }
  // A post-only price that would take: rejected, or moved to the best non-crossing price.
  Errc post_only_price(Side side, PostOnly mode, std::int64_t& price, bool& repriced) const noexcept {
    const Ladder& opp = side_ladder(opposite(side));
    if (opp.empty()) return Errc::ok;
    const std::int64_t best = opp.best_price();
    const bool takes = side == Side::buy ? price >= best : price <= best;
    if (!takes) return Errc::ok;
    if (mode == PostOnly::reject) return Errc::book_post_only_would_take;
    price = side == Side::buy ? cfg_.floor_to_grid(Price{best - 1}).raw() : cfg_.ceil_to_grid(Price{best + 1}).raw();
    repriced = true;
    if (!in_range(price)) return Errc::book_price_out_of_range;
    if (outside_band(price)) return Errc::book_outside_price_band;
    return Errc::ok;
  }

  STRIKE_BOOK_HOT Errc check_new(const NewOrder& o, std::int64_t& price, bool& repriced, std::uint32_t& acct) const noexcept {
    // Engine ids increase: one above every id seen cannot be open (and needs no probe).
    if (o.id.raw() <= max_id_ && find_order(o.id.raw()) != kNil) return Errc::book_duplicate_order_id;
    if (o.type > OrderType::take_market || o.tif > TimeInForce::fok || o.post_only > PostOnly::reprice ||
        o.stp > StpMode::decrement_both || o.trigger > PriceSource::index || o.side > Side::sell)
      return Errc::book_invalid_order;
    const bool market = is_market(o.type), stop = is_stop(o.type);
    const bool immediate = o.tif == TimeInForce::ioc || o.tif == TimeInForce::fok;
    if (market && !immediate) return Errc::book_invalid_order;
    if (o.post_only != PostOnly::off && (immediate || stop)) return Errc::book_invalid_order;
    if (o.display.raw() != 0 && immediate) return Errc::book_invalid_order;
    if (const Errc e = check_qty(o.qty.raw()); e != Errc::ok) return e;
    if (const std::int64_t d = o.display.raw(); d != 0) {
      if (d < cfg_.min_display.raw() || d > o.qty.raw() || (cfg_.lot != 1 && d % cfg_.lot != 0))
        return Errc::book_invalid_display;
    }
    if (!market)
      if (const Errc e = check_limit_price(price); e != Errc::ok) return e;
    if (stop)
      if (const Errc e = check_trigger(o.type, o.side, o.trigger, o.trigger_price.raw()); e != Errc::ok) return e;
    if (o.tif == TimeInForce::gtd && o.expiry.ns() <= now_) return Errc::book_expiry_not_future;
    if (stop || !immediate) {  // can become open: counts against the account's limit
      acct = find_account(o.account.raw());
      if (cfg_.max_open_orders != 0 && acct != kNil && accounts_[acct].count >= cfg_.max_open_orders)
        return Errc::book_too_many_open_orders;
    }
    if (o.post_only != PostOnly::off) return post_only_price(o.side, o.post_only, price, repriced);
    return Errc::ok;
  }

  STRIKE_BOOK_COLD Errc reject(OrderId id, AccountId account, Command c, Errc e) {
    sink_.on(Rejected{id, account, c, e});
    return e;
  }

  // ---- matching

  // The worst price a market order may trade at: protection beyond the best opposite price,
  // inside the band around mark. 0 when the other side is empty (nothing to trade).
  std::int64_t protection(Side side) const noexcept {
    const Ladder& opp = side_ladder(opposite(side));
    if (opp.empty()) return 0;
    const std::int64_t best = opp.best_price();
    std::int64_t reach = cfg_.market_protection.raw();
    if (const std::int64_t bps = cfg_.market_protection_bps; bps != 0)  // best * bps / 10^4 without overflow
      reach = std::min(reach, best / 10'000 * bps + best % 10'000 * bps / 10'000);
    const bool band = cfg_.price_band.raw() != 0 && has_price_[kMark];
    if (side == Side::buy) {
      std::int64_t limit = best > cfg_.max_price.raw() - reach ? cfg_.max_price.raw() : best + reach;
      if (band) limit = std::min(limit, band_edge(true));
      return limit;
    }
    std::int64_t limit = best < cfg_.min_price.raw() + reach ? cfg_.min_price.raw() : best - reach;
    if (band) limit = std::max(limit, band_edge(false));
    return limit;
  }

  // An accepted (new, triggered) order takes what it can, then rests or is cancelled.
  STRIKE_BOOK_HOT void enter(std::uint32_t h, bool registered, std::uint32_t acct) {
    Order& in = orders_[h];
    const bool immediate = in.type == OrderType::market || in.tif == TimeInForce::ioc || in.tif == TimeInForce::fok;
    if (in.tif == TimeInForce::fok && !fok_fillable(in)) {
      sink_.on(Cancelled{OrderId{in.id}, AccountId{in.account}, in.side, Price{in.price}, Qty{in.leaves},
                         CancelReason::fok_unfilled, in.reduce_only, h});
      finish(h, registered);
      return;
    }
    if (crosses(in.side, in.price)) match(h, in.price);
    if (in.leaves == 0) {
      finish(h, registered);
    } else if (immediate) {
      sink_.on(Cancelled{OrderId{in.id}, AccountId{in.account}, in.side, Price{in.price}, Qty{in.leaves},
                         CancelReason::ioc_remainder, in.reduce_only, h});
      finish(h, registered);
    } else {
      // Matching may have closed the account's last other order, and with it the record
      // (a live record counts at least one order; none is created while matching).
      if (!registered) register_order(h, acct != kNil && accounts_[acct].count == 0 ? kNil : acct);
      rest(h);
    }
  }
  STRIKE_BOOK_HOT void finish(std::uint32_t h, bool registered) {
    if (registered) {
      close(h);
    } else {
      free_order(h);
    }
  }

  STRIKE_BOOK_HOT bool crosses(Side side, std::int64_t limit) const noexcept {
    const Ladder& opp = side_ladder(opposite(side));
    return !opp.empty() && (side == Side::buy ? opp.best_price() <= limit : opp.best_price() >= limit);
  }

  // Trades the incoming order `h` against the other side up to `limit`, best price first,
  // FIFO within a price, each trade at the maker's price.
  void match(std::uint32_t h, std::int64_t limit) {
    Order& in = orders_[h];
    const std::uint32_t taker_slot = h;
    // The taker in registers: stores into makers and levels cannot make the compiler reload it.
    const std::uint64_t taker = in.id, taker_account = in.account;
    const Side side = in.side;
    const StpMode stp = in.stp;
    const bool taker_reduce_only = in.reduce_only;
    std::int64_t leaves = in.leaves;
    const bool buy = side == Side::buy;
    Ladder& opp = buy ? asks_ : bids_;
    const Side maker_side = opposite(side);
    while (leaves > 0 && !opp.empty()) {
      const std::int64_t px = opp.best_price();
      if (buy ? px > limit : px < limit) break;
      const LevelRef r = opp.best();
      Level& l = level(r);
      const std::int64_t before_qty = l.visible;
      const std::uint32_t before_count = l.count;
      bool stop = false, traded = false;
      while (leaves > 0 && l.count != 0) {
        const std::uint32_t mh = l.head;
        Order& m = orders_[mh];
        if (stp != StpMode::none && m.account == taker_account) [[unlikely]] {
          in.leaves = leaves;
          stop = self_trade(in, taker_slot, mh, l);
          leaves = in.leaves;
          if (stop) break;
          continue;
        }
        const std::int64_t shown_qty = m.visible, open = m.leaves;
        const std::int64_t q = std::min(leaves, shown_qty);
        m.visible = shown_qty - q;
        m.leaves = open - q;
        leaves -= q;
        l.visible -= q;
        l.total -= q;
        traded = true;
        sink_.on(Trade{OrderId{m.id}, AccountId{m.account}, OrderId{taker}, AccountId{taker_account}, Price{px}, Qty{q},
                       side, Qty{open - q}, Qty{leaves}, m.reduce_only, taker_reduce_only, mh, taker_slot});
        if (q == shown_qty) {
          if (q == open) {
            detach(mh, l);
            close(mh);
          } else {
            refill(mh, l);
          }
        }
      }
      if (traded) set_last(px);
      if (l.visible != before_qty || l.count != before_count) emit_level(maker_side, px, l);
      if (l.count == 0) opp.set_empty(pages_, r);
      if (stop) break;
    }
    in.leaves = leaves;
  }


  // The incoming order meets a resting order of its own account. Returns true when the
  // incoming order is done.
  STRIKE_BOOK_COLD bool self_trade(Order& in, std::uint32_t in_slot, std::uint32_t mh, Level& l) {
    Order& m = orders_[mh];
    const auto cancel_maker = [&](std::int64_t qty) {
      sink_.on(Cancelled{OrderId{m.id}, AccountId{m.account}, m.side, Price{m.price}, Qty{qty},
                         CancelReason::self_trade, m.reduce_only, mh});
      detach(mh, l);
      close(mh);
    };
    const auto cancel_incoming = [&](std::int64_t qty) {
      sink_.on(Cancelled{OrderId{in.id}, AccountId{in.account}, in.side, Price{in.price}, Qty{qty},
                         CancelReason::self_trade, in.reduce_only, in_slot});
      in.leaves = 0;
      return true;
    };
    switch (in.stp) {
      case StpMode::cancel_resting:
        cancel_maker(m.leaves);
        return false;
      case StpMode::cancel_incoming:
        return cancel_incoming(in.leaves);
      case StpMode::cancel_both:
        cancel_maker(m.leaves);
        return cancel_incoming(in.leaves);
      case StpMode::decrement_both:
      case StpMode::none:
        break;
    }
    const std::int64_t x = std::min(in.leaves, m.leaves);
    if (m.leaves == x) {
      cancel_maker(x);
    } else {
      const std::int64_t old = m.leaves, visible = std::min(m.visible, m.leaves - x);
      m.leaves -= x;
      l.total -= x;
      l.visible -= m.visible - visible;
      m.visible = visible;
      sink_.on(Amended{OrderId{m.id}, AccountId{m.account}, m.side, Price{m.price}, Qty{m.leaves}, Price{m.price},
                       Qty{old}, true, AmendReason::self_trade, mh});
    }
    if (in.leaves == x) return cancel_incoming(x);
    in.leaves -= x;
    sink_.on(Amended{OrderId{in.id}, AccountId{in.account}, in.side, Price{in.price}, Qty{in.leaves}, Price{in.price},
                     Qty{in.leaves + x}, true, AmendReason::self_trade, in_slot});
    return false;
  }

  // Would a FOK order fill completely right now? Mirrors match(): with self-trade prevention
  // other than cancel_resting the order stops at its own first resting order (decrement_both
  // would shrink it, not fill it), and icebergs refill behind that order.
  STRIKE_BOOK_COLD bool fok_fillable(const Order& in) const noexcept {
    std::int64_t need = in.leaves;
    const bool buy = in.side == Side::buy;
    bool decided = false, fillable = false;
    side_ladder(opposite(in.side)).for_each(pages_, [&](LevelRef r, std::int64_t px) {
      if (buy ? px > in.price : px < in.price) return false;
      const Level& l = level(r);
      if (in.stp == StpMode::none) {
        need -= l.total;
      } else if (in.stp == StpMode::cancel_resting) {
        for (std::uint32_t mh = l.head; mh != kNil; mh = orders_[mh].next)
          if (orders_[mh].account != in.account) need -= orders_[mh].leaves;
      } else {
        std::int64_t ahead = 0;
        for (std::uint32_t mh = l.head; mh != kNil; mh = orders_[mh].next) {
          if (orders_[mh].account == in.account) {
            decided = true;
            fillable = need <= ahead;
            return false;
          }
          ahead += orders_[mh].visible;
        }
        need -= l.total;
      }
      if (need <= 0) {
        decided = fillable = true;
        return false;
      }
      return true;
    });
    return decided && fillable;
  }

  STRIKE_BOOK_HOT void set_last(std::int64_t px) noexcept {
    prices_[kLast] = px;
    has_price_[kLast] = true;
  }

  // ---- stops

  static constexpr std::size_t stop_ladder(PriceSource s, bool rise) noexcept {
    return static_cast<std::size_t>(s) * 2 + (rise ? 0 : 1);
  }
  Ladder& stop_ladder_of(const Order& o) noexcept {
    return stops_[stop_ladder(o.trigger, triggers_on_rise(o.type, o.side))];
  }
  const Ladder& stop_ladder_of(const Order& o) const noexcept {
    return stops_[stop_ladder(o.trigger, triggers_on_rise(o.type, o.side))];
  }

  void link_stop(std::uint32_t h) {
    Order& o = orders_[h];
    Ladder& ladder = stop_ladder_of(o);
    const LevelRef r = ladder.find_or_add(pages_, ext_[h].trigger_price);
    o.page = r.page;
    o.visible = 0;
    append(h, level(r), ladder, r);
    ++stop_count_;
  }
  void unlink_stop(std::uint32_t h) {
    Order& o = orders_[h];
    Ladder& ladder = stop_ladder_of(o);
    const LevelRef r{o.page, slot_of(ext_[h].trigger_price)};
    Level& l = level(r);
    detach(h, l);
    if (l.count == 0) ladder.set_empty(pages_, r);
    --stop_count_;
  }

  STRIKE_BOOK_COLD Errc amend_stop(std::uint32_t h, const AmendOrder& a) {
    Order& o = orders_[h];
    std::int64_t price = o.price;
    if (!is_market(o.type)) {
      price = a.price.raw();
      if (const Errc e = check_limit_price(price); e != Errc::ok) return reject(a.id, a.account, Command::amend, e);
    }
    detail::OrderExt& x = ext_[h];
    const std::int64_t trigger = a.trigger_price.raw() == 0 ? x.trigger_price : a.trigger_price.raw();
    const bool moves = trigger != x.trigger_price;
    if (moves)
      if (const Errc e = check_trigger(o.type, o.side, o.trigger, trigger); e != Errc::ok)
        return reject(a.id, a.account, Command::amend, e);
    const std::int64_t old_price = o.price, old_qty = o.leaves;
    if (moves) {
      unlink_stop(h);
    } else {
      level(LevelRef{o.page, slot_of(x.trigger_price)}).total += a.qty.raw() - o.leaves;
    }
    o.price = price;
    o.leaves = a.qty.raw();
    x.trigger_price = trigger;
    if (moves) link_stop(h);
    sink_.on(Amended{a.id, a.account, o.side, Price{price}, a.qty, Price{old_price}, Qty{old_qty}, !moves,
                     AmendReason::user, h});
    return Errc::ok;
  }

  // The next stop whose trigger its source price has reached: sources in order last, mark,
  // index; rising before falling; closest trigger first, FIFO at one trigger price.
  std::uint32_t reached_stop(PriceSource& source) const noexcept {
    for (int s = 0; s < kPriceSources; ++s) {
      if (!has_price_[s]) continue;
      for (const bool rise : {true, false}) {
        const Ladder& l = stops_[stop_ladder(static_cast<PriceSource>(s), rise)];
        if (l.empty()) continue;
        const std::int64_t trigger = l.best_price();
        if (rise ? prices_[s] >= trigger : prices_[s] <= trigger) {
          source = static_cast<PriceSource>(s);
          return level(l.best()).head;
        }
      }
    }
    return kNil;
  }

  STRIKE_BOOK_HOT void run_triggers() {
    if (stop_count_ != 0 && !cfg_.hold_triggered) fire_reached_stops();
  }
  // Fires stops one at a time until none is reached: a triggered order's trades move `last`
  // and may reach further stops, which then run in the same deterministic order.
  STRIKE_BOOK_COLD void fire_reached_stops() {
    while (stop_count_ != 0) {
      const std::uint32_t h = take_reached_stop();
      if (h == kNil) return;
      enter_triggered(h);
    }
  }
  // Takes the next reached stop out of its trigger queue as a plain order (Triggered emitted);
  // kNil when none is reached.
  std::uint32_t take_reached_stop(Triggered* event = nullptr) {
    PriceSource source{};
    const std::uint32_t h = reached_stop(source);
    if (h == kNil) return kNil;
    Order& o = orders_[h];
    unlink_stop(h);
    const Triggered t{OrderId{o.id}, AccountId{o.account}, o.side, source, Price{ext_[h].trigger_price},
                      Price{prices_[static_cast<int>(source)]}, h};
    sink_.on(t);
    if (event != nullptr) *event = t;
    o.type = triggered_type(o.type);  // a plain order from now on
    o.trigger = PriceSource::last;
    return h;
  }
  void enter_triggered(std::uint32_t h) {
    Order& o = orders_[h];
    if (o.type == OrderType::market) o.price = protection(o.side);
    enter(h, /*registered=*/true, o.acct);
  }

  // ---- orders in levels

  static std::uint32_t slot_of(std::int64_t price) noexcept {
    return static_cast<std::uint32_t>(price & (detail::kPageSize - 1));
  }
  STRIKE_BOOK_HOT Level& level(LevelRef r) noexcept { return pages_[r.page].levels[r.slot]; }
  STRIKE_BOOK_HOT const Level& level(LevelRef r) const noexcept { return pages_[r.page].levels[r.slot]; }
  STRIKE_BOOK_HOT Ladder& side_ladder(Side s) noexcept { return s == Side::buy ? bids_ : asks_; }
  STRIKE_BOOK_HOT const Ladder& side_ladder(Side s) const noexcept { return s == Side::buy ? bids_ : asks_; }
  // The displayed part of an order's open quantity.
  STRIKE_BOOK_HOT std::int64_t shown(std::uint32_t h, std::int64_t leaves) const noexcept {
    return orders_[h].iceberg ? std::min(ext_[h].display, leaves) : leaves;
  }

  // Appends to the back of a level's FIFO and adds to its aggregates.
  STRIKE_BOOK_HOT void append(std::uint32_t h, Level& l, Ladder& ladder, LevelRef r) noexcept {
    Order& o = orders_[h];
    o.next = kNil;
    o.prev = l.tail;
    if (l.tail == kNil) {
      l.head = h;
      ladder.set_nonempty(pages_, r);
    } else {
      orders_[l.tail].next = h;
    }
    l.tail = h;
    ++l.count;
    l.visible += o.visible;
    l.total += o.leaves;
  }
  // Removes from its level's FIFO and aggregates (the caller releases an emptied level).
  STRIKE_BOOK_HOT void detach(std::uint32_t h, Level& l) noexcept {
    Order& o = orders_[h];
    if (o.prev == kNil) {
      l.head = o.next;
    } else {
      orders_[o.prev].next = o.next;
    }
    if (o.next == kNil) {
      l.tail = o.prev;
    } else {
      orders_[o.next].prev = o.prev;
    }
    --l.count;
    l.visible -= o.visible;
    l.total -= o.leaves;
  }
  // An iceberg's displayed part is gone: show the next slice at the back of the queue.
  STRIKE_BOOK_COLD void refill(std::uint32_t h, Level& l) noexcept {
    Order& o = orders_[h];
    o.visible = std::min(ext_[h].display, o.leaves);
    l.visible += o.visible;
    if (l.count == 1) return;
    // o is the head: move it behind the tail.
    l.head = o.next;
    orders_[o.next].prev = kNil;
    o.prev = l.tail;
    o.next = kNil;
    orders_[l.tail].next = h;
    l.tail = h;
  }
  // Links a registered order at the back of its price level and reports the level.
  STRIKE_BOOK_HOT void rest(std::uint32_t h) {
    rest_quiet(h);
    const Order& o = orders_[h];
    emit_level(o.side, o.price, level(LevelRef{o.page, slot_of(o.price)}));
  }
  STRIKE_BOOK_HOT void rest_quiet(std::uint32_t h) {
    Order& o = orders_[h];
    Ladder& ladder = side_ladder(o.side);
    const LevelRef r = ladder.find_or_add(pages_, o.price);
    o.page = r.page;
    o.visible = shown(h, o.leaves);
    append(h, level(r), ladder, r);
  }

  STRIKE_BOOK_HOT void cancel_order(std::uint32_t h, CancelReason reason) {
    Order& o = orders_[h];
    sink_.on(Cancelled{OrderId{o.id}, AccountId{o.account}, o.side, Price{o.price}, Qty{o.leaves}, reason,
                       o.reduce_only, h});
    if (is_stop(o.type)) {
      unlink_stop(h);
    } else {
      Ladder& ladder = side_ladder(o.side);
      const LevelRef r{o.page, slot_of(o.price)};
      Level& l = level(r);
      detach(h, l);
      emit_level(o.side, o.price, l);
      if (l.count == 0) ladder.set_empty(pages_, r);
    }
    close(h);
  }

  STRIKE_BOOK_HOT void emit_level(Side side, std::int64_t price, const Level& l) {
    sink_.on(LevelUpdate{side, Price{price}, Qty{l.visible}, l.count});
  }
  void emit_level_at(Side side, std::int64_t price) {
    const LevelRef r = side_ladder(side).find(pages_, price);
    sink_.on(LevelUpdate{side, Price{price}, Qty{r.found() ? level(r).visible : 0}, r.found() ? level(r).count : 0u});
  }

  // ---- registration: id map, account count, GTD queue

  STRIKE_BOOK_HOT void register_order(std::uint32_t h, std::uint32_t acct) {
    Order& o = orders_[h];
    ids_.insert(o.id, h);
    if (o.id > max_id_) max_id_ = o.id;
    if (acct == kNil) {
      acct = alloc_account();
      accounts_[acct].account = o.account;
      account_ids_.insert(o.account, acct);
    }
    o.acct = acct;
    ++accounts_[acct].count;
    if (o.tif == TimeInForce::gtd) gtd_push(h);
  }
  STRIKE_BOOK_HOT std::uint32_t find_order(std::uint64_t id) const noexcept {
    return ids_.find(id, [this](std::uint32_t h) { return orders_[h].id; });
  }
  STRIKE_BOOK_HOT std::uint32_t find_account(std::uint64_t account) const noexcept {
    return account_ids_.find(account, [this](std::uint32_t r) { return accounts_[r].account; });
  }
  // Forgets a registered order (it left the book) and frees it.
  STRIKE_BOOK_HOT void close(std::uint32_t h) {
    Order& o = orders_[h];
    ids_.erase(o.id, h);
    detail::AccountRec& a = accounts_[o.acct];
    if (--a.count == 0) {
      account_ids_.erase(a.account, o.acct);
      a.next_free = free_account_;
      free_account_ = o.acct;
    }
    if (o.tif == TimeInForce::gtd) gtd_remove(h);
    free_order(h);
  }

  // Storage grows by doubling, only when a free list runs dry (never during matching).
  STRIKE_BOOK_HOT std::uint32_t alloc_order() {
    if (free_order_ == kNil) grow_orders(orders_.empty() ? 64 : static_cast<std::uint32_t>(orders_.size() * 2));
    const std::uint32_t h = free_order_;
    free_order_ = orders_[h].next;
    return h;
  }
  STRIKE_BOOK_HOT void free_order(std::uint32_t h) noexcept {
    orders_[h].leaves = 0;
    orders_[h].next = free_order_;
    free_order_ = h;
  }
  void grow_orders(std::uint32_t n) {
    STRIKE_ASSERT(n < kNil, "order pool exhausted");
    const auto first = static_cast<std::uint32_t>(orders_.size());
    orders_.resize(n);
    ext_.resize(n);
    for (std::uint32_t i = n; i-- > first;) free_order(i);
  }
  void grow_accounts(std::uint32_t n) {
    const auto first = static_cast<std::uint32_t>(accounts_.size());
    accounts_.resize(n);
    for (std::uint32_t i = n; i-- > first;) {
      accounts_[i].next_free = free_account_;
      free_account_ = i;
    }
  }
  std::uint32_t alloc_account() {
    if (free_account_ == kNil) grow_accounts(accounts_.empty() ? 8 : static_cast<std::uint32_t>(accounts_.size() * 2));
    const std::uint32_t r = free_account_;
    free_account_ = accounts_[r].next_free;
    accounts_[r] = detail::AccountRec{};
    return r;
  }

  // GTD orders in a binary heap keyed (expiry, id): a total order, so expiry is deterministic.
  bool gtd_before(std::uint32_t a, std::uint32_t b) const noexcept {
    const std::int64_t ea = ext_[a].expiry, eb = ext_[b].expiry;
    return ea != eb ? ea < eb : orders_[a].id < orders_[b].id;
  }
  void gtd_place(std::size_t i, std::uint32_t h) noexcept {
    gtd_[i] = h;
    ext_[h].heap_pos = static_cast<std::uint32_t>(i);
  }
  void gtd_sift_up(std::size_t i) noexcept {
    const std::uint32_t h = gtd_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!gtd_before(h, gtd_[parent])) break;
      gtd_place(i, gtd_[parent]);
      i = parent;
    }
    gtd_place(i, h);
  }
  void gtd_sift_down(std::size_t i) noexcept {
    const std::uint32_t h = gtd_[i];
    for (;;) {
      std::size_t c = 2 * i + 1;
      if (c >= gtd_.size()) break;
      if (c + 1 < gtd_.size() && gtd_before(gtd_[c + 1], gtd_[c])) ++c;
      if (!gtd_before(gtd_[c], h)) break;
      gtd_place(i, gtd_[c]);
      i = c;
    }
    gtd_place(i, h);
  }
  void gtd_push(std::uint32_t h) {
    gtd_.push_back(h);
    gtd_sift_up(gtd_.size() - 1);
  }
  void gtd_remove(std::uint32_t h) noexcept {
    const std::size_t i = ext_[h].heap_pos;
    const std::uint32_t last = gtd_.back();
    gtd_.pop_back();
    if (i < gtd_.size()) {
      gtd_place(i, last);
      gtd_sift_up(i);
      gtd_sift_down(ext_[last].heap_pos);
    }
  }

  STRIKE_BOOK_HOT void advance(Timestamp now) {
    if (now.ns() > now_) now_ = now.ns();
    if (!gtd_.empty() && ext_[gtd_[0]].expiry <= now_) expire();
  }
  STRIKE_BOOK_COLD void expire() {
    while (!gtd_.empty() && ext_[gtd_[0]].expiry <= now_) cancel_order(gtd_[0], CancelReason::expired);
  }

  // ---- snapshots

  std::optional<Price> best(const Ladder& l) const noexcept {
    if (l.empty()) return std::nullopt;
    return Price{l.best_price()};
  }
  OrderState state_of(std::uint32_t h) const noexcept {
    const Order& o = orders_[h];
    const detail::OrderExt& x = ext_[h];
    return OrderState{OrderId{o.id},
                      AccountId{o.account},
                      o.side,
                      o.type,
                      o.tif,
                      Price{o.price},
                      Qty{o.leaves},
                      Qty{o.visible},
                      Qty{o.iceberg ? x.display : 0},
                      Price{is_stop(o.type) ? x.trigger_price : 0},
                      o.trigger,
                      Timestamp::from_ns(o.tif == TimeInForce::gtd ? x.expiry : 0),
                      o.post_only,
                      o.stp,
                      o.reduce_only};
  }
  void hash_config(detail::Hasher& h) const noexcept {
    h.add_signed(cfg_.tick);
    for (std::uint8_t i = 0; i < cfg_.tick_step_count; ++i) {
      h.add_signed(cfg_.tick_steps[i].from.raw());
      h.add_signed(cfg_.tick_steps[i].tick);
    }
    for (const std::int64_t v : {cfg_.min_price.raw(), cfg_.max_price.raw(), cfg_.lot, cfg_.min_qty.raw(),
                                 cfg_.max_qty.raw(), cfg_.min_display.raw(), cfg_.price_band.raw(),
                                 cfg_.market_protection.raw(), std::int64_t{cfg_.market_protection_bps},
                                 std::int64_t{cfg_.max_open_orders}})
      h.add_signed(v);
  }
  Status<Error> load(const BookSnapshot& s);

  static constexpr int kLast = static_cast<int>(PriceSource::last);
  static constexpr int kMark = static_cast<int>(PriceSource::mark);

  BookConfig cfg_;
  Sink sink_;
  // By handle; grows, so never hold an Order& across alloc_order().
  std::vector<Order, detail::PoolAllocator<Order>> orders_;
  std::vector<detail::OrderExt, detail::PoolAllocator<detail::OrderExt>> ext_;
  std::uint32_t free_order_ = kNil;
  detail::TaggedHandleMap ids_;  // every open order, resting and stop
  std::uint64_t max_id_ = 0;  // highest id ever registered
  std::vector<detail::AccountRec> accounts_;
  std::uint32_t free_account_ = kNil;
  detail::TaggedHandleMap account_ids_;
  detail::PagePool pages_;
  Ladder bids_{true};
  Ladder asks_{false};
  std::array<Ladder, 2 * kPriceSources> stops_;
  std::uint32_t stop_count_ = 0;
  std::uint32_t held_ = kNil;  // a triggered stop waiting for its owner (hold_triggered)
  std::vector<std::uint32_t> gtd_;
  std::vector<std::uint32_t> scratch_;
  std::int64_t now_ = std::numeric_limits<std::int64_t>::min();
  std::array<std::int64_t, kPriceSources> prices_{};
  std::array<bool, kPriceSources> has_price_{};
};

// ---------------------------------------------------------------------------------------------

template <class Sink>
Status<Error> OrderBook<Sink>::load(const BookSnapshot& s) {
  const auto bad = [](std::size_t i, std::string_view why) {
    return fail(Errc::book_bad_snapshot, fmt::format("order #{}: {}", i, why));
  };
  now_ = s.now.ns();
  for (int i = 0; i < kPriceSources; ++i) {
    has_price_[i] = s.prices[i].has_value();
    prices_[i] = s.prices[i] ? s.prices[i]->raw() : 0;
  }
  for (std::size_t i = 0; i < s.orders.size(); ++i) {
    const OrderState& o = s.orders[i];
    if (find_order(o.id.raw()) != kNil) return bad(i, "duplicate id");
    if (o.type > OrderType::take_market || o.tif > TimeInForce::fok || o.post_only > PostOnly::reprice ||
        o.stp > StpMode::decrement_both || o.trigger > PriceSource::index || o.side > Side::sell)
      return bad(i, "enum out of range");
    if (o.qty.raw() <= 0 || o.qty.raw() > cfg_.max_qty.raw()) return bad(i, "quantity");
    if (o.display.raw() < 0 || o.display.raw() > cfg_.max_qty.raw()) return bad(i, "display");
    if (o.tif == TimeInForce::gtd && o.expiry.ns() <= now_) return bad(i, "expired GTD order");
    const bool stop = is_stop(o.type);
    if (stop) {
      if (o.visible.raw() != 0) return bad(i, "a stop shows no quantity");
      if (!in_range(o.trigger_price.raw())) return bad(i, "trigger price");
      if (!is_market(o.type) && !in_range(o.price.raw())) return bad(i, "price");
      if (is_market(o.type) && o.price.raw() != 0) return bad(i, "stop-market price");
    } else {
      if (o.type != OrderType::limit || o.tif == TimeInForce::ioc || o.tif == TimeInForce::fok)
        return bad(i, "only GTC/GTD limit orders rest");
      if (!in_range(o.price.raw())) return bad(i, "price");
      const std::int64_t cap = o.display.raw() == 0 ? o.qty.raw() : std::min(o.display.raw(), o.qty.raw());
      if (o.visible.raw() <= 0 || o.visible.raw() > cap || (o.display.raw() == 0 && o.visible != o.qty))
        return bad(i, "visible quantity");
    }
    const std::uint32_t h = alloc_order();
    Order& d = orders_[h];
    d.id = o.id.raw();
    d.account = o.account.raw();
    d.price = o.price.raw();
    d.leaves = o.qty.raw();
    d.visible = o.visible.raw();
    d.side = o.side;
    d.type = o.type;
    d.tif = o.tif;
    d.post_only = o.post_only;
    d.stp = o.stp;
    d.trigger = stop ? o.trigger : PriceSource::last;
    d.reduce_only = o.reduce_only;
    d.iceberg = o.display.raw() != 0;
    ext_[h].display = o.display.raw();
    ext_[h].trigger_price = o.trigger_price.raw();
    ext_[h].expiry = o.tif == TimeInForce::gtd ? o.expiry.ns() : 0;
    register_order(h, find_account(d.account));
    if (stop) {
      link_stop(h);
    } else {
      Ladder& ladder = side_ladder(d.side);
      const LevelRef r = ladder.find_or_add(pages_, d.price);
      d.page = r.page;
      append(h, level(r), ladder, r);
    }
  }
  // A snapshot of a valid book passes; anything else (crossed, a reached stop, ...) is refused.
  // The account lists are built in snapshot order: their order is never observable
  // (cancel_all sorts by id).
  return validate();
}

template <class Sink>
Status<Error> OrderBook<Sink>::validate() const {
  const auto bad = [](const std::string& what) { return fail(Errc::book_bad_snapshot, "invariant broken: " + what); };
  std::uint32_t seen = 0, seen_stops = 0;
  std::string problem;
  const auto check_ladder = [&](const Ladder& ladder, bool stops, Side side) {
    if (!ladder.consistent(pages_)) {
      problem = "ladder pages out of order, empty, or best level stale";
      return;
    }
    ladder.for_each(pages_, [&](LevelRef r, std::int64_t px) {
      const Level& l = level(r);
      std::int64_t visible = 0, total = 0;
      std::uint32_t count = 0, prev = kNil;
      for (std::uint32_t h = l.head; h != kNil; h = orders_[h].next) {
        const Order& o = orders_[h];
        const detail::OrderExt& x = ext_[h];
        if (o.prev != prev) problem = fmt::format("order {}: broken FIFO link", o.id);
        if (o.page != r.page) problem = fmt::format("order {}: wrong page", o.id);
        if ((stops ? x.trigger_price : o.price) != px) problem = fmt::format("order {}: at the wrong price", o.id);
        if (stops != is_stop(o.type)) problem = fmt::format("order {}: {} in the wrong ladder", o.id, to_string(o.type));
        if (stops && &stop_ladder_of(o) != &ladder) problem = fmt::format("stop {}: in the wrong trigger ladder", o.id);
        if (!stops && o.side != side) problem = fmt::format("order {}: on the wrong side", o.id);
        if (o.leaves <= 0) problem = fmt::format("order {}: no open quantity", o.id);
        if (!stops && (o.visible <= 0 || o.visible > shown(h, o.leaves) || (!o.iceberg && o.visible != o.leaves)))
          problem = fmt::format("order {}: displayed quantity {} of {}", o.id, o.visible, o.leaves);
        if (stops && o.visible != 0) problem = fmt::format("stop {}: shows quantity", o.id);
        if (o.iceberg && x.display <= 0) problem = fmt::format("order {}: iceberg without display", o.id);
        if (find_order(o.id) != h) problem = fmt::format("order {}: not in the id map", o.id);
        if (o.acct >= accounts_.size() || accounts_[o.acct].account != o.account || accounts_[o.acct].count == 0 ||
            find_account(o.account) != o.acct)
          problem = fmt::format("order {}: account record", o.id);
        if ((o.tif == TimeInForce::gtd) != (x.heap_pos < gtd_.size() && gtd_[x.heap_pos] == h))
          problem = fmt::format("order {}: GTD queue membership", o.id);
        visible += o.visible;
        total += o.leaves;
        ++count;
        prev = h;
        if (!problem.empty()) return false;
      }
      if (count == 0 || l.tail != prev || l.count != count || l.visible != visible || l.total != total) {
        problem = fmt::format("level {}: aggregates or tail do not match its orders", px);
        return false;
      }
      (stops ? seen_stops : seen) += count;
      return true;
    });
  };
  check_ladder(bids_, false, Side::buy);
  if (problem.empty()) check_ladder(asks_, false, Side::sell);
  for (const Ladder& l : stops_)
    if (problem.empty()) check_ladder(l, true, Side::buy);
  if (!problem.empty()) return bad(problem);
  if (held_ != kNil) return bad(fmt::format("triggered order {} still held", orders_[held_].id));
  if (seen + seen_stops != ids_.size())
    return bad(fmt::format("id map holds {} orders, ladders {}", ids_.size(), seen + seen_stops));
  if (seen_stops != stop_count_) return bad("stop count");
  if (!bids_.empty() && !asks_.empty() && bids_.best_price() >= asks_.best_price()) return bad("crossed book");
  // Every live pool slot is an order in a ladder, and account counts add up.
  std::uint32_t live = 0;
  std::vector<std::uint32_t> per_account(accounts_.size(), 0);
  for (const Order& o : orders_) {
    if (o.leaves == 0) continue;
    ++live;
    if (o.acct < per_account.size()) ++per_account[o.acct];
  }
  if (live != ids_.size()) return bad(fmt::format("{} live pool slots, {} open orders", live, ids_.size()));
  std::uint32_t records = 0;
  for (std::size_t r = 0; r < accounts_.size(); ++r) {
    if (accounts_[r].count == 0) continue;
    ++records;
    if (accounts_[r].count != per_account[r]) return bad(fmt::format("account {} count", accounts_[r].account));
  }
  if (records != account_ids_.size()) return bad("account map");
  for (std::size_t i = 1; i < gtd_.size(); ++i)
    if (gtd_before(gtd_[i], gtd_[(i - 1) / 2])) return bad("GTD heap order");
  for (const std::uint32_t h : gtd_)
    if (orders_[h].tif != TimeInForce::gtd || find_order(orders_[h].id) != h) return bad("GTD heap holds a closed order");
  if (!gtd_.empty() && ext_[gtd_[0]].expiry <= now_) return bad("an expired GTD order is still open");
  for (int s = 0; s < kPriceSources; ++s) {
    if (!has_price_[s]) continue;
    for (const bool rise : {true, false}) {
      const Ladder& l = stops_[stop_ladder(static_cast<PriceSource>(s), rise)];
      if (l.empty()) continue;
      if (rise ? prices_[s] >= l.best_price() : prices_[s] <= l.best_price()) return bad("a reached stop is still waiting");
    }
  }
  std::size_t pages = bids_.page_count() + asks_.page_count();
  for (const Ladder& l : stops_) pages += l.page_count();
  if (pages_.in_use() != pages) return bad("page pool leaks pages");
  return {};
}

}  // namespace strike::book
