// Helpers for the journal tests: scratch data directories, deterministic payloads, reading a
// whole journal back, and byte surgery on segment files.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "journal/journal_reader.hpp"
#include "journal/journal_writer.hpp"

namespace strike::journal::test {

namespace fs = std::filesystem;

// A fresh directory, removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("strike-" + std::string(info ? info->name() : "test") + "-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path journal() const { return path_ / "journal"; }

 private:
  fs::path path_;
};

// The payload of record `seq`: a deterministic size in [0, 200) and content.
inline std::vector<std::byte> payload_of(std::uint64_t seq) {
  std::vector<std::byte> p((seq * 37) % 200);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::byte>((seq * 131 + i * 7) & 0xff);
  return p;
}
inline Timestamp time_of(std::uint64_t seq) { return Timestamp::from_ns(1'700'000'000'000'000'000 + seq * 1000); }
inline std::uint16_t type_of(std::uint64_t seq) { return static_cast<std::uint16_t>(seq % 17); }

struct ReadBack {
  std::vector<std::uint64_t> seqs;
  std::uint64_t bad_content = 0;  // records whose time/type/payload differ from *_of(seq)
  ReadStatus status = ReadStatus::end;
  Error error;
  JournalEnd end;
  ReaderStats stats;
};

inline ReadBack read_all(const fs::path& dir, JournalReader::Options options = {}) {
  ReadBack out;
  auto reader = JournalReader::open(dir, options);
  if (!reader) {
    out.status = ReadStatus::error;
    out.error = reader.error();
    return out;
  }
  RecordView r;
  while ((out.status = reader->next(r)) == ReadStatus::record) {
    out.seqs.push_back(r.seq.raw());
    const auto want = payload_of(r.seq.raw());
    if (r.time != time_of(r.seq.raw()) || r.type != type_of(r.seq.raw()) ||
        !std::equal(want.begin(), want.end(), r.payload.begin(), r.payload.end()))
      ++out.bad_content;
  }
  if (out.status == ReadStatus::error) out.error = reader->error();
  if (out.status == ReadStatus::end) out.end = reader->end();
  out.stats = reader->stats();
  return out;
}

// The journal's end as a fresh reader sees it (asserts the read succeeds).
inline JournalEnd end_of(const fs::path& dir) {
  ReadBack r = read_all(dir);
  EXPECT_EQ(r.status, ReadStatus::end) << r.error.to_string();
  return r.end;
}

inline WriterOptions small_options(Durability d = Durability::os) {
  WriterOptions o;
  o.durability = d;
  o.buffer_bytes = 1u << 16;
  o.max_batch_bytes = 1u << 14;
  o.max_payload_bytes = 4096;
  return o;
}

inline std::unique_ptr<JournalWriter> open_writer(const fs::path& dir, WriterOptions o = small_options()) {
  auto w = JournalWriter::open(dir, end_of(dir), o);
  EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().to_string());
  return w.ok() ? std::move(w).value() : nullptr;
}

// Appends records next_sequence() .. last, flushing a batch after every `batch` records.
inline void append_range(JournalWriter& w, std::uint64_t last, std::uint64_t batch) {
  std::uint64_t in_batch = 0;
  for (std::uint64_t seq = w.next_sequence().raw(); seq <= last; ++seq) {
    const auto p = payload_of(seq);
    const AppendResult r = w.append(time_of(seq), type_of(seq), p);
    ASSERT_EQ(r.status, AppendStatus::ok) << seq;
    ASSERT_EQ(r.seq.raw(), seq);
    if (++in_batch == batch) {
      ASSERT_GT(w.do_work(), 0);
      in_batch = 0;
    }
  }
  while (w.do_work() > 0) {
  }
}

inline std::vector<std::uint64_t> iota(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> v;
  for (std::uint64_t s = first; s <= last; ++s) v.push_back(s);
  return v;
}

inline std::vector<char> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
inline void write_bytes(const fs::path& p, const std::vector<char>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<SegmentFile> segments_of(const fs::path& data_dir) {
  return list_segments(data_dir / "journal").value();
}

// Offsets of every batch header in a segment file (walking the stored sizes).
inline std::vector<std::uint64_t> batch_offsets(const fs::path& segment) {
  const auto bytes = read_bytes(segment);
  std::vector<std::uint64_t> out;
  std::uint64_t at = kSegmentHeaderSize;
  while (at + kBatchHeaderSize <= bytes.size()) {
    out.push_back(at);
    std::uint32_t body;
    std::memcpy(&body, bytes.data() + at + 4, 4);
    at += kBatchHeaderSize + body;
  }
  return out;
}

}  // namespace strike::journal::test
