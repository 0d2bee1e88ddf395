// AgentRunner: runs an agent's duty cycle on a thread (Aeron's Agent/AgentRunner).
//
// An agent is any object with `int do_work()`: one pass over its inputs, returning how much
// work it did. The runner calls it in a loop and hands the count to its IdleStrategy, so an
// idle agent backs off and a busy one never sleeps. Optional hooks `void on_start()` and
// `void on_close()` run on the agent's thread before the first and after the last pass.
// do_work() returning kAgentFinished (< 0) ends the loop (e.g. a reader at end of input).
//
// The agent is called only from the runner's thread (or the caller's, with run()), so it
// needs no locks; it talks to other threads through rings. The loop's cost per pass is one
// relaxed load of the stop flag; no virtual call, no std::function.
#pragma once

#include <atomic>
#include <concepts>
#include <string>
#include <thread>
#include <utility>

#include <pthread.h>

#include "core/assert.hpp"
#include "core/idle_strategy.hpp"

namespace strike {

inline constexpr int kAgentFinished = -1;

template <class A>
concept Agent = requires(A& a) {
  { a.do_work() } -> std::convertible_to<int>;
};

template <Agent A>
class AgentRunner {
 public:
  // `name` names the thread (first 15 characters, visible in top/perf/gdb).
  AgentRunner(A& agent, IdleStrategy idle, std::string name)
      : agent_(agent), idle_(idle), name_(std::move(name)) {}
  AgentRunner(const AgentRunner&) = delete;
  AgentRunner& operator=(const AgentRunner&) = delete;
  ~AgentRunner() { stop(); }

  // Starts the duty cycle on a new thread. Call at most once per runner.
  void start() {
    STRIKE_ASSERT(!thread_.joinable() && !started_, "agent runner {} started twice", name_);
    started_ = true;
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
      run();
    });
  }

  // Runs the duty cycle on the calling thread until stop() (from another thread) or the
  // agent finishes.
  void run() {
    if constexpr (requires { agent_.on_start(); }) agent_.on_start();
    while (!stop_requested_.load(std::memory_order_relaxed)) {
      const int work = agent_.do_work();
      if (work < 0) break;
      idle_.idle(work);
    }
    if constexpr (requires { agent_.on_close(); }) agent_.on_close();
    finished_.store(true, std::memory_order_release);
  }

  // Asks the loop to end after the current pass (any thread, never blocks).
  void request_stop() noexcept { stop_requested_.store(true, std::memory_order_relaxed); }
  // request_stop() and wait for the thread. Idempotent; not from the agent's own thread
  // (an agent ends itself by returning kAgentFinished).
  void stop() noexcept {
    request_stop();
    if (thread_.joinable()) thread_.join();
  }
  // Waits for an agent that finishes by itself.
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  // True once the loop has ended (stopped or finished) and on_close() has run.
  bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }
  const std::string& name() const noexcept { return name_; }

 private:
  A& agent_;
  IdleStrategy idle_;
  std::string name_;
  std::thread thread_;
  bool started_ = false;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> finished_{false};
};

}  // namespace strike
