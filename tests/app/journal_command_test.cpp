// `strike journal verify|dump`, driven in-process on journals written by the real writer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

#include "../journal/journal_test_util.hpp"
#include "app/commands.hpp"
#include "core/byte_buffer.hpp"
#include "engine/command_codec.hpp"
#include "journal/recovery.hpp"
#include "journal/snapshot_store.hpp"

namespace strike::app {
namespace {

using namespace strike::journal;
using namespace strike::journal::test;

struct CommandRun {
  int exit_code = -1;
  std::string out, err;
};

CommandRun run(const std::string& command_line) {
  CLI::App root;
  CommandRun r;
  add_journal_command(root, r.exit_code);
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  root.parse(command_line, false);
  std::fflush(stdout);
  std::fflush(stderr);
  r.out = testing::internal::GetCapturedStdout();
  r.err = testing::internal::GetCapturedStderr();
  return r;
}

void write_journal(const fs::path& dir, std::uint64_t records) {
  auto w = open_writer(dir);
  append_range(*w, records, 8);
  ASSERT_TRUE(w->close().ok());
}

TEST(JournalCommand, VerifyPrintsCountsTheLastSequenceAndTheChainHead) {
  ScratchDir dir;
  write_journal(dir.path(), 50);
  const auto head = end_of(dir.path()).head;
  const CommandRun r = run("journal verify --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("1 segments, 7 batches, 50 records (seq 1..50)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chain head: seq 50 " + to_hex(head.hash)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hash chain"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("snapshots: none"), std::string::npos) << r.out;
}

TEST(JournalCommand, VerifyOfAnEmptyDirectoryReportsAnEmptyJournal) {
  ScratchDir dir;
  const CommandRun r = run("journal verify --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("0 records"), std::string::npos) << r.out;
}

TEST(JournalCommand, VerifyRefusesCorruptionNamingFileOffsetAndSequence) {
  ScratchDir dir;
  write_journal(dir.path(), 50);
  const fs::path seg = segments_of(dir.path()).back().path;
  auto bytes = read_bytes(seg);
  bytes[batch_offsets(seg)[2] + kBatchHeaderSize + 2] ^= 1;  // record 17's CRC field
  write_bytes(seg, bytes);
  const CommandRun r = run("journal verify --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitFailure);
  EXPECT_NE(r.err.find(seg.string() + ": offset " + std::to_string(batch_offsets(seg)[2] + kBatchHeaderSize) + ": seq 17:"),
            std::string::npos)
      << r.err;
}

TEST(JournalCommand, VerifyReportsATornTailAndLeavesItInPlace) {
  ScratchDir dir;
  write_journal(dir.path(), 50);
  const fs::path seg = segments_of(dir.path()).back().path;
  auto bytes = read_bytes(seg);
  bytes.resize(bytes.size() - 9);
  write_bytes(seg, bytes);
  const CommandRun r = run("journal verify --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("torn tail in " + seg.string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("48 records"), std::string::npos) << r.out;
  EXPECT_EQ(fs::file_size(seg), bytes.size());
}

TEST(JournalCommand, VerifyChecksEachSnapshotAgainstTheJournal) {
  ScratchDir dir;
  write_journal(dir.path(), 50);
  const SnapshotStore store(dir.path());
  ASSERT_TRUE(store.write(SeqNo{45}, ChainPoint{SeqNo{40}, {}}, {}).ok());  // a made-up chain value
  const CommandRun r = run("journal verify --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitOk);
  EXPECT_NE(r.out.find("snapshot snapshot-00000000000000000045.snapshot: seq 45"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NOT ON THIS JOURNAL"), std::string::npos) << r.out;
}

TEST(JournalCommand, DumpPrintsOneLinePerRecord) {
  ScratchDir dir;
  write_journal(dir.path(), 20);
  const CommandRun r = run("journal dump --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 21);  // header + 20 records
  // Record 1: type 1, 37 bytes, first 16 in hex.
  std::string hex;
  for (std::size_t i = 0; i < 16; ++i) hex += fmt::format("{:02x}", static_cast<unsigned>(payload_of(1)[i]));
  // These payloads are not engine commands: COMMAND is "?" and FIELDS the payload's first bytes.
  EXPECT_NE(r.out.find("2023-11-14T22:13:20.000001000Z      1      37  ?"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(hex + "..."), std::string::npos) << r.out;
}

TEST(JournalCommand, DumpDecodesEngineCommands) {
  ScratchDir dir;
  {
    auto w = open_writer(dir.path());
    const engine::CommandBody bodies[] = {engine::CreateAccount{},
                                          engine::Deposit{AccountId{1}, CurrencyId{0}, 250'000'000}};
    for (const auto& body : bodies) {
      std::vector<std::byte> payload;
      ByteWriter out(payload);
      engine::encode_body(body, out);
      const auto type = static_cast<std::uint16_t>(engine::type_of(body));
      ASSERT_EQ(w->append(time_of(1), type, payload).status, AppendStatus::ok);
    }
    while (w->do_work() > 0) {
    }
    ASSERT_TRUE(w->close().ok());
  }
  const CommandRun r = run("journal dump --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("create_account     owner=self"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("deposit            account=1 currency=0 amount=250000000"), std::string::npos) << r.out;
}

TEST(JournalCommand, DumpStartsAtFromAndStopsAtLimit) {
  ScratchDir dir;
  write_journal(dir.path(), 20);
  const CommandRun r = run("journal dump --data-dir " + dir.path().string() + " --from 5 --limit 3 --hex-bytes 0");
  EXPECT_EQ(r.exit_code, kExitOk) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4);
  EXPECT_EQ(r.out.find("\n4 "), std::string::npos);
  EXPECT_NE(r.out.find("\n5 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n7 "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\n8 "), std::string::npos) << r.out;
}


// --- every case `strike exec` refuses, `journal verify` reports with a non-zero exit ------

// Recovery as `strike exec` runs it: opens and reads to the end. Returns the error, if any.
std::optional<Error> exec_refusal(const fs::path& dir) {
  auto rec = Recovery::open(dir);
  if (!rec) return rec.error();
  RecordView r;
  ReadStatus st;
  while ((st = rec->journal().next(r)) == ReadStatus::record) {
  }
  if (st == ReadStatus::error) return rec->journal().error();
  return std::nullopt;
}

TEST(JournalCommand, VerifyFailsWhenSnapshotsExistButTheJournalDoesNot) {
  ScratchDir dir;
  write_journal(dir.path(), 50);
  ASSERT_TRUE(SnapshotStore(dir.path()).write(SeqNo{50}, end_of(dir.path()).head, {}).ok());
  for (const auto& s : segments_of(dir.path())) fs::remove(s.path);
  ASSERT_TRUE(exec_refusal(dir.path()).has_value());
  const CommandRun r = run("journal verify --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitFailure) << r.out;
  EXPECT_NE(r.err.find("records 1..50 are missing"), std::string::npos) << r.out << r.err;
}

TEST(JournalCommand, VerifyFailsOnASnapshotBeyondTheEndOfTheJournal) {
  ScratchDir dir;
  write_journal(dir.path(), 50);
  ASSERT_TRUE(SnapshotStore(dir.path()).write(SeqNo{80}, end_of(dir.path()).head, {}).ok());
  ASSERT_TRUE(exec_refusal(dir.path()).has_value());
  const CommandRun r = run("journal verify --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitFailure) << r.out;
  EXPECT_NE(r.err.find("records 51..80 are missing"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("snapshot-00000000000000000080.snapshot"), std::string::npos) << r.err;
}

TEST(JournalCommand, VerifyFailsWhenTheLastSegmentsBehindASnapshotAreDeleted) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 2048;
  {
    auto w = open_writer(dir.path(), o);
    append_range(*w, 200, 8);
    ASSERT_TRUE(SnapshotStore(dir.path()).write(SeqNo{200}, w->durable_point(), {}).ok());
    ASSERT_TRUE(w->close().ok());
  }
  const auto segs = segments_of(dir.path());
  ASSERT_GT(segs.size(), 2u);
  fs::remove(segs.back().path);
  ASSERT_TRUE(exec_refusal(dir.path()).has_value());
  const CommandRun r = run("journal verify --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitFailure) << r.out;
  EXPECT_NE(r.err.find(fmt::format("records {}..200 are missing", segs.back().first_seq.raw())), std::string::npos)
      << r.out << r.err;
}

TEST(JournalCommand, VerifyFailsOnAMissingMiddleSegment) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 2048;
  { auto w = open_writer(dir.path(), o); append_range(*w, 200, 8); }
  const auto segs = segments_of(dir.path());
  ASSERT_GT(segs.size(), 2u);
  fs::remove(segs[1].path);
  ASSERT_TRUE(exec_refusal(dir.path()).has_value());
  const CommandRun r = run("journal verify --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitFailure) << r.out;
  EXPECT_NE(r.err.find("journal_sequence_gap"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(segs[2].path.string()), std::string::npos) << r.err;
}

TEST(JournalCommand, VerifyFailsOnACorruptLastBatchAndNamesTheLastIntactSequence) {
  ScratchDir dir;
  write_journal(dir.path(), 50);  // batches of 8: the last holds 49..50
  const fs::path seg = segments_of(dir.path()).back().path;
  auto bytes = read_bytes(seg);
  bytes[bytes.size() - 3] ^= 1;
  write_bytes(seg, bytes);
  ASSERT_TRUE(exec_refusal(dir.path()).has_value());
  const CommandRun r = run("journal verify --data-dir " + dir.path().string());
  EXPECT_EQ(r.exit_code, kExitFailure) << r.out;
  EXPECT_NE(r.err.find(seg.string() + ": offset "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(": seq 50: record CRC mismatch"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("intact through seq 48"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("strike journal truncate --data-dir " + dir.path().string() + " --after 48"), std::string::npos)
      << r.err;
}

// --- truncate: the operator's explicit way past damage ---------------------------------------

TEST(JournalCommand, TruncateWithoutConfirmSaysWhatItWouldDropAndChangesNothing) {
  ScratchDir dir;
  write_journal(dir.path(), 50);
  const fs::path seg = segments_of(dir.path()).back().path;
  auto bytes = read_bytes(seg);
  bytes[bytes.size() - 3] ^= 1;
  write_bytes(seg, bytes);
  const CommandRun r = run("journal truncate --data-dir " + dir.path().string() + " --after 48");
  EXPECT_EQ(r.exit_code, kExitFailure);
  const std::uint64_t cut = batch_offsets(seg).back();
  EXPECT_NE(r.out.find(fmt::format("cut {} at offset {}: drops {} bytes", seg.string(), cut, bytes.size() - cut)),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("seq 50: record CRC mismatch"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--confirm"), std::string::npos) << r.out;
  EXPECT_EQ(read_bytes(seg), bytes);
}

TEST(JournalCommand, TruncateWithConfirmDropsTheDamagedTailAndRecoveryStarts) {
  ScratchDir dir;
  write_journal(dir.path(), 50);
  const fs::path seg = segments_of(dir.path()).back().path;
  auto bytes = read_bytes(seg);
  bytes[bytes.size() - 3] ^= 1;
  write_bytes(seg, bytes);
  ASSERT_TRUE(exec_refusal(dir.path()).has_value());
  const CommandRun r = run("journal truncate --data-dir " + dir.path().string() + " --after 48 --confirm");
  EXPECT_EQ(r.exit_code, kExitOk) << r.out << r.err;
  EXPECT_NE(r.out.find("the journal now ends at seq 48"), std::string::npos) << r.out;
  EXPECT_FALSE(exec_refusal(dir.path()).has_value());
  EXPECT_EQ(read_all(dir.path()).seqs, iota(1, 48));
  auto rec = Recovery::open(dir.path()).value();
  RecordView rv;
  while (rec.journal().next(rv) == ReadStatus::record) {
  }
  auto w = rec.open_writer(small_options());
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  EXPECT_EQ(w.value()->next_sequence().raw(), 49u);
}

TEST(JournalCommand, TruncateInsideABatchIsRefusedNamingTheBatchBoundaries) {
  ScratchDir dir;
  write_journal(dir.path(), 50);  // batches 1..8, 9..16, ...
  const auto before = read_bytes(segments_of(dir.path()).back().path);
  const CommandRun r = run("journal truncate --data-dir " + dir.path().string() + " --after 20 --confirm");
  EXPECT_EQ(r.exit_code, kExitFailure);
  EXPECT_NE(r.err.find("seq 20 is inside batch 17..24"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--after 16 or --after 24"), std::string::npos) << r.err;
  EXPECT_EQ(read_bytes(segments_of(dir.path()).back().path), before);
}

TEST(JournalCommand, TruncateRemovesLaterSegmentsAndSnapshotsBeyondTheCut) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 2048;
  const SnapshotStore store(dir.path());
  {
    auto w = open_writer(dir.path(), o);
    append_range(*w, 40, 8);
    ASSERT_TRUE(store.write(SeqNo{40}, w->durable_point(), {}).ok());
    append_range(*w, 200, 8);
    ASSERT_TRUE(store.write(SeqNo{200}, w->durable_point(), {}).ok());
    ASSERT_TRUE(w->close().ok());
  }
  const auto segs = segments_of(dir.path());
  std::size_t keep = 0;  // the segment holding seq 48 is cut; every later one goes
  while (keep + 1 < segs.size() && segs[keep + 1].first_seq.raw() <= 48) ++keep;
  ASSERT_GT(segs.size(), keep + 2);
  const CommandRun r = run("journal truncate --data-dir " + dir.path().string() + " --after 48 --confirm");
  EXPECT_EQ(r.exit_code, kExitOk) << r.out << r.err;
  for (std::size_t i = keep + 1; i < segs.size(); ++i) {
    EXPECT_NE(r.out.find("remove segment " + segs[i].path.string()), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(segs[i].path));
  }
  EXPECT_NE(r.out.find("remove snapshot " + (dir.path() / "snapshots" / snapshot_file_name(SeqNo{200})).string()),
            std::string::npos)
      << r.out;
  ASSERT_EQ(store.list()->size(), 1u);
  EXPECT_EQ(store.list()->front().filename(), snapshot_file_name(SeqNo{40}));
  EXPECT_FALSE(exec_refusal(dir.path()).has_value());
  EXPECT_EQ(read_all(dir.path()).seqs, iota(1, 48));
}

}  // namespace
}  // namespace strike::app
