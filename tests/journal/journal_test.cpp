#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <random>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "core/crc32c.hpp"
#include "journal_test_util.hpp"

namespace strike::journal {
namespace {

using namespace test;

TEST(Journal, RecordsRoundTripAcrossBatches) {
  ScratchDir dir;
  auto w = open_writer(dir.path());
  append_range(*w, 1000, 37);
  const ChainPoint head = w->durable_point();
  EXPECT_EQ(head.seq.raw(), 1000u);
  EXPECT_EQ(w->stats().records, 1000u);
  EXPECT_EQ(w->stats().batches, (1000 + 36) / 37);
  ASSERT_TRUE(w->close().ok());

  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::end) << r.error.to_string();
  EXPECT_EQ(r.seqs, iota(1, 1000));
  EXPECT_EQ(r.bad_content, 0u);
  EXPECT_EQ(r.end.head, head);
  EXPECT_FALSE(r.end.torn);
  EXPECT_EQ(r.stats.batches, 28u);
}

TEST(Journal, EmptyDirectoryReadsAsAnEmptyJournal) {
  ScratchDir dir;
  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::end);
  EXPECT_TRUE(r.seqs.empty());
  EXPECT_EQ(r.end.head, ChainPoint{});
  EXPECT_TRUE(r.end.segment.empty());
}

TEST(Journal, NothingIsDurableBeforeItsBatchIsWritten) {
  ScratchDir dir;
  auto w = open_writer(dir.path(), small_options(Durability::fsync));
  const auto p = payload_of(1);
  ASSERT_TRUE(w->append(time_of(1), 1, p).ok());
  ASSERT_TRUE(w->append(time_of(2), 1, p).ok());
  EXPECT_EQ(w->durable_sequence().raw(), 0u);
  EXPECT_TRUE(read_all(dir.path()).seqs.empty());  // not on disk yet
  EXPECT_EQ(w->do_work(), 2);
  EXPECT_EQ(w->durable_sequence().raw(), 2u);
  EXPECT_EQ(w->stats().syncs, 1u);
  EXPECT_EQ(read_all(dir.path()).seqs, iota(1, 2));
  EXPECT_EQ(w->do_work(), 0);  // nothing pending
}

TEST(Journal, FullBufferIsBackPressuredUntilTheFlusherCatchesUp) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.buffer_bytes = 4096;
  o.max_batch_bytes = 2048;
  o.max_payload_bytes = 100;
  auto w = open_writer(dir.path(), o);
  const std::vector<std::byte> p(100);
  int accepted = 0;
  while (w->append(Timestamp{}, 0, p).ok()) ++accepted;
  EXPECT_EQ(accepted, 4096 / 128);
  EXPECT_EQ(w->append(Timestamp{}, 0, p).status, AppendStatus::back_pressured);
  EXPECT_EQ(w->do_work(), 2048 / 128);  // one batch is at most max_batch_bytes
  EXPECT_TRUE(w->append(Timestamp{}, 0, p).ok());
  EXPECT_EQ(w->next_sequence().raw(), static_cast<std::uint64_t>(accepted) + 2);
}

TEST(Journal, OversizedPayloadIsRefusedWithoutUsingASequence) {
  ScratchDir dir;
  auto w = open_writer(dir.path());
  const std::vector<std::byte> big(4097);
  EXPECT_EQ(w->append(Timestamp{}, 0, big).status, AppendStatus::too_large);
  EXPECT_EQ(w->next_sequence().raw(), 1u);
}

TEST(Journal, InvalidWriterOptionsAreRejectedAtOpen) {
  ScratchDir dir;
  WriterOptions o;
  o.buffer_bytes = 5000;
  auto w = JournalWriter::open(dir.path(), JournalEnd{}, o);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::journal_bad_option);
  o = WriterOptions{};
  o.max_payload_bytes = o.max_batch_bytes;
  EXPECT_EQ(JournalWriter::open(dir.path(), JournalEnd{}, o).error().code, Errc::journal_bad_option);
}

TEST(Journal, RecordsWrapAroundTheBufferIntact) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.buffer_bytes = 4096;  // payloads of up to 200 bytes wrap often
  o.max_batch_bytes = 2048;
  o.max_payload_bytes = 1024;
  auto w = open_writer(dir.path(), o);
  append_range(*w, 3000, 5);
  ASSERT_TRUE(w->close().ok());
  ReadBack r = read_all(dir.path());
  EXPECT_EQ(r.seqs, iota(1, 3000));
  EXPECT_EQ(r.bad_content, 0u);
}

TEST(Journal, SegmentsRotateAtTheConfiguredSizeAndReadAsOneJournal) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 4096;
  auto w = open_writer(dir.path(), o);
  append_range(*w, 2000, 10);
  ASSERT_TRUE(w->close().ok());
  const auto segs = segments_of(dir.path());
  ASSERT_GT(segs.size(), 20u);
  EXPECT_EQ(segs.front().first_seq.raw(), 1u);
  for (const auto& s : segs) {
    EXPECT_EQ(s.path.filename(), segment_file_name(s.first_seq));
    // A segment exceeds the threshold by less than one batch (at most max_batch_bytes + header).
    EXPECT_LT(fs::file_size(s.path), 4096 + (1u << 14) + kBatchHeaderSize);
  }
  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::end) << r.error.to_string();
  EXPECT_EQ(r.seqs, iota(1, 2000));
  EXPECT_EQ(r.stats.segments, segs.size());
}

TEST(Journal, ReopeningContinuesTheSequenceAndTheChain) {
  ScratchDir dir;
  {
    auto w = open_writer(dir.path());
    append_range(*w, 10, 3);
    ASSERT_TRUE(w->close().ok());
  }
  {
    auto w = open_writer(dir.path());
    EXPECT_EQ(w->next_sequence().raw(), 11u);
    append_range(*w, 25, 4);
    ASSERT_TRUE(w->close().ok());
  }
  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::end) << r.error.to_string();
  EXPECT_EQ(r.seqs, iota(1, 25));
  EXPECT_EQ(r.bad_content, 0u);
}

TEST(Journal, ASecondWriterOnTheSameDirectoryIsRefused) {
  ScratchDir dir;
  auto first = open_writer(dir.path());
  auto second = JournalWriter::open(dir.path(), end_of(dir.path()), small_options());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::journal_locked);
  ASSERT_TRUE(first->close().ok());
  EXPECT_TRUE(JournalWriter::open(dir.path(), end_of(dir.path()), small_options()).ok());
}

TEST(Journal, WriterRefusesAnEndThatNoLongerMatchesTheFiles) {
  ScratchDir dir;
  { auto w = open_writer(dir.path()); append_range(*w, 5, 5); }
  const JournalEnd stale = end_of(dir.path());
  { auto w = open_writer(dir.path()); append_range(*w, 9, 5); }
  auto w = JournalWriter::open(dir.path(), stale, small_options());
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::journal_changed);
}

TEST(Journal, DurabilityNoneWritesNoFiles) {
  ScratchDir dir;
  WriterOptions o = small_options(Durability::none);
  auto w = JournalWriter::open(dir.path(), JournalEnd{}, o).value();
  append_range(*w, 100, 10);
  EXPECT_EQ(w->durable_sequence().raw(), 100u);
  ASSERT_TRUE(w->close().ok());
  EXPECT_FALSE(fs::exists(dir.journal()));
}

TEST(Journal, DurabilityModesParseByName) {
  EXPECT_EQ(parse_durability("fsync").value(), Durability::fsync);
  EXPECT_EQ(parse_durability("os").value(), Durability::os);
  EXPECT_EQ(parse_durability("none").value(), Durability::none);
  EXPECT_EQ(parse_durability("always").error().code, Errc::config_bad_value);
  EXPECT_EQ(to_string(Durability::os), "os");
}

// The pipeline's shape: the producer appends as fast as it can (retrying on back-pressure)
// while the flusher thread commits groups; part of `make tsan-test`.
TEST(Journal, FlusherThreadCommitsEverythingTheProducerAppends) {
  ScratchDir dir;
  WriterOptions o = small_options(Durability::fsync);
  auto w = open_writer(dir.path(), o);
  w->start_flusher(IdleStrategy::yield());
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr std::uint64_t kRecords = 5'000;
#else
  constexpr std::uint64_t kRecords = 20'000;
#endif
  std::uint64_t max_seen_durable = 0;
  for (std::uint64_t seq = 1; seq <= kRecords; ++seq) {
    const auto p = payload_of(seq);
    AppendResult r;
    while ((r = w->append(time_of(seq), type_of(seq), p)).status == AppendStatus::back_pressured) std::this_thread::yield();
    ASSERT_EQ(r.seq.raw(), seq);
    const std::uint64_t durable = w->durable_sequence().raw();
    ASSERT_GE(durable, max_seen_durable);  // never goes backwards
    ASSERT_LT(durable, seq + 1);           // never ahead of what was appended
    max_seen_durable = durable;
  }
  ASSERT_TRUE(w->wait_durable(SeqNo{kRecords}, IdleStrategy::yield()));
  EXPECT_EQ(w->durable_point().seq.raw(), kRecords);
  EXPECT_LT(w->stats().batches, kRecords);  // group commit: fewer batches than records
  ASSERT_TRUE(w->close().ok());
  ReadBack r = read_all(dir.path());
  EXPECT_EQ(r.seqs.size(), kRecords);
  EXPECT_EQ(r.bad_content, 0u);
}

// durable_point() is read by the sequencer while the flusher publishes it: every value read
// must be a real (sequence, chain) pair of the journal, never a mix of two batches.
TEST(Journal, DurablePointReadsAreNeverTornAcrossBatches) {
  ScratchDir dir;
  auto w = open_writer(dir.path(), small_options(Durability::os));
  w->start_flusher(IdleStrategy::yield());
  std::atomic<bool> done{false};
  std::vector<ChainPoint> samples;
  std::thread sampler([&] {
    while (!done.load(std::memory_order_acquire) && samples.size() < 100'000) {
      samples.push_back(w->durable_point());
      std::this_thread::yield();
    }
  });
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr std::uint64_t kRecords = 3'000;
#else
  constexpr std::uint64_t kRecords = 30'000;
#endif
  for (std::uint64_t seq = 1; seq <= kRecords; ++seq) {
    const auto p = payload_of(seq);
    while (w->append(time_of(seq), type_of(seq), p).status == AppendStatus::back_pressured) std::this_thread::yield();
  }
  ASSERT_TRUE(w->wait_durable(SeqNo{kRecords}, IdleStrategy::yield()));
  done.store(true, std::memory_order_release);
  sampler.join();
  ASSERT_TRUE(w->close().ok());

  std::map<std::uint64_t, Hash256> chain_at{{0, Hash256{}}};  // every batch end of the journal
  for (const auto& seg : segments_of(dir.path())) {
    const auto bytes = read_bytes(seg.path);
    for (std::uint64_t at : batch_offsets(seg.path)) {
      BatchHeader b;
      ASSERT_FALSE(decode_batch_header(std::as_bytes(std::span(bytes)).subspan(at), b));
      chain_at[b.last_seq().raw()] = b.chain;
    }
  }
  ASSERT_GT(samples.size(), 0u);
  std::uint64_t last = 0;
  for (const ChainPoint& p : samples) {
    auto it = chain_at.find(p.seq.raw());
    ASSERT_NE(it, chain_at.end()) << "seq " << p.seq.raw() << " is not a batch end";
    ASSERT_EQ(it->second, p.hash) << "torn read at seq " << p.seq.raw();
    ASSERT_GE(p.seq.raw(), last);
    last = p.seq.raw();
  }
}

// --- torn tails --------------------------------------------------------------------------

// Writes `records` records in batches of `batch`, the last record alone in the last batch.
void write_with_single_last_record(const fs::path& dir, std::uint64_t records, std::uint64_t batch) {
  auto w = open_writer(dir);
  append_range(*w, records - 1, batch);
  append_range(*w, records, 1);
  ASSERT_TRUE(w->close().ok());
}

TEST(JournalTornTail, CutAtEveryByteOfTheLastRecordDropsOnlyThatRecord) {
  ScratchDir dir;
  write_with_single_last_record(dir.path(), 40, 7);
  const fs::path seg = segments_of(dir.path()).back().path;
  const auto full = read_bytes(seg);
  const std::uint64_t last_batch = batch_offsets(seg).back();
  ASSERT_EQ(full.size() - last_batch, kBatchHeaderSize + kRecordHeaderSize + payload_of(40).size());

  for (std::uint64_t cut = last_batch; cut < full.size(); ++cut) {
    write_bytes(seg, std::vector<char>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut)));
    ReadBack r = read_all(dir.path());
    ASSERT_EQ(r.status, ReadStatus::end) << "cut at " << cut << ": " << r.error.to_string();
    ASSERT_EQ(r.seqs, iota(1, 39)) << "cut at " << cut;
    if (cut == last_batch) {
      EXPECT_FALSE(r.end.torn) << "a cut at a batch boundary is a clean end";
      continue;
    }
    ASSERT_TRUE(r.end.torn) << "cut at " << cut;
    EXPECT_EQ(r.end.torn->offset, last_batch);
    EXPECT_EQ(r.end.torn->bytes, cut - last_batch);
    EXPECT_EQ(r.end.valid_bytes, last_batch);
    EXPECT_EQ(r.end.head.seq.raw(), 39u);
  }
}

TEST(JournalTornTail, OpeningForAppendTruncatesTheTornTailAndRecoveringTwiceAgrees) {
  ScratchDir dir;
  write_with_single_last_record(dir.path(), 20, 4);
  const fs::path seg = segments_of(dir.path()).back().path;
  auto bytes = read_bytes(seg);
  const std::uint64_t last_batch = batch_offsets(seg).back();
  bytes.resize(last_batch + 70);
  write_bytes(seg, bytes);

  const ReadBack first = read_all(dir.path());
  const ReadBack second = read_all(dir.path());  // the reader changes nothing
  ASSERT_TRUE(first.end.torn);
  EXPECT_EQ(first.seqs, second.seqs);
  EXPECT_EQ(first.end.head, second.end.head);
  EXPECT_EQ(fs::file_size(seg), last_batch + 70);

  {
    auto w = JournalWriter::open(dir.path(), first.end, small_options()).value();
    EXPECT_EQ(fs::file_size(seg), last_batch);  // truncated
    append_range(*w, 30, 3);                     // and appending resumes at 20
    ASSERT_TRUE(w->close().ok());
  }
  const ReadBack after = read_all(dir.path());
  ASSERT_EQ(after.status, ReadStatus::end) << after.error.to_string();
  EXPECT_FALSE(after.end.torn);
  EXPECT_EQ(after.seqs, iota(1, 30));
  EXPECT_EQ(after.bad_content, 0u);
}

TEST(JournalTornTail, CutAtRandomOffsetsOfTheLastSegmentKeepsEveryCompleteBatch) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 8192;
  {
    auto w = open_writer(dir.path(), o);
    append_range(*w, 500, 9);
    ASSERT_TRUE(w->close().ok());
  }
  const auto segs = segments_of(dir.path());
  ASSERT_GT(segs.size(), 2u);
  const fs::path seg = segs.back().path;
  const auto full = read_bytes(seg);
  const auto batches = batch_offsets(seg);
  const std::uint64_t first_in_segment = segs.back().first_seq.raw();

  std::mt19937_64 rng(20240601);
  for (int round = 0; round < 200; ++round) {
    const std::uint64_t cut = rng() % full.size();
    write_bytes(seg, std::vector<char>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut)));
    ReadBack r = read_all(dir.path());
    ASSERT_EQ(r.status, ReadStatus::end) << "cut at " << cut << ": " << r.error.to_string();
    // Complete batches before the cut survive; each batch holds 9 records here.
    std::uint64_t complete = 0;
    for (std::size_t b = 0; b < batches.size(); ++b) {
      const std::uint64_t end = b + 1 < batches.size() ? batches[b + 1] : full.size();
      if (end <= cut) ++complete;
    }
    const std::uint64_t expect_last = cut < kSegmentHeaderSize ? first_in_segment - 1 : first_in_segment - 1 + complete * 9;
    ASSERT_EQ(r.end.head.seq.raw(), expect_last) << "cut at " << cut;
    ASSERT_EQ(r.seqs.size(), expect_last) << "cut at " << cut;
    if (cut < kSegmentHeaderSize) {
      ASSERT_TRUE(r.end.torn && r.end.torn->whole_segment) << "cut at " << cut;
    }
  }
}

// A crash leaves a prefix of what the writer wrote; bytes after the last batch that are not
// the beginning of a batch header (zeros, garbage, a complete header with a bad CRC) were not
// written by an interrupted append: recovery refuses rather than guess.
TEST(JournalCorruption, GarbageOrZerosAfterTheLastBatchAreRefusedNotTruncated) {
  ScratchDir dir;
  { auto w = open_writer(dir.path()); append_range(*w, 50, 10); }
  const fs::path seg = segments_of(dir.path()).back().path;
  const auto clean = read_bytes(seg);
  std::mt19937_64 rng(5);
  for (const std::size_t extra : {std::size_t{5}, std::size_t{333}}) {
    for (const bool zeros : {true, false}) {
      auto bytes = clean;
      for (std::size_t i = 0; i < extra; ++i) bytes.push_back(zeros ? '\0' : static_cast<char>('A' + rng() % 26));
      write_bytes(seg, bytes);
      ReadBack r = read_all(dir.path());
      ASSERT_EQ(r.status, ReadStatus::error) << extra << " bytes of " << (zeros ? "zeros" : "garbage");
      EXPECT_EQ(r.error.code, Errc::journal_corrupt);
      EXPECT_NE(r.error.detail.find(seg.string() + ": offset " + std::to_string(clean.size()) + ": seq 51:"),
                std::string::npos)
          << r.error.detail;
      EXPECT_EQ(r.seqs, iota(1, 50));
    }
  }
}

// The beginning of a batch header, cut short, is what a crash leaves: a torn tail.
TEST(JournalTornTail, ABatchHeaderCutShortIsATornTail) {
  ScratchDir dir;
  { auto w = open_writer(dir.path()); append_range(*w, 50, 10); }
  const fs::path seg = segments_of(dir.path()).back().path;
  const auto full = read_bytes(seg);
  const std::uint64_t last = batch_offsets(seg).back();
  for (std::uint64_t keep = 1; keep < kBatchHeaderSize; ++keep) {
    write_bytes(seg, std::vector<char>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(last + keep)));
    ReadBack r = read_all(dir.path());
    ASSERT_EQ(r.status, ReadStatus::end) << "header cut after " << keep << " bytes: " << r.error.to_string();
    ASSERT_TRUE(r.end.torn);
    EXPECT_EQ(r.end.torn->offset, last);
    EXPECT_EQ(r.seqs, iota(1, 40));
  }
}

TEST(JournalTornTail, ALastSegmentWithATornHeaderIsRemovedAndRecreated) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 2048;
  { auto w = open_writer(dir.path(), o); append_range(*w, 100, 5); }
  // Simulate a crash while the next segment was being created: 10 bytes of its header.
  const fs::path torn = dir.journal() / segment_file_name(SeqNo{101});
  auto header = read_bytes(segments_of(dir.path()).back().path);
  header.resize(10);
  write_bytes(torn, header);

  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::end) << r.error.to_string();
  EXPECT_EQ(r.seqs, iota(1, 100));
  ASSERT_TRUE(r.end.torn);
  EXPECT_TRUE(r.end.torn->whole_segment);
  EXPECT_EQ(r.end.segment, torn);
  {
    auto w = JournalWriter::open(dir.path(), r.end, o).value();
    append_range(*w, 120, 5);
    ASSERT_TRUE(w->close().ok());
  }
  ReadBack after = read_all(dir.path());
  ASSERT_EQ(after.status, ReadStatus::end) << after.error.to_string();
  EXPECT_EQ(after.seqs, iota(1, 120));
  EXPECT_FALSE(after.end.torn);
}

// --- corruption --------------------------------------------------------------------------

// Flips one byte of a record in the middle of the journal: the reader refuses, naming the
// file, the record's offset and its sequence.
TEST(JournalCorruption, AFlippedByteMidJournalIsRefusedWithFileOffsetAndSequence) {
  ScratchDir dir;
  { auto w = open_writer(dir.path()); append_range(*w, 100, 10); }
  const fs::path seg = segments_of(dir.path()).back().path;
  auto bytes = read_bytes(seg);
  // Record 43 is the 3rd record of the 5th batch (records 41..50).
  const std::uint64_t batch = batch_offsets(seg)[4];
  std::uint64_t at = batch + kBatchHeaderSize;
  for (std::uint64_t s = 41; s < 43; ++s) at += kRecordHeaderSize + payload_of(s).size();
  bytes[at + kRecordHeaderSize + 1] ^= 0x20;  // a payload byte of record 43
  write_bytes(seg, bytes);

  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error);
  EXPECT_EQ(r.error.code, Errc::journal_corrupt);
  EXPECT_NE(r.error.detail.find(seg.string()), std::string::npos) << r.error.detail;
  EXPECT_NE(r.error.detail.find("offset " + std::to_string(at) + ":"), std::string::npos) << r.error.detail;
  EXPECT_NE(r.error.detail.find("seq 43:"), std::string::npos) << r.error.detail;
  EXPECT_NE(r.error.detail.find("CRC"), std::string::npos) << r.error.detail;
  EXPECT_EQ(r.seqs, iota(1, 40));  // nothing of the damaged batch was handed out
}

TEST(JournalCorruption, AFlippedByteInAnEarlierSegmentIsRefused) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 4096;
  { auto w = open_writer(dir.path(), o); append_range(*w, 300, 10); }
  const auto segs = segments_of(dir.path());
  ASSERT_GT(segs.size(), 2u);
  auto bytes = read_bytes(segs[1].path);
  bytes[bytes.size() - 3] ^= 1;  // the last batch of a segment that is not the last
  write_bytes(segs[1].path, bytes);
  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error);
  EXPECT_EQ(r.error.code, Errc::journal_corrupt);
  EXPECT_NE(r.error.detail.find(segs[1].path.string()), std::string::npos) << r.error.detail;
}

// A batch whose every byte is there but whose CRC fails was not cut short by a crash: a crash
// during pwritev leaves a prefix of the batch, never a complete one with other bytes. Such a
// batch may well have been acknowledged (fdatasync'd, then damaged), so it is refused even at
// the very end of the journal, naming the file, offset and sequence.
TEST(JournalCorruption, AFlippedByteInTheLastCompleteBatchIsCorruptionNotATornWrite) {
  ScratchDir dir;
  { auto w = open_writer(dir.path()); append_range(*w, 30, 10); }
  const fs::path seg = segments_of(dir.path()).back().path;
  const auto clean = read_bytes(seg);
  const std::uint64_t last = batch_offsets(seg).back();
  // Every byte of the last batch's header, and every fifth of its records.
  for (std::uint64_t at = last; at < clean.size(); at += at < last + kBatchHeaderSize ? 1 : 5) {
    auto bytes = clean;
    bytes[at] ^= 0x40;
    write_bytes(seg, bytes);
    ReadBack r = read_all(dir.path());
    ASSERT_EQ(r.status, ReadStatus::error) << "byte " << at << " flipped";
    const auto seq_at = r.error.detail.find(": seq ");
    ASSERT_NE(seq_at, std::string::npos) << r.error.detail;
    const auto seq = std::stoull(r.error.detail.substr(seq_at + 6));
    EXPECT_TRUE(seq >= 21 && seq <= 30) << r.error.detail;  // the batch's own records
    EXPECT_NE(r.error.detail.find(seg.string() + ": offset "), std::string::npos) << r.error.detail;
    EXPECT_EQ(r.seqs, iota(1, 20));
  }
  // A record's CRC names the record itself.
  auto bytes = clean;
  bytes[bytes.size() - 5] ^= 0x40;
  write_bytes(seg, bytes);
  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error);
  EXPECT_EQ(r.error.code, Errc::journal_corrupt);
  const std::uint64_t record30 = clean.size() - kRecordHeaderSize - payload_of(30).size();
  EXPECT_NE(r.error.detail.find(seg.string() + ": offset " + std::to_string(record30) + ": seq 30: record CRC mismatch"),
            std::string::npos)
      << r.error.detail;
}

// The same for a segment header: shorter than 64 bytes is a crash while creating the segment;
// 64 bytes with a bad CRC is damage, and the file is not removed.
TEST(JournalCorruption, ACompleteSegmentHeaderWithABadCrcIsCorruptionEvenInTheLastSegment) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 2048;
  { auto w = open_writer(dir.path(), o); append_range(*w, 100, 5); }
  const fs::path next = dir.journal() / segment_file_name(SeqNo{101});
  // A well-formed header for seq 101 (as rotation writes it), then one flipped byte.
  std::array<std::byte, kSegmentHeaderSize> h{};
  encode_segment_header(SegmentHeader{SeqNo{101}, end_of(dir.path()).head.hash}, h.data());
  std::vector<char> header(kSegmentHeaderSize);
  std::memcpy(header.data(), h.data(), h.size());
  header[30] ^= 1;
  write_bytes(next, header);
  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error);
  EXPECT_NE(r.error.detail.find(next.string() + ": offset 0"), std::string::npos) << r.error.detail;
  EXPECT_NE(r.error.detail.find("segment header CRC mismatch"), std::string::npos) << r.error.detail;
}

// Rewrites a record's payload and fixes its CRC, as a forger would: only the chain notices.
void forge_record(const fs::path& seg, std::uint64_t batch_offset) {
  auto bytes = read_bytes(seg);
  const std::uint64_t rec = batch_offset + kBatchHeaderSize;
  std::uint32_t len;
  std::memcpy(&len, bytes.data() + rec + 4, 4);
  ASSERT_GT(len, kRecordHeaderSize);
  bytes[rec + kRecordHeaderSize] ^= 0x01;
  const std::uint32_t crc = crc32c(bytes.data() + rec + 4, len - 4);
  std::memcpy(bytes.data() + rec, &crc, 4);
  write_bytes(seg, bytes);
}

TEST(JournalCorruption, AForgedRecordWithAValidCrcBreaksTheChain) {
  ScratchDir dir;
  { auto w = open_writer(dir.path()); append_range(*w, 60, 10); }
  const fs::path seg = segments_of(dir.path()).back().path;
  forge_record(seg, batch_offsets(seg)[2]);  // records 21..30
  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error);
  EXPECT_EQ(r.error.code, Errc::journal_chain_mismatch);
  EXPECT_NE(r.error.detail.find("seq 21:"), std::string::npos) << r.error.detail;
  EXPECT_EQ(r.seqs, iota(1, 20));
}

TEST(JournalCorruption, AForgedLastBatchIsTamperingNotATornWrite) {
  ScratchDir dir;
  { auto w = open_writer(dir.path()); append_range(*w, 60, 10); }
  const fs::path seg = segments_of(dir.path()).back().path;
  forge_record(seg, batch_offsets(seg).back());
  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error);
  EXPECT_EQ(r.error.code, Errc::journal_chain_mismatch);
}

TEST(JournalCorruption, ChainCheckCanBeSkippedForSpeedButCrcsStillHold) {
  ScratchDir dir;
  { auto w = open_writer(dir.path()); append_range(*w, 60, 10); }
  const fs::path seg = segments_of(dir.path()).back().path;
  forge_record(seg, batch_offsets(seg)[2]);
  JournalReader::Options fast;
  fast.verify_chain = false;
  EXPECT_EQ(read_all(dir.path(), fast).seqs.size(), 60u);  // the forgery passes CRCs
}

TEST(JournalCorruption, ARemovedBatchIsASequenceGap) {
  ScratchDir dir;
  { auto w = open_writer(dir.path()); append_range(*w, 50, 10); }
  const fs::path seg = segments_of(dir.path()).back().path;
  auto bytes = read_bytes(seg);
  const auto b = batch_offsets(seg);
  bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(b[1]), bytes.begin() + static_cast<std::ptrdiff_t>(b[2]));
  write_bytes(seg, bytes);
  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error);
  EXPECT_EQ(r.error.code, Errc::journal_sequence_gap);
  EXPECT_NE(r.error.detail.find("offset " + std::to_string(b[1])), std::string::npos) << r.error.detail;
  EXPECT_NE(r.error.detail.find("seq 11:"), std::string::npos) << r.error.detail;
}

TEST(JournalCorruption, AMissingMiddleSegmentIsASequenceGap) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 4096;
  { auto w = open_writer(dir.path(), o); append_range(*w, 300, 10); }
  const auto segs = segments_of(dir.path());
  ASSERT_GT(segs.size(), 3u);
  fs::remove(segs[1].path);
  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error);
  EXPECT_EQ(r.error.code, Errc::journal_sequence_gap);
  EXPECT_NE(r.error.detail.find(segs[2].path.string()), std::string::npos) << r.error.detail;
}

TEST(JournalCorruption, AMissingFirstSegmentIsASequenceGap) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 4096;
  { auto w = open_writer(dir.path(), o); append_range(*w, 300, 10); }
  fs::remove(segments_of(dir.path()).front().path);
  EXPECT_EQ(read_all(dir.path()).error.code, Errc::journal_sequence_gap);
}

// --- I/O failures (a full disk) --------------------------------------------------------------

// The third batch write fails with ENOSPC after writing `kept` bytes of the batch, as a disk
// that fills up does. The writer stops for good; the two durable batches are intact; whatever
// prefix of the failed batch reached the file is a torn tail; once space is back, a new writer
// truncates it and carries on.
TEST(JournalFailure, AFailedBatchWriteStopsTheWriterAndLeavesOnlyATornTail) {
  std::uint64_t batch = kBatchHeaderSize;  // the size of the failing batch, records 21..30
  for (std::uint64_t seq = 21; seq <= 30; ++seq) batch += kRecordHeaderSize + payload_of(seq).size();
  for (const std::uint64_t kept : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{63}, std::uint64_t{64},
                                   std::uint64_t{65}, std::uint64_t{500}, batch - 1}) {
    ScratchDir dir;
    IoFaults faults;
    faults.fail_write = 3;
    faults.short_write_bytes = kept;
    WriterOptions o = small_options(Durability::fsync);
    o.faults = &faults;
    auto w = open_writer(dir.path(), o);
    for (std::uint64_t seq = 1; seq <= 30; ++seq) {
      ASSERT_TRUE(w->append(time_of(seq), type_of(seq), payload_of(seq)).ok());
      if (seq % 10 == 0) (void)w->do_work();
    }
    ASSERT_TRUE(w->failed());
    EXPECT_EQ(w->durable_sequence().raw(), 20u);
    EXPECT_EQ(w->failure().code, Errc::journal_io);
    EXPECT_NE(w->failure().detail.find("No space left on device"), std::string::npos) << w->failure().detail;
    EXPECT_EQ(w->append(time_of(31), type_of(31), payload_of(31)).status, AppendStatus::failed);
    EXPECT_EQ(w->do_work(), 0);  // stopped for good
    EXPECT_FALSE(w->close().ok());
    w.reset();

    const ReadBack r = read_all(dir.path());
    ASSERT_EQ(r.status, ReadStatus::end) << "kept " << kept << ": " << r.error.to_string();
    EXPECT_EQ(r.seqs, iota(1, 20));
    EXPECT_EQ(r.end.torn.has_value(), kept > 0);
    auto again = open_writer(dir.path(), small_options(Durability::fsync));
    append_range(*again, 40, 10);
    ASSERT_TRUE(again->close().ok());
    const ReadBack after = read_all(dir.path());
    ASSERT_EQ(after.status, ReadStatus::end) << after.error.to_string();
    EXPECT_EQ(after.seqs, iota(1, 40));
    EXPECT_EQ(after.bad_content, 0u);
  }
}

TEST(JournalFailure, AFailedFdatasyncStopsTheWriterWithoutReportingTheBatchDurable) {
  ScratchDir dir;
  IoFaults faults;
  faults.fail_sync = 2;
  faults.error = EIO;
  WriterOptions o = small_options(Durability::fsync);
  o.faults = &faults;
  auto w = open_writer(dir.path(), o);
  append_range(*w, 10, 10);
  for (std::uint64_t seq = 11; seq <= 20; ++seq) ASSERT_TRUE(w->append(time_of(seq), type_of(seq), payload_of(seq)).ok());
  EXPECT_EQ(w->do_work(), 0);
  ASSERT_TRUE(w->failed());
  EXPECT_EQ(w->durable_sequence().raw(), 10u);
  EXPECT_NE(w->failure().detail.find("cannot fdatasync"), std::string::npos) << w->failure().detail;
  EXPECT_NE(w->failure().detail.find("Input/output error"), std::string::npos) << w->failure().detail;
}

// --- reading from a chain point (snapshots) ----------------------------------------------

TEST(JournalReader, StartsAfterAChainPointAndSkipsThroughASequence) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 2048;
  auto w = open_writer(dir.path(), o);
  append_range(*w, 50, 10);
  const ChainPoint at50 = w->durable_point();
  append_range(*w, 200, 10);
  ASSERT_TRUE(w->close().ok());
  ASSERT_EQ(at50.seq.raw(), 50u);

  JournalReader::Options from;
  from.start = at50;
  EXPECT_EQ(read_all(dir.path(), from).seqs, iota(51, 200));
  from.skip_through = SeqNo{57};
  ReadBack r = read_all(dir.path(), from);
  EXPECT_EQ(r.seqs, iota(58, 200));
  EXPECT_EQ(r.bad_content, 0u);
}

TEST(JournalReader, AChainPointThatIsNotInTheJournalIsAMismatch) {
  ScratchDir dir;
  auto w = open_writer(dir.path());
  append_range(*w, 50, 10);
  ChainPoint p = w->durable_point();
  ASSERT_TRUE(w->close().ok());

  JournalReader::Options from;
  from.start = p;
  from.start.hash[3] ^= 1;  // a different history
  auto r = JournalReader::open(dir.path(), from);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::snapshot_journal_mismatch);

  from.start = ChainPoint{SeqNo{45}, p.hash};  // not a batch boundary
  EXPECT_EQ(JournalReader::open(dir.path(), from).error().code, Errc::snapshot_journal_mismatch);
  from.start = ChainPoint{SeqNo{80}, p.hash};  // beyond the end: records are missing
  EXPECT_EQ(JournalReader::open(dir.path(), from).error().code, Errc::journal_records_missing);
}

TEST(JournalReader, SkippingBeyondTheEndOfTheJournalMeansRecordsAreMissing) {
  ScratchDir dir;
  { auto w = open_writer(dir.path()); append_range(*w, 20, 10); }
  JournalReader::Options from;
  from.skip_through = SeqNo{25};  // a snapshot claims records the journal does not have
  ReadBack r = read_all(dir.path(), from);
  ASSERT_EQ(r.status, ReadStatus::error);
  EXPECT_EQ(r.error.code, Errc::journal_records_missing);
  EXPECT_NE(r.error.detail.find("records 21..25 are missing"), std::string::npos) << r.error.detail;
}

// --- crash ---------------------------------------------------------------------------------

// A child process appends with the flusher thread in fsync mode and reports each durable
// sequence on a pipe; the parent kills it with SIGKILL at a random moment. Every sequence
// reported durable must be in the recovered journal, which must verify, and the next run
// must append after it. Repeated over several kills on the same directory.
TEST(JournalCrash, EverythingReportedDurableSurvivesSigkill) {
  ScratchDir dir;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr int kKills = 3;
#else
  constexpr int kKills = 8;
#endif
  std::mt19937_64 rng(77);
  std::uint64_t reported = 0;
  int torn = 0;
  for (int kill_no = 0; kill_no < kKills; ++kill_no) {
    const JournalEnd end = end_of(dir.path());
    torn += end.torn ? 1 : 0;
    ASSERT_GE(end.head.seq.raw(), reported) << "kill " << kill_no << ": a durable record was lost";
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto opened = JournalWriter::open(dir.path(), end, small_options(Durability::fsync));
      if (!opened) ::_exit(3);
      auto& w = *opened.value();
      w.start_flusher(IdleStrategy::yield());
      std::uint64_t last_reported = 0;
      for (std::uint64_t seq = w.next_sequence().raw();; ++seq) {
        const auto p = payload_of(seq);
        while (w.append(time_of(seq), type_of(seq), p).status == AppendStatus::back_pressured) {
        }
        const std::uint64_t d = w.durable_sequence().raw();
        if (d != last_reported) {
          if (::write(fds[1], &d, sizeof d) != sizeof d) ::_exit(4);
          last_reported = d;
        }
      }
    }
    ::close(fds[1]);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20 + rng() % 80);
    std::uint64_t d = 0;
    while (std::chrono::steady_clock::now() < deadline && ::read(fds[0], &d, sizeof d) == sizeof d) reported = std::max(reported, d);
    ::kill(pid, SIGKILL);
    while (::read(fds[0], &d, sizeof d) == sizeof d) reported = std::max(reported, d);  // drain what it said
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited by itself: " << status;
  }
  ReadBack r = read_all(dir.path());
  ASSERT_EQ(r.status, ReadStatus::end) << r.error.to_string();
  EXPECT_GE(r.end.head.seq.raw(), reported);
  EXPECT_GT(reported, 0u);
  std::printf("%d kills, %d left a torn tail, %llu records recovered, %llu reported durable\n", kKills,
              torn + (r.end.torn ? 1 : 0), static_cast<unsigned long long>(r.end.head.seq.raw()),
              static_cast<unsigned long long>(reported));
  EXPECT_EQ(r.seqs, iota(1, r.end.head.seq.raw()));
  EXPECT_EQ(r.bad_content, 0u);
}

}  // namespace
}  // namespace strike::journal

namespace strike::journal {
namespace {

// Regenerates the fuzz seed corpus (fuzz/corpus/journal_reader_fuzz/) from the real writer:
//   build/release/tests/journal/journal_tests --gtest_also_run_disabled_tests
//       --gtest_filter='*WriteFuzzCorpus*'
TEST(JournalFuzzCorpus, DISABLED_WriteFuzzCorpus) {
  using namespace test;
  const fs::path out = fs::path(STRIKE_SOURCE_DIR) / "fuzz/corpus/journal_reader_fuzz";
  fs::create_directories(out);
  ScratchDir dir;
  {
    auto w = open_writer(dir.path());
    append_range(*w, 9, 3);
    ASSERT_TRUE(w->close().ok());
  }
  const auto seg = read_bytes(segments_of(dir.path()).back().path);
  write_bytes(out / "three_batches.journal", seg);
  write_bytes(out / "header_only.journal", std::vector<char>(seg.begin(), seg.begin() + kSegmentHeaderSize));
  write_bytes(out / "torn_last_batch.journal", std::vector<char>(seg.begin(), seg.end() - 20));
  const auto offsets = batch_offsets(segments_of(dir.path()).back().path);
  write_bytes(out / "one_batch.journal", std::vector<char>(seg.begin(), seg.begin() + static_cast<std::ptrdiff_t>(offsets[1])));
  // A second batch whose header is cut short after 30 bytes: a torn tail.
  write_bytes(out / "batch_header_cut.journal",
              std::vector<char>(seg.begin(), seg.begin() + static_cast<std::ptrdiff_t>(offsets[1] + 30)));
}

}  // namespace
}  // namespace strike::journal
