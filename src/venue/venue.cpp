#include "venue/venue.hpp"

#include <fmt/format.h>

#include "engine/command_codec.hpp"
#include "journal/config_store.hpp"

namespace strike::venue {

Result<const engine::Outcome*> apply_record(engine::Engine& engine, const journal::RecordView& r) {
  // The journal's CRCs and chain passed; what is left to check is that the bytes are a command
  // the engine accepts as its next input.
  if (r.seq.raw() != engine.last_seq().raw() + 1 || r.time < engine.now())
    return fail(Errc::journal_corrupt, fmt::format("record {} does not follow {} (time {} after {})", r.seq.raw(),
                                                   engine.last_seq().raw(), r.time.ns(), engine.now().ns()));
  auto command = engine::decode_command(r.seq, r.time, r.type, r.payload);
  if (!command)
    return fail(Errc::journal_corrupt, fmt::format("record {} (type {}): {}", r.seq.raw(), r.type, name(command.error())));
  const auto* configure = std::get_if<engine::Configure>(&command->body);
  if (r.seq.raw() == 1 && configure == nullptr)
    return fail(Errc::journal_corrupt, "record 1 is not the venue's configuration (a journal of an older strike?)");
  const engine::Outcome& outcome = engine.apply(command.value());
  if (outcome.status == Errc::config_mismatch)
    return fail(Errc::config_mismatch, fmt::format("the journal was written with configuration {}; this venue runs {}",
                                                   to_hex(configure->digest), to_hex(engine.config_digest())));
  return &outcome;
}

namespace {

// Brings the history file along with a replayed command's entries: appends those it lacks; the
// newest one it has is compared with the replay, and the file is cut there if they differ.
Status<Error> sync_history(history::HistoryStore& h, std::span<const clearing::LedgerEntry> entries) {
  for (const clearing::LedgerEntry& e : entries) {
    if (e.index + 1 == h.size()) {
      auto stored = h.entry(e.index);
      if (stored && stored.value() && *stored.value() == e) continue;
      if (auto t = h.truncate(e.index); !t) return t;
    }
    if (e.index >= h.size()) h.append({&e, 1});
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<engine::Engine>> replay(const InstrumentRegistry& instruments, const engine::EngineConfig& config,
                                               journal::Recovery& recovery, SeqNo until, RecoveryReport& report,
                                               history::HistoryStore* history) {
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
  if (history != nullptr && history->size() < engine->clearing().ledger().history_size()) {
    report.history_gap = true;
    history = nullptr;
  }
  journal::RecordView r;
  journal::ReadStatus status;
  bool stopped = false;  // at `until`, before the journal's end
  while ((status = recovery.journal().next(r)) == journal::ReadStatus::record) {
    if (r.seq > until) {
      stopped = true;
      break;
    }
    auto applied = apply_record(*engine, r);
    if (!applied) return fail(applied.error());
    if (history != nullptr)
      if (auto s = sync_history(*history, applied.value()->ledger_entries); !s) return fail(s.error());
    ++report.replayed;
  }
  if (status == journal::ReadStatus::error) return fail(recovery.journal().error());
  if (!stopped)
    if (const auto& torn = recovery.journal().end().torn) report.messages.push_back(journal::describe(*torn));
  if (history != nullptr && history->size() > engine->clearing().ledger().history_size())
    if (auto t = history->truncate(engine->clearing().ledger().history_size()); !t) return fail(t.error());
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
  history::HistoryOptions ho;
  ho.in_memory = options.durability == journal::Durability::none;
  ho.sync = options.durability == journal::Durability::fsync;
  ho.idle = options.flusher_idle;
  auto history = history::HistoryStore::open(options.data_dir, ho);
  if (!history) return fail(std::move(history).error());
  v->history_ = std::move(history).value();
  v->history_->start();
  auto engine = replay(instruments, options.engine, recovery.value(), SeqNo{UINT64_MAX}, v->report_, v->history_.get());
  if (!engine) return fail(std::move(engine).error());
  if (v->report_.history_gap) {
    // The history file lost entries the snapshot cannot give back: rebuild it from the whole journal.
    auto full = journal::Recovery::open(options.data_dir, journal::RecoveryOptions{.use_snapshots = false});
    if (!full) return fail(std::move(full).error());
    RecoveryReport rebuilt;
    engine = replay(instruments, options.engine, full.value(), SeqNo{UINT64_MAX}, rebuilt, v->history_.get());
    if (!engine) return fail(std::move(engine).error());
    v->report_.replayed = rebuilt.replayed;
    v->report_.messages.push_back(fmt::format("the account history lacked entries before the snapshot: rebuilt from "
                                              "the whole journal ({} records)", rebuilt.replayed));
  }
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
  if (v->engine_->last_seq().raw() == 0) {
    // A new journal: the configuration first, its text beside the journal.
    if (options.durability != journal::Durability::none && !options.config_text.empty()) {
      journal::ConfigStore store(options.data_dir, options.durability == journal::Durability::fsync);
      if (auto st = store.write(v->engine_->config_digest(), options.config_extension, options.config_text); !st.ok())
        return fail(st.error());
    }
    const engine::Outcome* outcome = nullptr;
    SubmitStatus s;
    while ((s = v->submit(engine::Configure{v->engine_->config_digest()}, Timestamp{}, outcome)) ==
           SubmitStatus::back_pressured) {
    }
    if (s != SubmitStatus::ok) return fail(v->writer_->failure());
  }
  if (options.durability != journal::Durability::none) {
    // The follower starts where recovery started: the same snapshot (loaded again), or empty.
    std::unique_ptr<engine::Engine> follower;
    journal::ChainPoint anchor{};
    if (const auto& snapshot = recovery->snapshot()) {
      follower = engine::Engine::load(instruments, options.engine, snapshot->state).value();
      anchor = snapshot->info.anchor;
    } else {
      follower = std::make_unique<engine::Engine>(instruments, options.engine);
    }
    SnapshotterOptions so;
    so.every = options.snapshot_every;
    so.keep = options.snapshots_kept;
    so.sync = options.durability == journal::Durability::fsync;
    v->snapshotter_ =
        std::make_unique<Snapshotter>(options.data_dir, std::move(follower), anchor, *v->writer_, *v->history_, so);
    v->snapshotter_->start();
  }
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
  history_->append(outcome->ledger_entries);
  return SubmitStatus::ok;
}

void Venue::request_snapshot() noexcept {
  if (snapshotter_) snapshotter_->request(engine_->last_seq());
}

Status<Error> Venue::close() {
  if (!writer_) return {};
  auto closed = writer_->close();
  auto history_closed = history_->close();
  if (closed && !history_closed) closed = fail(history_closed.error());
  if (snapshotter_) snapshotter_->finish();
  writer_.reset();
  return closed;
}

}  // namespace strike::venue
