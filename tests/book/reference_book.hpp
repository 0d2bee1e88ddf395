// A deliberately simple order book: ordered maps of lists, linear scans, aggregates recomputed
// on every use, FOK decided by running the order on a copy of the whole book. It shares
// nothing with OrderBook but the vocabulary in types.hpp, so the differential test and the
// fuzzer catch the fast book's bookkeeping bugs (links, aggregates, pages, maps, heaps).
// It is written from the rules in docs/book.md, not from order_book.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "book/types.hpp"
#include "events.hpp"

namespace strike::book::testing {

class ReferenceBook {
 public:
  ReferenceBook(const BookConfig& cfg, std::vector<Event>* out) : cfg_(cfg), out_(out) {}

  Errc submit(const NewOrder& o, Timestamp now) {
    advance(now);
    std::int64_t price = o.price.raw();
    bool repriced = false;
    if (Errc e = check_new(o, price, repriced); e != Errc::ok) return reject(o.id, o.account, Command::submit, e);
    if (is_market(o.type)) price = is_stop(o.type) ? 0 : protection(o.side);
    OrderState s;
    s.id = o.id;
    s.account = o.account;
    s.side = o.side;
    s.type = o.type;
    s.tif = o.tif;
    s.price = Price{price};
    s.qty = o.qty;
    s.display = o.display;
    if (is_stop(o.type)) {
      s.trigger_price = o.trigger_price;
      s.trigger = o.trigger;
    }
    s.expiry = o.tif == TimeInForce::gtd ? o.expiry : Timestamp{};
    s.post_only = o.post_only;
    s.stp = o.stp;
    s.reduce_only = o.reduce_only;
    emit(Accepted{o.id, o.account, o.side, o.type, o.tif, Price{price}, o.qty, o.display, o.reduce_only, repriced});
    if (is_stop(o.type)) {
      register_order(s);
      stop_queue(s)[s.trigger_price.raw()].push_back(s);
      return Errc::ok;
    }
    enter(s, false);
    run_triggers();
    return Errc::ok;
  }

  Errc cancel(OrderId id, AccountId account, Timestamp now) {
    advance(now);
    OrderState* o = find_order(id);
    if (o == nullptr) return reject(id, account, Command::cancel, Errc::book_unknown_order);
    if (o->account != account) return reject(id, account, Command::cancel, Errc::book_not_owner);
    cancel_order(id, CancelReason::user);
    return Errc::ok;
  }

  Errc amend(const AmendOrder& a, Timestamp now) {
    advance(now);
    OrderState* found = find_order(a.id);
    if (found == nullptr) return reject(a.id, a.account, Command::amend, Errc::book_unknown_order);
    if (found->account != a.account) return reject(a.id, a.account, Command::amend, Errc::book_not_owner);
    if (Errc e = check_qty(a.qty.raw()); e != Errc::ok) return reject(a.id, a.account, Command::amend, e);
    OrderState o = *found;
    if (is_stop(o.type)) {
      std::int64_t price = o.price.raw();
      if (!is_market(o.type)) {
        price = a.price.raw();
        if (Errc e = check_limit_price(price); e != Errc::ok) return reject(a.id, a.account, Command::amend, e);
      }
      const std::int64_t trigger = a.trigger_price.raw() == 0 ? o.trigger_price.raw() : a.trigger_price.raw();
      const bool moves = trigger != o.trigger_price.raw();
      if (moves)
        if (Errc e = check_trigger(o.type, o.side, o.trigger, trigger); e != Errc::ok)
          return reject(a.id, a.account, Command::amend, e);
      emit(Amended{a.id, a.account, o.side, Price{price}, a.qty, o.price, o.qty, !moves, AmendReason::user});
      if (moves) {
        remove_from(stop_queue(o), o.trigger_price.raw(), o.id);
        o.price = Price{price};
        o.qty = a.qty;
        o.trigger_price = Price{trigger};
        stop_queue(o)[trigger].push_back(o);
      } else {
        found->price = Price{price};
        found->qty = a.qty;
      }
      return Errc::ok;
    }
    std::int64_t price = a.price.raw();
    bool repriced = false;
    if (Errc e = check_limit_price(price); e != Errc::ok) return reject(a.id, a.account, Command::amend, e);
    if (o.post_only != PostOnly::off)
      if (Errc e = post_only_price(o.side, o.post_only, price, repriced); e != Errc::ok)
        return reject(a.id, a.account, Command::amend, e);
    const std::int64_t qty = a.qty.raw();
    if (price == o.price.raw() && qty <= o.qty.raw()) {
      const Qty visible{std::min(o.visible.raw(), qty)};
      const bool shown_changed = visible != o.visible;
      found->visible = visible;
      found->qty = a.qty;
      emit(Amended{a.id, a.account, o.side, Price{price}, a.qty, o.price, o.qty, true, AmendReason::user});
      if (shown_changed) emit_level(o.side, price);
      return Errc::ok;
    }
    const auto before = aggregate(book(o.side), o.price.raw());
    remove_from(book(o.side), o.price.raw(), o.id);
    emit(Amended{a.id, a.account, o.side, Price{price}, a.qty, o.price, o.qty, false, AmendReason::user});
    const std::int64_t old_price = o.price.raw();
    o.price = Price{price};
    o.qty = a.qty;
    o.visible = Qty{shown(o.display.raw(), qty)};
    if (price != old_price) {
      emit_level(o.side, old_price);
      match(o, nullptr);
      if (o.qty.raw() == 0) {
        unregister(o);
      } else {
        rest(o);
      }
    } else {
      book(o.side)[price].push_back(o);
      if (aggregate(book(o.side), price) != before) emit_level(o.side, price);
    }
    run_triggers();
    return Errc::ok;
  }

  std::uint32_t cancel_all(const CancelAllFilter& f, Timestamp now) {
    advance(now);
    std::vector<std::uint64_t> ids;
    const auto collect = [&](const Queues& side, bool stops) {
      for (const auto& [px, q] : side)
        for (const OrderState& o : q) {
          if (f.account && o.account != *f.account) continue;
          if (f.side && o.side != *f.side) continue;
          if (stops ? f.stops : f.resting) ids.push_back(o.id.raw());
        }
    };
    collect(bids_, false);
    collect(asks_, false);
    for (const Queues& s : stops_) collect(s, true);
    std::sort(ids.begin(), ids.end());
    for (std::uint64_t id : ids) cancel_order(OrderId{id}, CancelReason::cancel_all);
    return static_cast<std::uint32_t>(ids.size());
  }

  void set_price(PriceSource s, Price p, Timestamp now) {
    advance(now);
    prices_[static_cast<int>(s)] = p.raw();
    run_triggers();
  }
  void advance_time(Timestamp now) { advance(now); }

  void depth(Side side, std::vector<DepthLevel>& out) const {
    out.clear();
    const auto add = [&](const auto& kv) {
      const auto [visible, count] = aggregate_of(kv.second);
      out.push_back(DepthLevel{Price{kv.first}, Qty{visible}, count});
    };
    if (side == Side::buy) {
      for (auto it = bids_.rbegin(); it != bids_.rend(); ++it) add(*it);
    } else {
      for (const auto& kv : asks_) add(kv);
    }
  }

  // Canonical order, as OrderBook::for_each_order.
  std::vector<OrderState> orders() const {
    std::vector<OrderState> out;
    for (auto it = bids_.rbegin(); it != bids_.rend(); ++it) out.insert(out.end(), it->second.begin(), it->second.end());
    for (const auto& [px, q] : asks_) out.insert(out.end(), q.begin(), q.end());
    for (std::size_t i = 0; i < stops_.size(); ++i) {
      if (i % 2 == 0) {  // rising: lowest trigger first
        for (const auto& [px, q] : stops_[i]) out.insert(out.end(), q.begin(), q.end());
      } else {
        for (auto it = stops_[i].rbegin(); it != stops_[i].rend(); ++it)
          out.insert(out.end(), it->second.begin(), it->second.end());
      }
    }
    return out;
  }

 private:
  using Queues = std::map<std::int64_t, std::list<OrderState>>;

  void emit(const Event& e) { out_->push_back(e); }
  Errc reject(OrderId id, AccountId a, Command c, Errc e) {
    emit(Rejected{id, a, c, e});
    return e;
  }

  // ---- rules for accepting a command

  std::int64_t tick_at(std::int64_t p) const {
    std::int64_t t = cfg_.tick;
    for (int i = 0; i < cfg_.tick_step_count; ++i)
      if (p >= cfg_.tick_steps[static_cast<std::size_t>(i)].from.raw()) t = cfg_.tick_steps[static_cast<std::size_t>(i)].tick;
    return t;
  }
  bool on_grid(std::int64_t p) const { return p % tick_at(p) == 0; }
  bool in_range(std::int64_t p) const { return p >= cfg_.min_price.raw() && p <= cfg_.max_price.raw(); }
  bool outside_band(std::int64_t p) const {
    const auto& mark = prices_[static_cast<int>(PriceSource::mark)];
    if (cfg_.price_band.raw() == 0 || !mark) return false;
    const int128 d = static_cast<int128>(p) - *mark;
    return d > cfg_.price_band.raw() || d < -cfg_.price_band.raw();
  }
  Errc check_qty(std::int64_t q) const {
    if (q <= 0 || q > cfg_.max_qty.raw()) return Errc::book_invalid_quantity;
    if (q % cfg_.lot != 0) return Errc::book_off_lot;
    if (q < cfg_.min_qty.raw()) return Errc::book_below_min_size;
    return Errc::ok;
  }
  Errc check_limit_price(std::int64_t p) const {
    if (!in_range(p)) return Errc::book_price_out_of_range;
    if (!on_grid(p)) return Errc::book_off_tick;
    if (outside_band(p)) return Errc::book_outside_price_band;
    return Errc::ok;
  }
  Errc check_trigger(OrderType t, Side s, PriceSource src, std::int64_t trigger) const {
    if (!in_range(trigger) || !on_grid(trigger)) return Errc::book_invalid_trigger;
    const auto& cur = prices_[static_cast<int>(src)];
    if (cur && (triggers_on_rise(t, s) ? *cur >= trigger : *cur <= trigger)) return Errc::book_trigger_reached;
    return Errc::ok;
  }
  std::optional<std::int64_t> best_price(Side side) const {
    const Queues& q = book(side);
    if (q.empty()) return std::nullopt;
    return side == Side::buy ? q.rbegin()->first : q.begin()->first;
  }
  Errc post_only_price(Side side, PostOnly mode, std::int64_t& price, bool& repriced) const {
    const auto best = best_price(opposite(side));
    if (!best) return Errc::ok;
    if (side == Side::buy ? price < *best : price > *best) return Errc::ok;
    if (mode == PostOnly::reject) return Errc::book_post_only_would_take;
    // Walk one finest tick at a time to the first on-grid price that does not cross.
    price = side == Side::buy ? *best - 1 : *best + 1;
    while (!on_grid(price)) price += side == Side::buy ? -1 : 1;
    repriced = true;
    if (!in_range(price)) return Errc::book_price_out_of_range;
    if (outside_band(price)) return Errc::book_outside_price_band;
    return Errc::ok;
  }
  Errc check_new(const NewOrder& o, std::int64_t& price, bool& repriced) const {
    if (where_.count(o.id.raw()) != 0) return Errc::book_duplicate_order_id;
    if (static_cast<int>(o.type) > 5 || static_cast<int>(o.tif) > 3 || static_cast<int>(o.post_only) > 2 ||
        static_cast<int>(o.stp) > 4 || static_cast<int>(o.trigger) > 2 || static_cast<int>(o.side) > 1)
      return Errc::book_invalid_order;
    const bool market = is_market(o.type), stop = is_stop(o.type);
    const bool immediate = o.tif == TimeInForce::ioc || o.tif == TimeInForce::fok;
    if (market && !immediate) return Errc::book_invalid_order;
    if (o.post_only != PostOnly::off && (immediate || stop)) return Errc::book_invalid_order;
    if (o.display.raw() != 0 && immediate) return Errc::book_invalid_order;
    if (Errc e = check_qty(o.qty.raw()); e != Errc::ok) return e;
    if (o.display.raw() != 0 &&
        (o.display < cfg_.min_display || o.display > o.qty || o.display.raw() % cfg_.lot != 0))
      return Errc::book_invalid_display;
    if (!market)
      if (Errc e = check_limit_price(price); e != Errc::ok) return e;
    if (stop)
      if (Errc e = check_trigger(o.type, o.side, o.trigger, o.trigger_price.raw()); e != Errc::ok) return e;
    if (o.tif == TimeInForce::gtd && o.expiry.ns() <= now_) return Errc::book_expiry_not_future;
    if ((stop || !immediate) && cfg_.max_open_orders != 0) {
      const auto it = open_.find(o.account.raw());
      if (it != open_.end() && it->second >= cfg_.max_open_orders) return Errc::book_too_many_open_orders;
    }
    if (o.post_only != PostOnly::off) return post_only_price(o.side, o.post_only, price, repriced);
    return Errc::ok;
  }
  std::int64_t protection(Side side) const {
    const auto best = best_price(opposite(side));
    if (!best) return 0;
    const auto& mark = prices_[static_cast<int>(PriceSource::mark)];
    const bool band = cfg_.price_band.raw() != 0 && mark.has_value();
    std::int64_t reach = cfg_.market_protection.raw();
    if (cfg_.market_protection_bps != 0)
      reach = std::min<std::int64_t>(reach, static_cast<std::int64_t>(int128{*best} * cfg_.market_protection_bps / 10'000));
    if (side == Side::buy) {
      std::int64_t limit = std::min(*best + reach, cfg_.max_price.raw());
      if (band) limit = std::min<int128>(limit, std::max<int128>(int128{*mark} + cfg_.price_band.raw(), cfg_.min_price.raw()));
      return limit;
    }
    std::int64_t limit = std::max(*best - reach, cfg_.min_price.raw());
    if (band) limit = std::max<int128>(limit, std::min<int128>(int128{*mark} - cfg_.price_band.raw(), cfg_.max_price.raw()));
    return limit;
  }

  // ---- execution

  static std::int64_t shown(std::int64_t display, std::int64_t qty) { return display == 0 ? qty : std::min(display, qty); }

  void enter(OrderState in, bool registered) {
    const bool immediate = in.type == OrderType::market || in.tif == TimeInForce::ioc || in.tif == TimeInForce::fok;
    if (in.tif == TimeInForce::fok) {
      // Try it on a scratch book holding copies of the levels it can reach; run it for real
      // only if it filled completely there without meeting its own orders (other than
      // cancelling them, under cancel_resting).
      std::vector<Event> trial;
      ReferenceBook scratch(cfg_, &trial);
      const Queues& opp = book(opposite(in.side));
      Queues& copy = scratch.book(opposite(in.side));
      for (const auto& [px, q] : opp)
        if (in.side == Side::buy ? px <= in.price.raw() : px >= in.price.raw()) copy.emplace(px, q);
      OrderState t = in;
      bool stopped_by_self_trade = false;
      scratch.match(t, &stopped_by_self_trade);
      if (t.qty.raw() == 0 && !stopped_by_self_trade) {
        match(in, nullptr);
      } else {
        emit(Cancelled{in.id, in.account, in.side, in.price, in.qty, CancelReason::fok_unfilled, in.reduce_only});
      }
      if (registered) unregister(in);
      return;
    }
    match(in, nullptr);
    if (in.qty.raw() == 0) {
      if (registered) unregister(in);
    } else if (immediate) {
      emit(Cancelled{in.id, in.account, in.side, in.price, in.qty, CancelReason::ioc_remainder, in.reduce_only});
      if (registered) unregister(in);
    } else {
      if (!registered) register_order(in);
      rest(in);
    }
  }

  void rest(OrderState o) {
    o.visible = Qty{shown(o.display.raw(), o.qty.raw())};
    book(o.side)[o.price.raw()].push_back(o);
    emit_level(o.side, o.price.raw());
  }

  void match(OrderState& in, bool* self_traded) {
    Queues& opp = book(opposite(in.side));
    const bool buy = in.side == Side::buy;
    while (in.qty.raw() > 0 && !opp.empty()) {
      auto it = buy ? opp.begin() : std::prev(opp.end());
      const std::int64_t px = it->first;
      if (buy ? px > in.price.raw() : px < in.price.raw()) break;
      std::list<OrderState>& q = it->second;
      const auto before = aggregate_of(q);
      bool traded = false, stop = false;
      while (in.qty.raw() > 0 && !q.empty()) {
        OrderState& m = q.front();
        if (in.stp != StpMode::none && m.account == in.account) {
          if (self_traded != nullptr && in.stp != StpMode::cancel_resting) *self_traded = true;
          stop = self_trade(in, q);
          if (stop) break;
          continue;
        }
        const std::int64_t x = std::min(in.qty.raw(), m.visible.raw());
        m.visible = Qty{m.visible.raw() - x};
        m.qty = Qty{m.qty.raw() - x};
        in.qty = Qty{in.qty.raw() - x};
        traded = true;
        emit(Trade{m.id, m.account, in.id, in.account, Price{px}, Qty{x}, in.side, m.qty, in.qty, m.reduce_only,
                   in.reduce_only});
        if (m.visible.raw() == 0) {
          if (m.qty.raw() == 0) {
            unregister(m);
            q.pop_front();
          } else {
            m.visible = Qty{std::min(m.display.raw(), m.qty.raw())};
            q.splice(q.end(), q, q.begin());
          }
        }
      }
      if (traded) prices_[static_cast<int>(PriceSource::last)] = px;
      const auto after = aggregate_of(q);
      if (after != before) emit(LevelUpdate{opposite(in.side), Price{px}, Qty{after.first}, after.second});
      if (q.empty()) opp.erase(it);
      if (stop) break;
    }
  }

  bool self_trade(OrderState& in, std::list<OrderState>& q) {
    OrderState& m = q.front();
    const auto drop_maker = [&](std::int64_t qty) {
      emit(Cancelled{m.id, m.account, m.side, m.price, Qty{qty}, CancelReason::self_trade, m.reduce_only});
      unregister(m);
      q.pop_front();
    };
    const auto drop_incoming = [&](std::int64_t qty) {
      emit(Cancelled{in.id, in.account, in.side, in.price, Qty{qty}, CancelReason::self_trade, in.reduce_only});
      in.qty = Qty{0};
      return true;
    };
    if (in.stp == StpMode::cancel_resting) {
      drop_maker(m.qty.raw());
      return false;
    }
    if (in.stp == StpMode::cancel_incoming) return drop_incoming(in.qty.raw());
    if (in.stp == StpMode::cancel_both) {
      drop_maker(m.qty.raw());
      return drop_incoming(in.qty.raw());
    }
    const std::int64_t x = std::min(in.qty.raw(), m.qty.raw());
    if (m.qty.raw() == x) {
      drop_maker(x);
    } else {
      const Qty old = m.qty;
      m.qty = Qty{m.qty.raw() - x};
      m.visible = std::min(m.visible, m.qty);
      emit(Amended{m.id, m.account, m.side, m.price, m.qty, m.price, old, true, AmendReason::self_trade});
    }
    if (in.qty.raw() == x) return drop_incoming(x);
    in.qty = Qty{in.qty.raw() - x};
    emit(Amended{in.id, in.account, in.side, in.price, in.qty, in.price, Qty{in.qty.raw() + x}, true,
                 AmendReason::self_trade});
    return false;
  }

  void run_triggers() {
    for (;;) {
      bool fired = false;
      for (int s = 0; s < kPriceSources && !fired; ++s) {
        const auto& cur = prices_[static_cast<std::size_t>(s)];
        if (!cur) continue;
        Queues& rise = stops_[static_cast<std::size_t>(s) * 2];
        Queues& fall = stops_[static_cast<std::size_t>(s) * 2 + 1];
        if (!rise.empty() && *cur >= rise.begin()->first) {
          fire(rise, rise.begin(), static_cast<PriceSource>(s));
          fired = true;
        } else if (!fall.empty() && *cur <= std::prev(fall.end())->first) {
          fire(fall, std::prev(fall.end()), static_cast<PriceSource>(s));
          fired = true;
        }
      }
      if (!fired) return;
    }
  }
  void fire(Queues& ladder, Queues::iterator it, PriceSource source) {
    OrderState o = it->second.front();
    it->second.pop_front();
    if (it->second.empty()) ladder.erase(it);
    emit(Triggered{o.id, o.account, o.side, source, o.trigger_price, Price{*prices_[static_cast<int>(source)]}});
    o.type = triggered_type(o.type);
    o.trigger_price = Price{0};  // a triggered order is a plain order now
    o.trigger = PriceSource::last;
    if (o.type == OrderType::market) o.price = Price{protection(o.side)};
    enter(o, true);
  }

  void advance(Timestamp now) {
    now_ = std::max(now_, now.ns());
    while (!gtd_.empty() && gtd_.begin()->first <= now_) cancel_order(OrderId{gtd_.begin()->second}, CancelReason::expired);
  }

  void cancel_order(OrderId id, CancelReason reason) {
    const OrderState o = *find_order(id);
    emit(Cancelled{o.id, o.account, o.side, o.price, o.qty, reason, o.reduce_only});
    if (is_stop(o.type)) {
      remove_from(stop_queue(o), o.trigger_price.raw(), o.id);
    } else {
      remove_from(book(o.side), o.price.raw(), o.id);
      emit_level(o.side, o.price.raw());
    }
    unregister(o);
  }

  // ---- bookkeeping

  void register_order(const OrderState& o) {
    where_[o.id.raw()] = o.side;
    ++open_[o.account.raw()];
    if (o.tif == TimeInForce::gtd) gtd_.insert({o.expiry.ns(), o.id.raw()});
  }
  void unregister(const OrderState& o) {
    where_.erase(o.id.raw());
    if (--open_[o.account.raw()] == 0) open_.erase(o.account.raw());
    if (o.tif == TimeInForce::gtd) gtd_.erase({o.expiry.ns(), o.id.raw()});
  }
  OrderState* find_order(OrderId id) {
    if (where_.count(id.raw()) == 0) return nullptr;
    for (Queues* side : {&bids_, &asks_})
      for (auto& [px, q] : *side)
        for (OrderState& o : q)
          if (o.id == id) return &o;
    for (Queues& side : stops_)
      for (auto& [px, q] : side)
        for (OrderState& o : q)
          if (o.id == id) return &o;
    return nullptr;
  }
  static void remove_from(Queues& side, std::int64_t px, OrderId id) {
    auto it = side.find(px);
    it->second.remove_if([&](const OrderState& o) { return o.id == id; });
    if (it->second.empty()) side.erase(it);
  }
  Queues& book(Side s) { return s == Side::buy ? bids_ : asks_; }
  const Queues& book(Side s) const { return s == Side::buy ? bids_ : asks_; }
  Queues& stop_queue(const OrderState& o) {
    return stops_[static_cast<std::size_t>(o.trigger) * 2 + (triggers_on_rise(o.type, o.side) ? 0 : 1)];
  }
  static std::pair<std::int64_t, std::uint32_t> aggregate_of(const std::list<OrderState>& q) {
    std::int64_t v = 0;
    for (const OrderState& o : q) v += o.visible.raw();
    return {v, static_cast<std::uint32_t>(q.size())};
  }
  static std::pair<std::int64_t, std::uint32_t> aggregate(const Queues& side, std::int64_t px) {
    const auto it = side.find(px);
    return it == side.end() ? std::pair<std::int64_t, std::uint32_t>{0, 0} : aggregate_of(it->second);
  }
  void emit_level(Side side, std::int64_t px) {
    const auto [v, n] = aggregate(book(side), px);
    emit(LevelUpdate{side, Price{px}, Qty{v}, n});
  }

  BookConfig cfg_;
  std::vector<Event>* out_;
  Queues bids_, asks_;
  std::array<Queues, 2 * kPriceSources> stops_;
  std::map<std::uint64_t, Side> where_;  // open order ids
  std::map<std::uint64_t, std::uint32_t> open_;  // open orders per account
  std::set<std::pair<std::int64_t, std::uint64_t>> gtd_;  // (expiry, id)
  std::int64_t now_ = INT64_MIN;
  std::array<std::optional<std::int64_t>, kPriceSources> prices_{};
};

}  // namespace strike::book::testing
