// The engine snapshot: every piece of state in a canonical order, so two engines in the same
// state write the same bytes and state_hash() (SHA-256 of them) covers everything by
// construction. Layout in docs/engine.md. load() builds a fresh engine and refuses the
// snapshot, with the reason, at the first inconsistency.
#include <fmt/format.h>

#include "core/sha256.hpp"
#include "engine/engine.hpp"

namespace strike::engine {
namespace {

constexpr std::uint64_t kMagic = 0x50414e53'4b525453ULL;  // "STRKSNAP"
constexpr std::uint32_t kVersion = 3;  // 2: positions carry their session PnL; 3: order views whole, config digest

// Every field of the client's view, even those the book also holds: they can differ (a
// triggered stop is a plain order in the book but keeps its trigger in the view), and whatever
// a client can see must be in the snapshot, and so in the state hash.
void write_view(ByteWriter& w, const OrderView& v) {
  w.write_u64(v.id.raw());
  w.write_u32(v.instrument.raw());
  w.write_u64(v.account.raw());
  w.write_u8(static_cast<std::uint8_t>(v.side));
  w.write_u8(static_cast<std::uint8_t>(v.type));
  w.write_u8(static_cast<std::uint8_t>(v.tif));
  w.write_u8(static_cast<std::uint8_t>(v.post_only));
  w.write_u8(static_cast<std::uint8_t>(v.trigger));
  w.write_bool(v.reduce_only);
  w.write_bool(v.triggered);
  w.write_bool(v.repriced);
  w.write_u8(static_cast<std::uint8_t>(v.status));
  w.write_u8(static_cast<std::uint8_t>(v.cancel_reason));
  w.write_i64(v.price.raw());
  w.write_i64(v.trigger_price.raw());
  w.write_i64(v.amount.raw());
  w.write_i64(v.filled.raw());
  w.write_i64(v.display.raw());
  w.write_i64(static_cast<std::int64_t>(v.filled_value >> 64));
  w.write_u64(static_cast<std::uint64_t>(v.filled_value));
  w.write_i64(v.created.ns());
  w.write_i64(v.updated.ns());
  w.write_i64(v.expiry.ns());
  w.write_string(v.label.view());
  w.write_string(v.client_id.view());
}

Result<OrderView, Errc> read_view(ByteReader& r) {
  OrderView v;
  v.id = OrderId{r.read_u64()};
  v.instrument = InstrumentId{r.read_u32()};
  v.account = AccountId{r.read_u64()};
  v.side = r.read_enum<Side>(Side::sell);
  v.type = r.read_enum<book::OrderType>(book::OrderType::take_market);
  v.tif = r.read_enum<book::TimeInForce>(book::TimeInForce::fok);
  v.post_only = r.read_enum<book::PostOnly>(book::PostOnly::reprice);
  v.trigger = r.read_enum<book::PriceSource>(book::PriceSource::index);
  v.reduce_only = r.read_bool();
  v.triggered = r.read_bool();
  v.repriced = r.read_bool();
  v.status = r.read_enum<OrderStatus>(OrderStatus::untriggered);
  v.cancel_reason = r.read_enum<book::CancelReason>(book::CancelReason::expired);
  v.price = Price{r.read_i64()};
  v.trigger_price = Price{r.read_i64()};
  v.amount = Qty{r.read_i64()};
  v.filled = Qty{r.read_i64()};
  v.display = Qty{r.read_i64()};
  const std::int64_t hi = r.read_i64();
  const std::uint64_t lo = r.read_u64();
  v.filled_value = (static_cast<int128>(hi) << 64) | lo;
  v.created = Timestamp::from_ns(r.read_i64());
  v.updated = Timestamp::from_ns(r.read_i64());
  v.expiry = Timestamp::from_ns(r.read_i64());
  auto label = Label::make(r.read_string());
  if (!label) return fail(label.error());
  v.label = label.value();
  auto client_id = ClientOrderId::make(r.read_string());
  if (!client_id) return fail(client_id.error());
  v.client_id = client_id.value();
  return v;
}

void write_order(ByteWriter& w, const book::OrderState& o) {
  w.write_u64(o.id.raw());
  w.write_u64(o.account.raw());
  w.write_u8(static_cast<std::uint8_t>(o.side));
  w.write_u8(static_cast<std::uint8_t>(o.type));
  w.write_u8(static_cast<std::uint8_t>(o.tif));
  w.write_i64(o.price.raw());
  w.write_i64(o.qty.raw());
  w.write_i64(o.visible.raw());
  w.write_i64(o.display.raw());
  w.write_i64(o.trigger_price.raw());
  w.write_u8(static_cast<std::uint8_t>(o.trigger));
  w.write_i64(o.expiry.ns());
  w.write_u8(static_cast<std::uint8_t>(o.post_only));
  w.write_u8(static_cast<std::uint8_t>(o.stp));
  w.write_bool(o.reduce_only);
}

book::OrderState read_order(ByteReader& r) {
  book::OrderState o;
  o.id = OrderId{r.read_u64()};
  o.account = AccountId{r.read_u64()};
  o.side = r.read_enum<Side>(Side::sell);
  o.type = r.read_enum<book::OrderType>(book::OrderType::take_market);
  o.tif = r.read_enum<book::TimeInForce>(book::TimeInForce::fok);
  o.price = Price{r.read_i64()};
  o.qty = Qty{r.read_i64()};
  o.visible = Qty{r.read_i64()};
  o.display = Qty{r.read_i64()};
  o.trigger_price = Price{r.read_i64()};
  o.trigger = r.read_enum<book::PriceSource>(book::PriceSource::index);
  o.expiry = Timestamp::from_ns(r.read_i64());
  o.post_only = r.read_enum<book::PostOnly>(book::PostOnly::reprice);
  o.stp = r.read_enum<book::StpMode>(book::StpMode::decrement_both);
  o.reduce_only = r.read_bool();
  return o;
}

}  // namespace

void Engine::save(std::vector<std::byte>& out) const {
  ByteWriter w(out);
  w.write_u64(kMagic);
  w.write_u32(kVersion);
  // The configuration it was taken with: load() refuses another (names first, for the message).
  w.write_u32(static_cast<std::uint32_t>(instruments_->size()));
  for (const Instrument& ins : instruments_->all()) w.write_string(ins.name);
  for (std::uint8_t b : config_digest_) w.write_u8(b);
  w.write_u64(last_seq_.raw());
  w.write_i64(now_.ns());
  w.write_u64(next_order_id_);
  w.write_u64(next_trade_id_);
  w.write_i64(next_funding_ns_);
  w.write_u64(next_expiry_);
  // The GTD heap as it is: its stale entries decide which books get a (no-op) time advance.
  w.write_u64(gtd_heap_.size());
  for (const auto& [t, i] : gtd_heap_) {
    w.write_i64(t);
    w.write_u32(i);
  }
  for (std::size_t i = 0; i < books_.size(); ++i) {
    w.write_u8(static_cast<std::uint8_t>(status_[i]));
    w.write_i64(expiry_at_[i].ns());
    // Not the book's own clock: it is only the latest time a command showed that book, never
    // ahead of the engine's, and every later call passes the engine's time, so load() can
    // give each book the engine's time without changing what it will do.
    const book::BookSnapshot s = books_[i].snapshot();
    for (const auto& p : s.prices) {
      w.write_bool(p.has_value());
      w.write_i64(p ? p->raw() : 0);
    }
    w.write_u64(s.orders.size());
    for (const book::OrderState& o : s.orders) {
      write_order(w, o);
      write_view(w, views_[i][*books_[i].slot_of(o.id)]);
    }
  }
  clearing_.save(w);
  client_ids_.save(w);
  risk_->save(w);
  save_marks(w);
  w.write_i64(markets_at_.ns());
  STRIKE_ASSERT(w.ok(), "snapshot encoding failed: {}", name(w.error()));
}

Result<std::unique_ptr<Engine>, Error> Engine::load(const InstrumentRegistry& instruments, EngineConfig config,
                                                    std::span<const std::byte> snapshot) {
  auto e = std::make_unique<Engine>(instruments, config);
  ByteReader r(snapshot);
  const auto corrupt = [](std::string why) { return fail(Errc::snapshot_corrupt, std::move(why)); };
  if (r.read_u64() != kMagic) return corrupt("not a strike engine snapshot");
  if (const std::uint32_t v = r.read_u32(); v != kVersion) return corrupt(fmt::format("version {} (expected {})", v, kVersion));
  if (r.read_u32() != instruments.size()) return corrupt("taken with another instrument table (count differs)");
  for (const Instrument& ins : instruments.all())
    if (r.read_string() != ins.name) return corrupt(fmt::format("taken with another instrument table (at {})", ins.name));
  Hash256 digest{};
  for (std::uint8_t& b : digest) b = r.read_u8();
  if (r.ok() && digest != e->config_digest_)
    return fail(Errc::config_mismatch, fmt::format("the snapshot was taken with configuration {}; this engine runs {}",
                                                   to_hex(digest), to_hex(e->config_digest_)));
  e->last_seq_ = SeqNo{r.read_u64()};
  e->now_ = Timestamp::from_ns(r.read_i64());
  e->next_order_id_ = r.read_u64();
  e->next_trade_id_ = r.read_u64();
  e->next_funding_ns_ = r.read_i64();
  e->next_expiry_ = r.read_u64();
  if (!r.ok() || e->next_expiry_ > e->expiries_.size()) return corrupt("header");
  const std::uint64_t heap = r.read_u64();
  if (!r.ok() || heap > r.remaining()) return corrupt("GTD schedule size");
  for (std::uint64_t i = 0; i < heap; ++i) {
    const std::int64_t t = r.read_i64();
    const std::uint32_t b = r.read_u32();
    if (b >= instruments.size()) return corrupt("GTD schedule entry");
    e->gtd_heap_.emplace_back(t, b);
  }
  if (!std::is_heap(e->gtd_heap_.begin(), e->gtd_heap_.end(), [](const auto& x, const auto& y) { return x > y; }))
    return corrupt("GTD schedule is not a heap");
  for (std::size_t i = 0; i < instruments.size() && r.ok(); ++i) {
    e->status_[i] = r.read_enum<InstrumentStatus>(InstrumentStatus::settled);
    e->expiry_at_[i] = Timestamp::from_ns(r.read_i64());
    book::BookSnapshot s;
    s.config = e->books_[i].config();
    s.now = e->now_;
    for (auto& p : s.prices) {
      const bool has = r.read_bool();
      const std::int64_t v = r.read_i64();
      if (has) p = Price{v};
    }
    const std::uint64_t n = r.read_u64();
    if (!r.ok() || n > r.remaining()) return corrupt(fmt::format("book {}: order count", instruments.get(InstrumentId{static_cast<std::uint32_t>(i)}).name));
    std::vector<OrderView> views;
    for (std::uint64_t k = 0; k < n && r.ok(); ++k) {
      const book::OrderState o = read_order(r);
      s.orders.push_back(o);
      auto view = read_view(r);
      if (!r.ok() || !view) return corrupt(fmt::format("order {}: view", o.id.raw()));
      const OrderView& v = view.value();
      // The view describes the same open order as the book, in the book its id names.
      if (v.id != o.id || v.instrument.raw() != i || v.account != o.account || v.side != o.side || v.price != o.price ||
          v.open() != o.qty || (v.status != OrderStatus::open && v.status != OrderStatus::untriggered) ||
          (o.id.raw() >> kOrderIdInstrumentShift) != i)
        return corrupt(fmt::format("order {}", o.id.raw()));
      views.push_back(v);
    }
    if (!r.ok()) break;
    if (auto restored = e->books_[i].restore(s); !restored) return corrupt("book: " + restored.error().to_string());
    // Each client view at its order's slot in the restored book.
    auto& column = e->views_[i];
    column.assign(e->books_[i].slot_count(), OrderView{});
    for (const OrderView& v : views) column[*e->books_[i].slot_of(v.id)] = v;
    e->open_orders_ += views.size();
  }
  if (!r.ok()) return corrupt(std::string(name(r.error())));
  if (auto s = e->clearing_.load(r); !s) return fail(s.error());
  if (auto s = e->client_ids_.load(r); !s) return fail(s.error());
  if (auto s = e->risk_->load(r, e->clearing_.account_count()); !s) return fail(s.error());
  if (auto s = e->load_marks(r); !s) return fail(s.error());
  const Timestamp markets_at = Timestamp::from_ns(r.read_i64());
  // What risk rebuilds rather than stores: open-order exposure from the books, portfolio sums
  // from the positions (at the grid of the restored marks).
  for (std::size_t i = 0; i < e->books_.size(); ++i)
    for (const OrderView& v : e->views_[i])
      if (v.id.raw() != 0 && e->books_[i].slot_of(v.id) && v.status == OrderStatus::open)
        e->risk_->orders_changed(v.account, e->exposure(InstrumentId{static_cast<std::uint32_t>(i)}, v.side, v.open().raw(), v.price));
  e->markets_at_ = markets_at;
  if (e->risk_->any_portfolio()) e->markets_changed(markets_at);
  e->risk_->rebuild(e->clearing_);
  e->clearing_.begin_command(e->last_seq_, e->now_);  // queries before the next command see its time
  if (auto s = r.finish(); !s) return corrupt(std::string(name(s.error())));
  if (auto problem = e->validate()) return corrupt(*problem);
  return e;
}

Hash256 Engine::state_hash() const {
  std::vector<std::byte> bytes;
  save(bytes);
  return Sha256::of(bytes);
}

}  // namespace strike::engine
