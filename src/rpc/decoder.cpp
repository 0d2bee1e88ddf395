#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "rpc/codec.hpp"

namespace strike::rpc {
namespace {

using engine::CommandBody;

struct Param {
  std::string_view key;
  enum class Kind : std::uint8_t { string, number, boolean, null, other } kind = Kind::other;
  std::string_view text;  // string contents, or the number's JSON text
  bool flag = false;
};

// The one object-valued parameter read: simulate_portfolio's simulated_positions (instrument
// name -> amount), at most SimulatePortfolio::kMax members.
struct NamedAmounts {
  std::array<std::pair<std::string_view, std::string_view>, SimulatePortfolio::kMax> items{};  // name, number text
  std::size_t count = 0;
  bool bad = false;  // a member that is not a number, or too many members
};

// The params object, flattened (Deribit's params are flat: names to scalars).
class Params {
 public:
  static constexpr std::size_t kMax = 24;
  bool add(Param p) {
    if (n_ == kMax) return false;
    items_[n_++] = p;
    return true;
  }
  const Param* find(std::string_view key) const {
    for (std::size_t i = 0; i < n_; ++i)
      if (items_[i].key == key) return &items_[i];
    return nullptr;
  }

 private:
  std::array<Param, kMax> items_{};
  std::size_t n_ = 0;
};

// Keys of the objects being read, innermost last, in the decoder's reused vector.
class KeyStack {
 public:
  explicit KeyStack(std::vector<std::string_view>& keys) : keys_(keys) { keys_.clear(); }
  std::size_t open() const noexcept { return keys_.size(); }
  // Adds a key to the object opened at `base`; false if it is already one of its first
  // kLinear keys (a request object has a handful: comparing them all is cheapest).
  bool add(std::size_t base, std::string_view key) {
    if (keys_.size() - base <= kLinear)
      for (std::size_t i = base; i < keys_.size(); ++i)
        if (keys_[i] == key) return false;
    keys_.push_back(key);
    return true;
  }
  // Closes the object opened at `base`. An object of more than kLinear keys is sorted: a
  // repeated key among them, if any, goes to `repeated`.
  bool close(std::size_t base, std::string_view& repeated) {
    bool unique = true;
    if (keys_.size() - base > kLinear) {
      const auto first = keys_.begin() + static_cast<std::ptrdiff_t>(base);
      std::sort(first, keys_.end());
      const auto same = std::adjacent_find(first, keys_.end());
      if (same != keys_.end()) {
        repeated = *same;
        unique = false;
      }
    }
    keys_.resize(base);
    return unique;
  }

 private:
  static constexpr std::size_t kLinear = 16;
  std::vector<std::string_view>& keys_;
};

// The first problem found in the values the decoder checks but does not read.
struct Shape {
  bool duplicate = false;      // an object repeats `key`
  bool too_deep = false;       // nesting beyond Decoder::kMaxNesting under the member `key`
  bool in_params = false;      // found inside params
  std::string_view key;
  bool found() const { return duplicate || too_deep; }
};

// Reads through a value the decoder does not use (the iterator would otherwise skip it
// unchecked), refusing repeated keys in every object inside it. `depth` is the value's nesting
// level (the request object is 0); `member` names the request or params member it is under.
// false: not well-formed JSON.
bool check_nested(simdjson::ondemand::value value, int depth, KeyStack& keys, Shape& shape, std::string_view member,
                  bool in_params);

// simulated_positions: {"BTC-PERPETUAL": -1000, ...}. Repeated names are refused like any
// repeated key; a member that is not a number, or more than kMax members, marks it bad.
bool read_named_amounts(simdjson::ondemand::value value, KeyStack& keys, Shape& shape, NamedAmounts& out) {
  simdjson::ondemand::object object;
  if (value.get_object().get(object)) return false;
  const std::size_t base = keys.open();
  for (auto field : object) {
    std::string_view name;
    if (field.unescaped_key().get(name)) return false;
    if (!keys.add(base, name) && !shape.found()) shape = Shape{true, false, true, name};
    simdjson::ondemand::value v;
    simdjson::ondemand::json_type t;
    if (field.value().get(v) || v.type().get(t)) return false;
    if (t != simdjson::ondemand::json_type::number || out.count == out.items.size()) {
      out.bad = true;
      if (!check_nested(v, 3, keys, shape, "simulated_positions", true)) return false;
      continue;
    }
    std::string_view text = v.raw_json_token();
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
      text.remove_suffix(1);
    out.items[out.count++] = {name, text};
  }
  std::string_view repeated;
  if (!keys.close(base, repeated) && !shape.found()) shape = Shape{true, false, true, repeated};
  return true;
}

bool check_nested(simdjson::ondemand::value value, int depth, KeyStack& keys, Shape& shape, std::string_view member,
                  bool in_params) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type)) return false;
  if (type != simdjson::ondemand::json_type::object && type != simdjson::ondemand::json_type::array) return true;
  if (depth > Decoder::kMaxNesting) {
    if (!shape.found()) shape = Shape{false, true, in_params, member};
    return true;  // the iterator skips it, without recursion
  }
  if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array array;
    if (value.get_array().get(array)) return false;
    for (auto element : array) {
      simdjson::ondemand::value v;
      if (element.get(v) || !check_nested(v, depth + 1, keys, shape, member, in_params)) return false;
    }
    return true;
  }
  simdjson::ondemand::object object;
  if (value.get_object().get(object)) return false;
  const std::size_t base = keys.open();
  for (auto field : object) {
    std::string_view key;
    simdjson::ondemand::value v;
    if (field.unescaped_key().get(key) || field.value().get(v)) return false;
    if (!keys.add(base, key) && !shape.found()) shape = Shape{true, false, in_params, key};
    if (!check_nested(v, depth + 1, keys, shape, member, in_params)) return false;
  }
  std::string_view repeated;
  if (!keys.close(base, repeated) && !shape.found()) shape = Shape{true, false, in_params, repeated};
  return true;
}

DecodeError error(const RequestId& id, int code, Errc reason, std::string_view param = {}) {
  DecodeError e;
  e.id = id;
  e.code = code;
  e.reason = reason;
  e.param_size = static_cast<std::uint8_t>(std::min(param.size(), e.param.size()));
  if (e.param_size != 0) std::memcpy(e.param.data(), param.data(), e.param_size);
  return e;
}

Failure<DecodeError> reject(DecodeError e) { return {e}; }

constexpr int kParseError = -32700, kInvalidRequest = -32600, kMethodNotFound = -32601, kInvalidParams = -32602;
constexpr int kOtherReject = 11030;  // wire_error's code for a reason Deribit has no code for

struct MethodEntry {
  std::string_view name;
  Method method;
};
constexpr MethodEntry kMethods[] = {
    {"private/buy", Method::buy},
    {"private/sell", Method::sell},
    {"private/edit", Method::edit},
    {"private/cancel", Method::cancel},
    {"private/cancel_all", Method::cancel_all},
    {"private/cancel_all_by_instrument", Method::cancel_all_by_instrument},
    {"private/get_open_orders_by_instrument", Method::get_open_orders_by_instrument},
    {"private/get_open_orders", Method::get_open_orders},
    {"private/get_order_state", Method::get_order_state},
    {"private/get_positions", Method::get_positions},
    {"private/get_account_summary", Method::get_account_summary},
    {"private/get_transaction_log", Method::get_transaction_log},
    {"private/submit_transfer_to_subaccount", Method::submit_transfer_to_subaccount},
    {"private/get_margins", Method::get_margins},
    {"private/simulate_portfolio", Method::simulate_portfolio},
    {"private/change_margin_model", Method::change_margin_model},
    {"public/get_order_book", Method::get_order_book},
    {"public/get_instruments", Method::get_instruments},
    {"public/get_time", Method::get_time},
    {"public/test", Method::test},
    {"admin/create_account", Method::admin_create_account},
    {"admin/deposit", Method::admin_deposit},
    {"admin/withdraw", Method::admin_withdraw},
    {"admin/set_index", Method::admin_set_index},
    {"admin/set_mark", Method::admin_set_mark},
    {"admin/advance_time", Method::admin_advance_time},
    {"admin/halt", Method::admin_halt},
    {"admin/resume", Method::admin_resume},
    {"admin/expire", Method::admin_expire},
    {"admin/snapshot", Method::admin_snapshot},
    {"admin/state_hash", Method::admin_state_hash},
};

// Reads typed parameters, remembering the first problem.
class Reader {
 public:
  Reader(const Params& p, const NamedAmounts& named, const RequestId& id, const InstrumentRegistry& instruments,
         const Session& session)
      : p_(p), named_(named), id_(id), instruments_(instruments), session_(session) {}
  const NamedAmounts& named() const { return named_; }

  bool failed() const { return failed_; }
  const DecodeError& problem() const { return problem_; }

  bool has(std::string_view key) const {
    const Param* x = p_.find(key);
    return x != nullptr && x->kind != Param::Kind::null;
  }
  std::string_view string(std::string_view key, bool required = true) {
    const Param* x = p_.find(key);
    if (x == nullptr || x->kind == Param::Kind::null) {
      if (required) bad(key, Errc::rpc_missing_param);
      return {};
    }
    if (x->kind != Param::Kind::string) return bad(key, Errc::rpc_bad_param), std::string_view{};
    return x->text;
  }
  bool flag(std::string_view key, bool fallback = false) {
    const Param* x = p_.find(key);
    if (x == nullptr || x->kind == Param::Kind::null) return fallback;
    if (x->kind != Param::Kind::boolean) return bad(key, Errc::rpc_bad_param), fallback;
    return x->flag;
  }
  // A decimal from a JSON number (or a numeric string), exactly.
  Decimal decimal(std::string_view key, bool required = true) {
    const Param* x = p_.find(key);
    if (x == nullptr || x->kind == Param::Kind::null) {
      if (required) bad(key, Errc::rpc_missing_param);
      return {};
    }
    if (x->kind != Param::Kind::number && x->kind != Param::Kind::string) return bad(key, Errc::invalid_number), Decimal{};
    auto d = parse_decimal(x->text);
    if (!d) return bad(key, d.error()), Decimal{};
    return d.value();
  }
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t lo, std::int64_t hi, bool required = false) {
    if (!has(key)) {
      if (required) bad(key, Errc::rpc_missing_param);
      return fallback;
    }
    const Decimal d = decimal(key);
    if (failed_) return fallback;
    auto v = to_scaled(d, 0);
    if (!v || v.value() < lo || v.value() > hi) return bad(key, Errc::out_of_range), fallback;
    return v.value();
  }
  const Instrument* instrument(std::string_view key = "instrument_name") {
    const std::string_view name = string(key);
    if (failed_) return nullptr;
    const Instrument* ins = instruments_.find(name);
    if (ins == nullptr) bad(key, Errc::unknown_instrument);
    return ins;
  }
  CurrencyId currency(std::string_view key = "currency") {
    const std::string_view code = string(key);
    if (failed_) return {};
    const Currency* c = instruments_.currencies().find(code);
    if (c == nullptr) return bad(key, Errc::unknown_currency), CurrencyId{};
    return c->id;
  }
  // Money in a currency's units from a decimal amount ("1.5" BTC -> 150000000 sat).
  std::int64_t money(std::string_view key, CurrencyId currency) {
    const Decimal d = decimal(key);
    if (failed_) return 0;
    auto units = to_scaled(d, instruments_.currencies().get(currency).decimals);
    if (!units) return bad(key, units.error()), 0;
    return units.value();
  }
  RefPrice ref_price(std::string_view key) {
    const Decimal d = decimal(key);
    if (failed_) return {};
    auto units = to_scaled(d, kRefPriceScale);
    if (!units || units.value() <= 0) return bad(key, units ? Errc::invalid_price : units.error()), RefPrice{};
    return RefPrice{units.value()};
  }
  // The account a private method acts for: `account`, else the session's.
  AccountId account(std::string_view key = "account") {
    if (has(key)) return AccountId{static_cast<std::uint64_t>(integer(key, 0, 1, INT64_MAX))};
    if (session_.account.raw() == 0) bad(key, Errc::unknown_account);
    return session_.account;
  }
  OrderId order_id(std::string_view key = "order_id") {
    const Param* x = p_.find(key);
    if (x == nullptr || (x->kind != Param::Kind::string && x->kind != Param::Kind::number))
      return bad(key, Errc::rpc_missing_param), OrderId{};
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(x->text.data(), x->text.data() + x->text.size(), v);
    if (ec != std::errc{} || end != x->text.data() + x->text.size() || v == 0) return bad(key, Errc::book_unknown_order), OrderId{};
    return OrderId{v};
  }
  void bad(std::string_view key, Errc reason, int code = kInvalidParams) {
    if (failed_) return;
    failed_ = true;
    problem_ = error(id_, code, reason, key);
  }
  // A value the order book would refuse: the same reason and code as the engine gives
  // (Deribit's code where it has one, e.g. 10043 price_wrong_tick), with the parameter named.
  void refuse(std::string_view key, Errc reason) {
    const int code = wire_error(reason).code;
    bad(key, reason, code == kOtherReject ? kInvalidParams : code);
  }

 private:
  const Params& p_;
  const NamedAmounts& named_;
  const RequestId& id_;
  const InstrumentRegistry& instruments_;
  const Session& session_;
  bool failed_ = false;
  DecodeError problem_;
};

template <class E>
bool pick(std::string_view text, std::initializer_list<std::pair<std::string_view, E>> names, E& out) {
  for (const auto& [n, v] : names)
    if (n == text) {
      out = v;
      return true;
    }
  return false;
}

CommandBody new_order(Reader& r, Side side) {
  engine::NewOrder o;
  o.side = side;
  o.account = r.account();
  const Instrument* ins = r.instrument();
  if (r.failed()) return o;
  o.instrument = ins->id;
  auto qty = ins->order_qty(r.decimal("amount"));
  if (r.failed()) return o;
  if (!qty) r.refuse("amount", qty.error());
  else o.qty = qty.value();
  const std::string_view type = r.string("type", false);
  if (!type.empty() && !pick<book::OrderType>(type, {{"limit", book::OrderType::limit}, {"market", book::OrderType::market},
                                    {"stop_limit", book::OrderType::stop_limit}, {"stop_market", book::OrderType::stop_market},
                                    {"take_limit", book::OrderType::take_limit}, {"take_market", book::OrderType::take_market}},
                             o.type))
    r.bad("type", Errc::rpc_bad_param);
  const bool market = book::is_market(o.type);
  o.tif = market ? book::TimeInForce::ioc : book::TimeInForce::gtc;
  const std::string_view tif = r.string("time_in_force", false);
  if (!tif.empty() &&
      !pick<book::TimeInForce>(tif, {{"good_til_cancelled", book::TimeInForce::gtc}, {"good_til_day", book::TimeInForce::gtd},
                  {"good_til_date", book::TimeInForce::gtd}, {"fill_or_kill", book::TimeInForce::fok},
                  {"immediate_or_cancel", book::TimeInForce::ioc}},
            o.tif))
    r.bad("time_in_force", Errc::rpc_bad_param);
  if (tif == "good_til_date") o.expiry = Timestamp::from_ms(r.integer("expire_at", 0, 1, INT64_MAX / 1'000'000, true));
  // good_til_day: the engine sets the expiry to the next 08:00 UTC (a zero expiry).
  if (!market) {  // a market order's price is the book's protection price: Deribit ignores `price`
    auto price = ins->order_price(r.decimal("price"));
    if (!r.failed()) {
      if (!price) r.refuse("price", price.error());
      else o.price = price.value();
    }
  }
  if (book::is_stop(o.type)) {
    auto trigger = ins->price_from_decimal(r.decimal("trigger_price"));
    if (!r.failed()) {
      if (!trigger) r.bad("trigger_price", Errc::book_invalid_trigger);
      else o.trigger_price = trigger.value();
    }
    const std::string_view source = r.string("trigger", false);
    o.trigger = book::PriceSource::last;
    if (!source.empty() && !pick<book::PriceSource>(source, {{"last_price", book::PriceSource::last}, {"mark_price", book::PriceSource::mark},
                                          {"index_price", book::PriceSource::index}},
                                 o.trigger))
      r.bad("trigger", Errc::rpc_bad_param);
  }
  if (r.flag("post_only")) o.post_only = r.flag("reject_post_only") ? book::PostOnly::reject : book::PostOnly::reprice;
  o.reduce_only = r.flag("reduce_only");
  if (r.has("max_show")) {
    const Decimal show = r.decimal("max_show");
    if (!r.failed()) {
      if (show.is_zero()) {
        // Deribit: max_show 0 hides the order completely; we show at least a lot.
        r.refuse("max_show", Errc::book_invalid_display);
      } else if (auto d = ins->qty_from_amount(show); d) {
        if (d.value() < o.qty) o.display = d.value();
      } else {
        r.refuse("max_show", Errc::book_invalid_display);
      }
    }
  }
  const std::string_view label = r.string("label", false);
  if (auto l = engine::Label::make(label); l) o.label = l.value();
  else r.bad("label", Errc::out_of_range);
  // strike's extension (FIX ClOrdID): printable ASCII, at most 36 bytes; docs/rpc.md.
  const std::string_view client_id = r.string("client_order_id", false);
  const bool printable = std::all_of(client_id.begin(), client_id.end(), [](char c) { return c > ' ' && c < 127; });
  if (auto c = engine::ClientOrderId::make(client_id); c && printable) o.client_id = c.value();
  else r.bad("client_order_id", Errc::rpc_bad_param);
  const std::string_view stp = r.string("self_trade", false);
  if (!stp.empty() && !pick<book::StpMode>(stp, {{"none", book::StpMode::none}, {"cancel_resting", book::StpMode::cancel_resting},
                                  {"cancel_incoming", book::StpMode::cancel_incoming}, {"cancel_both", book::StpMode::cancel_both},
                                  {"decrement_both", book::StpMode::decrement_both}},
                           o.stp))
    r.bad("self_trade", Errc::rpc_bad_param);
  return o;
}

std::variant<CommandBody, Query> body_of(Method m, Reader& r, Timestamp& at, const InstrumentRegistry& instruments) {
  switch (m) {
    case Method::buy: return new_order(r, Side::buy);
    case Method::sell: return new_order(r, Side::sell);
    case Method::edit: {
      engine::AmendOrder a;
      a.account = r.account();
      a.order = r.order_id();
      a.amount = r.decimal("amount");
      if (r.has("price")) a.price = r.decimal("price");
      if (r.has("trigger_price")) a.trigger_price = r.decimal("trigger_price");
      return a;
    }
    case Method::cancel: {
      const AccountId account = r.account();
      return engine::CancelOrder{account, r.order_id()};
    }
    case Method::cancel_all: return engine::CancelAll{r.account()};
    case Method::cancel_all_by_instrument: {
      engine::CancelAll c{r.account()};
      const Instrument* ins = r.instrument();
      if (ins != nullptr) c.instrument = ins->id;
      c.one_instrument = true;
      const std::string_view type = r.string("type", false);
      if (type == "limit") c.stops = false;
      else if (type == "stop" || type == "trigger_all") c.resting = false;
      else if (!type.empty() && type != "all") r.bad("type", Errc::rpc_bad_param);
      return c;
    }
    case Method::get_open_orders_by_instrument: {
      GetOpenOrders q{r.account()};
      if (const Instrument* ins = r.instrument()) q.instrument = ins->id;
      q.one_instrument = true;
      return q;
    }
    case Method::get_open_orders: return GetOpenOrders{r.account()};
    case Method::get_order_state: {
      const AccountId account = r.account();
      return GetOrderState{account, r.order_id()};
    }
    case Method::get_positions: {
      const AccountId account = r.account();
      return GetPositions{account, r.currency()};
    }
    case Method::get_account_summary: {
      const AccountId account = r.account();
      return GetAccountSummary{account, r.currency()};
    }
    case Method::get_transaction_log: {
      const AccountId account = r.account();
      const CurrencyId currency = r.currency();
      const auto count = static_cast<std::uint32_t>(r.integer("count", 20, 1, 1'000));
      const auto continuation = static_cast<std::uint64_t>(r.integer("continuation", 0, 0, INT64_MAX));
      return GetTransactionLog{account, currency, count, continuation};
    }
    case Method::submit_transfer_to_subaccount: {
      const AccountId from = r.account();
      const CurrencyId currency = r.currency();
      const std::int64_t amount = r.money("amount", currency);
      const AccountId to{static_cast<std::uint64_t>(r.integer("destination", 0, 1, INT64_MAX, true))};
      return engine::Transfer{from, to, currency, amount};
    }
    case Method::get_margins: {
      GetMargins q;
      q.account = r.account();
      if (const Instrument* ins = r.instrument()) {
        q.instrument = ins->id;
        const Decimal amount = r.decimal("amount");
        const Decimal price = r.decimal("price");
        if (r.failed()) return q;
        if (auto qty = ins->order_qty(amount)) q.qty = qty.value();
        else r.bad("amount", qty.error());
        if (auto p = ins->order_price(price); p && !r.failed()) q.price = p.value();
        else if (!r.failed()) r.bad("price", p.error());
      }
      return q;
    }
    case Method::simulate_portfolio: {
      SimulatePortfolio q;
      q.account = r.account();
      q.currency = r.currency();
      if (r.named().bad) r.bad("simulated_positions", Errc::rpc_bad_param);
      for (std::size_t k = 0; k < r.named().count && !r.failed(); ++k) {
        const auto& [name, text] = r.named().items[k];
        const Instrument* ins = instruments.find(name);
        auto d = parse_decimal(text);
        if (ins == nullptr || !d) {
          r.bad("simulated_positions", ins == nullptr ? Errc::unknown_instrument : d.error());
          break;
        }
        const bool sell = d->units < 0;
        auto lots = ins->order_qty(Decimal{sell ? -d->units : d->units, d->scale});
        if (!lots) {
          r.bad("simulated_positions", lots.error());
          break;
        }
        q.positions[q.count++] = SimulatePortfolio::Position{ins->id, sell ? -lots->raw() : lots->raw()};
      }
      return q;
    }
    case Method::change_margin_model: {
      engine::ChangeMarginModel c;
      c.account = r.account();
      const std::string_view model = r.string("margin_model");
      if (r.failed()) return c;
      if (auto parsed = risk::parse_margin_model(model)) c.model = static_cast<std::uint8_t>(parsed.value());
      else r.bad("margin_model", Errc::rpc_bad_param);
      return c;
    }
    case Method::get_order_book: {
      GetOrderBook q;
      if (const Instrument* ins = r.instrument()) q.instrument = ins->id;
      q.depth = static_cast<std::uint32_t>(r.integer("depth", 5, 1, 10'000));
      return q;
    }
    case Method::get_instruments: {
      GetInstruments q;
      const std::string_view currency = r.string("currency", false);
      if (!currency.empty() && currency != "any") {
        q.any_currency = false;
        q.currency = r.currency();
      }
      const std::string_view kind = r.string("kind", false);
      if (!kind.empty()) {
        q.any_kind = false;
        if (!pick<InstrumentKind>(kind, {{"option", InstrumentKind::option}, {"future", InstrumentKind::future}}, q.kind))
          r.bad("kind", Errc::rpc_bad_param);
      }
      q.expired = r.flag("expired");
      return q;
    }
    case Method::get_time:
    case Method::test: return GetTime{};
    case Method::admin_create_account: {
      const std::int64_t owner = r.integer("owner", 0, 1, INT64_MAX);
      return engine::CreateAccount{AccountId{static_cast<std::uint64_t>(owner)}};
    }
    case Method::admin_deposit:
    case Method::admin_withdraw: {
      const AccountId account = r.account();
      const CurrencyId currency = r.currency();
      const std::int64_t amount = r.money("amount", currency);
      if (m == Method::admin_deposit) return engine::Deposit{account, currency, amount};
      return engine::Withdraw{account, currency, amount};
    }
    case Method::admin_set_index: {
      // `currency` ("BTC") or Deribit's `index_name` ("btc_usd").
      CurrencyId currency{};
      if (r.has("index_name")) {
        std::string name(r.string("index_name"));
        const auto underscore = name.find('_');
        std::string code = name.substr(0, underscore);
        std::transform(code.begin(), code.end(), code.begin(), [](unsigned char c) { return std::toupper(c); });
        const Currency* c = instruments.currencies().find(code);
        if (c == nullptr) r.bad("index_name", Errc::unknown_currency);
        else currency = c->id;
      } else {
        currency = r.currency();
      }
      return engine::SetIndex{currency, r.ref_price("price")};
    }
    case Method::admin_set_mark: {
      engine::SetMark s;
      if (const Instrument* ins = r.instrument()) s.instrument = ins->id;
      s.price = r.ref_price("price");
      return s;
    }
    case Method::admin_advance_time:
      at = Timestamp::from_ms(r.integer("timestamp", 0, 1, INT64_MAX / 1'000'000, true));
      return engine::AdvanceTime{};
    case Method::admin_halt:
    case Method::admin_resume:
    case Method::admin_expire: {
      const Instrument* ins = r.instrument();
      const InstrumentId id = ins ? ins->id : InstrumentId{};
      if (m == Method::admin_halt) return engine::HaltInstrument{id};
      if (m == Method::admin_resume) return engine::ResumeInstrument{id};
      return engine::ExpireInstrument{id};
    }
    case Method::admin_snapshot: return TakeSnapshot{};
    case Method::admin_state_hash: return GetStateHash{};
  }
  return GetTime{};
}

}  // namespace

RequestId RequestId::number(std::int64_t v) noexcept {
  RequestId id;
  id.kind_ = Kind::number;
  id.number_ = v;
  return id;
}

RequestId RequestId::text(std::string_view s) noexcept {
  RequestId id;
  id.kind_ = Kind::text;
  id.size_ = static_cast<std::uint8_t>(std::min(s.size(), kMaxText));
  if (id.size_ != 0) std::memcpy(id.text_.data(), s.data(), id.size_);
  return id;
}

std::string_view method_name(Method m) noexcept {
  for (const auto& e : kMethods)
    if (e.method == m) return e.name;
  return "?";
}

Result<Request, DecodeError> Decoder::decode(std::string_view line, const Session& session) {
  // One parser per thread, reused: its buffers grow to the longest line and stay.
  thread_local simdjson::ondemand::parser parser;
  buffer_.assign(line);
  buffer_.append(simdjson::SIMDJSON_PADDING, '\0');
  const simdjson::padded_string_view json(buffer_.data(), line.size(), buffer_.size());
  RequestId id;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object top;
  if (parser.iterate(json).get(doc) || doc.get_object().get(top)) return reject(error(id, kParseError, Errc::rpc_parse_error));
  std::string_view method_text;
  bool has_method = false, bad_id = false, bad_version = false;
  bool seen_id = false, seen_version = false, seen_params = false, duplicate_id = false;
  Params params;
  NamedAmounts named;
  KeyStack keys(keys_);
  Shape shape;  // a repeated key or too deep a value: refused once the whole line is read
  const std::size_t top_base = keys.open();
  for (auto field : top) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return reject(error(id, kParseError, Errc::rpc_parse_error));
    simdjson::ondemand::value value;
    if (field.value().get(value)) return reject(error(id, kParseError, Errc::rpc_parse_error));
    // The members the decoder reads are tracked apart, so a repeat is caught however many
    // members come between; a repeat is never read, the first value stands until the refusal.
    bool* seen = key == "id" ? &seen_id : key == "jsonrpc" ? &seen_version : key == "method" ? &has_method
               : key == "params" ? &seen_params : nullptr;
    if (!keys.add(top_base, key) || (seen != nullptr && *seen)) {
      duplicate_id = duplicate_id || key == "id";
      if (!shape.found()) shape = Shape{true, false, false, key};
      if (!check_nested(value, 1, keys, shape, key, false)) return reject(error(id, kParseError, Errc::rpc_parse_error));
      continue;
    }
    if (seen != nullptr) *seen = true;
    if (key == "id") {
      simdjson::ondemand::json_type t;
      if (value.type().get(t)) return reject(error(id, kParseError, Errc::rpc_parse_error));
      if (t == simdjson::ondemand::json_type::number) {
        std::int64_t n = 0;
        if (value.get_int64().get(n)) bad_id = true;
        else id = RequestId::number(n);
      } else if (t == simdjson::ondemand::json_type::string) {
        std::string_view s;
        if (value.get_string().get(s) || s.size() > RequestId::kMaxText) bad_id = true;
        else id = RequestId::text(s);
      } else if (t != simdjson::ondemand::json_type::null) {
        bad_id = true;  // an object or array: skipped unread, the request is refused anyway
      }
    } else if (key == "jsonrpc") {
      std::string_view v;
      bad_version = value.get_string().get(v) || v != "2.0";
    } else if (key == "method") {
      if (value.get_string().get(method_text)) return reject(error(id, kInvalidRequest, Errc::rpc_invalid_request, "method"));
    } else if (key == "params") {
      simdjson::ondemand::object object;
      if (value.get_object().get(object)) return reject(error(id, kInvalidParams, Errc::rpc_bad_param, "params"));
      for (auto p : object) {
        Param x;
        if (p.unescaped_key().get(x.key)) return reject(error(id, kParseError, Errc::rpc_parse_error));
        simdjson::ondemand::value v;
        simdjson::ondemand::json_type t;
        if (p.value().get(v) || v.type().get(t)) return reject(error(id, kParseError, Errc::rpc_parse_error));
        if (params.find(x.key) != nullptr) {  // at most Params::kMax keys: compared one by one
          if (!shape.found()) shape = Shape{true, false, true, x.key};
          if (!check_nested(v, 2, keys, shape, x.key, true)) return reject(error(id, kParseError, Errc::rpc_parse_error));
          continue;
        }
        switch (t) {
          case simdjson::ondemand::json_type::string:
            x.kind = Param::Kind::string;
            if (v.get_string().get(x.text)) return reject(error(id, kParseError, Errc::rpc_parse_error));
            break;
          case simdjson::ondemand::json_type::number:
            x.kind = Param::Kind::number;
            x.text = v.raw_json_token();
            while (!x.text.empty() && (x.text.back() == ' ' || x.text.back() == '\t' || x.text.back() == '\r' ||
                                       x.text.back() == '\n'))
              x.text.remove_suffix(1);
            break;
          case simdjson::ondemand::json_type::boolean:
            x.kind = Param::Kind::boolean;
            if (v.get_bool().get(x.flag)) return reject(error(id, kParseError, Errc::rpc_parse_error));
            break;
          case simdjson::ondemand::json_type::null:
            x.kind = Param::Kind::null;
            break;
          default:
            x.kind = Param::Kind::other;  // nested values: checked; only simulated_positions is read
            if (x.key == "simulated_positions" && t == simdjson::ondemand::json_type::object) {
              if (!read_named_amounts(v, keys, shape, named)) return reject(error(id, kParseError, Errc::rpc_parse_error));
              break;
            }
            if (!check_nested(v, 2, keys, shape, x.key, true)) return reject(error(id, kParseError, Errc::rpc_parse_error));
            break;
        }
        if (!params.add(x)) return reject(error(id, kInvalidParams, Errc::rpc_too_many_params, "params"));
      }
    } else if (!check_nested(value, 1, keys, shape, key, false)) {  // other members: checked, never read
      return reject(error(id, kParseError, Errc::rpc_parse_error));
    }
  }
  if (!doc.current_location().error()) return reject(error(id, kParseError, Errc::rpc_parse_error));  // trailing content
  std::string_view repeated;
  if (!keys.close(top_base, repeated) && !shape.found()) shape = Shape{true, false, false, repeated};
  if (bad_id || duplicate_id)  // which id to answer is unknown
    return reject(error(RequestId{}, kInvalidRequest, bad_id ? Errc::rpc_invalid_request : Errc::rpc_duplicate_key, "id"));
  if (shape.found())
    return reject(error(id, shape.in_params ? kInvalidParams : kInvalidRequest,
                        shape.duplicate ? Errc::rpc_duplicate_key : Errc::rpc_too_deep, shape.key));
  if (bad_version) return reject(error(id, kInvalidRequest, Errc::rpc_invalid_request, "jsonrpc"));
  if (!has_method) return reject(error(id, kInvalidRequest, Errc::rpc_invalid_request, "method"));
  const auto entry = std::find_if(std::begin(kMethods), std::end(kMethods), [&](const MethodEntry& e) { return e.name == method_text; });
  if (entry == std::end(kMethods)) return reject(error(id, kMethodNotFound, Errc::rpc_unknown_method, "method"));

  Request request;
  request.id = id;
  request.method = entry->method;
  Reader reader(params, named, request.id, *instruments_, session);
  request.body = body_of(entry->method, reader, request.at, *instruments_);
  if (reader.failed()) return reject(reader.problem());
  return request;
}

}  // namespace strike::rpc
