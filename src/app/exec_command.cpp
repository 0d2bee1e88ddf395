// `strike exec`: the venue driven by JSON-RPC lines on stdin, answered on stdout. Three
// threads, as in the full venue (DESIGN.md):
//
//   reader  --(MpscRing<Envelope>)-->  sequencer (this thread)  --(SpscRing<std::string*>)-->  writer
//   stdin lines, decoded               stamps, journals, applies,                              stdout
//                                      holds each response until
//                                      its command is durable
//
// plus the journal's flusher thread doing the group commits. Responses keep request order;
// none is printed before the journal has its command (in `fsync` mode: on disk).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include <fmt/core.h>

#include "app/commands.hpp"
#include "core/agent_runner.hpp"
#include "core/mpsc_ring.hpp"
#include "core/spsc_ring.hpp"
#include "rpc/codec.hpp"
#include "venue/release_queue.hpp"
#include "venue/venue.hpp"

namespace strike::app {
namespace {

struct Envelope {
  enum class Kind : std::uint8_t { request, error, end } kind = Kind::end;
  rpc::Request request;
  rpc::DecodeError error;
};

enum class Clock : std::uint8_t { wall, manual };

Timestamp wall_now() {
  return Timestamp::from_ns(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// The sequencer's duty cycle (an Agent).
class ExecSequencer {
 public:
  ExecSequencer(MpscRing<Envelope>& in, SpscRing<std::string*>& out, venue::Venue& v, Clock clock)
      : in_(in), out_(out), venue_(v), clock_(clock) {}

  int do_work() {
    int work = static_cast<int>(in_.drain([this](const Envelope& e) { return handle(e); }, 512));
    work += venue_.poll();
    work += pending_.release(venue_.durable_sequence(), [this](std::string* s) {
      while (out_.try_push(s) != PushStatus::ok) cpu_relax();
    });
    if (failed_ || (input_done_ && pending_.empty())) {
      while (out_.try_push(nullptr) != PushStatus::ok) cpu_relax();  // tells the writer to stop
      return kAgentFinished;
    }
    return work;
  }

  bool failed() const { return failed_; }
  std::uint64_t commands() const { return commands_; }

 private:
  // False leaves the envelope in the ring (the journal is back-pressured).
  bool handle(const Envelope& e) {
    const SeqNo last = venue_.engine().last_seq();
    auto* text = new std::string();
    switch (e.kind) {
      case Envelope::Kind::end:
        input_done_ = true;
        delete text;
        return true;
      case Envelope::Kind::error:
        rpc::encode_error(e.error, *text);
        pending_.push(last, text);
        return true;
      case Envelope::Kind::request: break;
    }
    const rpc::Request& r = e.request;
    if (const auto* body = std::get_if<engine::CommandBody>(&r.body)) {
      Timestamp t = clock_ == Clock::wall ? wall_now() : venue_.engine().now();
      if (r.at > t) t = r.at;
      const engine::Outcome* outcome = nullptr;
      switch (venue_.submit(*body, t, outcome)) {
        case venue::SubmitStatus::back_pressured: delete text; return false;
        case venue::SubmitStatus::failed:
          fmt::print(stderr, "strike exec: the journal failed: {}\n", venue_.journal().failure().to_string());
          failed_ = true;
          delete text;
          return true;
        case venue::SubmitStatus::ok: break;
      }
      ++commands_;
      rpc::encode_result(r, *outcome, venue_.engine(), *text);
      pending_.push(outcome->seq, text);
      return true;
    }
    const rpc::Query& q = std::get<rpc::Query>(r.body);
    if (std::holds_alternative<rpc::GetStateHash>(q)) {
      rpc::encode_raw_result(r.id, fmt::format("{{\"seq\":{},\"state_hash\":\"{}\"}}", last.raw(), to_hex(venue_.engine().state_hash())), *text);
    } else if (std::holds_alternative<rpc::TakeSnapshot>(q)) {
      venue_.request_snapshot();
      rpc::encode_raw_result(r.id, fmt::format("{{\"seq\":{}}}", last.raw()), *text);
    } else {
      rpc::encode_query(r, venue_.engine(), *text);
    }
    pending_.push(last, text);
    return true;
  }

  MpscRing<Envelope>& in_;
  SpscRing<std::string*>& out_;
  venue::Venue& venue_;
  Clock clock_;
  venue::ReleaseQueue<std::string*> pending_;
  bool input_done_ = false;
  bool failed_ = false;
  std::uint64_t commands_ = 0;
};

void read_input(MpscRing<Envelope>& ring, const InstrumentRegistry& registry, rpc::Session session) {
  rpc::Decoder decoder(registry);
  std::string line;
  const auto push = [&](const Envelope& e) {
    IdleStrategy idle = IdleStrategy::park();
    while (ring.try_push(e) != PushStatus::ok) idle.idle();
  };
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines are not requests
    Envelope e;
    auto r = decoder.decode(line, session);
    if (r) {
      e.kind = Envelope::Kind::request;
      e.request = r.value();
    } else {
      e.kind = Envelope::Kind::error;
      e.error = r.error();
    }
    push(e);
  }
  push(Envelope{});
}

void write_output(SpscRing<std::string*>& ring) {
  IdleStrategy idle = IdleStrategy::park();
  for (;;) {
    std::string* s = nullptr;
    if (!ring.try_pop(s)) {
      std::fflush(stdout);
      idle.idle();
      continue;
    }
    idle.reset();
    if (s == nullptr) break;
    std::fwrite(s->data(), 1, s->size(), stdout);
    delete s;
  }
  std::fflush(stdout);
}

}  // namespace

void add_exec_command(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand(
      "exec", "Run the venue on a data directory: JSON-RPC requests on stdin, one per line; responses on stdout");
  struct Options {
    std::string data_dir, config, durability = "fsync", clock = "wall", idle = "park";
    std::uint64_t account = 0, snapshot_every = 1'000'000;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--data-dir", o->data_dir, "Journal and snapshots; created if missing, continued if not")->required();
  cmd->add_option("--config", o->config, "Instrument file (default: the embedded config/instruments.toml)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--durability", o->durability, "fsync (default), os, or none (benchmarks only)")
      ->check(CLI::IsMember({"fsync", "os", "none"}));
  cmd->add_option("--clock", o->clock,
                  "wall: commands carry the system time (default); manual: time moves only with admin/advance_time")
      ->check(CLI::IsMember({"wall", "manual"}));
  cmd->add_option("--account", o->account, "Account private methods act for when a request names none");
  cmd->add_option("--snapshot-every", o->snapshot_every, "Commands between snapshots (0: only admin/snapshot)");
  cmd->add_option("--idle", o->idle, "Idle strategy of the sequencer: spin, yield or park")
      ->check(CLI::IsMember({"spin", "yield", "park"}));
  cmd->callback([&exit_code, o] {
    auto registry = o->config.empty() ? load_default_instruments() : load_instruments(o->config);
    if (!registry) {
      fmt::print(stderr, "strike exec: {}\n", registry.error().to_string());
      exit_code = kExitFailure;
      return;
    }
    venue::VenueOptions options;
    options.data_dir = o->data_dir;
    options.durability = journal::parse_durability(o->durability).value();
    options.snapshot_every = o->snapshot_every;
    auto opened = venue::Venue::open(registry.value(), options);
    if (!opened) {
      fmt::print(stderr, "strike exec: {}: {}\n", o->data_dir, opened.error().to_string());
      exit_code = kExitFailure;
      return;
    }
    venue::Venue& v = *opened.value();
    const venue::RecoveryReport& rec = v.recovery();
    for (const std::string& m : rec.messages) fmt::print(stderr, "strike exec: {}\n", m);
    fmt::print(stderr, "strike exec: {} at seq {} ({}, {} journal records replayed), state {}\n", o->data_dir,
               rec.last_seq.raw(), rec.snapshot ? fmt::format("snapshot {}", rec.snapshot->raw()) : "no snapshot",
               rec.replayed, to_hex(rec.state_hash));

    MpscRing<Envelope> in(1024);
    SpscRing<std::string*> out(4096);
    ExecSequencer sequencer(in, out, v, o->clock == "manual" ? Clock::manual : Clock::wall);
    std::thread reader(read_input, std::ref(in), std::cref(registry.value()), rpc::Session{AccountId{o->account}});
    std::thread writer(write_output, std::ref(out));
    AgentRunner<ExecSequencer> runner(sequencer, IdleStrategy::from_name(o->idle).value(), "sequencer");
    runner.run();
    writer.join();
    if (sequencer.failed()) {
      reader.detach();  // still blocked on stdin; the process exits
      exit_code = kExitFailure;
      return;
    }
    reader.join();
    if (auto closed = v.close(); !closed) {
      fmt::print(stderr, "strike exec: {}\n", closed.error().to_string());
      exit_code = kExitFailure;
      return;
    }
    if (const auto& e = v.snapshot_error()) fmt::print(stderr, "strike exec: snapshot not written: {}\n", e->to_string());
    fmt::print(stderr, "strike exec: {} commands, last seq {}, state {}\n", sequencer.commands(), v.engine().last_seq().raw(),
               to_hex(v.engine().state_hash()));
    exit_code = kExitOk;
  });
}

}  // namespace strike::app
