// Arbitrary bytes as a journal segment file must never crash the reader: every input ends in
// records + a clean end, a torn-tail report, or a typed error naming the offset. Checked on
// the in-memory scanner (as the last segment and as an earlier one), on a copy whose CRCs are
// recomputed (so mutations get past the checksums to the sequence, count, flag and chain
// checks), and, for some inputs, through the file path (listing, mmap, JournalReader).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "core/byte_buffer.hpp"
#include "core/crc32c.hpp"

#include <unistd.h>

#include "core/assert.hpp"
#include "journal/journal_reader.hpp"
#include "journal/segment_scanner.hpp"

namespace {

using namespace strike;
using namespace strike::journal;

void scan(std::span<const std::byte> image, bool is_last) {
  SegmentScanner s(image, "fuzz.journal", {is_last, true});
  if (!s.open().ok()) {
    STRIKE_ASSERT(s.error().code != Errc::ok && !s.error().detail.empty(), "untyped header error");
    return;
  }
  std::uint64_t expect = s.header().first_seq.raw();
  RecordView r;
  ReadStatus st;
  while ((st = s.next(r)) == ReadStatus::record) {
    STRIKE_ASSERT(r.seq.raw() == expect, "records out of order: {} after {}", r.seq.raw(), expect - 1);
    STRIKE_ASSERT(r.payload.data() >= image.data() && r.payload.data() + r.payload.size() <= image.data() + image.size(),
                  "payload outside the image");
    ++expect;
  }
  if (st == ReadStatus::error) {
    const auto code = static_cast<int>(s.error().code);
    STRIKE_ASSERT(code >= 800 && code < 900 && s.error().detail.find("offset ") != std::string::npos,
                  "untyped error: {}", s.error().to_string());
    return;
  }
  STRIKE_ASSERT(s.valid_end() <= image.size(), "valid end past the image");
  if (const auto& t = s.torn()) {
    STRIKE_ASSERT(is_last, "torn tail reported for a segment that is not the last");
    STRIKE_ASSERT(t->offset + t->bytes == image.size(), "torn tail does not reach the end");
  } else {
    STRIKE_ASSERT(s.valid_end() == image.size(), "clean end before the end of the image");
  }
}

// A scratch data directory, removed at exit.
struct ScratchDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("strike-journal-fuzz-" + std::to_string(::getpid()));
  ScratchDir() { std::filesystem::create_directories(path / "journal"); }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// Recomputes every CRC the reader would check, following the stored lengths.
std::vector<std::byte> with_valid_crcs(std::span<const std::byte> image) {
  std::vector<std::byte> b(image.begin(), image.end());
  if (b.size() < kSegmentHeaderSize) return b;
  store_le<std::uint32_t>(b.data() + 60, crc32c(b.data(), 60));
  std::size_t pos = kSegmentHeaderSize;
  while (pos + kBatchHeaderSize <= b.size() && load_le<std::uint32_t>(b.data() + pos) == kBatchMagic) {
    store_le<std::uint32_t>(b.data() + pos + 60, crc32c(b.data() + pos, 60));
    const std::size_t end = pos + kBatchHeaderSize + load_le<std::uint32_t>(b.data() + pos + 4);
    std::size_t p = pos + kBatchHeaderSize;
    while (p + kRecordHeaderSize <= std::min(end, b.size())) {
      const std::uint32_t len = load_le<std::uint32_t>(b.data() + p + 4);
      if (len < kRecordHeaderSize || p + len > std::min(end, b.size())) break;
      store_le<std::uint32_t>(b.data() + p, crc32c(b.data() + p + 4, len - 4));
      p += len;
    }
    if (end > b.size()) break;
    pos = end;
  }
  return b;
}

void read_as_file(std::span<const std::byte> image) {
  static const ScratchDir scratch;
  const std::filesystem::path& dir = scratch.path;
  {
    std::ofstream out(dir / "journal" / segment_file_name(SeqNo{1}), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  }
  auto reader = JournalReader::open(dir);
  if (!reader) return;
  RecordView r;
  while (reader->next(r) == ReadStatus::record) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> image(reinterpret_cast<const std::byte*>(data), size);
  scan(image, true);
  scan(image, false);
  const auto repaired = with_valid_crcs(image);
  scan(repaired, true);
  static unsigned calls = 0;
  if (calls++ % 64 == 0) read_as_file(image);
  return 0;
}
