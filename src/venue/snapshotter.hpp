// Snapshotter: writes the venue's snapshots on its own thread, from a follower engine, so the
// sequencer never stops to serialise the state.
//
//   sequencer --append--> journal (flusher: group commit) --segment files--> follower engine
//       |                                                                      | apply records
//       +-- request(seq) (admin/snapshot: one atomic store) ------------------>| save + write at
//                                                                               | every due seq
//
// The follower is a second Engine that replays the durable journal behind the sequencer, as
// recovery does, and serialises its *own* state. Because the engine is deterministic, its state
// after record N is the live engine's state after N, byte for byte; the live engine is never
// read, so the sequencer's pause for a snapshot is zero whatever the state's size (docs/journal.md,
// "Snapshots without stopping"). The follower reads only records the journal has made durable,
// so a snapshot is never ahead of the journal.
//
// Schedule (deterministic): a snapshot after every multiple of `every`, and after each sequence
// requested with request(). Every due snapshot is written, in order; if the follower falls
// behind (a slow disk), it catches up snapshot by snapshot and lag() says by how much.
//
// Costs: the follower applies every command once more (on this thread, in batches of one
// snapshot interval) and holds a second copy of the state in memory.
// Threads: request() and lag() from the engine thread; the rest from the owner (Venue).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "core/agent_runner.hpp"
#include "engine/engine.hpp"
#include "history/history_store.hpp"
#include "journal/journal_writer.hpp"
#include "journal/snapshot_store.hpp"

namespace strike::venue {

struct SnapshotterOptions {
  std::uint64_t every = 0;  // commands between snapshots; 0: only requested ones
  std::size_t keep = 3;     // newest snapshots kept on disk
  bool sync = true;         // fsync snapshot files (off for throwaway directories)
  IdleStrategy idle = IdleStrategy::park();
};

class Snapshotter {
 public:
  // `follower` is in the state after `anchor`-bounded recovery: its last_seq() is the snapshot
  // (or 0) recovery started from, and `anchor` a batch boundary at or before it.
  // A snapshot is written only once `history` holds the entries up to it (so recovery from it
  // never finds the history file behind).
  Snapshotter(std::filesystem::path data_dir, std::unique_ptr<engine::Engine> follower, journal::ChainPoint anchor,
              const journal::JournalWriter& journal, const history::HistoryStore& history, SnapshotterOptions options);
  ~Snapshotter();
  Snapshotter(const Snapshotter&) = delete;
  Snapshotter& operator=(const Snapshotter&) = delete;

  void start();
  // Engine thread: a snapshot of the state after `seq` is wanted (admin/snapshot). Never blocks.
  void request(SeqNo seq) noexcept;
  // Once the journal is closed (everything appended is durable): stops the thread and writes
  // every snapshot due up to the journal's end. Then written() and error() are final.
  void finish();

  // Sequences of the snapshots written by this process, in order (after finish()).
  const std::vector<SeqNo>& written() const noexcept { return written_; }
  // The first failure (reported, not fatal: the journal alone recovers everything); after finish().
  const std::optional<Error>& error() const noexcept { return error_; }
  // The newest snapshot written so far (any thread).
  SeqNo last_written() const noexcept { return SeqNo{last_written_.load(std::memory_order_acquire)}; }

  // The duty cycle (AgentRunner): catches up to the next due snapshot once it is durable.
  int do_work();

 private:
  // The next sequence a snapshot is due at, after the follower's position.
  std::optional<SeqNo> next_due() const noexcept;
  // Applies durable records up to `target`. False when the journal does not reach it yet.
  bool follow_to(SeqNo target);
  // Writes the follower's state as a snapshot.
  void write();

  journal::SnapshotStore store_;
  std::filesystem::path data_dir_;
  std::unique_ptr<engine::Engine> follower_;
  journal::ChainPoint anchor_;  // a batch boundary at or before follower_->last_seq()
  const journal::JournalWriter& journal_;
  const history::HistoryStore& history_;
  SnapshotterOptions options_;
  bool at_due_ = false;  // the follower is at a due snapshot, waiting for the history to hold it
  std::atomic<std::uint64_t> requested_{0};
  std::atomic<std::uint64_t> last_written_{0};
  std::vector<SeqNo> written_;
  std::optional<Error> error_;
  bool failed_ = false;  // the journal could not be read: no more snapshots this run
  std::vector<std::byte> buffer_;  // the serialised state, reused
  struct Runner;  // the thread (an AgentRunner of this class, which is incomplete here)
  std::unique_ptr<Runner> runner_;
};

}  // namespace strike::venue
