// A long random command stream through the engine: every invariant holds after every command
// (books, order views, ledger conservation, positions summing to zero, pools matching bases);
// the same stream gives byte-identical events and the same state hash; and an engine restored
// from a snapshot taken anywhere continues exactly like the original.
#include <gtest/gtest.h>

#include <cstdio>

#include "engine/engine.hpp"
#include "event_text.hpp"
#include "random_commands.hpp"

namespace strike::engine::testing {
namespace {

constexpr std::int64_t kStart = 1'796'083'200LL * kNsPerSecond;  // 2026-12-01T00:00Z

struct Run {
  std::vector<Command> commands;
};

std::vector<Command> make_stream(const InstrumentRegistry& registry, std::uint64_t seed, int n) {
  RandomCommands gen(registry, seed);
  std::vector<Command> out;
  std::int64_t t = kStart;
  for (const CommandBody& b : gen.setup()) out.push_back(Command{SeqNo{out.size() + 1}, Timestamp::from_ns(++t), b});
  while (static_cast<int>(out.size()) < n) {
    auto [body, dt] = gen.next(t);
    t += dt;
    out.push_back(Command{SeqNo{out.size() + 1}, Timestamp::from_ns(t), body});
  }
  return out;
}

TEST(EngineProperty, InvariantsHoldAfterEveryCommandOfARandomStream) {
  const std::uint64_t seed = 20261201;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  const InstrumentRegistry registry = load_default_instruments().value();
  const std::vector<Command> stream = make_stream(registry, seed, 30'000);
  Engine engine(registry);
  std::size_t trades = 0, settled = 0, funding = 0, rejected = 0;
  for (const Command& c : stream) {
    const Outcome& o = engine.apply(c);
    rejected += o.status != Errc::ok;
    for (const Event& e : o.events) {
      trades += std::holds_alternative<TradeExecuted>(e);
      settled += std::holds_alternative<Settled>(e);
      funding += std::holds_alternative<FundingPaid>(e);
    }
    auto problem = engine.validate();
    ASSERT_FALSE(problem) << "after command " << c.seq.raw() << " (" << to_string(c.type()) << "): " << *problem;
  }
  std::printf("%zu commands: %zu trades, %zu settlements, %zu funding payments, %zu rejected, %zu open orders\n",
              stream.size(), trades, settled, funding, rejected, engine.open_order_count());
  // The stream must exercise what it claims to.
  EXPECT_GT(trades, 1'000u);
  EXPECT_GE(settled, 3u);
  EXPECT_GT(funding, 3u);
  EXPECT_GT(rejected, 100u);
}

TEST(EngineProperty, TheSameStreamGivesTheSameEventsAndHash) {
  const InstrumentRegistry registry = load_default_instruments().value();
  const std::vector<Command> stream = make_stream(registry, 77, 20'000);
  std::string first, second;
  Engine a(registry), b(registry);
  for (const Command& c : stream) first += to_text(a.apply(c));
  for (const Command& c : stream) second += to_text(b.apply(c));
  EXPECT_EQ(first, second);
  EXPECT_EQ(a.state_hash(), b.state_hash());
  EXPECT_GT(first.size(), 100'000u);
}

TEST(EngineProperty, ARestoredSnapshotContinuesExactlyLikeTheOriginal) {
  const InstrumentRegistry registry = load_default_instruments().value();
  const std::vector<Command> stream = make_stream(registry, 5, 12'000);
  for (std::size_t cut : {60u, 3'000u, 7'777u, 11'000u}) {
    Engine original(registry);
    for (std::size_t i = 0; i < cut; ++i) (void)original.apply(stream[i]);
    std::vector<std::byte> bytes;
    original.save(bytes);
    auto restored = Engine::load(registry, {}, bytes);
    ASSERT_TRUE(restored.ok()) << restored.error().to_string();
    Engine& copy = *restored.value();
    EXPECT_EQ(copy.state_hash(), original.state_hash()) << "cut " << cut;
    std::string a, b;
    for (std::size_t i = cut; i < stream.size(); ++i) {
      a += to_text(original.apply(stream[i]));
      b += to_text(copy.apply(stream[i]));
    }
    EXPECT_EQ(a, b) << "cut " << cut;
    EXPECT_EQ(copy.state_hash(), original.state_hash()) << "cut " << cut;
  }
}

TEST(EngineProperty, ACorruptSnapshotIsRefusedWithAReason) {
  const InstrumentRegistry registry = load_default_instruments().value();
  const std::vector<Command> stream = make_stream(registry, 9, 3'000);
  Engine engine(registry);
  for (const Command& c : stream) (void)engine.apply(c);
  std::vector<std::byte> bytes;
  engine.save(bytes);
  std::mt19937_64 rng(3);
  int refused = 0;
  for (int i = 0; i < 300; ++i) {
    std::vector<std::byte> bad = bytes;
    if (i % 3 == 0) {
      bad.resize(rng() % bad.size());
    } else {
      bad[rng() % bad.size()] ^= std::byte{static_cast<unsigned char>(1 + rng() % 255)};
    }
    auto r = Engine::load(registry, {}, bad);
    if (!r.ok()) {
      ++refused;
      EXPECT_EQ(r.error().code, Errc::snapshot_corrupt);
    }
  }
  // Truncations always fail; a flipped byte in a free field (a label, a timestamp) may load.
  EXPECT_GE(refused, 100);
}

}  // namespace
}  // namespace strike::engine::testing
