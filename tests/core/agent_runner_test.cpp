#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/agent_runner.hpp"
#include "core/idle_strategy.hpp"
#include "core/spsc_ring.hpp"

namespace strike {
namespace {

TEST(IdleStrategy, IsSelectedByName) {
  EXPECT_EQ(IdleStrategy::from_name("spin").value().kind(), IdleKind::spin);
  EXPECT_EQ(IdleStrategy::from_name("yield").value().kind(), IdleKind::yield);
  EXPECT_EQ(IdleStrategy::from_name("park").value().kind(), IdleKind::park);
  EXPECT_EQ(IdleStrategy::from_name("park").value().name(), "park");
}

TEST(IdleStrategy, UnknownNameIsAConfigurationErrorListingTheChoices) {
  auto r = IdleStrategy::from_name("sleepy");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::config_bad_value);
  EXPECT_NE(r.error().detail.find("sleepy"), std::string::npos);
  EXPECT_NE(r.error().detail.find("spin|yield|park"), std::string::npos);
}

TEST(IdleStrategy, ParkBacksOffFromSpinningToYieldingToDoublingSleeps) {
  IdleStrategy::Park p;
  p.max_spins = 2;
  p.max_yields = 1;
  p.min_park = std::chrono::nanoseconds(1'000);
  p.max_park = std::chrono::nanoseconds(3'000);
  IdleStrategy idle = IdleStrategy::park(p);
  idle.idle(0);
  EXPECT_EQ(idle.phase(), IdleStrategy::Phase::spinning);
  idle.idle(0);
  EXPECT_EQ(idle.phase(), IdleStrategy::Phase::spinning);
  idle.idle(0);
  EXPECT_EQ(idle.phase(), IdleStrategy::Phase::yielding);
  EXPECT_EQ(idle.next_park().count(), 1'000);
  idle.idle(0);
  EXPECT_EQ(idle.phase(), IdleStrategy::Phase::parking);
  EXPECT_EQ(idle.next_park().count(), 2'000);
  idle.idle(0);
  EXPECT_EQ(idle.next_park().count(), 3'000);  // capped at max_park
  idle.idle(0);
  EXPECT_EQ(idle.next_park().count(), 3'000);
  idle.idle(1);  // work resets the back-off
  EXPECT_EQ(idle.phase(), IdleStrategy::Phase::not_idle);
  EXPECT_EQ(idle.next_park().count(), 1'000);
  idle.idle(0);
  EXPECT_EQ(idle.phase(), IdleStrategy::Phase::spinning);
}

// Echoes values from one ring into another until it has seen `limit`, then finishes itself.
struct EchoAgent {
  SpscRing<int>& in;
  SpscRing<int>& out;
  int limit;
  int seen = 0;
  int starts = 0, closes = 0;
  std::thread::id thread{};

  void on_start() {
    ++starts;
    thread = std::this_thread::get_id();
  }
  void on_close() { ++closes; }
  int do_work() {
    if (seen == limit) return kAgentFinished;
    return static_cast<int>(in.drain([&](int v) {
      if (out.try_push(v * 2) != PushStatus::ok) return false;
      ++seen;
      return true;
    }));
  }
};

TEST(AgentRunner, RunsTheDutyCycleOnItsOwnThreadUntilTheAgentFinishes) {
  SpscRing<int> in(8), out(8);
  EchoAgent agent{in, out, 100};
  AgentRunner runner(agent, IdleStrategy::park(), "echo");
  runner.start();
  int sent = 0, received = 0, sum = 0;
  while (received < 100) {
    if (sent < 100 && in.try_push(sent) == PushStatus::ok) ++sent;
    int v;
    while (out.try_pop(v)) {
      sum += v;
      ++received;
    }
  }
  runner.join();
  EXPECT_TRUE(runner.finished());
  EXPECT_EQ(sum, 2 * (99 * 100 / 2));
  EXPECT_EQ(agent.starts, 1);
  EXPECT_EQ(agent.closes, 1);
  EXPECT_NE(agent.thread, std::this_thread::get_id());
}

struct CountingAgent {
  std::atomic<long> passes{0};
  int do_work() {
    passes.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
};

TEST(AgentRunner, StopEndsAnIdleAgentAndIsIdempotent) {
  CountingAgent agent;
  AgentRunner runner(agent, IdleStrategy::park(), "idle");
  runner.start();
  while (agent.passes.load() < 20) std::this_thread::yield();
  runner.stop();
  EXPECT_TRUE(runner.finished());
  const long after = agent.passes.load();
  runner.stop();
  EXPECT_EQ(agent.passes.load(), after);
}

TEST(AgentRunner, RunExecutesOnTheCallingThread) {
  SpscRing<int> in(4), out(4);
  EchoAgent agent{in, out, 3};
  for (int i = 1; i <= 3; ++i) ASSERT_EQ(in.try_push(i), PushStatus::ok);
  AgentRunner runner(agent, IdleStrategy::spin(), "inline");
  runner.run();
  EXPECT_EQ(agent.thread, std::this_thread::get_id());
  EXPECT_EQ(out.size_approx(), 3u);
}

}  // namespace
}  // namespace strike
