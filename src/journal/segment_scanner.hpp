// SegmentScanner: verifies and iterates the records of one segment image (bytes in memory,
// usually a file mapping). Pure: no I/O, no allocation per record; the fuzz target drives it
// with arbitrary bytes. JournalReader chains scanners across segment files.
//
// Each batch is checked whole before any of its records is handed out: header magic and
// CRC, sequence continuity, every record's bounds, CRC, sequence and flags, the record
// count, and (with verify_chain) the SHA-256 chain. So a consumer never sees a record of a
// batch that was not completely and correctly written.
//
// Torn tail versus corruption. A crash during a write leaves the journal's last segment
// ending in a *prefix* of the batch being written (or of the segment header, if it died
// creating the file): the file ends before the batch does. That batch was never acknowledged
// (the writer reports a batch durable only after it is completely written and synced), so it
// is dropped: the scanner ends cleanly and reports a TornTail. Only that is torn:
//   - the segment is the journal's last (`is_last`), and
//   - the file ends inside the batch: its header is cut short (and the bytes present begin
//     like a batch header: magic, reserved zeros, the expected sequence), or its header is
//     intact and the body is cut short.
// A batch whose bytes are all there but whose header or a record fails its CRC (or has a bad
// magic, or zeros or garbage in place of a header) cannot come from an interrupted append:
// it may have been acknowledged and damaged since, so it is an error even at the very end,
// naming the file, the byte offset and the sequence. `strike journal truncate` is the
// operator's explicit way past it.
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
  // chain there equals anchor.hash. Errors: snapshot_journal_mismatch if the segment has no
  // batch boundary at anchor.seq or the chain differs; journal_records_missing if the
  // segment (or its intact part, when the last one is torn) ends before anchor.seq; damage on
  // the way. Call after open(), before next().
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
  // Decodes the batch header at pos_ and checks its body is within the image.
  Defect batch_at_pos(BatchHeader& b) const noexcept;
  // Ends the scan at `f`: a torn tail if the rules allow, otherwise an error.
  ReadStatus settle(const Fault& f);
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
