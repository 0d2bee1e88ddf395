// strike::venue::Venue: the engine bound to its data directory. Opening recovers the state
// (newest valid snapshot + replay of the journal tail, torn tail truncated); submit() is the
// sequencer's step: stamp the command with the next sequence and its time, append it to the
// journal, apply it. Results may leave only once durable_sequence() covers them (the caller
// holds them until then: see release_queue.hpp).
//
// Owns the engine, the journal writer (whose flusher thread does the group commits), the account
// history (whose thread writes it) and the snapshotter (whose thread writes snapshots from a
// follower engine). Every method but
// durable_sequence() belongs to the engine thread.
// Costs per command: encoding (~50 bytes), one append into the writer's ring (a memcpy), the
// engine's apply; fsyncs happen on the flusher thread, never here.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/idle_strategy.hpp"
#include "engine/engine.hpp"
#include "history/history_store.hpp"
#include "journal/recovery.hpp"
#include "journal/snapshot_store.hpp"
#include "venue/snapshotter.hpp"

namespace strike::venue {

struct VenueOptions {
  std::filesystem::path data_dir;
  journal::Durability durability = journal::Durability::fsync;
  // Commands between automatic snapshots (0: on demand only). Snapshots are written by a follower
  // engine on its own thread (snapshotter.hpp); with Durability::none there is no journal to
  // follow and none are written.
  std::uint64_t snapshot_every = 1'000'000;
  std::size_t snapshots_kept = 3;
  // The journal flusher's idle strategy: park by default; spin it on a dedicated core for the
  // lowest commit latency (a parked flusher sleeps up to 1 ms before it sees the next batch).
  IdleStrategy flusher_idle = IdleStrategy::park();
  engine::EngineConfig engine;
  // The text of the instrument configuration (and its extension, .toml or .json): a new journal
  // stores it in DIR/config by digest, so replay can find the configuration it was written with.
  std::string config_text;
  std::string config_extension = ".toml";
  // Tests only: makes the journal's I/O fail on cue (journal/journal_writer.hpp). Must outlive the venue.
  journal::IoFaults* journal_faults = nullptr;
};

// What recovery found and did.
struct RecoveryReport {
  std::optional<SeqNo> snapshot;         // the snapshot's sequence, if one was used
  std::uint64_t replayed = 0;            // journal records applied after it
  SeqNo last_seq{0};
  std::vector<std::string> messages;     // skipped snapshots, the torn tail
  Hash256 state_hash{};
  // The history file lacked entries from before the snapshot: they were not replayed into it.
  bool history_gap = false;
};

// Applies one journal record to an engine as its next command, returning what it did. Errors: journal_corrupt for a
// record that does not decode or does not follow the engine's sequence and time, or a first
// record that is not the venue's configuration; config_mismatch when the journal was written
// with another configuration than the engine's.
Result<const engine::Outcome*> apply_record(engine::Engine& engine, const journal::RecordView& record);

// Replays a journal into a fresh engine: the snapshot (if any), then every record up to
// `until`. With `history`, the account-history file is brought to the replayed state: entries it
// lacks are appended, entries beyond the journal's end (or differing from the replay) are cut;
// when it lacks entries from before the snapshot, report.history_gap is set and it is left alone.
// Errors: the journal's corruption (file, offset, sequence), snapshot_corrupt, or journal_corrupt
// for a record that does not decode or goes back in time.
Result<std::unique_ptr<engine::Engine>> replay(const InstrumentRegistry& instruments, const engine::EngineConfig& config,
                                               journal::Recovery& recovery, SeqNo until, RecoveryReport& report,
                                               history::HistoryStore* history = nullptr);

enum class SubmitStatus : std::uint8_t { ok, back_pressured, failed };

class Venue {
 public:
  // Recovers the data directory (creating it if missing) and opens it for appending; a new
  // journal starts with the configuration's digest (engine::Configure). The registry must outlive
  // the venue. Errors: those of replay() (config_mismatch under another configuration),
  // journal_locked, journal_io.
  static Result<std::unique_ptr<Venue>> open(const InstrumentRegistry& instruments, VenueOptions options);
  ~Venue();
  Venue(const Venue&) = delete;
  Venue& operator=(const Venue&) = delete;

  // Sequences one command at `time` (raised to the engine's clock if earlier). On ok,
  // `outcome` is the engine's result (valid until the next submit). back_pressured: the
  // journal's ring is full, nothing happened, try again; failed: the journal stopped
  // (journal_failure() says why) and the process must restart.
  SubmitStatus submit(const engine::CommandBody& body, Timestamp time, const engine::Outcome*& outcome) noexcept;

  // Every command with a sequence <= this is durable (any thread).
  SeqNo durable_sequence() const noexcept { return writer_->durable_sequence(); }
  // Asks for a snapshot of the current state; the snapshotter writes it once the journal covers
  // it (never pauses this thread). A no-op with Durability::none.
  void request_snapshot() noexcept;
  // Stops the flusher after making everything durable, then writes every snapshot due up to the
  // last command.
  Status<Error> close();

  engine::Engine& engine() noexcept { return *engine_; }
  const engine::Engine& engine() const noexcept { return *engine_; }
  const RecoveryReport& recovery() const noexcept { return report_; }
  const journal::JournalWriter& journal() const noexcept { return *writer_; }
  // The account history (engine thread for reads).
  const history::HistoryStore& history() const noexcept { return *history_; }
  // The snapshot writer (nullptr with Durability::none); its written() and error() are final
  // after close().
  const Snapshotter* snapshots() const noexcept { return snapshotter_.get(); }

 private:
  Venue() = default;

  VenueOptions options_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<history::HistoryStore> history_;
  std::unique_ptr<journal::JournalWriter> writer_;
  std::unique_ptr<Snapshotter> snapshotter_;
  RecoveryReport report_;
};

}  // namespace strike::venue
