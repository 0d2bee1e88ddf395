// A snapshot holds everything a client can observe: an engine restored from a snapshot answers
// every query (orders, positions, summaries, transaction logs, books, instruments, time) with
// the same bytes as the engine that never stopped, at the restore point and after both have
// taken the same further commands. The state hash alone is not enough: it covers only what
// save() writes, and a field save() forgets is invisible to it.
#include <gtest/gtest.h>

#include <random>

#include "../engine/random_commands.hpp"
#include "engine/engine.hpp"
#include "rpc/codec.hpp"

namespace strike::rpc {
namespace {

constexpr std::int64_t kStart = 1'796'083'200LL * kNsPerSecond;  // 2026-12-01T00:00Z

// Every query answer of the engine, one per line.
std::string every_answer(const engine::Engine& e, const history::HistoryStore& history, std::uint64_t accounts,
                         std::uint64_t orders) {
  std::string out;
  const auto ask = [&](Method m, Query q) {
    Request r;
    r.id = RequestId::number(1);
    r.method = m;
    r.body = q;
    encode_query(r, e, &history, out);
  };
  const auto& currencies = e.instruments().currencies().all();
  for (std::uint64_t a = 1; a <= accounts; ++a) {
    const AccountId account{a};
    ask(Method::get_open_orders, GetOpenOrders{account});
    for (const Instrument& ins : e.instruments().all())
      ask(Method::get_open_orders_by_instrument, GetOpenOrders{account, true, ins.id});
    for (const Currency& c : currencies) {
      if (!e.clearing().holds(c.id)) continue;
      ask(Method::get_positions, GetPositions{account, c.id});
      ask(Method::get_account_summary, GetAccountSummary{account, c.id});
      ask(Method::get_transaction_log, GetTransactionLog{account, c.id, 1'000});
    }
    // Every open order of every account (ids carry their instrument), and ids that are not open.
    for (std::uint64_t b = 1; b <= accounts; ++b)
      for (const engine::OrderView& v : e.open_orders(AccountId{b}, std::nullopt))
        ask(Method::get_order_state, GetOrderState{account, v.id});
    for (std::uint64_t o = 1; o <= orders; o += 97) ask(Method::get_order_state, GetOrderState{account, OrderId{o}});
  }
  for (const Instrument& ins : e.instruments().all()) ask(Method::get_order_book, GetOrderBook{ins.id, 1'000});
  ask(Method::get_instruments, GetInstruments{});
  ask(Method::get_instruments, GetInstruments{.expired = true});
  ask(Method::get_time, GetTime{});
  return out;
}

// The first line where two answer sets differ, for a readable failure.
std::string first_difference(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  const std::size_t from = a.rfind('\n', i) == std::string::npos ? 0 : a.rfind('\n', i) + 1;
  return "uninterrupted: " + a.substr(from, a.find('\n', i) - from) + "\nrestored:      " +
         b.substr(from, b.find('\n', i) - from);
}

TEST(SnapshotQueries, ARestoredEngineAnswersEveryQueryLikeTheUninterruptedOne) {
  const std::uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  const InstrumentRegistry registry = load_default_instruments().value();
  engine::testing::RandomCommands gen(registry, seed);
  std::vector<std::pair<engine::CommandBody, std::int64_t>> stream;
  std::int64_t t = kStart;
  for (const auto& b : gen.setup()) stream.emplace_back(b, ++t);
  while (stream.size() < 12'000) {
    auto [body, dt] = gen.next(t);
    t += dt;
    stream.emplace_back(body, t);
  }
  // The account history lives outside the engine (history_store.hpp): the live engine fills it,
  // and the restored one must find its entries through the index its snapshot holds.
  auto history = history::HistoryStore::open({}, history::HistoryOptions{.in_memory = true}).value();
  engine::Engine live(registry);
  const auto apply = [&](engine::Engine& e, std::size_t i) {
    const engine::Outcome& o =
        e.apply(engine::Command{SeqNo{i + 1}, Timestamp::from_ns(stream[i].second), stream[i].first});
    if (&e == &live) history->append(o.ledger_entries);
  };
  std::size_t applied = 0;
  int checked = 0;
  for (const std::size_t point : {500u, 3'000u, 6'500u, 9'000u}) {
    while (applied < point) apply(live, applied++);
    std::vector<std::byte> bytes;
    live.save(bytes);
    auto restored = engine::Engine::load(registry, {}, bytes);
    ASSERT_TRUE(restored.ok()) << restored.error().to_string();
    const std::uint64_t accounts = live.clearing().account_count();
    std::string expected = every_answer(live, *history, accounts, applied);
    std::string got = every_answer(*restored.value(), *history, accounts, applied);
    ASSERT_TRUE(expected == got) << "at seq " << applied << "\n" << first_difference(expected, got);
    // Both take the next 2,000 commands and still agree.
    for (std::size_t i = applied; i < applied + 2'000; ++i) {
      apply(live, i);
      apply(*restored.value(), i);
    }
    applied += 2'000;
    expected = every_answer(live, *history, accounts, applied);
    got = every_answer(*restored.value(), *history, accounts, applied);
    ASSERT_TRUE(expected == got) << "2,000 commands after a restore at seq " << applied - 2'000 << "\n"
                             << first_difference(expected, got);
    EXPECT_EQ(live.state_hash(), restored.value()->state_hash());
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

}  // namespace
}  // namespace strike::rpc
