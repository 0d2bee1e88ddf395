// The JSON-RPC codec: requests decode exactly (amounts and prices from the number text),
// every malformed line gets a typed JSON-RPC error, and responses have Deribit's shapes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "engine/engine.hpp"
#include "rpc/codec.hpp"

namespace strike::rpc {
namespace {

class Rpc : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = load_default_instruments().value();
    engine_ = std::make_unique<engine::Engine>(registry_);
    decoder_ = std::make_unique<Decoder>(registry_);
    history_ = history::HistoryStore::open({}, history::HistoryOptions{.in_memory = true}).value();
  }
  // Decodes and applies one line like `strike exec` does; returns the response line.
  std::string call(std::string_view line) {
    std::string out;
    auto r = decoder_->decode(line, session_);
    if (!r) {
      encode_error(r.error(), out);
      return out;
    }
    const Request& req = r.value();
    if (const auto* body = std::get_if<engine::CommandBody>(&req.body)) {
      t_ += 1'000'000;
      if (req.at.ns() > t_) t_ = req.at.ns();
      const engine::Outcome& o = engine_->apply(engine::Command{SeqNo{engine_->last_seq().raw() + 1}, Timestamp::from_ns(t_), *body});
      history_->append(o.ledger_entries);
      encode_result(req, o, *engine_, out);
    } else {
      encode_query(req, *engine_, history_.get(), out);
    }
    return out;
  }

  InstrumentRegistry registry_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<history::HistoryStore> history_;
  Session session_;
  std::int64_t t_ = 1'796'083'200'000'000'000;  // 2026-12-01T00:00Z
};

TEST_F(Rpc, ABuyIsDecodedExactlyFromTheNumberText) {
  auto r = decoder_->decode(
      R"({"jsonrpc":"2.0","id":7,"method":"private/buy","params":{"account":3,"instrument_name":"BTC-25DEC26-100000-C",
          "amount":1.5,"price":0.0105,"post_only":true,"label":"mm-1"}})",
      session_);
  ASSERT_TRUE(r.ok()) << r.error().param_name();
  const auto& o = std::get<engine::NewOrder>(std::get<engine::CommandBody>(r->body));
  EXPECT_EQ(r->id.as_number(), 7);
  EXPECT_EQ(o.account.raw(), 3u);
  EXPECT_EQ(o.qty.raw(), 15);     // 1.5 BTC in 0.1 lots
  EXPECT_EQ(o.price.raw(), 105);  // 0.0105 in 0.0001 ticks
  EXPECT_EQ(o.post_only, book::PostOnly::reprice);
  EXPECT_EQ(o.label.view(), "mm-1");
}

TEST_F(Rpc, MalformedLinesGetTypedErrors) {
  struct Case {
    const char* line;
    int code;
    const char* param;
  };
  const Case cases[] = {
      {"not json", -32700, ""},
      {"[1,2]", -32700, ""},
      {R"({"jsonrpc":"2.0","id":1})", -32600, "method"},
      {R"({"jsonrpc":"1.0","id":1,"method":"public/test"})", -32600, "jsonrpc"},
      {R"({"jsonrpc":"2.0","id":{},"method":"public/test"})", -32600, "id"},
      {R"({"jsonrpc":"2.0","id":1,"method":"private/fly"})", -32601, "method"},
      {R"({"jsonrpc":"2.0","id":1,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-1JAN99","amount":10,"price":1}})", -32602, "instrument_name"},
      {R"({"jsonrpc":"2.0","id":1,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":15,"price":50000}})", 10021, "amount"},
      {R"({"jsonrpc":"2.0","id":1,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":10,"price":50000.25}})", 10043, "price"},
      {R"({"jsonrpc":"2.0","id":1,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":"ten","price":50000}})", -32602, "amount"},
      {R"({"jsonrpc":"2.0","id":1,"method":"private/buy","params":{"instrument_name":"BTC-PERPETUAL","amount":10,"price":50000}})", -32602, "account"},
      {R"({"jsonrpc":"2.0","id":1,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":10,"price":50000,"type":"iceberg"}})", -32602, "type"},
      {R"({"jsonrpc":"2.0","id":1,"method":"private/cancel","params":{"account":1,"order_id":"abc"}})", -32602, "order_id"},
      {R"({"jsonrpc":"2.0","id":1,"method":"admin/deposit","params":{"account":1,"currency":"BTC","amount":0.000000001}})", -32602, "amount"},
      {R"({"jsonrpc":"2.0","id":1,"method":"public/test","params":{"a":1,"a":2}})", -32602, "a"},
      {R"({"jsonrpc":"2.0","id":1,"method":"public/test"} trailing)", -32700, ""},
  };
  for (const Case& c : cases) {
    auto r = decoder_->decode(c.line, session_);
    ASSERT_FALSE(r.ok()) << c.line;
    EXPECT_EQ(r.error().code, c.code) << c.line;
    EXPECT_EQ(r.error().param_name(), c.param) << c.line;
    std::string out;
    encode_error(r.error(), out);
    EXPECT_NE(out.find("\"error\":{\"code\":" + std::to_string(c.code)), std::string::npos) << out;
    EXPECT_EQ(out.back(), '\n');
  }
}

TEST_F(Rpc, AScriptedSessionAnswersInDeribitsShapes) {
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"admin/create_account"})"),
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"seq\":1,\"result\":{\"account\":1,\"owner\":1}}\n");
  (void)call(R"({"jsonrpc":"2.0","id":2,"method":"admin/create_account"})");
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":3,"method":"admin/deposit","params":{"account":1,"currency":"BTC","amount":2.5}})"),
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"seq\":3,\"result\":{\"account\":1,\"currency\":\"BTC\",\"amount\":2.5,\"balance\":2.5}}\n");
  (void)call(R"({"jsonrpc":"2.0","id":4,"method":"admin/deposit","params":{"account":2,"currency":"BTC","amount":2.5}})");
  const std::string rest = call(
      R"({"jsonrpc":"2.0","id":5,"method":"private/sell","params":{"account":2,"instrument_name":"BTC-PERPETUAL","amount":100,"price":50000,"label":"ask"}})");
  EXPECT_EQ(rest,
            "{\"jsonrpc\":\"2.0\",\"id\":5,\"seq\":5,\"result\":{\"order\":{\"order_id\":\"1\",\"order_state\":\"open\",\"order_type\":\"limit\","
            "\"instrument_name\":\"BTC-PERPETUAL\",\"direction\":\"sell\",\"price\":50000,\"amount\":100,\"filled_amount\":0,"
            "\"average_price\":0,\"time_in_force\":\"good_til_cancelled\",\"post_only\":false,\"reject_post_only\":false,"
            "\"reduce_only\":false,\"max_show\":100,\"label\":\"ask\",\"creation_timestamp\":1796083200005,"
            "\"last_update_timestamp\":1796083200005,\"replaced\":false,\"api\":true,\"web\":false,\"is_liquidation\":false},"
            "\"trades\":[]}}\n");
  const std::string take = call(
      R"({"jsonrpc":"2.0","id":"t","method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":40,"type":"market"}})");
  EXPECT_NE(take.find("\"order_state\":\"filled\""), std::string::npos) << take;
  EXPECT_NE(take.find("\"average_price\":50000,"), std::string::npos) << take;
  // 40 USD at 50000: 0.0008 BTC; taker fee 0.05% = 0.0000004 BTC.
  EXPECT_NE(take.find("\"price\":50000,\"amount\":40,\"fee\":0.0000004,\"fee_currency\":\"BTC\",\"liquidity\":\"T\""),
            std::string::npos)
      << take;
  const std::string book = call(R"({"jsonrpc":"2.0","id":7,"method":"public/get_order_book","params":{"instrument_name":"BTC-PERPETUAL"}})");
  EXPECT_NE(book.find("\"bids\":[],\"asks\":[[50000,60]]"), std::string::npos) << book;
  const std::string open = call(R"({"jsonrpc":"2.0","id":8,"method":"private/get_open_orders_by_instrument","params":{"account":2,"instrument_name":"BTC-PERPETUAL"}})");
  EXPECT_NE(open.find("\"filled_amount\":40"), std::string::npos) << open;
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":9,"method":"private/cancel","params":{"account":1,"order_id":"1"}})"),
            "{\"jsonrpc\":\"2.0\",\"id\":9,\"seq\":7,\"error\":{\"code\":10004,\"message\":\"order_not_found\",\"data\":{\"reason\":"
            "\"book_unknown_order\",\"detail\":\"no open order with this id (filled, cancelled or never seen)\"}}}\n");
  const std::string positions = call(R"({"jsonrpc":"2.0","id":10,"method":"private/get_positions","params":{"account":1,"currency":"BTC"}})");
  EXPECT_NE(positions.find("\"instrument_name\":\"BTC-PERPETUAL\",\"kind\":\"future\",\"direction\":\"buy\",\"size\":40"),
            std::string::npos)
      << positions;
  const std::string summary = call(R"({"jsonrpc":"2.0","id":11,"method":"private/get_account_summary","params":{"account":1,"currency":"BTC"}})");
  EXPECT_NE(summary.find("\"balance\":2.4999996,"), std::string::npos) << summary;
  const std::string log = call(R"({"jsonrpc":"2.0","id":12,"method":"private/get_transaction_log","params":{"account":1,"currency":"BTC"}})");
  EXPECT_NE(log.find("\"type\":\"trade\",\"currency\":\"BTC\",\"change\":-0.0000004,\"commission\":0.0000004"), std::string::npos)
      << log;
  EXPECT_NE(log.find("\"type\":\"deposit\""), std::string::npos) << log;
}

// Exactly once: an order resent with the client order id of one the venue already accepted is
// refused as a duplicate naming the first order, and applies nothing; the id is free again
// after the window, and ids are per account.
TEST_F(Rpc, AResentOrderWithTheSameClientOrderIdIsRefusedAsADuplicate) {
  for (int a = 1; a <= 2; ++a) {
    (void)call(R"({"jsonrpc":"2.0","id":1,"method":"admin/create_account"})");
    (void)call(fmt::format(R"({{"jsonrpc":"2.0","id":2,"method":"admin/deposit","params":{{"account":{},"currency":"BTC","amount":1}}}})", a));
  }
  const char* order =
      R"({"jsonrpc":"2.0","id":3,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":10,"price":50000,"client_order_id":"9f1c7c1e-2b4a-4c4e-8d0e-3f5a6b7c8d9e"}})";
  const std::string first = call(order);
  EXPECT_NE(first.find("\"order_id\":\"1\""), std::string::npos) << first;
  EXPECT_NE(first.find("\"client_order_id\":\"9f1c7c1e-2b4a-4c4e-8d0e-3f5a6b7c8d9e\""), std::string::npos) << first;
  const std::string again = call(order);
  EXPECT_NE(again.find("\"reason\":\"duplicate_client_order_id\""), std::string::npos) << again;
  EXPECT_NE(again.find("\"order_id\":\"1\""), std::string::npos) << again;
  EXPECT_NE(again.find("\"seq\":6,"), std::string::npos) << again;
  // Nothing was applied twice: one order rests, with its first amount.
  const std::string open = call(R"({"jsonrpc":"2.0","id":4,"method":"private/get_open_orders","params":{"account":1}})");
  EXPECT_EQ(open.find("\"order_id\":\"2\""), std::string::npos) << open;
  EXPECT_NE(open.find("\"amount\":10,"), std::string::npos) << open;
  // Another account may use the same id.
  const std::string other = call(
      R"({"jsonrpc":"2.0","id":5,"method":"private/buy","params":{"account":2,"instrument_name":"BTC-PERPETUAL","amount":10,"price":49000,"client_order_id":"9f1c7c1e-2b4a-4c4e-8d0e-3f5a6b7c8d9e"}})");
  EXPECT_NE(other.find("\"order_id\":\"2\""), std::string::npos) << other;
  // After the window (24 h of venue time) the id can be used again.
  t_ += engine_->config().client_order_id_window_ns;
  const std::string later = call(order);
  EXPECT_NE(later.find("\"order_id\":\"3\""), std::string::npos) << later;
  // Malformed ids are refused before they reach the engine.
  for (const char* bad : {R"("a b")", R"("0123456789012345678901234567890123456")", R"(7)"}) {
    const std::string out = call(std::string(R"({"jsonrpc":"2.0","id":6,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":10,"price":50000,"client_order_id":)") +
                                 bad + "}}");
    EXPECT_NE(out.find("\"param\":\"client_order_id\""), std::string::npos) << out;
  }
}

// --- repeated keys -------------------------------------------------------------------------------

TEST_F(Rpc, ARepeatedMethodIsRefusedAndCreatesNoAccount) {
  // The last "method" used to win: this line created an account.
  for (const char* line : {R"({"method":"public/test","method":"admin/create_account"})",
                           R"({"jsonrpc":"2.0","id":5,"method":"public/test","method":"admin/create_account"})",
                           R"({"jsonrpc":"2.0","id":5,"method":"admin/create_account","method":"public/test"})",
                           R"({"jsonrpc":"2.0","id":5,"method":"public/test","\u006dethod":"admin/create_account"})"}) {
    auto r = decoder_->decode(line, session_);
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_EQ(r.error().code, -32600) << line;
    EXPECT_EQ(r.error().reason, Errc::rpc_duplicate_key) << line;
    EXPECT_EQ(r.error().param_name(), "method") << line;
    const std::string out = call(line);
    EXPECT_NE(out.find("\"reason\":\"rpc_duplicate_key\""), std::string::npos) << out;
  }
  EXPECT_EQ(engine_->clearing().account_count(), 0u);
  EXPECT_EQ(engine_->last_seq().raw(), 0u);
}

TEST_F(Rpc, ARepeatedKeyIsRefusedAtEveryLevel) {
  struct Case {
    std::string line;
    int code;
    const char* key;
  };
  // 40 distinct keys: past the decoder's one-by-one comparison, so the sorted check finds it.
  std::string wide = "{";
  for (int i = 0; i < 40; ++i) wide += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  std::string many_members = R"({"jsonrpc":"2.0","id":1,"method":"public/test",)";
  for (int i = 0; i < 20; ++i) many_members += "\"m" + std::to_string(i) + "\":0,";
  const Case cases[] = {
      {R"({"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"method":"public/test"})", -32600, "jsonrpc"},
      {R"({"jsonrpc":"2.0","id":1,"method":"public/test","params":{},"params":{"a":1}})", -32600, "params"},
      {R"({"jsonrpc":"2.0","id":1,"method":"public/test","extra":1,"extra":{}})", -32600, "extra"},
      {R"({"jsonrpc":"2.0","id":1,"method":"public/test","meta":{"a":{"b":1,"b":2}}})", -32600, "b"},
      {R"({"jsonrpc":"2.0","id":1,"method":"public/test","meta":[[{"b":1}],[{"c":1,"c":1}]]})", -32600, "c"},
      {R"({"jsonrpc":"2.0","id":1,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":10,"amount":1000,"price":50000}})", -32602, "amount"},
      {R"({"jsonrpc":"2.0","id":1,"method":"public/test","params":{"x":{"k":1,"k":2}}})", -32602, "k"},
      {R"({"jsonrpc":"2.0","id":1,"method":"public/test","params":{"x":[{"k":1},{"k":1,"j":{"k":1,"k":2}}]}})", -32602, "k"},
      {R"({"jsonrpc":"2.0","id":1,"method":"public/test","params":{"x":{"k\n":1,"k\u000a":2}}})", -32602, "k\n"},
      {R"({"jsonrpc":"2.0","id":1,"method":"public/test","params":{"x":)" + wide + R"("k7":0}}})", -32602, "k7"},
      {many_members + R"("method":"admin/create_account"})", -32600, "method"},
  };
  for (const Case& c : cases) {
    auto r = decoder_->decode(c.line, session_);
    ASSERT_FALSE(r.ok()) << c.line;
    EXPECT_EQ(r.error().code, c.code) << c.line;
    EXPECT_EQ(r.error().reason, Errc::rpc_duplicate_key) << c.line;
    EXPECT_EQ(r.error().param_name(), c.key) << c.line;
    EXPECT_EQ(r.error().id.as_number(), 1) << c.line;
  }
  // Equal keys in different objects are no repeat; distinct keys of a wide object are fine.
  for (const std::string& line :
       {std::string(R"({"jsonrpc":"2.0","id":1,"method":"public/test","params":{"x":[{"k":1},{"k":1}],"y":{"k":{"k":1}}}})"),
        R"({"jsonrpc":"2.0","id":1,"method":"public/test","params":{"x":)" + wide + R"("k40":0}}})",
        many_members + R"("m20":{}})"}) {
    auto r = decoder_->decode(line, session_);
    EXPECT_TRUE(r.ok()) << line << " -> " << (r ? "" : name(r.error().reason));
  }
}

TEST_F(Rpc, ARepeatedIdIsAnsweredWithANullId) {
  auto r = decoder_->decode(R"({"jsonrpc":"2.0","id":1,"method":"public/test","id":2})", session_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, -32600);
  EXPECT_EQ(r.error().reason, Errc::rpc_duplicate_key);
  EXPECT_EQ(r.error().param_name(), "id");
  EXPECT_EQ(r.error().id.kind(), RequestId::Kind::none);
}

TEST_F(Rpc, NestingBeyondTheLimitIsRefusedWithoutRecursingIntoIt) {
  const auto nested = [](int levels) {
    return R"({"jsonrpc":"2.0","id":1,"method":"public/test","params":{"x":)" + std::string(levels, '[') +
           std::string(levels, ']') + "}}";
  };
  // params.x sits at depth 2: 31 arrays reach depth 32, the limit.
  EXPECT_TRUE(decoder_->decode(nested(Decoder::kMaxNesting - 1), session_).ok());
  for (const int levels : {Decoder::kMaxNesting, 100'000}) {
    auto r = decoder_->decode(nested(levels), session_);
    ASSERT_FALSE(r.ok()) << levels;
    EXPECT_EQ(r.error().code, -32602);
    EXPECT_EQ(r.error().reason, Errc::rpc_too_deep);
    EXPECT_EQ(r.error().param_name(), "x");
  }
}

// --- transfers -------------------------------------------------------------------------------------

TEST_F(Rpc, ATransferToTheSameAccountIsRefusedAndPostsNothing) {
  (void)call(R"({"jsonrpc":"2.0","id":1,"method":"admin/create_account"})");
  (void)call(R"({"jsonrpc":"2.0","id":2,"method":"admin/create_account","params":{"owner":1}})");
  (void)call(R"({"jsonrpc":"2.0","id":3,"method":"admin/deposit","params":{"account":1,"currency":"BTC","amount":2}})");
  const std::uint64_t entries = engine_->clearing().ledger().entry_count();
  const std::string self =
      call(R"({"jsonrpc":"2.0","id":4,"method":"private/submit_transfer_to_subaccount","params":{"account":1,"currency":"BTC","amount":1,"destination":1}})");
  EXPECT_NE(self.find("\"error\":{\"code\":11030,\"message\":\"other_reject\",\"data\":{\"reason\":\"transfer_to_self\""),
            std::string::npos)
      << self;
  EXPECT_EQ(engine_->clearing().ledger().entry_count(), entries);
  const std::string log = call(R"({"jsonrpc":"2.0","id":5,"method":"private/get_transaction_log","params":{"account":1,"currency":"BTC"}})");
  EXPECT_EQ(log.find("\"type\":\"transfer\""), std::string::npos) << log;
  // To a sub-account it goes through.
  const std::string sub =
      call(R"({"jsonrpc":"2.0","id":6,"method":"private/submit_transfer_to_subaccount","params":{"account":1,"currency":"BTC","amount":1,"destination":2}})");
  EXPECT_NE(sub.find("\"result\":{\"account\":1,\"currency\":\"BTC\",\"amount\":-1,\"balance\":1}"), std::string::npos) << sub;
}

// --- true reasons for prices and amounts -----------------------------------------------------------

TEST_F(Rpc, AnOffTickPriceAnOffLotAmountAndOneBelowTheMinimumEachGetTheirOwnReason) {
  (void)call(R"({"jsonrpc":"2.0","id":1,"method":"admin/create_account"})");
  (void)call(R"({"jsonrpc":"2.0","id":2,"method":"admin/deposit","params":{"account":1,"currency":"BTC","amount":100}})");
  struct Instrument {
    const char* name;
    const char* price;  // on the grid
    const char* amount;
    std::vector<const char*> off_tick;
    const char* off_lot;
    const char* below_min;
  };
  const Instrument instruments[] = {
      // ticks 0.0001, 0.0005 from 0.005; lots 0.1 BTC
      {"BTC-25DEC26-100000-C", "0.01", "1", {"0.0051", "0.00005"}, "0.15", "0.05"},
      {"BTC-25DEC26", "50000", "100", {"50001"}, "15", "5"},  // ticks 2.5 USD; lots 10 USD
      {"BTC-PERPETUAL", "50000", "100", {"50000.25"}, "15", "5"},  // ticks 0.5 USD; lots 10 USD
  };
  struct Expect {
    const char* param;
    std::string price, amount;
    int code;
    Errc reason;
  };
  int id = 10;
  for (const Instrument& ins : instruments) {
    std::vector<Expect> expects;
    for (const char* p : ins.off_tick) expects.push_back({"price", p, ins.amount, 10043, Errc::book_off_tick});
    expects.push_back({"amount", ins.price, ins.off_lot, 10021, Errc::book_off_lot});
    expects.push_back({"amount", ins.price, ins.below_min, 10002, Errc::book_below_min_size});
    // A resting order to edit.
    const std::string placed = call(fmt::format(
        R"({{"jsonrpc":"2.0","id":{},"method":"private/buy","params":{{"account":1,"instrument_name":"{}","amount":{},"price":{}}}}})",
        ++id, ins.name, ins.amount, ins.price));
    ASSERT_NE(placed.find("\"order_state\":\"open\""), std::string::npos) << placed;
    const std::string order_id = placed.substr(placed.find("\"order_id\":\"") + 12, placed.find("\",\"order_state\"") -
                                                                                         placed.find("\"order_id\":\"") - 12);
    for (const Expect& e : expects) {
      const std::string what = fmt::format("{} price {} amount {}", ins.name, e.price, e.amount);
      // Through the decoder: a new order.
      const std::string buy = fmt::format(
          R"({{"jsonrpc":"2.0","id":{},"method":"private/buy","params":{{"account":1,"instrument_name":"{}","amount":{},"price":{}}}}})",
          ++id, ins.name, e.amount, e.price);
      auto r = decoder_->decode(buy, session_);
      ASSERT_FALSE(r.ok()) << what;
      EXPECT_EQ(r.error().reason, e.reason) << what << ": " << name(r.error().reason);
      EXPECT_EQ(r.error().code, e.code) << what;
      EXPECT_EQ(r.error().param_name(), e.param) << what;
      // Through the engine: an edit of the resting order.
      const std::string edit = call(fmt::format(
          R"({{"jsonrpc":"2.0","id":{},"method":"private/edit","params":{{"account":1,"order_id":"{}","amount":{},"price":{}}}}})",
          ++id, order_id, e.amount, e.price));
      EXPECT_NE(edit.find(fmt::format("\"error\":{{\"code\":{},", e.code)), std::string::npos) << what << ": " << edit;
      EXPECT_NE(edit.find(fmt::format("\"reason\":\"{}\"", name(e.reason))), std::string::npos) << what << ": " << edit;
    }
  }
}

TEST_F(Rpc, QueriesOfAnUnknownAccountAreRefused) {
  const std::string out = call(R"({"jsonrpc":"2.0","id":1,"method":"private/get_positions","params":{"account":42,"currency":"BTC"}})");
  EXPECT_NE(out.find("\"reason\":\"unknown_account\""), std::string::npos) << out;
}

}  // namespace
}  // namespace strike::rpc
