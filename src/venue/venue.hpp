// strike::venue::Venue: the engine bound to its data directory. Opening recovers the state
// (newest valid snapshot + replay of the journal tail, torn tail truncated); submit() is the
// sequencer's step: stamp the command with the next sequence and its time, append it to the
// journal, apply it. Results may leave only once durable_sequence() covers them (the caller
// holds them until then: see release_queue.hpp).
//
// Owns the engine, the journal writer (whose flusher thread does the group commits) and the
// snapshot store. Every method but durable_sequence() belongs to the engine thread.
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
#include "journal/recovery.hpp"
#include "journal/snapshot_store.hpp"

namespace strike::venue {

struct VenueOptions {
  std::filesystem::path data_dir;
  journal::Durability durability = journal::Durability::fsync;
  std::uint64_t snapshot_every = 1'000'000;  // commands between automatic snapshots; 0: on demand only
  std::size_t snapshots_kept = 3;
  // The journal flusher's idle strategy: park by default; spin it on a dedicated core for the
  // lowest commit latency (a parked flusher sleeps up to 1 ms before it sees the next batch).
  IdleStrategy flusher_idle = IdleStrategy::park();
  engine::EngineConfig engine;
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
};

// Replays a journal into a fresh engine: the snapshot (if any), then every record up to
// `until`. Errors: the journal's corruption (file, offset, sequence), snapshot_corrupt, or
// journal_corrupt for a record that does not decode or goes back in time.
Result<std::unique_ptr<engine::Engine>> replay(const InstrumentRegistry& instruments, const engine::EngineConfig& config,
                                               journal::Recovery& recovery, SeqNo until, RecoveryReport& report);

enum class SubmitStatus : std::uint8_t { ok, back_pressured, failed };

class Venue {
 public:
  // Recovers the data directory (creating it if missing) and opens it for appending. The
  // registry must outlive the venue. Errors: those of replay(), journal_locked, journal_io.
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
  // Captures a snapshot of the current state now; it is written once the journal covers it.
  void request_snapshot();
  // Writes a captured snapshot whose commands are durable. Returns 1 if it wrote one.
  int poll();
  // Stops the flusher after making everything durable and writes any captured snapshot.
  Status<Error> close();

  engine::Engine& engine() noexcept { return *engine_; }
  const engine::Engine& engine() const noexcept { return *engine_; }
  const RecoveryReport& recovery() const noexcept { return report_; }
  const journal::JournalWriter& journal() const noexcept { return *writer_; }
  // The last snapshot written, and the last write error (reported, not fatal: the journal
  // alone recovers everything).
  std::optional<SeqNo> last_snapshot() const noexcept { return last_snapshot_; }
  const std::optional<Error>& snapshot_error() const noexcept { return snapshot_error_; }

 private:
  Venue() = default;
  void write_pending_snapshot();

  VenueOptions options_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<journal::JournalWriter> writer_;
  std::unique_ptr<journal::SnapshotStore> store_;
  RecoveryReport report_;
  struct Pending {
    SeqNo follows;
    journal::ChainPoint anchor;
    std::vector<std::byte> state;
  };
  std::optional<Pending> pending_snapshot_;
  std::optional<SeqNo> last_snapshot_;
  std::optional<Error> snapshot_error_;
};

}  // namespace strike::venue
