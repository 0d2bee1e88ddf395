// SegmentScanner: verifies and iterates the records of one segment image (bytes in memory,
// usually a file mapping). Pure: no I/O, no allocation per record; the fuzz target drives it
// with arbitrary bytes. JournalReader chains scanners across segment files.
//
// Each batch is checked whole before any of its records is handed out: header magic and
// CRC, sequence continuity, every record's bounds, CRC, sequence and flags, the record
// count, and (with verify_chain) the SHA-256 chain. So a consumer never sees a record of a
// batch that was not completely and correctly written.
//
// Torn tail versus corruption. A crash can leave the journal's last segment with an
// incomplete or garbled last batch (or an incomplete segment header, if it died creating the
// file). That batch was never acknowledged (the writer reports a batch durable only after it
// is fully on disk), so it is dropped: the scanner ends cleanly and reports a TornTail. A
// problem is treated as torn only if all of these hold:
//   - the segment is the journal's last (`is_last`),
//   - the problem is what an interrupted write produces: missing bytes, a bad magic, or a
//     CRC mismatch (a record or header with a valid CRC but a wrong sequence or chain is
//     tampering or a bug, never a torn write),
//   - no intact batch header (magic and CRC valid) follows it in the segment: a crash stops
//     the writer, so good data after bad data means the bad data is corruption.
// Anything else is an error naming the file, the byte offset and the sequence.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/result.hpp"
#include "journal/format.hpp"

namespace strike::journal {

// A record as read: views into the segment image, valid until the reader moves on.
struct RecordView {
  SeqNo seq{0};
  Timestamp time;
  std::uint16_t type = 0;
  std::span<const std::byte> payload;
};

enum class ReadStatus : std::uint8_t {
  record,  // `out` holds the next record
  end,     // no more records (check the torn-tail report)
  error,   // corruption: see error()
};

// What a scan dropped at the end of the journal's last segment.
struct TornTail {
  std::string file;
  std::uint64_t offset = 0;  // the segment is valid up to here; truncate to this size
  std::uint64_t bytes = 0;   // bytes after offset that were dropped
  std::string reason;        // what was found at offset
  bool whole_segment = false;  // the segment header itself is incomplete: remove the file
};

class SegmentScanner {
 public:
  struct Options {
    bool is_last = false;      // the journal's last segment: a torn tail is possible
    bool verify_chain = true;  // hash every batch (else the stored chain values are trusted)
  };

  SegmentScanner(std::span<const std::byte> image, std::string name, Options options) noexcept;

  // Reads the segment header. On a torn header (last segment only) it succeeds with torn()
  // set and whole_segment true, and next() returns end.
  Status<Error> open();
  const SegmentHeader& header() const noexcept { return header_; }

  // Skips (without hashing) to the batch that starts right after `anchor`, checking that the
  // chain there equals anchor.hash; snapshot_journal_mismatch if the segment has no batch
  // boundary at anchor.seq or the chain differs. Call after open(), before next().
  Status<Error> seek(const ChainPoint& anchor);

  // The next record, or end, or error (then error() says what, where).
  ReadStatus next(RecordView& out) noexcept;
  const Error& error() const noexcept { return error_; }

  // The chain after the last batch verified so far (its last record and hash).
  ChainPoint head() const noexcept { return {SeqNo{next_seq_.raw() - 1}, prev_chain_}; }
  // The chain point just before the batch of the last record returned: the newest batch
  // boundary at or before that record (a snapshot taken after it may use it as its anchor).
  ChainPoint batch_start() const noexcept { return batch_start_; }
  // Offset just past the last batch verified so far.
  std::uint64_t valid_end() const noexcept { return pos_; }
  const std::optional<TornTail>& torn() const noexcept { return torn_; }
  std::uint64_t batches() const noexcept { return batches_; }
  std::uint64_t records() const noexcept { return records_; }

 private:
  struct Fault {
    Defect defect;
    std::uint64_t offset = 0;
    SeqNo seq{0};
  };
  // Verifies the batch at pos_; on success makes its records current.
  std::optional<Fault> load_batch() noexcept;
  // Ends the scan at `f`: a torn tail if the rules allow, otherwise an error.
  ReadStatus settle(const Fault& f);
  bool intact_batch_header_after(std::uint64_t offset) const noexcept;
  Error error_at(Errc code, std::uint64_t offset, SeqNo seq, std::string_view reason) const;

  std::span<const std::byte> image_;
  std::string name_;
  Options options_;
  Sha256 sha_;
  SegmentHeader header_;
  std::uint64_t pos_ = 0;        // next batch header
  std::uint64_t cursor_ = 0;     // next record of the current batch
  std::uint64_t batch_end_ = 0;  // end of the current batch
  SeqNo next_seq_{1};
  Hash256 prev_chain_{};
  ChainPoint batch_start_{};
  std::uint64_t batches_ = 0;
  std::uint64_t records_ = 0;
  enum class State : std::uint8_t { fresh, reading, ended, failed } state_ = State::fresh;
  std::optional<TornTail> torn_;
  Error error_;
};

}  // namespace strike::journal
