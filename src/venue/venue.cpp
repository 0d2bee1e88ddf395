#include "venue/venue.hpp"

#include <fmt/format.h>

#include "engine/command_codec.hpp"

namespace strike::venue {

Result<std::unique_ptr<engine::Engine>> replay(const InstrumentRegistry& instruments, const engine::EngineConfig& config,
                                               journal::Recovery& recovery, SeqNo until, RecoveryReport& report) {
  std::unique_ptr<engine::Engine> engine;
  if (const auto& snapshot = recovery.snapshot()) {
    auto loaded = engine::Engine::load(instruments, config, snapshot->state);
    if (!loaded)
      return fail(loaded.error().code, fmt::format("{}: {}", snapshot->info.file.string(), loaded.error().detail));
    engine = std::move(loaded).value();
    if (engine->last_seq() != snapshot->info.follows)
      return fail(Errc::snapshot_journal_mismatch, fmt::format("{} holds the state after {} but is named for {}",
                                                               snapshot->info.file.string(), engine->last_seq().raw(),
                                                               snapshot->info.follows.raw()));
    report.snapshot = snapshot->info.follows;
  } else {
    engine = std::make_unique<engine::Engine>(instruments, config);
  }
  report.messages = recovery.messages();
  journal::RecordView r;
  journal::ReadStatus status;
  bool stopped = false;  // at `until`, before the journal's end
  while ((status = recovery.journal().next(r)) == journal::ReadStatus::record) {
    if (r.seq > until) {
      stopped = true;
      break;
    }
    // The journal's CRCs and chain passed; what is left to check is that the bytes are a
    // command the engine accepts as its next input.
    if (r.seq.raw() != engine->last_seq().raw() + 1 || r.time < engine->now())
      return fail(Errc::journal_corrupt, fmt::format("record {} does not follow {} (time {} after {})", r.seq.raw(),
                                                     engine->last_seq().raw(), r.time.ns(), engine->now().ns()));
    auto command = engine::decode_command(r.seq, r.time, r.type, r.payload);
    if (!command)
      return fail(Errc::journal_corrupt, fmt::format("record {} (type {}): {}", r.seq.raw(), r.type, name(command.error())));
    (void)engine->apply(command.value());
    ++report.replayed;
  }
  if (status == journal::ReadStatus::error) return fail(recovery.journal().error());
  if (!stopped)
    if (const auto& torn = recovery.journal().end().torn) report.messages.push_back(journal::describe(*torn));
  report.last_seq = engine->last_seq();
  return engine;
}

Result<std::unique_ptr<Venue>> Venue::open(const InstrumentRegistry& instruments, VenueOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return fail(Errc::journal_io, fmt::format("create {}: {}", options.data_dir.string(), ec.message()));
  auto recovery = journal::Recovery::open(options.data_dir);
  if (!recovery) return fail(std::move(recovery).error());
  std::unique_ptr<Venue> v(new Venue());
  auto engine = replay(instruments, options.engine, recovery.value(), SeqNo{UINT64_MAX}, v->report_);
  if (!engine) return fail(std::move(engine).error());
  v->engine_ = std::move(engine).value();
  // Recovery refuses a journal that ends before its snapshot; this is the last check before
  // the writer changes any file (it truncates a torn tail).
  if (recovery->journal().end().head.seq != v->engine_->last_seq())
    return fail(Errc::journal_records_missing, fmt::format("{}: the journal ends at seq {} but the recovered state is at seq {}",
                                                           options.data_dir.string(), recovery->journal().end().head.seq.raw(),
                                                           v->engine_->last_seq().raw()));
  journal::WriterOptions w;
  w.durability = options.durability;
  w.faults = options.journal_faults;
  auto writer = recovery->open_writer(w);
  if (!writer) return fail(std::move(writer).error());
  v->writer_ = std::move(writer).value();
  v->writer_->start_flusher(options.flusher_idle);
  v->store_ = std::make_unique<journal::SnapshotStore>(options.data_dir, options.durability == journal::Durability::fsync);
  v->report_.state_hash = v->engine_->state_hash();
  v->options_ = std::move(options);
  return v;
}

Venue::~Venue() {
  if (writer_) (void)close();
}

SubmitStatus Venue::submit(const engine::CommandBody& body, Timestamp time, const engine::Outcome*& outcome) noexcept {
  std::array<std::byte, engine::kMaxCommandBytes> buffer;
  ByteWriter w(buffer);
  engine::encode_body(body, w);
  STRIKE_ASSERT(w.ok(), "command does not fit {} bytes", buffer.size());
  if (time < engine_->now()) time = engine_->now();
  const journal::AppendResult a = writer_->append(time, static_cast<std::uint16_t>(engine::type_of(body)), w.written());
  if (a.status == journal::AppendStatus::back_pressured) return SubmitStatus::back_pressured;
  if (!a.ok()) return SubmitStatus::failed;
  outcome = &engine_->apply(engine::Command{a.seq, time, body});
  if (options_.snapshot_every != 0 && a.seq.raw() % options_.snapshot_every == 0) request_snapshot();
  return SubmitStatus::ok;
}

void Venue::request_snapshot() {
  Pending p{engine_->last_seq(), writer_->durable_point(), {}};
  engine_->save(p.state);
  pending_snapshot_ = std::move(p);
}

int Venue::poll() {
  if (!pending_snapshot_ || writer_->durable_sequence() < pending_snapshot_->follows) return 0;
  write_pending_snapshot();
  return 1;
}

void Venue::write_pending_snapshot() {
  const Pending p = std::move(*pending_snapshot_);
  pending_snapshot_.reset();
  if (p.follows.raw() == 0) return;  // nothing to snapshot yet
  auto written = store_->write(p.follows, p.anchor, p.state);
  if (!written) {
    snapshot_error_ = written.error();
    return;
  }
  last_snapshot_ = p.follows;
  if (auto pruned = store_->prune(options_.snapshots_kept); !pruned) snapshot_error_ = pruned.error();
}

Status<Error> Venue::close() {
  if (!writer_) return {};
  auto closed = writer_->close();
  if (pending_snapshot_ && closed && writer_->durable_sequence() >= pending_snapshot_->follows) write_pending_snapshot();
  writer_.reset();
  return closed;
}

}  // namespace strike::venue
