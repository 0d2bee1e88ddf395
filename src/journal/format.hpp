// The journal's on-disk format, version 1: segment headers, batch headers, records, the hash
// chain and file names. Pure functions over bytes, shared by the writer, the reader, the
// fuzz target and `strike journal`. docs/journal.md draws the layout.
//
//   segment file = segment header (64 B), then batches back to back, nothing else
//   batch        = batch header (64 B), then `record_count` records (`body_size` bytes)
//   record       = record header (28 B), then the payload (length - 28 bytes, no padding)
//
// All integers are little-endian. Every header and record carries a CRC32C; every batch
// header carries chain = SHA-256(previous chain || batch header bytes [0, 24) || body), where
// "previous chain" is the chain of the batch before it (across segments) and 32 zero bytes
// before the first batch of the journal. The chain is per batch, not per record: the writer
// hashes each group commit once, and the hash costs the same per byte either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/byte_buffer.hpp"
#include "core/time.hpp"
#include "core/units.hpp"
#include "core/sha256.hpp"

namespace strike::journal {

inline constexpr std::uint16_t kFormatVersion = 1;
inline constexpr std::size_t kSegmentHeaderSize = 64;
inline constexpr std::size_t kBatchHeaderSize = 64;
inline constexpr std::size_t kRecordHeaderSize = 28;
// Batch header bytes covered by the chain hash (magic, sizes, first sequence).
inline constexpr std::size_t kBatchHashedPrefix = 24;
inline constexpr std::uint32_t kMaxRecordBytes = 64u << 20;  // a record's length field bound
inline constexpr std::uint32_t kMaxBatchBody = 1u << 30;     // a batch's body_size bound

// "STRIKEJ" + format generation, at offset 0 of every segment.
inline constexpr std::uint64_t kSegmentMagic = 0x014A454B49525453ull;  // bytes "STRIKEJ\x01"
inline constexpr std::uint32_t kBatchMagic = 0x48435442u;              // bytes "BTCH"

// A point on the hash chain: the chain value after the batch that ends with record `seq`.
// Genesis (seq 0, all-zero hash) is the point before the first record.
struct ChainPoint {
  SeqNo seq{0};
  Hash256 hash{};
  bool operator==(const ChainPoint&) const = default;
};

struct SegmentHeader {
  SeqNo first_seq{1};  // sequence of the segment's first record (its file name)
  Hash256 start_chain{};  // chain after the previous segment's last batch
};

struct BatchHeader {
  std::uint32_t body_size = 0;     // bytes of records after the header
  std::uint32_t record_count = 0;  // >= 1
  SeqNo first_seq{0};              // records are first_seq, first_seq + 1, ...
  Hash256 chain{};                 // chain after this batch
  SeqNo last_seq() const noexcept { return SeqNo{first_seq.raw() + record_count - 1}; }
};

struct RecordHeader {
  std::uint32_t crc = 0;     // CRC32C of bytes [4, length) of the record
  std::uint32_t length = 0;  // header + payload
  SeqNo seq{0};
  Timestamp time;            // the sequencer's stamp
  std::uint16_t type = 0;    // the engine's command type
  std::uint16_t flags = 0;   // reserved, 0
  std::uint32_t payload_size() const noexcept { return length - static_cast<std::uint32_t>(kRecordHeaderSize); }
};

// What is wrong with some bytes: a static description (no allocation: the reader probes
// many offsets), the error code, and whether the bytes are *cut short*: they end before the
// structure does, and what is there is the beginning of what the writer writes. Only that is
// what an interrupted write leaves (a crash during pwritev leaves a prefix of the batch,
// never a batch of full length with other bytes in it), so only that may be a torn tail.
// Everything else (a bad magic or CRC in a complete header or record, a wrong sequence,
// zeros or garbage where a header should begin) is damage.
struct Defect {
  const char* reason = nullptr;
  Errc code = Errc::journal_corrupt;
  bool cut_short = false;
  explicit operator bool() const noexcept { return reason != nullptr; }
};
inline constexpr Defect cut_short_defect(const char* reason) noexcept { return {reason, Errc::journal_corrupt, true}; }
inline constexpr Defect hard_defect(const char* reason, Errc code = Errc::journal_corrupt) noexcept {
  return {reason, code, false};
}

// Encoders write exactly the header size. Decoders return an empty Defect on success; given
// fewer bytes than a header they return a cut-short defect if those bytes can begin a header
// the writer wrote (for a batch, one starting at `first_seq`), and a hard one otherwise.
void encode_segment_header(const SegmentHeader& h, std::byte* out) noexcept;
Defect decode_segment_header(std::span<const std::byte> in, SegmentHeader& out) noexcept;

void encode_batch_header(const BatchHeader& h, std::byte* out) noexcept;
Defect decode_batch_header(std::span<const std::byte> in, BatchHeader& out, SeqNo first_seq = SeqNo{0}) noexcept;

// Writes a record header (without crc) for a payload, and returns the record's CRC32C
// (over header bytes [4, 28) and the payload); store it with store_le<std::uint32_t>(out, crc).
std::uint32_t encode_record_header(SeqNo seq, Timestamp time, std::uint16_t type, std::span<const std::byte> payload,
                                   std::byte* out) noexcept;
// Decodes the fixed fields; checks nothing about the payload. Inline: replay calls it twice
// per record (verify, then hand out).
inline RecordHeader decode_record_header(const std::byte* in) noexcept {
  RecordHeader h;
  h.crc = load_le<std::uint32_t>(in);
  h.length = load_le<std::uint32_t>(in + 4);
  h.seq = SeqNo{load_le<std::uint64_t>(in + 8)};
  h.time = Timestamp::from_ns(load_le<std::int64_t>(in + 16));
  h.type = load_le<std::uint16_t>(in + 24);
  h.flags = load_le<std::uint16_t>(in + 26);
  return h;
}
// CRC32C of a whole record image (length bytes), to compare with RecordHeader::crc.
std::uint32_t record_crc(std::span<const std::byte> record) noexcept;

// The chain after a batch: SHA-256(prev || header [0, 24) || body), body given in up to two
// pieces (the writer's buffer may wrap).
Hash256 chain_after(Sha256& sha, const Hash256& prev, const std::byte* header, std::span<const std::byte> body1,
                    std::span<const std::byte> body2 = {}) noexcept;

// "segment-00000000000000000001.journal": named by the first sequence, zero-padded so names sort.
std::string segment_file_name(SeqNo first_seq);
std::optional<SeqNo> parse_segment_file_name(std::string_view name) noexcept;
// PREFIX + 20 decimal digits + SUFFIX -> the number (segments and snapshots).
std::optional<SeqNo> parse_numbered_file_name(std::string_view name, std::string_view prefix,
                                              std::string_view suffix) noexcept;

// The journal's folder inside a data directory.
inline constexpr std::string_view kJournalFolder = "journal";
inline constexpr std::string_view kSnapshotFolder = "snapshots";
inline constexpr std::string_view kLockFile = "LOCK";

}  // namespace strike::journal
