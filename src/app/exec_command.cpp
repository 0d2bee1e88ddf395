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
#include "venue/sequencer.hpp"

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

// A response on its way out, and what is needed to answer in its place if the journal fails
// before the commands it depends on are durable.
struct Response {
  std::string* text = nullptr;
  rpc::RequestId id;
  bool reveals_state = true;  // a command's result or a query's answer (an error reveals nothing)
};

// What the sequencer does with each line: commands are sequenced, queries answered from the
// engine; every answer is JSON text, released once the commands before it are durable. After
// a journal failure (disk full, I/O error) nothing is executed or answered from the engine,
// whose state then holds commands that will never be durable: each request is refused, and
// each held response becomes a journal_failed error (abandon()).
class ExecHandler {
 public:
  using Sequencer = venue::Sequencer<Envelope, Response, ExecHandler>;

  ExecHandler(SpscRing<std::string*>& out, Clock clock, const venue::Venue& venue)
      : out_(out), clock_(clock), venue_(venue) {}

  bool on_input(const Envelope& e, Sequencer& seq) {
    venue::Venue& v = seq.venue();
    const SeqNo last = v.engine().last_seq();
    if (e.kind == Envelope::Kind::end) {
      input_done_ = true;
      return true;
    }
    auto text = std::make_unique<std::string>();
    if (e.kind == Envelope::Kind::error) {
      rpc::encode_error(e.error, *text);
      seq.hold(last, Response{text.release(), e.error.id, false});
      return true;
    }
    const rpc::Request& r = e.request;
    if (v.journal().failed()) return refuse(r.id, seq, last);
    if (const auto* body = std::get_if<engine::CommandBody>(&r.body)) {
      Timestamp t = clock_ == Clock::wall ? wall_now() : v.engine().now();
      if (r.at > t) t = r.at;
      const engine::Outcome* outcome = nullptr;
      switch (seq.submit(*body, t, outcome)) {
        case venue::SubmitStatus::back_pressured: return false;
        case venue::SubmitStatus::failed: return refuse(r.id, seq, last);
        case venue::SubmitStatus::ok: break;
      }
      ++commands_;
      rpc::encode_result(r, *outcome, v.engine(), *text);
      seq.hold(outcome->seq, Response{text.release(), r.id, true});
      return true;
    }
    const rpc::Query& q = std::get<rpc::Query>(r.body);
    if (std::holds_alternative<rpc::GetStateHash>(q)) {
      rpc::encode_raw_result(r.id, fmt::format("{{\"seq\":{},\"state_hash\":\"{}\"}}", last.raw(), to_hex(v.engine().state_hash())),
                             *text);
    } else if (std::holds_alternative<rpc::TakeSnapshot>(q)) {
      v.request_snapshot();
      rpc::encode_raw_result(r.id, fmt::format("{{\"seq\":{}}}", last.raw()), *text);
    } else {
      rpc::encode_query(r, v.engine(), *text);
    }
    seq.hold(last, Response{text.release(), r.id, true});
    return true;
  }
  void publish(Response&& r) { push(r.text); }
  // A held response whose commands will never be durable: answered with an error instead.
  void abandon(Response&& r) {
    if (r.reveals_state) {
      r.text->clear();
      rpc::encode_error(r.id, Errc::journal_failed,
                        fmt::format("not confirmed: the journal failed before the commands this response reflects were "
                                    "durable ({}); after a restart, the venue's state shows whether they were kept",
                                    venue_.journal().failure().detail),
                        *r.text);
      ++unconfirmed_;
    }
    push(r.text);
  }
  void end_output() { push(nullptr); }  // tells the writer to stop
  bool finished() const { return input_done_; }

  std::uint64_t commands() const { return commands_; }
  std::uint64_t refused() const { return refused_; }
  std::uint64_t unconfirmed() const { return unconfirmed_; }

 private:
  // After a journal failure: the request is not executed, and says so.
  bool refuse(const rpc::RequestId& id, Sequencer& seq, SeqNo last) {
    auto* text = new std::string;
    rpc::encode_error(id, Errc::journal_failed,
                      fmt::format("not executed: the journal failed ({}); the venue is stopping",
                                  venue_.journal().failure().detail),
                      *text);
    ++refused_;
    seq.hold(last, Response{text, id, false});
    return true;
  }
  void push(std::string* s) {
    while (out_.try_push(s) != PushStatus::ok) cpu_relax();
  }

  SpscRing<std::string*>& out_;
  Clock clock_;
  const venue::Venue& venue_;
  bool input_done_ = false;
  std::uint64_t commands_ = 0, refused_ = 0, unconfirmed_ = 0;
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
  cmd->add_option("--idle", o->idle, "Idle strategy of the sequencer and the journal flusher: spin, yield or park")
      ->check(CLI::IsMember({"spin", "yield", "park"}));
  cmd->callback([&exit_code, o] {
    // On the heap: after a journal failure the reader thread, blocked on stdin, is left
    // running with it and the input ring until the process exits (see below).
    auto registry_holder = std::make_unique<Result<InstrumentRegistry>>(
        o->config.empty() ? load_default_instruments() : load_instruments(o->config));
    Result<InstrumentRegistry>& registry = *registry_holder;
    if (!registry) {
      fmt::print(stderr, "strike exec: {}\n", registry.error().to_string());
      exit_code = kExitFailure;
      return;
    }
    venue::VenueOptions options;
    options.data_dir = o->data_dir;
    options.durability = journal::parse_durability(o->durability).value();
    options.snapshot_every = o->snapshot_every;
    options.flusher_idle = IdleStrategy::from_name(o->idle).value();
    auto opened = venue::Venue::open(registry.value(), options);
    if (!opened) {
      fmt::print(stderr, "strike exec: {}: {}\n", o->data_dir, opened.error().to_string());
      const Errc code = opened.error().code;
      if (code == Errc::journal_corrupt || code == Errc::journal_chain_mismatch || code == Errc::journal_sequence_gap ||
          code == Errc::journal_records_missing || code == Errc::snapshot_journal_mismatch)
        fmt::print(stderr,
                   "strike exec: the data directory is damaged and was left unchanged; `strike journal verify "
                   "--data-dir {}` explains it, and `strike journal truncate` drops a damaged tail if you accept "
                   "losing it (docs/journal.md)\n",
                   o->data_dir);
      exit_code = kExitFailure;
      return;
    }
    venue::Venue& v = *opened.value();
    const venue::RecoveryReport& rec = v.recovery();
    for (const std::string& m : rec.messages) fmt::print(stderr, "strike exec: {}\n", m);
    fmt::print(stderr, "strike exec: {} at seq {} ({}, {} journal records replayed), state {}\n", o->data_dir,
               rec.last_seq.raw(), rec.snapshot ? fmt::format("snapshot {}", rec.snapshot->raw()) : "no snapshot",
               rec.replayed, to_hex(rec.state_hash));

    auto in = std::make_unique<MpscRing<Envelope>>(1024);
    SpscRing<std::string*> out(4096);
    ExecHandler handler(out, o->clock == "manual" ? Clock::manual : Clock::wall, v);
    ExecHandler::Sequencer sequencer(*in, v, handler);
    std::thread reader(read_input, std::ref(*in), std::cref(registry.value()), rpc::Session{AccountId{o->account}});
    std::thread writer(write_output, std::ref(out));
    AgentRunner<ExecHandler::Sequencer> runner(sequencer, IdleStrategy::from_name(o->idle).value(), "sequencer");
    runner.run();  // until the end of input, or soon after a journal failure
    handler.end_output();
    writer.join();  // every released response is on stdout
    if (v.journal().failed()) {
      fmt::print(stderr,
                 "strike exec: stopping: the journal failed: {}; {} commands durable (last seq {}), {} responses not "
                 "confirmed, {} requests refused; recovery keeps every acknowledged command once the disk is fixed\n",
                 v.journal().failure().detail, v.durable_sequence().raw() - rec.last_seq.raw(), v.durable_sequence().raw(),
                 handler.unconfirmed(), handler.refused());
      if (handler.finished()) {
        reader.join();
      } else {
        // Still blocked on stdin: leave it, with the ring and registry it uses, to the exit.
        reader.detach();
        (void)in.release();
        (void)registry_holder.release();
      }
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
    fmt::print(stderr, "strike exec: {} commands, last seq {}, state {}\n", handler.commands(), v.engine().last_seq().raw(),
               to_hex(v.engine().state_hash()));
    exit_code = kExitOk;
  });
}

}  // namespace strike::app
