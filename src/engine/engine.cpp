#include "engine/engine.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace strike::engine {
namespace {

// Orders the GTD schedule as a min-heap on (expiry, instrument).
constexpr auto kEarliestFirst = [](const auto& x, const auto& y) { return x > y; };

// The largest trade value (settlement units) an order may reach: sums of many stay in int64.
constexpr std::int64_t kMaxOrderValue = std::int64_t{1} << 60;

// Highest price (in units of the price currency) an order may carry: coin-priced options up to
// 100 coin, everything else up to 10^7 (USD, USDC).
book::BookConfig book_config(const Instrument& ins, const clearing::ContractMath& math, const EngineConfig& config) {
  book::BookConfig c;
  const Decimal finest = ins.ticks.finest();
  std::uint8_t n = 0;
  for (const TickStep& s : ins.ticks.steps()) {
    if (n == book::kMaxTickSteps) break;
    c.tick_steps[n++] = book::TickStep{Price{steps_of(s.above_price, finest).value()}, steps_of(s.tick, finest).value()};
  }
  c.tick_step_count = n;
  const bool coin_priced = ins.is_option() && ins.settlement == Settlement::inverse;
  const std::int64_t max_units = coin_priced ? 100 : 10'000'000;
  c.max_price = Price{std::min<std::int64_t>(book::kMaxPrice, steps_of(Decimal{max_units, 0}, finest).value())};
  c.max_price = c.floor_to_grid(c.max_price);
  // The largest quantity whose value fits kMaxOrderValue at the price where a lot is worth most
  // (the top price for linear contracts, the bottom one for inverse futures).
  const Price worst = math.inverse_valued() ? c.min_price : c.max_price;
  const std::int64_t lot_value = std::max<std::int64_t>(1, std::abs(math.trade_value(1, worst).value_or(kMaxOrderValue)));
  c.max_qty = Qty{std::max<std::int64_t>(1, std::min(book::kMaxQty, kMaxOrderValue / lot_value))};
  c.max_open_orders = config.max_open_orders_per_book;
  c.hold_triggered = true;  // the engine re-checks every triggered stop (admit_triggered)
  // Market orders stop at market_protection beyond the best opposite price (basis points).
  c.market_protection_bps = static_cast<std::uint32_t>(steps_of(config.market_protection, Decimal{1, 4}).value());
  return c;
}

}  // namespace

std::string_view to_string(OrderStatus s) noexcept {
  switch (s) {
    case OrderStatus::open: return "open";
    case OrderStatus::filled: return "filled";
    case OrderStatus::cancelled: return "cancelled";
    case OrderStatus::untriggered: return "untriggered";
  }
  return "?";
}

std::string_view to_string(InstrumentStatus s) noexcept {
  switch (s) {
    case InstrumentStatus::open: return "open";
    case InstrumentStatus::halted: return "halted";
    case InstrumentStatus::awaiting_settlement: return "awaiting_settlement";
    case InstrumentStatus::settled: return "settled";
  }
  return "?";
}

Engine::Engine(const InstrumentRegistry& instruments, EngineConfig config)
    : instruments_(&instruments),
      config_(config),
      config_digest_(engine::config_digest(instruments, config)),
      clearing_(instruments, config.clearing),
      client_ids_(config.client_order_id_window_ns, config.client_order_id_capacity) {
  if (config_.risk.all().empty()) config_.risk = risk::RiskConfig(instruments.currencies());
  auto r = risk::AccountRisk::make(instruments, config_.risk);
  STRIKE_ASSERT(r.ok(), "risk configuration: {}", r.ok() ? "" : r.error().to_string());
  risk_ = std::move(r).value();
  build_mark_chains();
  STRIKE_ASSERT(instruments.size() < (std::size_t{1} << (63 - kOrderIdInstrumentShift)), "too many instruments");
  books_.reserve(instruments.size());  // never reallocated: each book's sink points into this engine
  for (const Instrument& ins : instruments.all()) {
    books_.emplace_back(book_config(ins, clearing_.math(ins.id), config_), EventBuffer{&book_events_});
    if (ins.has_expiry()) expiries_.emplace_back(ins.expiry, ins.id);
  }
  std::sort(expiries_.begin(), expiries_.end());
  views_.resize(instruments.size());
  status_.assign(instruments.size(), InstrumentStatus::open);
  expiry_at_.assign(instruments.size(), Timestamp{});
  events_.reserve(256);
  book_events_.reserve(256);
  fills_.reserve(64);
}

// --- apply --------------------------------------------------------------------------------------

const Outcome& Engine::apply(const Command& command) noexcept {
  STRIKE_ASSERT(command.seq.raw() == last_seq_.raw() + 1, "command seq {} after {}", command.seq.raw(), last_seq_.raw());
  STRIKE_ASSERT(command.time >= now_, "command time {} before {}", command.time.ns(), now_.ns());
  last_seq_ = command.seq;
  now_ = command.time;
  events_.clear();
  outcome_ = Outcome{};
  outcome_.seq = command.seq;
  clearing_.begin_command(command.seq, command.time);
  Step step;
  advance(command.time, step);
  outcome_.status = std::visit(
      [this, &step](const auto& body) -> Errc {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, NewOrder>) return on_new_order(body, step);
        if constexpr (std::is_same_v<T, AmendOrder>) return on_amend(body, step);
        if constexpr (std::is_same_v<T, CancelOrder>) return on_cancel(body, step);
        if constexpr (std::is_same_v<T, CancelAll>) return on_cancel_all(body, step);
        if constexpr (std::is_same_v<T, CreateAccount>) return on_create_account(body);
        if constexpr (std::is_same_v<T, Deposit>) return on_deposit(body);
        if constexpr (std::is_same_v<T, Withdraw>) return on_withdraw(body);
        if constexpr (std::is_same_v<T, Transfer>) return on_transfer(body);
        if constexpr (std::is_same_v<T, HaltInstrument>) return on_halt(body);
        if constexpr (std::is_same_v<T, ResumeInstrument>) return on_resume(body);
        if constexpr (std::is_same_v<T, ExpireInstrument>) return on_expire(body, step);
        if constexpr (std::is_same_v<T, SetIndex>) return on_set_index(body, step);
        if constexpr (std::is_same_v<T, SetMark>) return on_set_mark(body, step);
        if constexpr (std::is_same_v<T, AdvanceTime>) return on_advance_time(body);
        if constexpr (std::is_same_v<T, Configure>) return on_configure(body);
        if constexpr (std::is_same_v<T, ChangeMarginModel>) return on_change_margin_model(body);
      },
      command.body);
  if (step.subject_view) events_.push_back(OrderUpdated{*step.subject_view});
  outcome_.events = events_;
  outcome_.ledger_entries = clearing_.ledger().new_entries();
  return outcome_;
}

// --- stages after a book call ------------------------------------------------------------------

void Engine::after_book_call(InstrumentId i, Step& step) noexcept {
  Book& b = books_[i.raw()];
  for (;;) {
    settle(i);
    report(i, step);
    // Each stop the price moves reached, one at a time in the book's order: the engine decides.
    const auto triggered = b.take_triggered();
    if (!triggered) return;
    report(i, step);  // the Triggered event
    const std::optional<book::OrderState> held = b.held();
    if (admit_triggered(i, *held) != Errc::ok) {
      b.drop_triggered(book::CancelReason::refused);
    } else {
      b.activate_triggered();
    }
  }
}

Errc Engine::admit_triggered(InstrumentId i, const book::OrderState& o) const noexcept {
  if (!o.reduce_only) return risk_->admit(clearing_, o.account, exposure(i, o.side, o.qty.raw(), o.price));
  // A reduce-only stop may have stopped reducing since it was placed.
  const clearing::Position* p = clearing_.position(o.account, i);
  const std::int64_t size = p ? p->size : 0;
  const bool reduces = (o.side == Side::sell && size >= o.qty.raw()) || (o.side == Side::buy && -size >= o.qty.raw());
  return reduces ? Errc::ok : Errc::reduce_only_rejected;
}

risk::OrderChange Engine::exposure(InstrumentId i, Side side, std::int64_t lots, Price price) const noexcept {
  risk::OrderChange c;
  c.instrument = i;
  (side == Side::buy ? c.buy_lots : c.sell_lots) = lots;
  // Lots x limit ticks: risk values an option buy's premium and a price without a mark from them.
  (side == Side::buy ? c.buy_notional : c.sell_notional) = lots * price.raw();
  return c;
}

void Engine::markets_changed(std::optional<Timestamp> at) noexcept {
  markets_at_ = at ? *at : now_;
  // The portfolio-margin grid moves futures at their marks and options at their forward and mark
  // IV; without an IV (no option marks yet) an option's vector stays unusable.
  std::vector<risk::InstrumentMarket> market(instruments_->size());
  for (const Instrument& ins : instruments_->all()) {
    const auto mark = clearing_.mark(ins.id);
    const auto index = clearing_.index(ins.base);
    risk::InstrumentMarket& m = market[ins.id.raw()];
    if (ins.is_option()) {
      // On the forward of its expiry (its dated future's mark, else the index), at its mark IV.
      const InstrumentId future = option_future_[ins.id.raw()];
      const auto forward = future.raw() != UINT32_MAX ? clearing_.mark(future) : index;
      m.forward = forward ? static_cast<double>(forward->raw()) / 1e8 : 0.0;
      m.vol = option_marks_[ins.id.raw()] ? option_marks_[ins.id.raw()]->mark_iv : 0.0;
    } else if (mark) {
      m.forward = static_cast<double>(mark->raw()) / 1e8;
    }
  }
  std::vector<double> index(instruments_->currencies().all().size(), 0.0);
  for (const Currency& c : instruments_->currencies().all())
    if (const auto i = clearing_.index(c.id)) index[c.id.raw()] = static_cast<double>(i->raw()) / 1e8;
  risk_->set_markets(markets_at_, market, index);
}

// Settle: clearing books every trade of the buffer, in order (fees, premium, PnL, positions).
void Engine::settle(InstrumentId i) noexcept {
  fills_.clear();
  for (const BookEvent& e : book_events_) {
    const auto* t = std::get_if<book::Trade>(&e);
    if (t == nullptr) continue;
    const bool buyer_is_maker = t->aggressor == Side::sell;
    const AccountId buyer = buyer_is_maker ? t->maker_account : t->taker_account;
    const AccountId seller = buyer_is_maker ? t->taker_account : t->maker_account;
    fills_.push_back(clearing_.on_fill(clearing::Fill{i, next_trade_id_ + fills_.size(), buyer, seller, buyer_is_maker,
                                                      t->price, t->qty}));
    // Risk's post-trade update: portfolio-margin sums follow the positions; without a mark the
    // last trade is the instruments' value, and it just moved.
    risk_->position_changed(clearing_, buyer, i, t->qty.raw());
    risk_->position_changed(clearing_, seller, i, -t->qty.raw());
    if (!clearing_.has_mark(i)) risk_->values_moved();
  }
}

// Report: the buffer, in order, becomes client views and engine events.
void Engine::report(InstrumentId i, Step& step) noexcept {
  std::size_t fill = 0;
  for (const BookEvent& e : book_events_) {
    if (const auto* a = std::get_if<book::Accepted>(&e)) {
      STRIKE_ASSERT(step.order != nullptr && a->id == step.subject, "order {} accepted without its command", a->id.raw());
      std::vector<OrderView>& column = views_[i.raw()];
      if (a->slot >= column.size()) column.resize(books_[i.raw()].slot_count());
      const NewOrder& c = *step.order;
      OrderView& v = column[a->slot];
      v = OrderView{};
      v.id = a->id;
      v.instrument = i;
      v.account = a->account;
      v.side = a->side;
      v.type = a->type;
      v.tif = a->tif;
      v.post_only = c.post_only;
      v.trigger = c.trigger;
      v.reduce_only = a->reduce_only;
      v.repriced = a->repriced;
      v.status = book::is_stop(a->type) ? OrderStatus::untriggered : OrderStatus::open;
      v.price = a->price;
      v.trigger_price = c.trigger_price;
      v.amount = a->qty;
      v.display = a->display;
      v.created = now_;
      v.expiry = step.expiry;
      v.label = c.label;
      v.client_id = c.client_id;
      ++open_orders_;
      if (!book::is_stop(a->type)) risk_->orders_changed(v.account, exposure(i, v.side, a->qty.raw(), v.price));
      publish(v, step);
    } else if (const auto* t = std::get_if<book::Trade>(&e)) {
      const clearing::FillResult& f = fills_[fill++];
      const bool buyer_is_maker = t->aggressor == Side::sell;
      events_.push_back(TradeExecuted{i, next_trade_id_++, now_, t->price, t->qty, t->aggressor, t->maker, t->taker,
                                      t->maker_account, t->taker_account,
                                      buyer_is_maker ? f.buyer_fee : f.seller_fee, buyer_is_maker ? f.seller_fee : f.buyer_fee});
      for (const auto& [slot, remaining] : {std::pair{t->maker_slot, t->maker_remaining}, std::pair{t->taker_slot, t->taker_remaining}}) {
        OrderView& v = view(i, slot);
        v.filled += t->qty;
        v.filled_value += int128{t->price.raw()} * t->qty.raw();
        risk_->orders_changed(v.account, exposure(i, v.side, -t->qty.raw(), v.price));
        if (remaining.raw() == 0) {
          v.status = OrderStatus::filled;
          --open_orders_;
        }
        publish(v, step);
      }
    } else if (const auto* c = std::get_if<book::Cancelled>(&e)) {
      OrderView& v = view(i, c->slot);
      if (v.status != OrderStatus::untriggered) risk_->orders_changed(v.account, exposure(i, v.side, -c->qty.raw(), v.price));
      v.status = OrderStatus::cancelled;
      v.cancel_reason = c->reason;
      --open_orders_;
      publish(v, step);
    } else if (const auto* m = std::get_if<book::Amended>(&e)) {
      OrderView& v = view(i, m->slot);
      if (v.status != OrderStatus::untriggered) {
        risk_->orders_changed(v.account, exposure(i, v.side, -m->old_qty.raw(), v.price));
        risk_->orders_changed(v.account, exposure(i, v.side, m->qty.raw(), m->price));
      }
      v.price = m->price;
      v.amount = v.filled + m->qty;
      publish(v, step);
    } else if (const auto* g = std::get_if<book::Triggered>(&e)) {
      OrderView& v = view(i, g->slot);
      v.triggered = true;
      v.status = OrderStatus::open;
      // Active from now on: what a fill could add counts (at the order's limit price).
      risk_->orders_changed(v.account, exposure(i, v.side, v.open().raw(), v.price));
      publish(v, step);
    } else if (const auto* l = std::get_if<book::LevelUpdate>(&e)) {
      events_.push_back(BookChanged{i, l->side, l->price, l->qty, l->count});
    }
  }
  book_events_.clear();
}

void Engine::publish(OrderView& v, Step& step) noexcept {
  v.updated = now_;
  if (v.id == step.subject) {
    step.subject_view = v;  // reported once, at the end of the command
  } else {
    events_.push_back(OrderUpdated{v});
  }
}

// --- time ---------------------------------------------------------------------------------------

void Engine::advance(Timestamp now, Step& step) noexcept {
  client_ids_.expire(now);
  while (!gtd_heap_.empty() && gtd_heap_.front().first <= now.ns()) {
    const std::uint32_t i = gtd_heap_.front().second;
    std::pop_heap(gtd_heap_.begin(), gtd_heap_.end(), kEarliestFirst);
    gtd_heap_.pop_back();
    books_[i].advance_time(now);
    after_book_call(InstrumentId{i}, step);
  }
  while (next_expiry_ < expiries_.size() && expiries_[next_expiry_].first <= now) {
    const auto [at, id] = expiries_[next_expiry_++];
    if (status_[id.raw()] == InstrumentStatus::open || status_[id.raw()] == InstrumentStatus::halted) expire(id, at, step);
  }
  const std::int64_t interval = config_.clearing.funding_interval_ns;
  if (next_funding_ns_ == 0) next_funding_ns_ = (now.ns() / interval + 1) * interval;
  if (now.ns() >= next_funding_ns_) {
    for (const Instrument& ins : instruments_->all()) {
      if (ins.kind != InstrumentKind::perpetual || status_[ins.id.raw()] != InstrumentStatus::open) continue;
      auto paid = clearing_.apply_funding(ins.id);
      if (paid) events_.push_back(FundingPaid{ins.id, paid->rate_num, paid->rate_den, static_cast<std::uint32_t>(paid->positions)});
    }
    next_funding_ns_ = (now.ns() / interval + 1) * interval;  // an interval with no command is not paid twice
  }
}

void Engine::expire(InstrumentId id, Timestamp at, Step& step) noexcept {
  book::CancelAllFilter all;
  (void)books_[id.raw()].cancel_all(all, now_);
  after_book_call(id, step);
  status_[id.raw()] = InstrumentStatus::awaiting_settlement;
  events_.push_back(InstrumentChanged{id, InstrumentStatus::awaiting_settlement});
  expiry_at_[id.raw()] = at;
  try_settle(id);
}

void Engine::try_settle(InstrumentId id) noexcept {
  // Settlement closes every position of the instrument outside any fill: risk is told first.
  settling_.clear();
  clearing_.for_each_position_in(id, [&](const clearing::Position& p) { settling_.emplace_back(p.account, p.size); });
  auto settled = clearing_.settle_expiry(id, expiry_at_[id.raw()]);
  if (!settled) return;  // no index yet: retried when one arrives
  for (const auto& [account, size] : settling_) risk_->position_changed(clearing_, account, id, -size);
  status_[id.raw()] = InstrumentStatus::settled;
  events_.push_back(Settled{id, settled->price, static_cast<std::uint32_t>(settled->positions), settled->residue});
  events_.push_back(InstrumentChanged{id, InstrumentStatus::settled});
}

// --- order entry --------------------------------------------------------------------------------

Errc Engine::check_tradeable(InstrumentId id) const noexcept {
  if (id.raw() >= books_.size()) return Errc::unknown_instrument;
  switch (status_[id.raw()]) {
    case InstrumentStatus::open: return Errc::ok;
    case InstrumentStatus::halted: return Errc::instrument_halted;
    case InstrumentStatus::awaiting_settlement:
    case InstrumentStatus::settled: return Errc::instrument_expired;
  }
  return Errc::ok;
}

std::optional<InstrumentId> Engine::instrument_of(OrderId id) const noexcept {
  const std::uint64_t i = id.raw() >> kOrderIdInstrumentShift;
  if (i >= books_.size()) return std::nullopt;
  return InstrumentId{static_cast<std::uint32_t>(i)};
}

Errc Engine::on_new_order(const NewOrder& c, Step& step) noexcept {
  // Admit: every check before the first change.
  if (!clearing_.has_account(c.account)) return Errc::unknown_account;
  if (const Errc e = check_tradeable(c.instrument); e != Errc::ok) return e;
  if (c.qty.raw() <= 0) return Errc::book_invalid_quantity;
  Book& b = books_[c.instrument.raw()];
  // The book's max_qty bounds the order's value at every price it may carry (book_config).
  if (c.qty > b.config().max_qty) return Errc::order_too_large;
  const OrderId id{std::uint64_t{c.instrument.raw()} << kOrderIdInstrumentShift | next_order_id_};
  book::NewOrder o{id, c.account, c.side, c.type, c.tif, c.price, c.qty, c.display,
                   c.trigger_price, c.trigger, c.expiry, c.post_only, c.stp, c.reduce_only};
  // Good-till-date without a date is Deribit's good_til_day: until the next 08:00 UTC.
  if (o.tif == book::TimeInForce::gtd && o.expiry.ns() == 0) o.expiry = trading_session_end(now_);
  if (c.reduce_only) {
    // Only against an open position, and for at most its size (Deribit reduces the amount).
    const clearing::Position* p = clearing_.position(c.account, c.instrument);
    const std::int64_t size = p ? p->size : 0;
    const bool reduces = (c.side == Side::sell && size > 0) || (c.side == Side::buy && size < 0);
    if (!reduces) return Errc::reduce_only_rejected;
    o.qty = Qty{std::min(c.qty.raw(), size < 0 ? -size : size)};
  }
  if (!c.client_id.empty())
    if (const auto prior = client_ids_.find(c.account, c.client_id)) {
      outcome_.order = *prior;
      return Errc::duplicate_client_order_id;
    }
  // Risk's pre-trade check: margin for what a fill would add (a stop is checked when it triggers,
  // a reduce-only order never adds risk).
  if (!c.reduce_only && !book::is_stop(c.type)) {
    const Price limit = book::is_market(c.type) ? b.market_limit(c.side) : c.price;
    if (limit.raw() > 0)  // a market order into an empty book trades nothing
      if (const Errc e = risk_->admit(clearing_, c.account, exposure(c.instrument, c.side, o.qty.raw(), limit)); e != Errc::ok)
        return e;
  }
  // Match (the book validates the rest and rejects without changing anything).
  step.order = &c;
  step.expiry = o.expiry;
  step.subject = id;
  const Errc e = b.submit(o, now_);
  if (e != Errc::ok) {
    book_events_.clear();  // the Rejected event: the command's status says it
    return e;
  }
  outcome_.order = id;
  ++next_order_id_;
  if (!c.client_id.empty()) client_ids_.add(c.account, c.client_id, id, now_);
  if (o.tif == book::TimeInForce::gtd) {
    gtd_heap_.emplace_back(o.expiry.ns(), c.instrument.raw());
    std::push_heap(gtd_heap_.begin(), gtd_heap_.end(), kEarliestFirst);
  }
  after_book_call(c.instrument, step);
  return Errc::ok;
}

Errc Engine::on_amend(const AmendOrder& c, Step& step) noexcept {
  const OrderView* v = order(c.account, c.order);
  if (v == nullptr) return Errc::book_unknown_order;
  const InstrumentId i = v->instrument;
  if (const Errc e = check_tradeable(i); e != Errc::ok) return e;
  const Instrument& ins = instruments_->get(i);
  auto amount = ins.order_qty(c.amount);
  if (!amount) return amount.error();
  Price price = v->price, trigger{0};
  if (!c.price.is_zero()) {
    auto p = ins.order_price(c.price);
    if (!p) return p.error();
    price = p.value();
  }
  if (!c.trigger_price.is_zero()) {
    auto p = ins.price_from_decimal(c.trigger_price);
    if (!p) return Errc::book_invalid_trigger;
    trigger = p.value();
  }
  // The new amount includes what already filled (Deribit's edit): the open part is what is left.
  const std::int64_t open = amount->raw() - v->filled.raw();
  if (open <= 0) return Errc::amend_below_filled;
  if (amount.value() > books_[i.raw()].config().max_qty) return Errc::order_too_large;
  if (v->status != OrderStatus::untriggered && !v->reduce_only) {
    // Risk: the order as amended in place of the order as it is.
    risk::OrderChange change = exposure(i, v->side, open, price);
    const risk::OrderChange old = exposure(i, v->side, v->open().raw(), v->price);
    change.buy_lots -= old.buy_lots;
    change.sell_lots -= old.sell_lots;
    change.buy_notional -= old.buy_notional;
    if (const Errc e = risk_->admit(clearing_, c.account, change); e != Errc::ok) return e;
  }
  step.subject = c.order;
  outcome_.order = c.order;
  const Errc e = books_[i.raw()].amend(book::AmendOrder{c.order, c.account, price, Qty{open}, trigger}, now_);
  if (e != Errc::ok) {
    book_events_.clear();
    return e;
  }
  after_book_call(i, step);
  return Errc::ok;
}

Errc Engine::on_cancel(const CancelOrder& c, Step& step) noexcept {
  const OrderView* v = order(c.account, c.order);
  if (v == nullptr) return Errc::book_unknown_order;
  const InstrumentId i = v->instrument;
  step.subject = c.order;
  outcome_.order = c.order;
  const Errc e = books_[i.raw()].cancel(c.order, c.account, now_);
  STRIKE_ASSERT(e == Errc::ok, "cancel of open order {} refused: {}", c.order.raw(), name(e));
  after_book_call(i, step);
  return Errc::ok;
}

Errc Engine::on_cancel_all(const CancelAll& c, Step& step) noexcept {
  if (!clearing_.has_account(c.account)) return Errc::unknown_account;
  if (c.one_instrument && c.instrument.raw() >= books_.size()) return Errc::unknown_instrument;
  book::CancelAllFilter f;
  f.account = c.account;
  if (c.one_side) f.side = c.side;
  f.resting = c.resting;
  f.stops = c.stops;
  for (std::size_t i = c.one_instrument ? c.instrument.raw() : 0; i < books_.size(); ++i) {
    if (books_[i].open_orders(c.account) > 0) {
      outcome_.count += books_[i].cancel_all(f, now_);
      after_book_call(InstrumentId{static_cast<std::uint32_t>(i)}, step);
    }
    if (c.one_instrument) break;
  }
  return Errc::ok;
}

// --- accounts -----------------------------------------------------------------------------------

Errc Engine::on_create_account(const CreateAccount& c) noexcept {
  auto id = clearing_.create_account(c.owner.raw() == 0 ? std::nullopt : std::optional{c.owner});
  if (!id) return id.error();
  outcome_.account = id.value();
  risk_->add_account();
  events_.push_back(AccountCreated{id.value(), clearing_.owner_of(id.value())});
  return Errc::ok;
}

void Engine::balance_event(AccountId account, Money amount, clearing::EntryReason reason) noexcept {
  const std::int64_t balance = clearing_.ledger().balance(clearing::LedgerAccount::user(account), amount.currency());
  events_.push_back(BalanceChanged{account, amount, Money{amount.currency(), balance}, reason});
}

Errc Engine::on_deposit(const Deposit& c) noexcept {
  const Money amount{c.currency, c.amount};
  if (auto r = clearing_.deposit(c.account, amount); !r) return r.error();
  balance_event(c.account, amount, clearing::EntryReason::deposit);
  return Errc::ok;
}

Errc Engine::on_withdraw(const Withdraw& c) noexcept {
  const Money amount{c.currency, c.amount};
  // Funds follow margin: never below what the positions and orders need (after clearing's own
  // checks of the input, so a bad request gets its true reason).
  if (clearing_.has_account(c.account) && c.currency.raw() < instruments_->currencies().all().size() &&
      clearing_.holds(c.currency) && c.amount > 0)
    if (const Errc e = risk_->admit_withdrawal(clearing_, c.account, amount); e != Errc::ok) return e;
  if (auto r = clearing_.withdraw(c.account, amount); !r) return r.error();
  balance_event(c.account, Money{c.currency, -c.amount}, clearing::EntryReason::withdrawal);
  return Errc::ok;
}

Errc Engine::on_transfer(const Transfer& c) noexcept {
  if (clearing_.has_account(c.from) && clearing_.has_account(c.to) && c.from != c.to &&
      clearing_.owner_of(c.from) == clearing_.owner_of(c.to) && c.currency.raw() < instruments_->currencies().all().size() &&
      clearing_.holds(c.currency) && c.amount > 0)
    if (const Errc e = risk_->admit_withdrawal(clearing_, c.from, Money{c.currency, c.amount}); e != Errc::ok) return e;
  if (auto r = clearing_.transfer(c.from, c.to, Money{c.currency, c.amount}); !r) return r.error();
  balance_event(c.from, Money{c.currency, -c.amount}, clearing::EntryReason::transfer);
  balance_event(c.to, Money{c.currency, c.amount}, clearing::EntryReason::transfer);
  return Errc::ok;
}

// --- instruments and market inputs --------------------------------------------------------------

Errc Engine::on_halt(const HaltInstrument& c) noexcept {
  if (const Errc e = check_tradeable(c.instrument); e != Errc::ok) return e;
  status_[c.instrument.raw()] = InstrumentStatus::halted;
  events_.push_back(InstrumentChanged{c.instrument, InstrumentStatus::halted});
  return Errc::ok;
}

Errc Engine::on_resume(const ResumeInstrument& c) noexcept {
  if (c.instrument.raw() >= books_.size()) return Errc::unknown_instrument;
  if (status_[c.instrument.raw()] != InstrumentStatus::halted) return Errc::instrument_not_halted;
  status_[c.instrument.raw()] = InstrumentStatus::open;
  events_.push_back(InstrumentChanged{c.instrument, InstrumentStatus::open});
  return Errc::ok;
}

Errc Engine::on_expire(const ExpireInstrument& c, Step& step) noexcept {
  if (c.instrument.raw() >= books_.size()) return Errc::unknown_instrument;
  if (!instruments_->get(c.instrument).has_expiry()) return Errc::instrument_not_dated;
  const InstrumentStatus s = status_[c.instrument.raw()];
  if (s != InstrumentStatus::open && s != InstrumentStatus::halted) return Errc::instrument_expired;
  expire(c.instrument, now_, step);
  return Errc::ok;
}

Errc Engine::on_set_index(const SetIndex& c, Step& step) noexcept {
  if (c.currency.raw() >= instruments_->currencies().all().size() || !clearing_.holds(c.currency))
    return Errc::unknown_currency;
  if (auto r = clearing_.set_index(c.currency, c.price); !r) return r.error();
  risk_->values_moved();
  for (const Instrument& ins : instruments_->all()) {
    if (ins.base != c.currency) continue;
    const InstrumentStatus s = status_[ins.id.raw()];
    if (s == InstrumentStatus::awaiting_settlement) try_settle(ins.id);
    // Index triggers are for contracts priced in USD terms; options are priced in coin.
    if (s == InstrumentStatus::open && !ins.is_option()) {
      books_[ins.id.raw()].set_price(book::PriceSource::index, to_ticks(ins.id, c.price), now_);
      after_book_call(ins.id, step);
    }
  }
  update_marks(c.currency, step);  // the venue's marks follow the index (engine_marks.cpp)
  return Errc::ok;
}

Errc Engine::on_set_mark(const SetMark& c, Step& step) noexcept {
  if (c.instrument.raw() >= books_.size()) return Errc::unknown_instrument;
  if (auto r = clearing_.set_mark(c.instrument, c.price); !r) return r.error();
  risk_->values_moved();
  if (risk_->any_portfolio()) markets_changed();
  if (status_[c.instrument.raw()] == InstrumentStatus::open) {
    books_[c.instrument.raw()].set_price(book::PriceSource::mark, to_ticks(c.instrument, c.price), now_);
    after_book_call(c.instrument, step);
  }
  return Errc::ok;
}

Errc Engine::on_change_margin_model(const ChangeMarginModel& c) noexcept {
  if (!clearing_.has_account(c.account)) return Errc::unknown_account;
  if (c.model > static_cast<std::uint8_t>(risk::MarginModel::cross_pm)) return Errc::rpc_bad_param;
  const auto model = static_cast<risk::MarginModel>(c.model);
  if (risk::is_portfolio(model)) markets_changed();  // the grid at today's marks
  if (auto s = risk_->set_model(clearing_, c.account, model); !s) return s.error();
  return Errc::ok;
}

Price Engine::to_ticks(InstrumentId id, RefPrice price) const noexcept {
  return Price{std::max<std::int64_t>(1, clearing_.math(id).from_ref_price(price).raw())};
}

// --- queries ------------------------------------------------------------------------------------

const OrderView* Engine::order(AccountId account, OrderId id) const noexcept {
  const auto i = instrument_of(id);
  if (!i) return nullptr;
  const auto slot = books_[i->raw()].slot_of(id);
  if (!slot) return nullptr;
  const OrderView& v = views_[i->raw()][*slot];
  return v.account == account ? &v : nullptr;
}

std::vector<OrderView> Engine::open_orders(AccountId account, std::optional<InstrumentId> instrument) const {
  std::vector<OrderView> out;
  for (std::size_t i = instrument ? instrument->raw() : 0; i < books_.size(); ++i) {
    if (books_[i].open_orders(account) > 0)
      books_[i].for_each_order([&](const book::OrderState& o) {
        if (o.account == account) out.push_back(views_[i][*books_[i].slot_of(o.id)]);
      });
    if (instrument) break;
  }
  return out;
}

std::size_t Engine::depth(InstrumentId id, Side side, std::span<book::DepthLevel> out) const noexcept {
  if (id.raw() >= books_.size()) return 0;
  return books_[id.raw()].depth(side, out);
}

std::optional<Price> Engine::best(InstrumentId id, Side side) const noexcept {
  if (id.raw() >= books_.size()) return std::nullopt;
  return side == Side::buy ? books_[id.raw()].best_bid() : books_[id.raw()].best_ask();
}

std::optional<std::string> Engine::validate() const {
  std::size_t open = 0;
  for (std::size_t i = 0; i < books_.size(); ++i) {
    if (auto r = books_[i].validate(); !r) return fmt::format("{}: {}", instruments_->get(InstrumentId{static_cast<std::uint32_t>(i)}).name, r.error().to_string());
    std::optional<std::string> problem;
    books_[i].for_each_order([&](const book::OrderState& o) {
      ++open;
      if (problem) return;
      const std::uint32_t slot = *books_[i].slot_of(o.id);
      if (slot >= views_[i].size()) {
        problem = fmt::format("order {} in book {}: no client view", o.id.raw(), i);
        return;
      }
      const OrderView& v = views_[i][slot];
      if (v.id != o.id || v.instrument.raw() != i || v.account != o.account ||
          v.open() != o.qty || (o.id.raw() >> kOrderIdInstrumentShift) != i)
        problem = fmt::format("order {} in book {}: its client view disagrees (open {} vs {})", o.id.raw(), i,
                              v.open().raw(), o.qty.raw());
    });
    if (problem) return problem;
  }
  if (open != open_orders_) return fmt::format("{} open orders counted, {} in the books", open_orders_, open);
  return clearing_.validate();
}

}  // namespace strike::engine
