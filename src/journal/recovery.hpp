// Recovery: what a process does with its data directory at start-up.
//
//   auto rec = journal::Recovery::open(dir);           // Result: I/O or corruption refuses
//   for (auto& m : rec->messages()) log(m);            // snapshots skipped, and why
//   if (rec->snapshot()) engine.restore(rec->snapshot()->state);
//   RecordView r; ReadStatus st;
//   while ((st = rec->journal().next(r)) == ReadStatus::record) engine.apply(r);
//   if (st == ReadStatus::error) refuse(rec->journal().error());   // file, offset, seq
//   if (auto& t = rec->journal().end().torn) log(describe(*t));    // dropped tail
//   auto writer = rec->open_writer(options);           // truncates the torn tail, appends
//
// The snapshot chosen is the newest that loads (CRC, size, SHA-256) and whose anchor is a
// batch boundary of this journal with the same chain value; broken or foreign ones are
// skipped with a message, falling back to older ones and finally to a full replay from
// seq 1. The journal reader then yields exactly the records after the snapshot, verifying
// the chain from the anchor on.
//
// Damage refuses, never resets: a snapshot exists only once its records were durable, so a
// journal that ends before the newest snapshot file's sequence (segments deleted, none left,
// a snapshot beyond the end) is journal_records_missing, and a segment missing around a
// snapshot's anchor is journal_sequence_gap; both name the files and the missing sequences.
// Recovery only reads; open_writer() is the one step that changes files (the torn tail), so
// recovering twice gives the same result.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "journal/journal_reader.hpp"
#include "journal/journal_writer.hpp"
#include "journal/snapshot_store.hpp"

namespace strike::journal {

struct RecoveryOptions {
  bool use_snapshots = true;
  bool verify_chain = true;
  // Only snapshots that follow at most this sequence (replay --until SEQ).
  SeqNo until{UINT64_MAX};
};

class Recovery {
 public:
  static Result<Recovery> open(const std::filesystem::path& data_dir, RecoveryOptions options = {});

  // The state to restore first (nullopt: start from the empty state).
  const std::optional<Snapshot>& snapshot() const noexcept { return snapshot_; }
  // The records after the snapshot (or all of them).
  JournalReader& journal() noexcept { return reader_; }
  // One line per snapshot that was skipped.
  const std::vector<std::string>& messages() const noexcept { return messages_; }

  // After journal() returned ReadStatus::end: opens the writer after the last valid record,
  // truncating the torn tail if there is one.
  Result<std::unique_ptr<JournalWriter>> open_writer(WriterOptions options) const;

 private:
  Recovery(std::filesystem::path dir, std::optional<Snapshot> snapshot, JournalReader reader,
           std::vector<std::string> messages)
      : dir_(std::move(dir)), snapshot_(std::move(snapshot)), reader_(std::move(reader)), messages_(std::move(messages)) {}

  std::filesystem::path dir_;
  std::optional<Snapshot> snapshot_;
  JournalReader reader_;
  std::vector<std::string> messages_;
};

// "torn tail in FILE at offset O: N bytes dropped (REASON)".
std::string describe(const TornTail& t);

}  // namespace strike::journal
