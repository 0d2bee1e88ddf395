#include "journal/format.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/crc32c.hpp"

namespace strike::journal {

// Segment header: magic u64 | version u16 | header size u16 | reserved u32 | first_seq u64 |
// start_chain [32] | reserved u32 | crc32c u32 (of bytes [0, 60)).
void encode_segment_header(const SegmentHeader& h, std::byte* out) noexcept {
  std::memset(out, 0, kSegmentHeaderSize);
  store_le<std::uint64_t>(out, kSegmentMagic);
  store_le<std::uint16_t>(out + 8, kFormatVersion);
  store_le<std::uint16_t>(out + 10, static_cast<std::uint16_t>(kSegmentHeaderSize));
  store_le<std::uint64_t>(out + 16, h.first_seq.raw());
  std::memcpy(out + 24, h.start_chain.data(), 32);
  store_le<std::uint32_t>(out + 60, crc32c(out, 60));
}

namespace {

// Fewer bytes than a header: they are the beginning of one the writer wrote if every byte
// whose value is known in advance (magic, version, size, reserved zeros, a sequence) has it.
// `known` marks those bytes in `want`.
Defect check_prefix(std::span<const std::byte> in, const std::byte* want, const bool* known, const char* torn,
                    const char* damaged) noexcept {
  for (std::size_t i = 0; i < in.size(); ++i)
    if (known[i] && in[i] != want[i]) return hard_defect(damaged);
  return cut_short_defect(torn);
}

}  // namespace

Defect decode_segment_header(std::span<const std::byte> in, SegmentHeader& out) noexcept {
  if (in.size() < kSegmentHeaderSize) {
    std::byte want[kSegmentHeaderSize]{};
    bool known[kSegmentHeaderSize]{};
    store_le<std::uint64_t>(want, kSegmentMagic);
    store_le<std::uint16_t>(want + 8, kFormatVersion);
    store_le<std::uint16_t>(want + 10, static_cast<std::uint16_t>(kSegmentHeaderSize));
    for (std::size_t i = 0; i < 16; ++i) known[i] = true;       // magic, version, size, reserved
    for (std::size_t i = 56; i < 60; ++i) known[i] = true;      // reserved
    return check_prefix(in, want, known, "segment header cut short",
                        "the file is shorter than a segment header and does not begin like one");
  }
  const std::byte* p = in.data();
  if (load_le<std::uint64_t>(p) != kSegmentMagic) return hard_defect("not a strike journal segment (bad magic)");
  if (load_le<std::uint32_t>(p + 60) != crc32c(p, 60)) return hard_defect("segment header CRC mismatch");
  if (load_le<std::uint16_t>(p + 8) != kFormatVersion)
    return hard_defect("unsupported segment format version", Errc::journal_unsupported_version);
  if (load_le<std::uint16_t>(p + 10) != kSegmentHeaderSize || load_le<std::uint32_t>(p + 12) != 0 ||
      load_le<std::uint32_t>(p + 56) != 0)
    return hard_defect("segment header has unexpected size or reserved fields");
  out.first_seq = SeqNo{load_le<std::uint64_t>(p + 16)};
  if (out.first_seq.raw() == 0) return hard_defect("segment header first sequence is 0");
  std::memcpy(out.start_chain.data(), p + 24, 32);
  return {};
}

// Batch header: magic u32 | body_size u32 | record_count u32 | reserved u32 | first_seq u64 |
// chain [32] | reserved u32 | crc32c u32 (of bytes [0, 60)).
void encode_batch_header(const BatchHeader& h, std::byte* out) noexcept {
  std::memset(out, 0, kBatchHeaderSize);
  store_le<std::uint32_t>(out, kBatchMagic);
  store_le<std::uint32_t>(out + 4, h.body_size);
  store_le<std::uint32_t>(out + 8, h.record_count);
  store_le<std::uint64_t>(out + 16, h.first_seq.raw());
  std::memcpy(out + 24, h.chain.data(), 32);
  store_le<std::uint32_t>(out + 60, crc32c(out, 60));
}

Defect decode_batch_header(std::span<const std::byte> in, BatchHeader& out, SeqNo first_seq) noexcept {
  if (in.size() < kBatchHeaderSize) {
    std::byte want[kBatchHeaderSize]{};
    bool known[kBatchHeaderSize]{};
    store_le<std::uint32_t>(want, kBatchMagic);
    store_le<std::uint64_t>(want + 16, first_seq.raw());
    for (std::size_t i = 0; i < 4; ++i) known[i] = true;                          // magic
    for (std::size_t i = 12; i < 16 + (first_seq.raw() != 0 ? 8 : 0); ++i) known[i] = true;  // reserved, seq
    for (std::size_t i = 56; i < 60; ++i) known[i] = true;                        // reserved
    return check_prefix(in, want, known, "batch header cut short",
                        "the bytes after the last batch do not begin a batch header");
  }
  const std::byte* p = in.data();
  if (load_le<std::uint32_t>(p) != kBatchMagic) return hard_defect("bad batch magic");
  if (load_le<std::uint32_t>(p + 60) != crc32c(p, 60)) return hard_defect("batch header CRC mismatch");
  if (load_le<std::uint32_t>(p + 12) != 0 || load_le<std::uint32_t>(p + 56) != 0)
    return hard_defect("batch header reserved fields are not zero");
  out.body_size = load_le<std::uint32_t>(p + 4);
  out.record_count = load_le<std::uint32_t>(p + 8);
  out.first_seq = SeqNo{load_le<std::uint64_t>(p + 16)};
  std::memcpy(out.chain.data(), p + 24, 32);
  if (out.record_count == 0) return hard_defect("batch holds no records");
  if (out.body_size > kMaxBatchBody || out.body_size < std::uint64_t{out.record_count} * kRecordHeaderSize)
    return hard_defect("batch body size is inconsistent with its record count");
  if (out.first_seq.raw() == 0 || out.first_seq.raw() > UINT64_MAX - out.record_count)
    return hard_defect("batch first sequence out of range");
  return {};
}

// Record header: crc32c u32 | length u32 | seq u64 | time i64 | type u16 | flags u16.
std::uint32_t encode_record_header(SeqNo seq, Timestamp time, std::uint16_t type, std::span<const std::byte> payload,
                                   std::byte* out) noexcept {
  store_le<std::uint32_t>(out + 4, static_cast<std::uint32_t>(kRecordHeaderSize + payload.size()));
  store_le<std::uint64_t>(out + 8, seq.raw());
  store_le<std::int64_t>(out + 16, time.ns());
  store_le<std::uint16_t>(out + 24, type);
  store_le<std::uint16_t>(out + 26, 0);
  return crc32c(payload, crc32c(out + 4, kRecordHeaderSize - 4));
}

std::uint32_t record_crc(std::span<const std::byte> record) noexcept { return crc32c(record.subspan(4)); }

Hash256 chain_after(Sha256& sha, const Hash256& prev, const std::byte* header, std::span<const std::byte> body1,
                    std::span<const std::byte> body2) noexcept {
  sha.reset();
  sha.update(prev.data(), prev.size());
  sha.update(header, kBatchHashedPrefix);
  sha.update(body1);
  sha.update(body2);
  return sha.finish();
}

std::string segment_file_name(SeqNo first_seq) { return fmt::format("segment-{:020}.journal", first_seq.raw()); }

std::optional<SeqNo> parse_numbered_file_name(std::string_view name, std::string_view prefix,
                                              std::string_view suffix) noexcept {
  if (name.size() != prefix.size() + 20 + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix))
    return std::nullopt;
  std::uint64_t v = 0;
  for (char c : name.substr(prefix.size(), 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return SeqNo{v};
}

std::optional<SeqNo> parse_segment_file_name(std::string_view name) noexcept {
  return parse_numbered_file_name(name, "segment-", ".journal");
}

}  // namespace strike::journal
