// Sequencer: the engine thread's duty cycle (an Agent for core/agent_runner.hpp).
//
//   producers --MpscRing<Input>--> Sequencer --> Handler::publish(Result) (e.g. an SpscRing)
//                                   | stamps, journals and applies each command (Venue)
//                                   | holds each result until its command is durable
//
// The Handler decides what an input is and what a result looks like (JSON text for `strike
// exec`, a plain ack in the benchmarks). It provides:
//   bool on_input(const Input&, Sequencer&)  // false: back-pressured, leave it in the ring
//   void publish(Result&&)                   // a result whose command is durable
//   bool finished() const                    // no more input will come
//   void abandon(Result&&)                   // optional: a held result that can never be
//                                            // released because the journal failed
// and calls back submit() for commands and hold() for their results. One pass drains at most
// kBatch inputs and releases what the journal made durable.
//
// When the journal fails (disk full, I/O error), nothing held can become durable any more:
// the sequencer still releases what was durable, hands every other held result to abandon()
// in order (the handler answers with an error instead; a handler without abandon() drops
// them), and keeps draining input (submit() now returns failed, so the handler refuses it)
// until the handler is finished (end of input) or no input has come for kQuietAfterFailure:
// an open but idle input must not keep a venue that cannot work alive.
#pragma once

#include <chrono>
#include <optional>

#include "core/agent_runner.hpp"
#include "core/mpsc_ring.hpp"
#include "venue/release_queue.hpp"
#include "venue/venue.hpp"

namespace strike::venue {

template <class Input, class Result, class Handler>
class Sequencer {
 public:
  static constexpr std::size_t kBatch = 1024;
  static constexpr std::chrono::milliseconds kQuietAfterFailure{100};

  Sequencer(MpscRing<Input>& in, Venue& v, Handler& handler) : in_(in), venue_(v), handler_(handler) {}

  int do_work() {
    // Read before the durable sequence: once the journal has failed, that no longer moves.
    const bool failed = venue_.journal().failed();
    const auto drained = in_.drain([this](const Input& i) { return handler_.on_input(i, *this); }, kBatch);
    int work = static_cast<int>(drained);
    work += pending_.release(venue_.durable_sequence(), [this](Result&& r) { handler_.publish(std::move(r)); });
    if (failed) [[unlikely]] {
      work += pending_.release(SeqNo{UINT64_MAX}, [this](Result&& r) {
        if constexpr (requires { handler_.abandon(std::move(r)); }) handler_.abandon(std::move(r));
      });
      if (handler_.finished()) return kAgentFinished;
      const auto now = std::chrono::steady_clock::now();
      if (drained > 0 || !quiet_since_) quiet_since_ = now;
      else if (now - *quiet_since_ >= kQuietAfterFailure) return kAgentFinished;
      return work;
    }
    if (handler_.finished() && pending_.empty()) return kAgentFinished;
    return work;
  }

  // For the handler: sequence one command (see Venue::submit).
  SubmitStatus submit(const engine::CommandBody& body, Timestamp time, const engine::Outcome*& outcome) noexcept {
    return venue_.submit(body, time, outcome);
  }
  // For the handler: a result to publish once `after` is durable (a command's own sequence, or
  // the last one for a query, so results keep their order).
  void hold(SeqNo after, Result r) { pending_.push(after, std::move(r)); }

  Venue& venue() noexcept { return venue_; }

 private:
  MpscRing<Input>& in_;
  Venue& venue_;
  Handler& handler_;
  ReleaseQueue<Result> pending_;
  std::optional<std::chrono::steady_clock::time_point> quiet_since_;  // after a journal failure
};

}  // namespace strike::venue
