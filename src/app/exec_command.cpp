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
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include <fmt/core.h>

#include "app/commands.hpp"
#include "app/venue_config.hpp"
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
      rpc::encode_query(r, v.engine(), &v.history(), *text);
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

// stdin in large read(2) blocks, split on '\n' in place: getline on a synchronised std::cin
// costs a locked getc per byte, which was most of `strike exec`'s time. A line may span blocks
// and the last one may lack its newline. A line longer than kMaxLine is reported once and
// skipped up to its newline, so one oversize line costs no more than kMaxLine of memory.
class LineReader {
 public:
  static constexpr std::size_t kBlock = std::size_t{1} << 20;
  static constexpr std::size_t kMaxLine = std::size_t{1} << 20;  // 1 MiB: far beyond any request
  enum class Status : std::uint8_t { line, too_long, end };

  explicit LineReader(int fd) : fd_(fd), buf_(new char[kBlock + kMaxLine]) {}

  // The next line without its newline (valid until the next call), or the end of input.
  Status next(std::string_view& line) {
    for (;;) {
      const char* begin = buf_.get() + pos_;
      if (const void* nl = std::memchr(buf_.get() + scanned_, '\n', end_ - scanned_)) {
        const std::size_t len = static_cast<const char*>(nl) - begin;
        pos_ = scanned_ = pos_ + len + 1;
        if (skipping_) {  // the tail of an oversize line, already reported
          skipping_ = false;
          continue;
        }
        if (len > kMaxLine) return Status::too_long;
        line = {begin, len};
        return Status::line;
      }
      // No newline in [pos_, end_): keep the partial line at the front and read more after it.
      if (skipping_) {
        pos_ = end_ = 0;
      } else if (end_ - pos_ > kMaxLine) {
        skipping_ = true;
        pos_ = end_ = 0;
        scanned_ = 0;
        return Status::too_long;
      } else if (pos_ != 0) {
        std::memmove(buf_.get(), begin, end_ - pos_);
        end_ -= pos_;
        pos_ = 0;
      }
      scanned_ = end_;
      if (eof_) {
        if (end_ == pos_ || skipping_) return Status::end;
        line = {buf_.get() + pos_, end_ - pos_};  // the last line, without a newline
        pos_ = scanned_ = end_;
        return Status::line;
      }
      const ssize_t n = ::read(fd_, buf_.get() + end_, kBlock + kMaxLine - end_);  // >= kBlock free
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fmt::print(stderr, "strike exec: reading stdin: {}\n", std::strerror(errno));
      if (n <= 0) eof_ = true;
      else end_ += static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::unique_ptr<char[]> buf_;
  std::size_t pos_ = 0, end_ = 0;  // unread bytes
  std::size_t scanned_ = 0;        // [pos_, scanned_) holds no newline
  bool skipping_ = false;          // inside an oversize line
  bool eof_ = false;
};

void read_input(MpscRing<Envelope>& ring, const InstrumentRegistry& registry, rpc::Session session) {
  rpc::Decoder decoder(registry);
  LineReader input(STDIN_FILENO);
  const auto push = [&](const Envelope& e) {
    IdleStrategy idle = IdleStrategy::park();
    while (ring.try_push(e) != PushStatus::ok) idle.idle();
  };
  Envelope e;
  std::string_view line;
  for (LineReader::Status status; (status = input.next(line)) != LineReader::Status::end;) {
    if (status == LineReader::Status::too_long) {
      e.kind = Envelope::Kind::error;
      e.error = rpc::DecodeError{};  // the id is somewhere in the skipped text: null
      e.error.code = -32600;
      e.error.reason = Errc::rpc_line_too_long;
      push(e);
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank lines are not requests
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

// Responses are gathered in one buffer and written with write(2) when it passes kFlushAt or
// the ring runs dry (so a waiting client sees its answer), instead of stdio's 4 KiB pieces.
void write_output(SpscRing<std::string*>& ring) {
  constexpr std::size_t kFlushAt = std::size_t{1} << 16;
  std::string pending;
  pending.reserve(2 * kFlushAt);
  bool broken = false;  // stdout failed: keep draining the ring, write nothing more
  const auto flush = [&] {
    std::size_t done = 0;
    while (!broken && done < pending.size()) {
      const ssize_t n = ::write(STDOUT_FILENO, pending.data() + done, pending.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        fmt::print(stderr, "strike exec: writing stdout: {}\n", std::strerror(errno));
        broken = true;
      } else {
        done += static_cast<std::size_t>(n);
      }
    }
    pending.clear();
  };
  IdleStrategy idle = IdleStrategy::park();
  for (;;) {
    std::string* s = nullptr;
    if (!ring.try_pop(s)) {
      if (!pending.empty()) flush();
      idle.idle();
      continue;
    }
    idle.reset();
    if (s == nullptr) break;
    pending += *s;
    delete s;
    if (pending.size() >= kFlushAt) flush();
  }
  flush();
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
  cmd->add_option("--config", o->config,
                  "Instrument file (default: the one the data directory was created with, else the embedded "
                  "config/instruments.toml)")
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
    auto config_holder = std::make_unique<Result<VenueConfig>>(load_venue_config(o->data_dir, o->config));
    Result<VenueConfig>& config = *config_holder;
    if (!config) {
      fmt::print(stderr, "strike exec: {}\n", config.error().to_string());
      exit_code = kExitFailure;
      return;
    }
    const InstrumentRegistry& registry = config->registry;
    venue::VenueOptions options;
    options.data_dir = o->data_dir;
    options.durability = journal::parse_durability(o->durability).value();
    options.snapshot_every = o->snapshot_every;
    options.flusher_idle = IdleStrategy::from_name(o->idle).value();
    options.engine = config->engine;
    options.config_text = config->text;
    options.config_extension = config->extension;
    auto opened = venue::Venue::open(registry, options);
    if (!opened) {
      fmt::print(stderr, "strike exec: {}: {} (configuration: {})\n", o->data_dir, opened.error().to_string(),
                 config->source);
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
    std::thread reader(read_input, std::ref(*in), std::cref(registry), rpc::Session{AccountId{o->account}});
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
        (void)config_holder.release();
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
    if (v.snapshots() && v.snapshots()->error())
      fmt::print(stderr, "strike exec: snapshot not written: {}\n", v.snapshots()->error()->to_string());
    fmt::print(stderr, "strike exec: {} commands, last seq {}, state {}\n", handler.commands(), v.engine().last_seq().raw(),
               to_hex(v.engine().state_hash()));
    exit_code = kExitOk;
  });
}

}  // namespace strike::app
