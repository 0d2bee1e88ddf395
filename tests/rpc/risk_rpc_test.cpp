// Margin through the JSON-RPC path, against values Deribit's real API returned (issue 10):
//   - short 1 ETH-16JUN23-1950-C, index 1893.35, mark 0.014587 ETH: initial_margin 0.13466616,
//     maintenance_margin 0.089586671 (Deribit's mark had more digits: 0.014586671; a reference
//     price has 8 decimals, so the mark here is 0.01458667 and the figures agree to 1e-8 ETH);
//   - a BTC-PERPETUAL position of -130 USD (-0.00216529 BTC at a mark of 60038.14): IM 4.3306e-05,
//     MM 2.1653e-05 BTC (to the satoshi, rounded up);
//   - portfolio margin (private/pme/simulate), short 0.999487 ETH-PERPETUAL (1948 USD at a mark of
//     1949.00), index 1949.34: IM 0.157462, MM 0.125969 ETH.
// And the behaviour around them: an order beyond the available funds gets 10009 and changes
// nothing, a reducing order is always accepted, withdrawals stop at the available funds.
#include <gtest/gtest.h>

#include <fmt/format.h>


#include "engine/engine.hpp"
#include "rpc/codec.hpp"

namespace strike::rpc {
namespace {

constexpr std::string_view kConfig = R"(
[[currency]]
code = "BTC"
decimals = 8
[[currency]]
code = "ETH"
decimals = 9
[[currency]]
code = "USDC"
decimals = 6
[[currency]]
code = "USD"
decimals = 2

[[instrument]]
name = "BTC-PERPETUAL"
contract_size = "10"
min_trade_amount = "10"
tick_size = "0.5"
taker_fee = "0"

[[instrument]]
name = "ETH-PERPETUAL"
contract_size = "1"
min_trade_amount = "1"
tick_size = "0.05"
taker_fee = "0"

[[option_series]]
underlying = "ETH"
expiries = ["16JUN23"]
strikes = ["1950"]
contract_size = "1"
min_trade_amount = "1"
tick_size = "0.0001"
tick_steps = [{ above_price = "0.005", tick_size = "0.0005" }]
)";

class RiskRpc : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = parse_instrument_config(kConfig, "risk test");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    registry_ = std::move(r).value();
    engine_ = std::make_unique<engine::Engine>(registry_);
    decoder_ = std::make_unique<Decoder>(registry_);
    history_ = history::HistoryStore::open({}, history::HistoryOptions{.in_memory = true}).value();
  }
  std::string call(std::string_view method, std::string_view params) {
    const std::string line = fmt::format(R"({{"jsonrpc":"2.0","id":1,"method":"{}","params":{{{}}}}})", method, params);
    std::string out;
    auto r = decoder_->decode(line, Session{});
    if (!r) {
      encode_error(r.error(), out);
      return out;
    }
    if (const auto* body = std::get_if<engine::CommandBody>(&r->body)) {
      t_ += 1'000'000;
      if (r->at.ns() > t_) t_ = r->at.ns();
      const engine::Outcome& o =
          engine_->apply(engine::Command{SeqNo{engine_->last_seq().raw() + 1}, Timestamp::from_ns(t_), *body});
      history_->append(o.ledger_entries);
      encode_result(r.value(), o, *engine_, out);
    } else {
      encode_query(r.value(), *engine_, history_.get(), out);
    }
    return out;
  }
  // A numeric field of an answer.
  static double number(const std::string& json, const std::string& field) {
    // (std::regex here trips GCC 12's -Wmaybe-uninitialized under the sanitizers.)
    const std::string key = "\"" + field + "\":";
    const std::size_t at = json.find(key);
    if (at == std::string::npos) {
      ADD_FAILURE() << field << " not in " << json;
      return std::nan("");
    }
    return std::stod(json.substr(at + key.size()));
  }
  void fund(int account, std::string_view currency, std::string_view amount) {
    ASSERT_EQ(call("admin/create_account", "").find("error"), std::string::npos);
    ASSERT_EQ(call("admin/deposit", fmt::format(R"("account":{},"currency":"{}","amount":{})", account, currency, amount))
                  .find("error"),
              std::string::npos);
  }
  // `seller` sells and `buyer` buys `amount` of an instrument at a price.
  void trade(int seller, int buyer, std::string_view instrument, std::string_view amount, std::string_view price) {
    const auto sell = call("private/sell", fmt::format(R"("account":{},"instrument_name":"{}","amount":{},"price":{})", seller,
                                                       instrument, amount, price));
    ASSERT_NE(sell.find("\"order_state\":\"open\""), std::string::npos) << sell;
    // (the buyer's order fills it)
    const auto buy = call("private/buy", fmt::format(R"("account":{},"instrument_name":"{}","amount":{},"price":{})", buyer,
                                                     instrument, amount, price));
    ASSERT_NE(buy.find("\"order_state\":\"filled\""), std::string::npos) << buy;
  }

  InstrumentRegistry registry_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<history::HistoryStore> history_;
  std::int64_t t_ = 1'685'577'600'000'000'000;  // 2023-06-01T00:00Z
};

TEST_F(RiskRpc, AShortEthCallHasDeribitsStandardMargin) {
  fund(1, "ETH", "10");
  fund(2, "ETH", "10");
  trade(1, 2, "ETH-16JUN23-1950-C", "1", "0.0145");
  // The index moves the venue's marks; the operator's mark then pins Deribit's.
  (void)call("admin/set_index", R"("currency":"ETH","price":1893.35)");
  (void)call("admin/set_mark", R"("instrument_name":"ETH-16JUN23-1950-C","price":0.01458667)");
  const std::string positions = call("private/get_positions", R"("account":1,"currency":"ETH")");
  EXPECT_NEAR(number(positions, "initial_margin"), 0.13466616, 1e-8) << positions;
  EXPECT_NEAR(number(positions, "maintenance_margin"), 0.089586671, 1e-8) << positions;
  const std::string summary = call("private/get_account_summary", R"("account":1,"currency":"ETH")");
  EXPECT_NEAR(number(summary, "initial_margin"), 0.13466616, 1e-8) << summary;
  EXPECT_NE(summary.find("\"margin_model\":\"segregated_sm\""), std::string::npos) << summary;
  // The long side pays its premium in full: no margin beyond it.
  const std::string long_side = call("private/get_positions", R"("account":2,"currency":"ETH")");
  EXPECT_NEAR(number(long_side, "maintenance_margin"), 0.01458667, 1e-8) << long_side;
}

TEST_F(RiskRpc, AShortBtcPerpetualHasDeribitsStandardMargin) {
  fund(1, "BTC", "0.001");
  fund(2, "BTC", "1");
  trade(1, 2, "BTC-PERPETUAL", "130", "60038");
  (void)call("admin/set_mark", R"("instrument_name":"BTC-PERPETUAL","price":60038.14)");
  const std::string positions = call("private/get_positions", R"("account":1,"currency":"BTC")");
  EXPECT_NEAR(number(positions, "size_currency"), -0.00216529, 1e-8) << positions;
  EXPECT_NEAR(number(positions, "initial_margin"), 4.3306e-05, 1e-8) << positions;
  EXPECT_NEAR(number(positions, "maintenance_margin"), 2.1653e-05, 1e-8) << positions;
  EXPECT_GT(number(positions, "estimated_liquidation_price"), 60038.14) << positions;  // a short: above the mark
}

TEST_F(RiskRpc, AShortEthPerpetualUnderPortfolioMarginHasDeribitsPmeFigures) {
  fund(1, "ETH", "10");
  fund(2, "ETH", "10");
  trade(1, 2, "ETH-PERPETUAL", "1948", "1949");
  (void)call("admin/set_index", R"("currency":"ETH","price":1949.34)");
  (void)call("admin/set_mark", R"("instrument_name":"ETH-PERPETUAL","price":1949.00)");
  const std::string changed = call("private/change_margin_model", R"("account":1,"margin_model":"segregated_pm")");
  ASSERT_NE(changed.find("\"margin_model\":\"segregated_pm\""), std::string::npos) << changed;
  const std::string summary = call("private/get_account_summary", R"("account":1,"currency":"ETH")");
  EXPECT_NEAR(number(summary, "initial_margin"), 0.157462, 1e-6) << summary;
  EXPECT_NEAR(number(summary, "maintenance_margin"), 0.125969, 1e-6) << summary;
  EXPECT_NE(summary.find("\"margin_model\":\"segregated_pm\""), std::string::npos) << summary;
}

TEST_F(RiskRpc, OrdersBeyondTheAvailableFundsAreRefusedAndReducingOnesAreNot) {
  fund(1, "BTC", "0.01");
  fund(2, "BTC", "10");
  // 0.01 BTC covers 2% of about 0.5 BTC of futures at 100000: 50,000 USD is far beyond it.
  const std::string big = call("private/buy", R"("account":1,"instrument_name":"BTC-PERPETUAL","amount":50000,"price":100000)");
  EXPECT_NE(big.find("\"code\":10009"), std::string::npos) << big;
  EXPECT_NE(big.find("not_enough_funds"), std::string::npos) << big;
  EXPECT_EQ(call("private/get_open_orders", R"("account":1)").find("order_id"), std::string::npos);
  // Within the funds: 20,000 USD needs ~0.004 BTC.
  trade(2, 1, "BTC-PERPETUAL", "20000", "100000");
  const std::string after = call("private/get_account_summary", R"("account":1,"currency":"BTC")");
  const double available = number(after, "available_funds");
  EXPECT_GT(available, 0.0) << after;
  EXPECT_LT(available, 0.01) << after;
  // Withdrawing more than the available funds is refused; the rest may leave.
  const std::string too_much = call("admin/withdraw", fmt::format(R"("account":1,"currency":"BTC","amount":{:.8f})", available + 0.0001));
  EXPECT_NE(too_much.find("\"code\":10009"), std::string::npos) << too_much;
  // Another 50,000 USD long is refused, while selling (reducing) is always accepted, even with
  // the account short of funds after the mark moves against it.
  EXPECT_NE(call("private/buy", R"("account":1,"instrument_name":"BTC-PERPETUAL","amount":50000,"price":100000)").find("10009"),
            std::string::npos);
  (void)call("admin/set_mark", R"("instrument_name":"BTC-PERPETUAL","price":96000)");
  const std::string reduce = call("private/sell", R"("account":1,"instrument_name":"BTC-PERPETUAL","amount":10000,"price":110000)");
  EXPECT_NE(reduce.find("\"order_state\":\"open\""), std::string::npos) << reduce;
}

TEST_F(RiskRpc, GetMarginsAndSimulatePortfolioAnswerWhatIfQuestions) {
  fund(1, "BTC", "1");
  (void)call("admin/set_mark", R"("instrument_name":"BTC-PERPETUAL","price":50000)");
  const std::string margins =
      call("private/get_margins", R"("account":1,"instrument_name":"BTC-PERPETUAL","amount":10000,"price":50000)");
  // 10,000 USD at 50,000 is 0.2 BTC; 2% + 0.2 x 0.005% of it.
  EXPECT_NEAR(number(margins, "buy"), 0.2 * (0.02 + 0.2 * 0.00005), 2e-8) << margins;
  EXPECT_NEAR(number(margins, "sell"), 0.2 * (0.02 + 0.2 * 0.00005), 2e-8) << margins;
  const std::string simulated = call("private/simulate_portfolio",
                                     R"("account":1,"currency":"BTC","simulated_positions":{"BTC-PERPETUAL":-10000})");
  EXPECT_GT(number(simulated, "initial_margin"), 0.0) << simulated;
  for (const char* bad : {R"("account":1,"currency":"BTC","simulated_positions":{"BTC-NOPE":1})",
                          R"("account":1,"currency":"BTC","simulated_positions":{"BTC-PERPETUAL":"x"})",
                          R"("account":1,"currency":"BTC","simulated_positions":{"BTC-PERPETUAL":10,"BTC-PERPETUAL":20})",
                          R"("account":1,"instrument_name":"BTC-PERPETUAL","amount":-5,"price":50000)"}) {
    const std::string method = std::string_view(bad).find("simulated") != std::string_view::npos ? "private/simulate_portfolio"
                                                                                                : "private/get_margins";
    const std::string out = call(method, bad);
    EXPECT_NE(out.find("\"error\""), std::string::npos) << bad << " -> " << out;
  }
}

}  // namespace
}  // namespace strike::rpc
