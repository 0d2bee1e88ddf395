#include <gtest/gtest.h>

#include <functional>

#include <fmt/format.h>

#include "core/byte_buffer.hpp"
#include "journal/recovery.hpp"
#include "journal/snapshot_store.hpp"
#include "journal_test_util.hpp"

namespace strike::journal {
namespace {

using namespace test;

std::vector<std::byte> bytes_of(std::string_view s) {
  const auto b = std::as_bytes(std::span(s.data(), s.size()));
  return {b.begin(), b.end()};
}

ChainPoint point(std::uint64_t seq, std::uint8_t fill) {
  ChainPoint p;
  p.seq = SeqNo{seq};
  p.hash.fill(fill);
  return p;
}

TEST(SnapshotStore, WritesAndLoadsTheStateWithItsSequenceAndAnchor) {
  ScratchDir dir;
  const SnapshotStore store(dir.path());
  const auto state = bytes_of("the whole venue, serialised");
  auto info = store.write(SeqNo{120}, point(115, 0xab), state);
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_EQ(info->file.filename(), "snapshot-00000000000000000120.snapshot");
  EXPECT_FALSE(fs::exists(info->file.string() + ".tmp"));

  auto latest = store.load_latest();
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->snapshot);
  EXPECT_EQ(latest->snapshot->state, state);
  EXPECT_EQ(latest->snapshot->info.follows.raw(), 120u);
  EXPECT_EQ(latest->snapshot->info.anchor, point(115, 0xab));
  EXPECT_EQ(latest->snapshot->info.digest, Sha256::of(state));
  EXPECT_TRUE(latest->skipped.empty());
}

TEST(SnapshotStore, AnEmptyStoreHasNoSnapshot) {
  ScratchDir dir;
  auto latest = SnapshotStore(dir.path()).load_latest();
  ASSERT_TRUE(latest.ok());
  EXPECT_FALSE(latest->snapshot);
}

TEST(SnapshotStore, TheNewestSnapshotWinsAndAtMostLimitsTheChoice) {
  ScratchDir dir;
  const SnapshotStore store(dir.path());
  for (std::uint64_t s : {100, 300, 200}) ASSERT_TRUE(store.write(SeqNo{s}, point(s, 1), bytes_of(std::to_string(s))).ok());
  EXPECT_EQ(store.load_latest()->snapshot->info.follows.raw(), 300u);
  EXPECT_EQ(store.load_latest(SeqNo{299})->snapshot->info.follows.raw(), 200u);
  EXPECT_FALSE(store.load_latest(SeqNo{99})->snapshot);
}

TEST(SnapshotStore, ALeftoverTemporaryFileIsIgnored) {
  ScratchDir dir;
  const SnapshotStore store(dir.path());
  ASSERT_TRUE(store.write(SeqNo{100}, point(100, 1), bytes_of("good")).ok());
  // A crash between creating the temporary and renaming it.
  const fs::path tmp = store.dir() / (snapshot_file_name(SeqNo{200}) + ".tmp");
  write_bytes(tmp, {'p', 'a', 'r', 't'});
  auto latest = store.load_latest();
  EXPECT_EQ(latest->snapshot->info.follows.raw(), 100u);
  EXPECT_TRUE(latest->skipped.empty());
  ASSERT_TRUE(store.prune(10).ok());
  EXPECT_FALSE(fs::exists(tmp));
}

TEST(SnapshotStore, ABrokenSnapshotIsSkippedWithAMessageNamingIt) {
  ScratchDir dir;
  const SnapshotStore store(dir.path());
  ASSERT_TRUE(store.write(SeqNo{100}, point(100, 1), bytes_of("older state")).ok());
  auto newer = store.write(SeqNo{200}, point(190, 2), bytes_of("newer state")).value();
  auto bytes = read_bytes(newer.file);
  bytes.back() ^= 1;
  write_bytes(newer.file, bytes);

  auto latest = store.load_latest();
  ASSERT_TRUE(latest->snapshot);
  EXPECT_EQ(latest->snapshot->info.follows.raw(), 100u);
  ASSERT_EQ(latest->skipped.size(), 1u);
  EXPECT_NE(latest->skipped[0].find(newer.file.string()), std::string::npos) << latest->skipped[0];
  EXPECT_NE(latest->skipped[0].find("SHA-256"), std::string::npos) << latest->skipped[0];
}

TEST(SnapshotStore, EveryKindOfDamageIsDetected) {
  ScratchDir dir;
  const SnapshotStore store(dir.path());
  const auto info = store.write(SeqNo{50}, point(40, 3), bytes_of("state bytes")).value();
  const auto clean = read_bytes(info.file);
  const fs::path other = store.dir() / snapshot_file_name(SeqNo{51});
  struct Case {
    const char* what;
    std::function<void()> damage;
    const char* expect;
  } cases[] = {
      {"truncated header", [&] { write_bytes(info.file, std::vector<char>(clean.begin(), clean.begin() + 60)); }, "shorter"},
      {"truncated state", [&] { write_bytes(info.file, std::vector<char>(clean.begin(), clean.end() - 1)); }, "holds 10"},
      {"header bit flip", [&] { auto b = clean; b[20] ^= 4; write_bytes(info.file, b); }, "CRC"},
      {"bad magic", [&] { auto b = clean; b[0] = 'X'; write_bytes(info.file, b); }, "magic"},
  };
  for (const auto& c : cases) {
    c.damage();
    auto s = store.load(info.file);
    ASSERT_FALSE(s.ok()) << c.what;
    EXPECT_EQ(s.error().code, Errc::snapshot_corrupt) << c.what;
    EXPECT_NE(s.error().detail.find(c.expect), std::string::npos) << c.what << ": " << s.error().detail;
  }
  write_bytes(other, clean);  // a copy under another sequence's name
  EXPECT_NE(store.load(other).error().detail.find("file name"), std::string::npos);
}

TEST(SnapshotStore, AnAnchorAfterTheSnapshotSequenceIsRefused) {
  ScratchDir dir;
  EXPECT_EQ(SnapshotStore(dir.path()).write(SeqNo{10}, point(11, 0), {}).error().code, Errc::journal_bad_option);
}

TEST(SnapshotStore, PruneKeepsTheNewest) {
  ScratchDir dir;
  const SnapshotStore store(dir.path());
  for (std::uint64_t s = 1; s <= 5; ++s) ASSERT_TRUE(store.write(SeqNo{s * 10}, point(s, 0), {}).ok());
  ASSERT_TRUE(store.prune(2).ok());
  auto files = store.list().value();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].filename(), snapshot_file_name(SeqNo{50}));
  EXPECT_EQ(files[1].filename(), snapshot_file_name(SeqNo{40}));
}

// --- recovery: a toy engine whose state is a digest of every record it applied ------------

struct ToyEngine {
  std::uint64_t applied = 0;
  std::uint64_t digest = 0xcbf29ce484222325ull;  // FNV-1a over (seq, type, payload)

  void apply(const RecordView& r) {
    ++applied;
    auto mix = [&](std::uint64_t v) {
      for (int i = 0; i < 8; ++i) digest = (digest ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ull;
    };
    mix(r.seq.raw());
    mix(r.type);
    for (std::byte b : r.payload) mix(static_cast<std::uint64_t>(b));
  }
  std::vector<std::byte> save() const {
    std::vector<std::byte> out;
    ByteWriter w(out);
    w.write_u64(applied);
    w.write_u64(digest);
    return out;
  }
  static ToyEngine restore(std::span<const std::byte> bytes) {
    ByteReader r(bytes);
    ToyEngine e;
    e.applied = r.read_u64();
    e.digest = r.read_u64();
    EXPECT_TRUE(r.finish().ok());
    return e;
  }
  bool operator==(const ToyEngine&) const = default;
};

// The sequencer's loop in miniature: append, apply, flush every `batch` records, and take a
// snapshot at each multiple of `every` (anchor = durable point at capture time, written once
// the snapshot's sequence is durable).
void run_sequencer(const fs::path& dir, std::uint64_t last, std::uint64_t batch, std::uint64_t every,
                   WriterOptions o = small_options()) {
  auto rec = Recovery::open(dir).value();
  ToyEngine engine = rec.snapshot() ? ToyEngine::restore(rec.snapshot()->state) : ToyEngine{};
  RecordView r;
  while (rec.journal().next(r) == ReadStatus::record) engine.apply(r);
  auto w = rec.open_writer(o).value();
  const SnapshotStore store(dir, false);
  struct Pending {
    SeqNo follows;
    ChainPoint anchor;
    std::vector<std::byte> state;
  };
  std::optional<Pending> pending;
  for (std::uint64_t seq = w->next_sequence().raw(); seq <= last; ++seq) {
    const auto p = payload_of(seq);
    const auto a = w->append(time_of(seq), type_of(seq), p);
    ASSERT_TRUE(a.ok());
    engine.apply(RecordView{a.seq, time_of(seq), type_of(seq), p});
    if (seq % every == 0) pending = Pending{a.seq, w->durable_point(), engine.save()};
    if (seq % batch == 0) (void)w->do_work();
    if (pending && w->durable_sequence() >= pending->follows) {
      ASSERT_TRUE(store.write(pending->follows, pending->anchor, pending->state).ok());
      pending.reset();
    }
  }
  while (w->do_work() > 0) {
  }
  if (pending) {
    ASSERT_TRUE(store.write(pending->follows, pending->anchor, pending->state).ok());
  }
  ASSERT_TRUE(w->close().ok());
}

struct Recovered {
  ToyEngine engine;
  std::optional<SeqNo> snapshot;
  std::vector<std::string> messages;
  ReadStatus status = ReadStatus::end;
  Error error;
  std::optional<TornTail> torn;
};

Recovered recover(const fs::path& dir, RecoveryOptions options = {}) {
  Recovered out;
  auto rec = Recovery::open(dir, options);
  if (!rec) {
    out.status = ReadStatus::error;
    out.error = rec.error();
    return out;
  }
  if (rec->snapshot()) {
    out.engine = ToyEngine::restore(rec->snapshot()->state);
    out.snapshot = rec->snapshot()->info.follows;
  }
  out.messages = rec->messages();
  RecordView r;
  while ((out.status = rec->journal().next(r)) == ReadStatus::record) {
    EXPECT_EQ(r.seq.raw(), out.engine.applied + 1) << "records must continue the snapshot exactly";
    out.engine.apply(r);
  }
  if (out.status == ReadStatus::error) out.error = rec->journal().error();
  if (out.status == ReadStatus::end) out.torn = rec->journal().end().torn;
  return out;
}

RecoveryOptions full_replay() {
  RecoveryOptions o;
  o.use_snapshots = false;
  return o;
}

TEST(Recovery, AnEmptyDirectoryRecoversToTheEmptyStateAndOpensForWriting) {
  ScratchDir dir;
  auto rec = Recovery::open(dir.path()).value();
  EXPECT_FALSE(rec.snapshot());
  RecordView r;
  EXPECT_EQ(rec.journal().next(r), ReadStatus::end);
  auto w = rec.open_writer(small_options()).value();
  EXPECT_EQ(w->next_sequence().raw(), 1u);
}

TEST(Recovery, SnapshotPlusTailGivesTheSameStateAsAFullReplay) {
  ScratchDir dir;
  run_sequencer(dir.path(), 1000, 7, 250);  // snapshots at 250, 500, 750, 1000 (mid-batch anchors)
  EXPECT_EQ(SnapshotStore(dir.path()).list()->size(), 4u);
  const Recovered with = recover(dir.path());
  const Recovered without = recover(dir.path(), full_replay());
  ASSERT_EQ(with.status, ReadStatus::end) << with.error.to_string();
  ASSERT_EQ(without.status, ReadStatus::end) << without.error.to_string();
  ASSERT_TRUE(with.snapshot);
  EXPECT_EQ(with.snapshot->raw(), 1000u);
  EXPECT_EQ(with.engine, without.engine);
  EXPECT_EQ(without.engine.applied, 1000u);
}

TEST(Recovery, RestartingContinuesWhereItStoppedAndStillMatchesAFullReplay) {
  ScratchDir dir;
  run_sequencer(dir.path(), 333, 5, 100);
  run_sequencer(dir.path(), 777, 9, 100);  // recovers from the snapshot at 300, continues
  const Recovered with = recover(dir.path());
  EXPECT_EQ(with.snapshot->raw(), 700u);
  EXPECT_EQ(with.engine, recover(dir.path(), full_replay()).engine);
  EXPECT_EQ(with.engine.applied, 777u);
}

TEST(Recovery, ABrokenNewestSnapshotFallsBackToTheOlderOne) {
  ScratchDir dir;
  run_sequencer(dir.path(), 600, 7, 200);
  const SnapshotStore store(dir.path());
  const fs::path newest = store.list()->front();
  auto bytes = read_bytes(newest);
  bytes[kSnapshotHeaderSize + 3] ^= 1;
  write_bytes(newest, bytes);
  const Recovered r = recover(dir.path());
  ASSERT_EQ(r.status, ReadStatus::end) << r.error.to_string();
  EXPECT_EQ(r.snapshot->raw(), 400u);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_NE(r.messages[0].find(newest.string()), std::string::npos) << r.messages[0];
  EXPECT_EQ(r.engine, recover(dir.path(), full_replay()).engine);
}

TEST(Recovery, ASnapshotOfAnotherHistoryIsSkipped) {
  ScratchDir dir;
  run_sequencer(dir.path(), 300, 10, 1000);  // no snapshot of its own
  ASSERT_TRUE(SnapshotStore(dir.path()).write(SeqNo{200}, point(200, 0x5a), ToyEngine{}.save()).ok());
  const Recovered r = recover(dir.path());
  ASSERT_EQ(r.status, ReadStatus::end) << r.error.to_string();
  EXPECT_FALSE(r.snapshot);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_NE(r.messages[0].find("snapshot_journal_mismatch"), std::string::npos) << r.messages[0];
  EXPECT_EQ(r.engine.applied, 300u);
}

TEST(Recovery, UntilLimitsTheSnapshotsUsed) {
  ScratchDir dir;
  run_sequencer(dir.path(), 500, 10, 100);
  RecoveryOptions o;
  o.until = SeqNo{350};
  EXPECT_EQ(recover(dir.path(), o).snapshot->raw(), 300u);
}

TEST(Recovery, OldSegmentsBeforeTheSnapshotAnchorAreNotNeeded) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 4096;
  run_sequencer(dir.path(), 900, 10, 450, o);
  // Drop every segment that ends before the snapshot at 900's anchor.
  const auto segs = segments_of(dir.path());
  ASSERT_GT(segs.size(), 4u);
  for (std::size_t i = 0; i + 2 < segs.size(); ++i) fs::remove(segs[i].path);
  const Recovered r = recover(dir.path());
  ASSERT_EQ(r.status, ReadStatus::end) << r.error.to_string();
  EXPECT_EQ(r.engine.applied, 900u);
  EXPECT_EQ(recover(dir.path(), full_replay()).error.code, Errc::journal_sequence_gap);
}

TEST(Recovery, ATornTailAfterTheSnapshotIsReportedTruncatedAndRecoveringTwiceAgrees) {
  ScratchDir dir;
  run_sequencer(dir.path(), 400, 10, 150);
  const fs::path seg = segments_of(dir.path()).back().path;
  auto bytes = read_bytes(seg);
  bytes.resize(bytes.size() - 17);  // into the last batch (391..400)
  write_bytes(seg, bytes);

  const Recovered first = recover(dir.path());
  const Recovered second = recover(dir.path());
  ASSERT_EQ(first.status, ReadStatus::end) << first.error.to_string();
  ASSERT_TRUE(first.torn);
  EXPECT_EQ(first.engine.applied, 390u);
  EXPECT_EQ(first.engine, second.engine);
  EXPECT_EQ(first.torn->offset, second.torn->offset);
  EXPECT_NE(describe(*first.torn).find(seg.string()), std::string::npos);

  run_sequencer(dir.path(), 420, 10, 1000);  // truncates, then appends 391..420
  const Recovered after = recover(dir.path());
  ASSERT_EQ(after.status, ReadStatus::end) << after.error.to_string();
  EXPECT_FALSE(after.torn);
  EXPECT_EQ(after.engine.applied, 420u);
  EXPECT_EQ(after.engine, recover(dir.path(), full_replay()).engine);
}

TEST(Recovery, ASnapshotAheadOfTheJournalIsAnErrorAtTheEndOfReplay) {
  ScratchDir dir;
  run_sequencer(dir.path(), 100, 10, 1000);
  auto end = end_of(dir.path());
  // A snapshot claiming seq 150 with a real anchor: its records 101..150 are not in the journal.
  ASSERT_TRUE(SnapshotStore(dir.path()).write(SeqNo{150}, end.head, ToyEngine{}.save()).ok());
  const Recovered r = recover(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error);
  EXPECT_EQ(r.error.code, Errc::journal_records_missing);
  EXPECT_NE(r.error.detail.find("the journal ends at seq 100"), std::string::npos) << r.error.detail;
  EXPECT_NE(r.error.detail.find("records 101..150 are missing"), std::string::npos) << r.error.detail;
}

TEST(Recovery, CorruptionBeforeTheTailRefusesToStart) {
  ScratchDir dir;
  run_sequencer(dir.path(), 300, 10, 1000);
  const fs::path seg = segments_of(dir.path()).back().path;
  auto bytes = read_bytes(seg);
  bytes[batch_offsets(seg)[10] + kBatchHeaderSize + 30] ^= 0x10;
  write_bytes(seg, bytes);
  const Recovered r = recover(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error);
  EXPECT_EQ(r.error.code, Errc::journal_corrupt);
  EXPECT_NE(r.error.detail.find("seq 101:"), std::string::npos) << r.error.detail;
}


// --- damaged data directories: a snapshot proves its records were acknowledged ------------
// A snapshot is written only once every record up to its sequence is durable, so a journal
// that ends before a snapshot's sequence has lost acknowledged records. Recovery refuses,
// naming what is missing, instead of skipping the snapshot and starting from less.

TEST(Recovery, SnapshotsWithNoJournalAtAllRefuse) {
  ScratchDir dir;
  run_sequencer(dir.path(), 300, 10, 100);
  for (const auto& s : segments_of(dir.path())) fs::remove(s.path);
  const Recovered r = recover(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error) << "recovered " << r.engine.applied << " records";
  EXPECT_EQ(r.error.code, Errc::journal_records_missing);
  EXPECT_NE(r.error.detail.find(snapshot_file_name(SeqNo{300})), std::string::npos) << r.error.detail;
  EXPECT_NE(r.error.detail.find("records 1..300 are missing"), std::string::npos) << r.error.detail;
}

TEST(Recovery, ASnapshotAnchoredAtGenesisWithNoJournalRefuses) {
  // Taken before any batch was durable: its anchor is the genesis point.
  ScratchDir dir;
  run_sequencer(dir.path(), 60, 100, 1000);
  ToyEngine e;
  e.applied = 50;
  ASSERT_TRUE(SnapshotStore(dir.path()).write(SeqNo{50}, ChainPoint{}, e.save()).ok());
  for (const auto& s : segments_of(dir.path())) fs::remove(s.path);
  const Recovered r = recover(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error) << "recovered " << r.engine.applied << " records";
  EXPECT_EQ(r.error.code, Errc::journal_records_missing);
  EXPECT_NE(r.error.detail.find("records 1..50 are missing"), std::string::npos) << r.error.detail;
}

TEST(Recovery, DeletedLastSegmentsBehindTheNewestSnapshotRefuse) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 4096;
  run_sequencer(dir.path(), 900, 10, 450, o);
  const auto segs = segments_of(dir.path());
  ASSERT_GT(segs.size(), 4u);
  fs::remove(segs[segs.size() - 1].path);
  fs::remove(segs[segs.size() - 2].path);
  const std::uint64_t ends_at = segs[segs.size() - 2].first_seq.raw() - 1;
  const Recovered r = recover(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error) << "recovered " << r.engine.applied << " records";
  EXPECT_EQ(r.error.code, Errc::journal_records_missing);
  EXPECT_NE(r.error.detail.find(snapshot_file_name(SeqNo{900})), std::string::npos) << r.error.detail;
  EXPECT_NE(r.error.detail.find(fmt::format("the journal ends at seq {}", ends_at)), std::string::npos) << r.error.detail;
  EXPECT_NE(r.error.detail.find(fmt::format("records {}..900 are missing", ends_at + 1)), std::string::npos)
      << r.error.detail;
}

TEST(Recovery, ABrokenNewestSnapshotStillProvesItsRecordsWereAcknowledged) {
  // The newest snapshot is damaged and the journal's last segments are gone: falling back to
  // the older snapshot would silently drop records the broken one proves were acknowledged.
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 4096;
  run_sequencer(dir.path(), 900, 10, 300, o);
  const fs::path newest = SnapshotStore(dir.path()).list()->front();
  auto bytes = read_bytes(newest);
  bytes[kSnapshotHeaderSize + 3] ^= 1;
  write_bytes(newest, bytes);
  const auto segs = segments_of(dir.path());
  fs::remove(segs.back().path);
  const Recovered r = recover(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error) << "recovered " << r.engine.applied << " records";
  EXPECT_EQ(r.error.code, Errc::journal_records_missing);
  EXPECT_NE(r.error.detail.find(snapshot_file_name(SeqNo{900})), std::string::npos) << r.error.detail;
}

TEST(Recovery, AMissingSegmentUnderTheSnapshotAnchorIsASequenceGap) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 4096;
  run_sequencer(dir.path(), 450, 10, 450, o);
  run_sequencer(dir.path(), 900, 10, 1000, o);  // the snapshot at 450 stays the newest
  const auto anchor = SnapshotStore(dir.path()).load_latest()->snapshot->info.anchor.seq.raw();
  const auto segs = segments_of(dir.path());
  std::size_t holder = 0;  // the segment holding the record after the anchor
  while (holder + 1 < segs.size() && segs[holder + 1].first_seq.raw() <= anchor + 1) ++holder;
  ASSERT_GT(holder, 0u);
  ASSERT_LT(holder + 1, segs.size());
  // Without it the journal jumps over the snapshot's anchor.
  fs::remove(segs[holder].path);
  const Recovered r = recover(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error) << "recovered " << r.engine.applied << " records";
  EXPECT_EQ(r.error.code, Errc::journal_sequence_gap);
  EXPECT_NE(r.error.detail.find("are missing"), std::string::npos) << r.error.detail;
}

TEST(Recovery, AMissingSegmentAfterTheSnapshotAnchorIsASequenceGap) {
  ScratchDir dir;
  WriterOptions o = small_options();
  o.segment_bytes = 4096;
  run_sequencer(dir.path(), 300, 10, 300, o);
  run_sequencer(dir.path(), 900, 10, 1000, o);  // the snapshot at 300 stays the newest
  const auto segs = segments_of(dir.path());
  ASSERT_GT(segs.size(), 4u);
  ASSERT_GT(segs[segs.size() - 2].first_seq.raw(), 300u);
  fs::remove(segs[segs.size() - 2].path);
  const Recovered r = recover(dir.path());
  ASSERT_EQ(r.status, ReadStatus::error) << "recovered " << r.engine.applied << " records";
  EXPECT_EQ(r.error.code, Errc::journal_sequence_gap);
  EXPECT_NE(r.error.detail.find(segs.back().path.string()), std::string::npos) << r.error.detail;
}

}  // namespace
}  // namespace strike::journal
