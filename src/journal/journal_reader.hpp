// JournalReader: iterates the records of a data directory's journal across its segment
// files, verifying everything (see SegmentScanner), from the start or from a snapshot's
// anchor. Segments are memory-mapped one at a time and records are views into the mapping:
// no copy and no allocation per record, so replay speed is bounded by CRC32C and SHA-256
// (docs/benchmarks.md, ## journal).
//
// Between segments it checks that each one starts where the previous ended (sequence and
// chain). At the end, end() describes the journal's last segment, where its valid part ends
// and any torn tail; JournalWriter::open takes that to truncate the tail and append.
// The reader never modifies files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "journal/format.hpp"
#include "journal/segment_scanner.hpp"

namespace strike::journal {

// Where the journal ends, as found by a complete read.
struct JournalEnd {
  ChainPoint head;                // last valid record and the chain after it (genesis if none)
  std::filesystem::path segment;  // the last segment file (empty if the journal has none)
  std::uint64_t valid_bytes = 0;  // its valid prefix (0 if its header is torn)
  std::uint64_t file_bytes = 0;   // its size when read
  std::optional<TornTail> torn;   // what lies past valid_bytes, to be truncated
};

struct ReaderStats {
  std::uint64_t segments = 0;  // segment files opened
  std::uint64_t batches = 0;   // batches verified
  std::uint64_t records = 0;   // records verified (including skipped ones)
  std::uint64_t bytes = 0;     // bytes of verified batches and headers
};

// The segment files of a journal folder, ordered by first sequence. Other files are ignored.
struct SegmentFile {
  SeqNo first_seq{0};
  std::filesystem::path path;
};
Result<std::vector<SegmentFile>> list_segments(const std::filesystem::path& journal_dir);

class JournalReader {
 public:
  struct Options {
    // Start after this chain point (a snapshot's anchor); genesis reads from seq 1.
    ChainPoint start{};
    // Verify but do not return records up to this sequence (a snapshot's sequence >= start.seq).
    SeqNo skip_through{0};
    // The journal must reach at least this sequence and skip_through: a snapshot shows every
    // record up to it was acknowledged. Ending before it is journal_records_missing, naming
    // `must_reach_what` (e.g. "snapshot FILE") and the missing records.
    SeqNo must_reach{0};
    std::string must_reach_what;
    // Hash every batch. Off, only CRCs and sequences are checked (faster replay; the chain
    // values are then taken from the batch headers unverified).
    bool verify_chain = true;
  };

  // Lists and opens the journal under data_dir/journal and positions it at options.start.
  // An absent or empty journal reads as empty. Errors: I/O, a missing first segment,
  // corruption on the way to the start point, snapshot_journal_mismatch (no batch boundary
  // with the start point's chain), journal_records_missing (the journal ends before the start
  // point or must_reach), journal_sequence_gap (a segment is missing around the start point).
  static Result<JournalReader> open(const std::filesystem::path& data_dir, Options options);
  static Result<JournalReader> open(const std::filesystem::path& data_dir) { return open(data_dir, Options{}); }

  JournalReader(JournalReader&&) noexcept;
  JournalReader& operator=(JournalReader&&) noexcept;
  ~JournalReader();

  // The next record (views valid until the next call), end, or error. After end, end()
  // describes the journal's end; after error, error() names file, offset and sequence.
  ReadStatus next(RecordView& out) noexcept;
  const Error& error() const noexcept;
  const JournalEnd& end() const noexcept;
  const ReaderStats& stats() const noexcept;
  // The last record returned or skipped (0 before any).
  SeqNo position() const noexcept;
  // The batch boundary just before the last record returned or skipped (see
  // SegmentScanner::batch_start); the start point before any.
  ChainPoint batch_start() const noexcept;

 private:
  struct Impl;
  explicit JournalReader(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strike::journal
