// Responses in Deribit's shapes. Deterministic: no wall clock (no usIn/usOut), every number
// from integers (prices and amounts as exact decimals, averages rounded half-even).
#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "rpc/codec.hpp"

namespace strike::rpc {
namespace {

using engine::OrderView;

void put_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

template <class... Args>
void put(std::string& out, fmt::format_string<Args...> f, Args&&... args) {
  fmt::format_to(std::back_inserter(out), f, std::forward<Args>(args)...);
}

void put_id(std::string& out, const RequestId& id) {
  switch (id.kind()) {
    case RequestId::Kind::none: out += "null"; break;
    case RequestId::Kind::number: put(out, "{}", id.as_number()); break;
    case RequestId::Kind::text: put_string(out, id.as_text()); break;
  }
}

// A command's answer carries its sequence number (strike's extension): after a lost connection
// or a crash, a client knows how far the venue got (docs/rpc.md, "Exactly once").
void begin(std::string& out, const RequestId& id, SeqNo seq = SeqNo{0}) {
  out += "{\"jsonrpc\":\"2.0\",\"id\":";
  put_id(out, id);
  if (seq.raw() != 0) put(out, ",\"seq\":{}", seq.raw());
  out += ",\"result\":";
}
void end(std::string& out) { out += "}\n"; }

std::string price_text(const Instrument& ins, Price p) { return format_decimal(ins.price_to_decimal(p)); }
std::string amount_text(const Instrument& ins, Qty q) { return format_decimal(ins.amount_of(q)); }
std::string money_text(const InstrumentRegistry& r, CurrencyId c, std::int64_t units) {
  return format_scaled(units, r.currencies().get(c).decimals);
}
std::string money_text(const InstrumentRegistry& r, Money m) { return money_text(r, m.currency(), m.units()); }
std::string ref_text(RefPrice p) { return format_scaled(p.raw(), kRefPriceScale); }

// value / count ticks as a price, with 4 more decimals than the tick, rounded half-even.
std::string average_text(const Instrument& ins, int128 value, std::int64_t count) {
  if (count == 0) return "0";
  const Decimal tick = ins.ticks.finest();
  constexpr int kExtra = 4;
  auto units = div_round_128(value * tick.units * pow10(kExtra), count, Rounding::half_even);
  if (!units || units.value() > INT64_MAX || units.value() < INT64_MIN) return "0";
  return format_decimal(Decimal{static_cast<std::int64_t>(units.value()), tick.scale + kExtra});
}

std::string_view tif_name(book::TimeInForce t) {
  switch (t) {
    case book::TimeInForce::gtc: return "good_til_cancelled";
    case book::TimeInForce::gtd: return "good_til_day";
    case book::TimeInForce::ioc: return "immediate_or_cancel";
    case book::TimeInForce::fok: return "fill_or_kill";
  }
  return "?";
}

std::string_view trigger_name(book::PriceSource s) {
  switch (s) {
    case book::PriceSource::last: return "last_price";
    case book::PriceSource::mark: return "mark_price";
    case book::PriceSource::index: return "index_price";
  }
  return "?";
}

std::string_view cancel_reason(book::CancelReason r) {
  switch (r) {
    case book::CancelReason::user: return "user_request";
    case book::CancelReason::cancel_all: return "user_request";
    case book::CancelReason::ioc_remainder: return "immediate_or_cancel";
    case book::CancelReason::fok_unfilled: return "fill_or_kill";
    case book::CancelReason::self_trade: return "self_trade";
    case book::CancelReason::expired: return "good_til_day";
    case book::CancelReason::refused: return "risk_mitigation";  // a triggered stop the engine refused
  }
  return "?";
}

void put_order(std::string& out, const engine::Engine& engine, const OrderView& v) {
  const Instrument& ins = engine.instruments().get(v.instrument);
  const std::string_view state = v.status == engine::OrderStatus::untriggered ? "untriggered" : to_string(v.status);
  put(out, "{{\"order_id\":\"{}\",\"order_state\":\"{}\",\"order_type\":\"{}\",\"instrument_name\":", v.id.raw(), state,
      book::to_string(v.type));
  put_string(out, ins.name);
  put(out, ",\"direction\":\"{}\",\"price\":{},\"amount\":{},\"filled_amount\":{},\"average_price\":{}", to_string(v.side),
      book::is_market(v.type) && v.price.raw() == 0 ? std::string("\"market_price\"") : price_text(ins, v.price), amount_text(ins, v.amount),
      amount_text(ins, v.filled), average_text(ins, v.filled_value, v.filled.raw()));
  put(out, ",\"time_in_force\":\"{}\",\"post_only\":{},\"reject_post_only\":{},\"reduce_only\":{}", tif_name(v.tif),
      v.post_only != book::PostOnly::off, v.post_only == book::PostOnly::reject, v.reduce_only);
  put(out, ",\"max_show\":{},\"label\":", amount_text(ins, v.display.raw() == 0 ? v.amount : v.display));
  put_string(out, v.label.view());
  if (!v.client_id.empty()) {
    out += ",\"client_order_id\":";
    put_string(out, v.client_id.view());
  }
  put(out, ",\"creation_timestamp\":{},\"last_update_timestamp\":{}", v.created.ms(), v.updated.ms());
  if (v.tif == book::TimeInForce::gtd) put(out, ",\"expire_at\":{}", v.expiry.ms());
  if (book::is_stop(v.type))
    put(out, ",\"trigger\":\"{}\",\"trigger_price\":{},\"triggered\":{}", trigger_name(v.trigger), price_text(ins, v.trigger_price),
        v.triggered);
  if (v.status == engine::OrderStatus::cancelled) put(out, ",\"cancel_reason\":\"{}\"", cancel_reason(v.cancel_reason));
  put(out, ",\"replaced\":false,\"api\":true,\"web\":false,\"is_liquidation\":false}}");
}

void put_trade(std::string& out, const engine::Engine& engine, const engine::TradeExecuted& t, OrderId side_of,
               const OrderView* order) {
  const Instrument& ins = engine.instruments().get(t.instrument);
  const bool maker = t.maker == side_of;
  const Side direction = maker ? opposite(t.aggressor) : t.aggressor;
  put(out, "{{\"trade_id\":\"{}\",\"trade_seq\":{},\"instrument_name\":", t.trade_id, t.trade_id);
  put_string(out, ins.name);
  put(out, ",\"order_id\":\"{}\",\"direction\":\"{}\",\"price\":{},\"amount\":{},\"fee\":{},\"fee_currency\":\"{}\"",
      side_of.raw(), to_string(direction), price_text(ins, t.price), amount_text(ins, t.qty),
      money_text(engine.instruments(), maker ? t.maker_fee : t.taker_fee),
      engine.instruments().currencies().get(t.maker_fee.currency()).code);
  put(out, ",\"liquidity\":\"{}\",\"timestamp\":{}", maker ? "M" : "T", t.time.ms());
  if (order != nullptr) put(out, ",\"order_type\":\"{}\",\"state\":\"{}\"", book::to_string(order->type), to_string(order->status));
  out += '}';
}

template <class E>
const E* last_event(const engine::Outcome& o) {
  const E* found = nullptr;
  for (const engine::Event& e : o.events)
    if (const E* x = std::get_if<E>(&e)) found = x;
  return found;
}

// The last view of `id` among the events (the command's own order is reported once, last).
const OrderView* final_view(const engine::Outcome& o, OrderId id) {
  const OrderView* v = nullptr;
  for (const engine::Event& e : o.events)
    if (const auto* u = std::get_if<engine::OrderUpdated>(&e); u && u->order.id == id) v = &u->order;
  return v;
}

void put_order_and_trades(std::string& out, const engine::Engine& engine, const engine::Outcome& o) {
  const OrderView* v = final_view(o, o.order);
  out += "{\"order\":";
  if (v != nullptr) put_order(out, engine, *v);
  else out += "null";
  out += ",\"trades\":[";
  bool first = true;
  for (const engine::Event& e : o.events) {
    const auto* t = std::get_if<engine::TradeExecuted>(&e);
    if (t == nullptr || (t->taker != o.order && t->maker != o.order)) continue;
    if (!first) out += ',';
    first = false;
    put_trade(out, engine, *t, o.order, v);
  }
  out += "]}";
}

// `command`: the rejected command's outcome (its sequence, and for a duplicate client order id
// the order that used the id), or none for a request that never became a command.
void put_error(std::string& out, const RequestId& id, Errc reason, std::string_view param,
               const engine::Outcome* command = nullptr) {
  const WireError w = wire_error(reason);
  out += "{\"jsonrpc\":\"2.0\",\"id\":";
  put_id(out, id);
  if (command != nullptr) put(out, ",\"seq\":{}", command->seq.raw());
  put(out, ",\"error\":{{\"code\":{},\"message\":\"{}\",\"data\":{{\"reason\":\"{}\",\"detail\":", w.code, w.message, name(reason));
  put_string(out, message(reason));
  if (!param.empty()) {
    out += ",\"param\":";
    put_string(out, param);
  }
  if (command != nullptr && reason == Errc::duplicate_client_order_id)
    put(out, ",\"order_id\":\"{}\"", command->order.raw());
  out += "}}}\n";
}

std::string_view kind_name(const Instrument& ins) { return ins.is_option() ? "option" : "future"; }

void put_instrument(std::string& out, const engine::Engine& engine, const Instrument& ins) {
  const auto& cur = engine.instruments().currencies();
  out += "{\"instrument_name\":";
  put_string(out, ins.name);
  put(out, ",\"instrument_id\":{},\"kind\":\"{}\",\"settlement_period\":\"{}\",\"base_currency\":\"{}\",\"quote_currency\":\"{}\"",
      ins.id.raw(), kind_name(ins), ins.kind == InstrumentKind::perpetual ? "perpetual" : "week", cur.get(ins.base).code,
      cur.get(ins.quote).code);
  put(out, ",\"settlement_currency\":\"{}\",\"instrument_type\":\"{}\",\"contract_size\":{},\"min_trade_amount\":{}",
      cur.get(ins.settlement_currency).code, ins.settlement == Settlement::inverse ? "reversed" : "linear",
      format_decimal(ins.contract_size), format_decimal(ins.min_trade_amount));
  put(out, ",\"tick_size\":{},\"tick_size_steps\":[", format_decimal(ins.ticks.finest()));
  for (std::size_t i = 0; i < ins.ticks.steps().size(); ++i)
    put(out, "{}{{\"above_price\":{},\"tick_size\":{}}}", i ? "," : "", format_decimal(ins.ticks.steps()[i].above_price),
        format_decimal(ins.ticks.steps()[i].tick));
  put(out, "],\"maker_commission\":{},\"taker_commission\":{},\"is_active\":{}", format_decimal(ins.maker_fee),
      format_decimal(ins.taker_fee), engine.status(ins.id) == engine::InstrumentStatus::open);
  put(out, ",\"state\":\"{}\"", to_string(engine.status(ins.id)));
  if (ins.has_expiry()) put(out, ",\"expiration_timestamp\":{}", ins.expiry.ms());
  if (ins.is_option())
    put(out, ",\"strike\":{},\"option_type\":\"{}\"", format_decimal(ins.strike), to_string(ins.symbol.option_type));
  out += '}';
}

// A decimal of an estimate (Greeks, IVs): finite, 10 significant digits, JSON-safe.
std::string estimate_text(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.10g}", v);
}

void put_book(std::string& out, const engine::Engine& engine, const GetOrderBook& q) {
  const Instrument& ins = engine.instruments().get(q.instrument);
  std::vector<book::DepthLevel> levels(q.depth);
  out += "{\"instrument_name\":";
  put_string(out, ins.name);
  put(out, ",\"timestamp\":{},\"change_id\":{},\"state\":\"{}\"", engine.now().ms(), engine.last_seq().raw(),
      to_string(engine.status(ins.id)));
  std::optional<Price> best[2];
  Qty best_qty[2]{};
  for (const Side side : {Side::buy, Side::sell}) {
    const std::size_t n = engine.depth(ins.id, side, levels);
    put(out, ",\"{}\":[", side == Side::buy ? "bids" : "asks");
    for (std::size_t i = 0; i < n; ++i)
      put(out, "{}[{},{}]", i ? "," : "", price_text(ins, levels[i].price), amount_text(ins, levels[i].qty));
    out += ']';
    if (n > 0) {
      best[static_cast<int>(side)] = levels[0].price;
      best_qty[static_cast<int>(side)] = levels[0].qty;
    }
  }
  for (const Side side : {Side::buy, Side::sell}) {
    const char* tag = side == Side::buy ? "bid" : "ask";
    const auto& b = best[static_cast<int>(side)];
    put(out, ",\"best_{}_price\":{},\"best_{}_amount\":{}", tag, b ? price_text(ins, *b) : "null", tag,
        amount_text(ins, best_qty[static_cast<int>(side)]));
  }
  const auto mark = engine.clearing().mark(ins.id);
  const auto index = engine.clearing().index(ins.base);
  put(out, ",\"mark_price\":{},\"index_price\":{}", mark ? ref_text(*mark) : "null", index ? ref_text(*index) : "null");
  if (const risk::OptionMark* m = engine.option_mark(ins.id)) {
    // Deribit's option fields: IVs in percent, Greeks as it displays them.
    put(out, ",\"mark_iv\":{},\"bid_iv\":{},\"ask_iv\":{},\"interest_rate\":0", estimate_text(m->mark_iv * 100),
        estimate_text(m->bid_iv * 100), estimate_text(m->ask_iv * 100));
    put(out, ",\"greeks\":{{\"delta\":{},\"gamma\":{},\"vega\":{},\"theta\":{},\"rho\":{}}}", estimate_text(m->greeks.delta),
        estimate_text(m->greeks.gamma), estimate_text(m->greeks.vega), estimate_text(m->greeks.theta),
        estimate_text(m->greeks.rho));
  }
  out += '}';
}

// A position's exposure in coin and, for options, its Greeks (size x the mark's Greeks).
struct PositionRisk {
  double size_coin = 0;  // signed
  double delta = 0, gamma = 0, vega = 0, theta = 0;
  bool greeks = false;
};
PositionRisk position_risk(const engine::Engine& engine, const clearing::Position& p) {
  const Instrument& ins = engine.instruments().get(p.instrument);
  PositionRisk r;
  const double amount = risk::to_double(ins.amount_of(Qty{p.size}));
  if (ins.is_option()) {
    r.size_coin = amount;
    if (const risk::OptionMark* m = engine.option_mark(p.instrument)) {
      r.greeks = true;
      r.delta = amount * m->greeks.delta;
      r.gamma = amount * m->greeks.gamma;
      r.vega = amount * m->greeks.vega;
      r.theta = amount * m->greeks.theta;
    }
  } else if (ins.settlement == Settlement::inverse) {
    const auto mark = engine.clearing().mark(p.instrument);
    r.size_coin = mark && mark->raw() > 0 ? amount / (static_cast<double>(mark->raw()) / 1e8) : 0.0;
    r.delta = r.size_coin;
  } else {
    r.size_coin = amount;
    r.delta = amount;
  }
  return r;
}

void put_position(std::string& out, const engine::Engine& engine, const clearing::Position& p) {
  const Instrument& ins = engine.instruments().get(p.instrument);
  const auto& c = engine.clearing();
  const auto& r = engine.instruments();
  const CurrencyId ccy = ins.settlement_currency;
  // Futures: mark_value is already basis + value; options: their value less the premium (-basis).
  const std::int64_t upl = c.mark_value(p) + (ins.is_option() ? p.basis : 0);
  const auto mark = c.mark(p.instrument);
  const auto index = c.index(ins.base);
  const PositionRisk pr = position_risk(engine, p);
  out += "{\"instrument_name\":";
  put_string(out, ins.name);
  put(out, ",\"kind\":\"{}\",\"direction\":\"{}\",\"size\":{},\"size_currency\":{},\"mark_price\":{},\"index_price\":{}",
      kind_name(ins), p.size > 0 ? "buy" : (p.size < 0 ? "sell" : "zero"), format_decimal(ins.amount_of(Qty{p.size})),
      estimate_text(pr.size_coin), mark ? ref_text(*mark) : "null", index ? ref_text(*index) : "null");
  const auto average = p.size != 0 ? c.math(p.instrument).price_of_value(p.size, -p.basis) : fail(Errc::invalid_amount);
  put(out, ",\"average_price\":{}", average ? ref_text(average.value()) : "0");
  const auto margin = engine.risk().position_margin(c, p.account, p.instrument);
  if (margin) {
    put(out, ",\"initial_margin\":{},\"maintenance_margin\":{}", money_text(r, ccy, margin->initial),
        money_text(r, ccy, margin->maintenance));
  } else {
    out += ",\"initial_margin\":null,\"maintenance_margin\":null";
  }
  put(out, ",\"delta\":{}", estimate_text(pr.delta));
  if (pr.greeks)
    put(out, ",\"gamma\":{},\"vega\":{},\"theta\":{}", estimate_text(pr.gamma), estimate_text(pr.vega),
        estimate_text(pr.theta));
  if (!ins.is_option()) {
    // Leverage of the position: its value at the mark over its initial margin.
    std::string leverage = "null";
    if (margin && margin->initial > 0 && mark)
      if (const auto v = c.math(p.instrument).value_at(p.size, *mark, Rounding::down))
        leverage = std::to_string(std::llabs(v.value()) / margin->initial);
    const auto liquidation = engine.risk().estimated_liquidation_price(c, p.account, p.instrument);
    put(out, ",\"leverage\":{},\"estimated_liquidation_price\":{}", leverage,
        liquidation ? ref_text(*liquidation) : "null");
  }
  put(out, ",\"floating_profit_loss\":{},\"realized_profit_loss\":{},\"total_profit_loss\":{},\"fees\":{},\"currency\":\"{}\"}}",
      money_text(r, ccy, upl), money_text(r, ccy, p.realized_pnl), money_text(r, ccy, upl + p.realized_pnl),
      money_text(r, ccy, p.fees), r.currencies().get(ccy).code);
}

// Deribit's get_account_summary in one currency: balances, margin under the account's model,
// and the positions' Greeks.
void put_account_summary(std::string& out, const engine::Engine& engine, AccountId account, CurrencyId currency,
                         const risk::AccountMargin* simulated = nullptr) {
  const auto& r = engine.instruments();
  const clearing::CurrencySummary s = engine.clearing().summary(account, currency);
  const auto margin = simulated != nullptr ? Result<risk::AccountMargin, Errc>(*simulated)
                                           : engine.risk().margin(engine.clearing(), account, currency);
  put(out, "{{\"currency\":\"{}\",\"balance\":{},\"equity\":{}", r.currencies().get(currency).code,
      money_text(r, currency, s.balance), money_text(r, currency, s.equity));
  if (margin) {
    put(out, ",\"margin_balance\":{},\"initial_margin\":{},\"maintenance_margin\":{},\"available_funds\":{}",
        money_text(r, currency, margin->margin_balance), money_text(r, currency, margin->initial),
        money_text(r, currency, margin->maintenance), money_text(r, currency, margin->available));
    // Projected figures are the current ones: marks are recomputed with every index update.
    put(out, ",\"projected_initial_margin\":{},\"projected_maintenance_margin\":{},\"margin_model\":\"{}\"",
        money_text(r, currency, margin->initial), money_text(r, currency, margin->maintenance),
        risk::to_string(margin->model));
  } else {
    put(out, ",\"margin_balance\":null,\"initial_margin\":null,\"maintenance_margin\":null,\"available_funds\":null,"
             "\"margin_error\":\"{}\"",
        name(margin.error()));
  }
  double delta = 0, options_delta = 0, gamma = 0, vega = 0, theta = 0;
  engine.clearing().for_each_position(account, [&](const clearing::Position& p) {
    const Instrument& ins = r.get(p.instrument);
    if (ins.settlement_currency != currency) return;
    const PositionRisk pr = position_risk(engine, p);
    delta += pr.delta;
    if (ins.is_option()) {
      options_delta += pr.delta;
      gamma += pr.gamma;
      vega += pr.vega;
      theta += pr.theta;
    }
  });
  put(out, ",\"delta_total\":{},\"options_delta\":{},\"options_gamma\":{},\"options_vega\":{},\"options_theta\":{}",
      estimate_text(delta), estimate_text(options_delta), estimate_text(gamma), estimate_text(vega), estimate_text(theta));
  put(out, ",\"available_withdrawal_funds\":{},\"futures_pl\":{},\"options_value\":{},\"realized_pl\":{},\"session_rpl\":{}",
      money_text(r, currency, margin ? std::max<std::int64_t>(0, std::min(s.available_withdrawal, margin->available))
                                     : s.available_withdrawal),
      money_text(r, currency, s.futures_pnl), money_text(r, currency, s.options_value), money_text(r, currency, s.realized_pnl),
      money_text(r, currency, s.session_realized_pnl));
  put(out, ",\"fees\":{},\"account\":{}}}", money_text(r, currency, s.fees), account.raw());
}

}  // namespace

WireError wire_error(Errc reason) noexcept {
  switch (reason) {
    case Errc::insufficient_funds: return {10009, "not_enough_funds"};
    case Errc::book_unknown_order:
    case Errc::book_not_owner: return {10004, "order_not_found"};
    case Errc::book_below_min_size: return {10002, "qty_too_low"};
    case Errc::book_off_lot:
    case Errc::book_invalid_quantity: return {10021, "invalid_amount"};
    case Errc::book_off_tick: return {10043, "price_wrong_tick"};
    case Errc::book_invalid_display: return {10036, "invalid_max_show_amount"};
    case Errc::book_post_only_would_take: return {11054, "post_only_reject"};
    case Errc::unknown_instrument: return {10020, "invalid_or_unsupported_instrument"};
    case Errc::instrument_halted: return {10012, "book_closed"};
    case Errc::instrument_expired: return {10010, "already_closed"};
    case Errc::journal_failed: return {13028, "temporarily_unavailable"};
    default: return {11030, "other_reject"};
  }
}

void encode_result(const Request& request, const engine::Outcome& o, const engine::Engine& engine, std::string& out) {
  if (o.status != Errc::ok) return put_error(out, request.id, o.status, {}, &o);
  begin(out, request.id, o.seq);
  const auto& registry = engine.instruments();
  switch (request.method) {
    case Method::buy:
    case Method::sell:
    case Method::edit: put_order_and_trades(out, engine, o); break;
    case Method::cancel: {
      const OrderView* v = final_view(o, o.order);
      if (v != nullptr) put_order(out, engine, *v);
      else out += "null";
      break;
    }
    case Method::cancel_all:
    case Method::cancel_all_by_instrument: put(out, "{}", o.count); break;
    case Method::change_margin_model: {
      const auto& c = std::get<engine::ChangeMarginModel>(std::get<engine::CommandBody>(request.body));
      put(out, "{{\"account\":{},\"margin_model\":\"{}\"}}", c.account.raw(),
          risk::to_string(static_cast<risk::MarginModel>(c.model)));
      break;
    }
    case Method::admin_create_account: {
      const auto* created = last_event<engine::AccountCreated>(o);
      put(out, "{{\"account\":{},\"owner\":{}}}", o.account.raw(), created->owner.raw());
      break;
    }
    case Method::admin_deposit:
    case Method::admin_withdraw:
    case Method::submit_transfer_to_subaccount: {
      const auto* b = last_event<engine::BalanceChanged>(o);
      if (request.method == Method::submit_transfer_to_subaccount) {  // report the sender's side
        for (const engine::Event& e : o.events)
          if (const auto* x = std::get_if<engine::BalanceChanged>(&e); x && x->amount.units() < 0) b = x;
      }
      put(out, "{{\"account\":{},\"currency\":\"{}\",\"amount\":{},\"balance\":{}}}", b->account.raw(),
          registry.currencies().get(b->amount.currency()).code, money_text(registry, b->amount),
          money_text(registry, b->balance));
      break;
    }
    default: {
      // Admin inputs: what they set off (settlements, funding) is in the events.
      put(out, "{{\"seq\":{},\"timestamp\":{},\"settlements\":[", o.seq.raw(), engine.now().ms());
      bool first = true;
      for (const engine::Event& e : o.events)
        if (const auto* s = std::get_if<engine::Settled>(&e)) {
          put(out, "{}{{\"instrument_name\":\"{}\",\"price\":{},\"positions\":{}}}", first ? "" : ",",
              registry.get(s->instrument).name, ref_text(s->price), s->positions);
          first = false;
        }
      out += "]}";
    }
  }
  end(out);
}

// An account's transaction log, newest first: a walk back through its history entries (each
// names the account's previous one), reading at most kScan entries per call; `continuation`
// says where the next call goes on.
void put_transaction_log(std::string& out, const RequestId& id, const engine::Engine& engine,
                         const history::HistoryStore& history, const GetTransactionLog& x) {
  constexpr std::uint32_t kScan = 10'000;
  const auto& r = engine.instruments();
  std::string logs;
  std::uint64_t at = x.continuation != 0 ? x.continuation : engine.clearing().ledger().head(x.account);
  std::uint32_t n = 0, scanned = 0;
  while (at != 0 && n < x.count && scanned < kScan) {
    auto read = history.entry(at - 1);
    if (!read) return put_error(out, id, read.error().code, "history");
    if (!read.value()) break;  // no longer kept (a venue without a history file)
    const clearing::LedgerEntry& e = *read.value();
    if (e.account != x.account) return put_error(out, id, Errc::journal_corrupt, "history");
    ++scanned;
    at = e.prev;
    if (e.currency != x.currency) continue;
    if (n++ > 0) logs += ',';
    put(logs, "{{\"id\":{},\"timestamp\":{},\"type\":\"{}\",\"currency\":\"{}\",\"change\":{},\"commission\":{},\"balance\":{}",
        e.entry_no, e.ref.time.ms(), clearing::to_string(e.reason), r.currencies().get(e.currency).code,
        money_text(r, e.currency, e.amount), money_text(r, e.currency, -e.fee), money_text(r, e.currency, e.balance_after));
    if (e.reason == clearing::EntryReason::trade || e.reason == clearing::EntryReason::settlement ||
        e.reason == clearing::EntryReason::funding)
      put(logs, ",\"instrument_name\":\"{}\"", r.get(e.ref.instrument).name);
    if (e.ref.trade_id != 0) put(logs, ",\"trade_id\":\"{}\"", e.ref.trade_id);
    logs += '}';
  }
  begin(out, id);
  out += "{\"logs\":[";
  out += logs;
  if (at != 0) put(out, "],\"continuation\":{}}}", at);
  else out += "],\"continuation\":null}";
  end(out);
}

void encode_query(const Request& request, const engine::Engine& engine, const history::HistoryStore* history,
                  std::string& out) {
  const Query& q = std::get<Query>(request.body);
  // Queries of one account's data name an existing account.
  const auto unknown_account = [&](AccountId a) {
    if (engine.clearing().has_account(a)) return false;
    put_error(out, request.id, Errc::unknown_account, "account");
    return true;
  };
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (requires { x.account; }) {
          if (unknown_account(x.account)) return;
        }
        if constexpr (std::is_same_v<T, GetOrderState>) {
          if (engine.order(x.account, x.order) == nullptr) return put_error(out, request.id, Errc::book_unknown_order, "order_id");
        }
        if constexpr (std::is_same_v<T, GetTransactionLog>) {
          if (history == nullptr) return put_error(out, request.id, Errc::history_unavailable, {});
          return put_transaction_log(out, request.id, engine, *history, x);
        }
        begin(out, request.id);
        if constexpr (std::is_same_v<T, GetOrderBook>) {
          put_book(out, engine, x);
        } else if constexpr (std::is_same_v<T, GetOpenOrders>) {
          out += '[';
          bool first = true;
          for (const OrderView& v : engine.open_orders(x.account, x.one_instrument ? std::optional{x.instrument} : std::nullopt)) {
            if (!first) out += ',';
            first = false;
            put_order(out, engine, v);
          }
          out += ']';
        } else if constexpr (std::is_same_v<T, GetOrderState>) {
          put_order(out, engine, *engine.order(x.account, x.order));
        } else if constexpr (std::is_same_v<T, GetPositions>) {
          out += '[';
          bool first = true;
          for (const clearing::Position& p : engine.clearing().positions(x.account)) {
            if (engine.instruments().get(p.instrument).settlement_currency != x.currency) continue;
            if (!first) out += ',';
            first = false;
            put_position(out, engine, p);
          }
          out += ']';
        } else if constexpr (std::is_same_v<T, GetAccountSummary>) {
          put_account_summary(out, engine, x.account, x.currency);
        } else if constexpr (std::is_same_v<T, GetMargins>) {
          // The initial margin a buy and a sell of the amount at the price would need (the
          // account's IM with it, less without), and the band of prices an order may carry.
          const auto& risk = engine.risk();
          const auto& c = engine.clearing();
          const Instrument& ins = engine.instruments().get(x.instrument);
          const auto base = risk.margin(c, x.account, ins.settlement_currency);
          std::string sides[2];
          for (const Side side : {Side::buy, Side::sell}) {
            risk::OrderChange change{x.instrument};
            (side == Side::buy ? change.buy_lots : change.sell_lots) = x.qty.raw();
            (side == Side::buy ? change.buy_notional : change.sell_notional) = x.qty.raw() * x.price.raw();
            const auto with = risk.margin_with_change(c, x.account, change);
            sides[side == Side::buy ? 0 : 1] =
                base && with ? money_text(engine.instruments(), ins.settlement_currency, std::max<std::int64_t>(0, with->initial - base->initial))
                             : std::string("null");
          }
          // The prices market orders may reach now: the mark +- the venue's market protection.
          const auto mark = c.mark(x.instrument);
          std::string min_price = "null", max_price = "null";
          if (mark) {
            const Decimal p = engine.config().market_protection;
            const auto reach = mul_div(mark->raw(), p.units, pow10(p.scale), Rounding::down);
            if (reach) {
              min_price = ref_text(RefPrice{mark->raw() - reach.value()});
              max_price = ref_text(RefPrice{mark->raw() + reach.value()});
            }
          }
          put(out, "{{\"buy\":{},\"sell\":{},\"min_price\":{},\"max_price\":{}}}", sides[0], sides[1], min_price,
              max_price);
        } else if constexpr (std::is_same_v<T, SimulatePortfolio>) {
          std::vector<std::pair<InstrumentId, std::int64_t>> extra;
          for (std::size_t k = 0; k < x.count; ++k) extra.emplace_back(x.positions[k].instrument, x.positions[k].lots);
          const auto m = engine.risk().margin_with_positions(engine.clearing(), x.account, x.currency, extra);
          if (m) {
            put_account_summary(out, engine, x.account, x.currency, &m.value());
          } else {
            put(out, "{{\"margin_error\":\"{}\"}}", name(m.error()));
          }
        } else if constexpr (std::is_same_v<T, GetInstruments>) {
          out += '[';
          bool first = true;
          for (const Instrument& ins : engine.instruments().all()) {
            const bool expired = engine.status(ins.id) == engine::InstrumentStatus::settled ||
                                 engine.status(ins.id) == engine::InstrumentStatus::awaiting_settlement;
            if (expired != x.expired) continue;
            if (!x.any_currency && ins.base != x.currency) continue;
            if (!x.any_kind && (x.kind == InstrumentKind::option) != ins.is_option()) continue;
            if (!first) out += ',';
            first = false;
            put_instrument(out, engine, ins);
          }
          out += ']';
        } else if constexpr (std::is_same_v<T, GetTime>) {
          if (request.method == Method::test) {
            out += "{\"version\":\"strike\"}";
          } else {
            put(out, "{}", engine.now().ms());
          }
        } else {
          out += "null";  // GetStateHash / TakeSnapshot are answered by the sequencer
        }
        end(out);
      },
      q);
}

void encode_error(const DecodeError& error, std::string& out) {
  if (error.code == -32700 || error.code == -32600 || error.code == -32601 || error.code == -32602) {
    static constexpr std::pair<int, std::string_view> kNames[] = {
        {-32700, "Parse error"}, {-32600, "Invalid Request"}, {-32601, "Method not found"}, {-32602, "Invalid params"}};
    std::string_view text;
    for (const auto& [c, n] : kNames)
      if (c == error.code) text = n;
    out += "{\"jsonrpc\":\"2.0\",\"id\":";
    put_id(out, error.id);
    put(out, ",\"error\":{{\"code\":{},\"message\":\"{}\",\"data\":{{\"reason\":\"{}\",\"detail\":", error.code, text,
        name(error.reason));
    put_string(out, message(error.reason));
    if (error.param_size > 0) {
      out += ",\"param\":";
      put_string(out, error.param_name());
    }
    out += "}}}\n";
    return;
  }
  put_error(out, error.id, error.reason, error.param_name());
}

void encode_error(const RequestId& id, Errc reason, std::string_view detail, std::string& out) {
  const WireError w = wire_error(reason);
  out += "{\"jsonrpc\":\"2.0\",\"id\":";
  put_id(out, id);
  put(out, ",\"error\":{{\"code\":{},\"message\":\"{}\",\"data\":{{\"reason\":\"{}\",\"detail\":", w.code, w.message, name(reason));
  put_string(out, detail);
  out += "}}}\n";
}

void encode_raw_result(const RequestId& id, std::string_view result, std::string& out) {
  begin(out, id);
  out += result;
  end(out);
}

}  // namespace strike::rpc
