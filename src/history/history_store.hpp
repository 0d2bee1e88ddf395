// HistoryStore: the account history on disk. Every LedgerEntry the engine produces (one per user
// leg of a posting, numbered from 0: clearing/ledger.hpp) is stored here at its index, and read
// back by index for get_transaction_log. The engine keeps only each account's newest index; the
// entries link to the account's previous one, so an account's log is a walk backwards through
// this file and an idle account costs the venue 8 bytes of memory, however long its history.
//
//   engine thread: append(entries) --SpscRing<Record>--> history thread: pwrite (+ fdatasync),
//                  entry(i): memory tail or pread        publishes durable()
//
// The file is derived data: the entries are a pure function of the journal, so recovery checks
// the file against the replayed entries and rebuilds or truncates it (venue.cpp); it is never
// the only copy of anything. Layout (little-endian): a 64-byte header ("STRKHIST", version,
// record size), then fixed 96-byte records, record i at 64 + 96 i, each with a CRC32C.
//
// Memory: the newest kTail entries stay in memory on the engine thread (they may not be on disk
// yet); older ones are read from the file. With no file (Durability::none) only the tail exists
// and older entries read as absent. Costs per entry: a 96-byte copy into the ring and one into the
// tail on the engine thread; writing on the history thread.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "clearing/ledger.hpp"
#include "core/idle_strategy.hpp"
#include "core/result.hpp"
#include "core/spsc_ring.hpp"

namespace strike::history {

struct HistoryOptions {
  bool in_memory = false;  // no file: only the newest kTail entries (benchmarks, Durability::none)
  bool sync = true;        // fdatasync each batch before it counts as durable
  IdleStrategy idle = IdleStrategy::park();
};

class HistoryStore {
 public:
  static constexpr std::size_t kRing = 1 << 16;    // entries between the engine and the writer
  static constexpr std::size_t kBatch = 4'096;     // entries per write
  static constexpr std::size_t kTail = 1 << 17;    // newest entries kept in memory (>= kRing + kBatch)

  // Opens (creating) DIR/history/ledger.history. A record cut short at the end (a crash
  // mid-write) and damaged records at the end are dropped. Errors: journal_io, snapshot_corrupt
  // (not a history file, or a bad version).
  static Result<std::unique_ptr<HistoryStore>> open(const std::filesystem::path& data_dir, HistoryOptions options);
  // Starts the writer thread (before the first append() that needs a file).
  void start();
  ~HistoryStore();
  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  // --- engine thread ---------------------------------------------------------------------------
  // Entries stored (written or queued).
  std::uint64_t size() const noexcept { return size_; }
  // Appends entries whose index is size(), size() + 1, ... (a broken invariant otherwise). Never
  // fails; waits while the writer is a full ring behind.
  void append(std::span<const clearing::LedgerEntry> entries) noexcept;
  // The entry at `index`, if stored (and, with no file, still in memory). Errors: journal_io,
  // journal_corrupt (a record that fails its CRC or holds another index).
  Result<std::optional<clearing::LedgerEntry>> entry(std::uint64_t index) const;
  // Before the writer has anything queued (recovery): drops the entries from `size` on.
  Status<Error> truncate(std::uint64_t size);

  // --- any thread ------------------------------------------------------------------------------
  // Entries on disk (fdatasync'd with `sync`); everything with a smaller index is readable.
  std::uint64_t durable() const noexcept { return durable_.load(std::memory_order_acquire); }
  // The writer stopped on an I/O error: entries no longer become durable.
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }

  // Writes everything queued and stops the writer. Errors: the writer's I/O error.
  Status<Error> close();

  // The writer's duty cycle (its thread).
  int do_work();

  static constexpr std::size_t kHeaderSize = 64;
  static constexpr std::size_t kRecordSize = 96;

 private:
  HistoryStore();

  HistoryOptions options_;
  std::filesystem::path file_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::vector<clearing::LedgerEntry> tail_;  // [index % kTail], for indexes >= tail_begin_; 13 MiB once used
  std::uint64_t tail_begin_ = 0;             // entries before it were on disk at open or left kTail ago
  std::unique_ptr<SpscRing<clearing::LedgerEntry>> ring_;  // made by start(); 6 MiB
  std::atomic<std::uint64_t> durable_{0};
  std::atomic<bool> failed_{false};
  std::optional<Error> error_;         // the writer's, read after close()
  std::vector<std::byte> write_buffer_;  // the writer's
  struct Runner;
  std::unique_ptr<Runner> runner_;
};

}  // namespace strike::history
