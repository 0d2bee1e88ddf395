// The JSON-RPC codec: requests decode exactly (amounts and prices from the number text),
// every malformed line gets a typed JSON-RPC error, and responses have Deribit's shapes.
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
      {R"({"jsonrpc":"2.0","id":1,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":15,"price":50000}})", -32602, "amount"},
      {R"({"jsonrpc":"2.0","id":1,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":10,"price":50000.25}})", -32602, "price"},
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
  (void)call(R"({"jsonrpc":"2.0","id":1,"method":"admin/create_account"})");
  (void)call(R"({"jsonrpc":"2.0","id":2,"method":"admin/create_account"})");
  const char* order =
      R"({"jsonrpc":"2.0","id":3,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":10,"price":50000,"client_order_id":"9f1c7c1e-2b4a-4c4e-8d0e-3f5a6b7c8d9e"}})";
  const std::string first = call(order);
  EXPECT_NE(first.find("\"order_id\":\"1\""), std::string::npos) << first;
  EXPECT_NE(first.find("\"client_order_id\":\"9f1c7c1e-2b4a-4c4e-8d0e-3f5a6b7c8d9e\""), std::string::npos) << first;
  const std::string again = call(order);
  EXPECT_NE(again.find("\"reason\":\"duplicate_client_order_id\""), std::string::npos) << again;
  EXPECT_NE(again.find("\"order_id\":\"1\""), std::string::npos) << again;
  EXPECT_NE(again.find("\"seq\":4,"), std::string::npos) << again;
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

TEST_F(Rpc, QueriesOfAnUnknownAccountAreRefused) {
  const std::string out = call(R"({"jsonrpc":"2.0","id":1,"method":"private/get_positions","params":{"account":42,"currency":"BTC"}})");
  EXPECT_NE(out.find("\"reason\":\"unknown_account\""), std::string::npos) << out;
}

}  // namespace
}  // namespace strike::rpc
