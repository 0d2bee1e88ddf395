// The threaded pipeline under load: two producer threads -> MPSC ring -> sequencer agent thread
// (journal + engine, flusher thread behind it) -> SPSC ring -> a consumer. Every command is
// acknowledged exactly once, in sequence order, only when durable; each producer's commands
// keep their order; and the journal replays to the live engine's state. Run it under
// `make tsan-test` for the data-race check.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "core/spsc_ring.hpp"
#include "venue/sequencer.hpp"

namespace strike::venue {
namespace {

namespace fs = std::filesystem;

struct Input {
  engine::CommandBody body;
  int producer = 0;
  std::uint32_t index = 0;  // position in the producer's own stream
};
struct Ack {
  SeqNo seq;
  int producer = 0;
  std::uint32_t index = 0;
  SeqNo durable_at_release;
};

struct Handler {
  using Seq = Sequencer<Input, Ack, Handler>;
  SpscRing<Ack>& out;
  Venue* venue;
  bool on_input(const Input& i, Seq& s) {
    const engine::Outcome* o = nullptr;
    const auto st = s.submit(i.body, Timestamp::from_ns(1'796'083'200LL * kNsPerSecond), o);
    if (st == SubmitStatus::back_pressured) return false;
    EXPECT_EQ(st, SubmitStatus::ok);
    s.hold(o->seq, Ack{o->seq, i.producer, i.index, {}});
    return true;
  }
  void publish(Ack&& a) {
    a.durable_at_release = venue->durable_sequence();
    while (out.try_push(a) != PushStatus::ok) cpu_relax();
  }
  bool finished() const { return false; }
};

TEST(Pipeline, TwoProducersEveryAckOnceInOrderAfterDurabilityAndTheJournalReplaysToTheSameState) {
  const InstrumentRegistry registry = load_default_instruments().value();
  const fs::path dir = fs::temp_directory_path() / ("strike-pipeline-" + std::to_string(getpid()));
  fs::remove_all(dir);
  VenueOptions options;
  options.data_dir = dir;
  options.durability = journal::Durability::os;
  options.snapshot_every = 2'000;
  auto v = Venue::open(registry, options);
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  // Accounts first, on this thread, before the agent starts.
  const CurrencyId btc = registry.currencies().find("BTC")->id;
  for (int a = 0; a < 8; ++a) {
    const engine::Outcome* o = nullptr;
    ASSERT_EQ(v.value()->submit(engine::CreateAccount{}, Timestamp::from_ns(1), o), SubmitStatus::ok);
    ASSERT_EQ(v.value()->submit(engine::Deposit{AccountId{static_cast<std::uint64_t>(a + 1)}, btc, 100'000'000}, Timestamp::from_ns(1), o),
              SubmitStatus::ok);
  }
  const SeqNo setup = v.value()->engine().last_seq();

  MpscRing<Input> in(256);  // small rings: back-pressure happens
  SpscRing<Ack> out(256);
  Handler handler{out, v.value().get()};
  Handler::Seq seq(in, *v.value(), handler);
  AgentRunner<Handler::Seq> runner(seq, IdleStrategy::yield(), "sequencer");
  runner.start();
  constexpr std::uint32_t kPerProducer = 20'000;
  const InstrumentId perp = registry.find("BTC-PERPETUAL")->id;
  auto produce = [&](int p) {
    for (std::uint32_t i = 0; i < kPerProducer; ++i) {
      engine::NewOrder o;
      o.account = AccountId{static_cast<std::uint64_t>(1 + p * 4 + i % 4)};
      o.instrument = perp;
      o.side = (i % 2 == 0) == (p == 0) ? Side::buy : Side::sell;
      o.price = Price{200'000 + static_cast<std::int64_t>(i % 7) - 3};
      o.qty = Qty{1 + static_cast<std::int64_t>(i % 5)};
      o.tif = i % 3 == 0 ? book::TimeInForce::ioc : book::TimeInForce::gtc;
      const Input input{o, p, i};
      while (in.try_push(input) != PushStatus::ok) std::this_thread::yield();
    }
  };
  std::thread p0(produce, 0), p1(produce, 1);
  std::uint64_t expected = setup.raw() + 1;
  std::uint32_t next_index[2] = {0, 0};
  for (std::uint32_t received = 0; received < 2 * kPerProducer;) {
    Ack a;
    if (!out.try_pop(a)) {
      std::this_thread::yield();
      continue;
    }
    ++received;
    ASSERT_EQ(a.seq.raw(), expected++);           // once each, in sequence order
    ASSERT_GE(a.durable_at_release, a.seq);        // never before its command was durable
    ASSERT_EQ(a.index, next_index[a.producer]++);  // each producer's order kept
  }
  p0.join();
  p1.join();
  runner.stop();
  const Hash256 live = v.value()->engine().state_hash();
  ASSERT_TRUE(v.value()->close().ok());
  v.value().reset();
  auto rec = journal::Recovery::open(dir, journal::RecoveryOptions{.use_snapshots = false});
  ASSERT_TRUE(rec.ok());
  RecoveryReport report;
  auto replayed = replay(registry, {}, rec.value(), SeqNo{UINT64_MAX}, report);
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(replayed.value()->state_hash(), live);
  EXPECT_EQ(report.replayed, setup.raw() + 2 * kPerProducer);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace strike::venue
