// The venue on a real data directory: what was journaled survives a restart; recovery from a
// snapshot gives the same state hash as a full replay; a torn tail (the last segment cut at
// any byte) recovers to a prefix of the commands; a flipped byte before the tail refuses to
// start, naming the file, offset and sequence; recovering twice gives the same result.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "../engine/random_commands.hpp"
#include "core/agent_runner.hpp"
#include "journal/truncate.hpp"
#include "venue/sequencer.hpp"
#include "venue/venue.hpp"

namespace strike::venue {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kStart = 1'796'083'200LL * kNsPerSecond;

class VenueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = load_default_instruments().value();
    dir_ = fs::temp_directory_path() / ("strike-venue-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    engine::testing::RandomCommands gen(registry_, 11);
    std::int64_t t = kStart;
    for (const auto& b : gen.setup()) stream_.emplace_back(b, ++t);
    while (stream_.size() < 6'000) {
      auto [body, dt] = gen.next(t);
      t += dt;
      stream_.emplace_back(body, t);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  VenueOptions options(std::uint64_t snapshot_every = 0, std::size_t kept = 3) const {
    VenueOptions o;
    o.data_dir = dir_;
    o.durability = journal::Durability::os;  // the tests kill nothing but the process
    o.snapshot_every = snapshot_every;
    o.snapshots_kept = kept;
    return o;
  }
  // Runs commands [from, to) through a venue on the directory and closes it; `written` gets the
  // snapshots it wrote.
  Hash256 run(std::size_t from, std::size_t to, std::uint64_t snapshot_every = 0, std::vector<SeqNo>* written = nullptr,
              std::size_t kept = 3) {
    auto v = Venue::open(registry_, options(snapshot_every, kept));
    EXPECT_TRUE(v.ok()) << v.error().to_string();
    for (std::size_t i = from; i < to; ++i) {
      const engine::Outcome* o = nullptr;
      SubmitStatus s;
      while ((s = v.value()->submit(stream_[i].first, Timestamp::from_ns(stream_[i].second), o)) ==
             SubmitStatus::back_pressured) {
      }
      EXPECT_EQ(s, SubmitStatus::ok);
    }
    const Hash256 h = v.value()->engine().state_hash();
    EXPECT_TRUE(v.value()->close().ok());
    if (written != nullptr) *written = v.value()->snapshots()->written();
    EXPECT_FALSE(v.value()->snapshots()->error().has_value()) << v.value()->snapshots()->error()->to_string();
    return h;
  }
  // The state after the first n commands (the venue's configuration first), computed in memory.
  Hash256 reference(std::size_t n) const {
    engine::Engine e(registry_);
    (void)e.apply(engine::Command{SeqNo{1}, Timestamp{}, engine::Configure{e.config_digest()}});
    for (std::size_t i = 0; i < n; ++i)
      (void)e.apply(engine::Command{SeqNo{i + 2}, Timestamp::from_ns(stream_[i].second), stream_[i].first});
    return e.state_hash();
  }
  fs::path last_segment() const {
    fs::path last;
    for (const auto& f : fs::directory_iterator(dir_ / "journal"))
      if (f.path().extension() == ".journal" && (last.empty() || f.path() > last)) last = f.path();
    return last;
  }

  InstrumentRegistry registry_;
  fs::path dir_;
  std::vector<std::pair<engine::CommandBody, std::int64_t>> stream_;
};

TEST_F(VenueTest, ARestartContinuesWhereItStopped) {
  run(0, 2'000);
  const Hash256 h = run(2'000, 6'000);
  EXPECT_EQ(h, reference(6'000));
  auto v = Venue::open(registry_, options());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.value()->engine().last_seq().raw(), 6'001u);  // the configuration, then 6,000 commands
  EXPECT_EQ(v.value()->recovery().state_hash, h);
}

// The commands arrive far faster than the journal makes them durable, so several snapshots fall
// due before the first is durable: every one of them is still written, at its own sequence.
TEST_F(VenueTest, EveryDueSnapshotIsWrittenWhateverTheLoad) {
  std::vector<SeqNo> written;
  run(0, 6'000, /*snapshot_every=*/1'000, &written, /*kept=*/10);
  const std::vector<SeqNo> expected{SeqNo{1'000}, SeqNo{2'000}, SeqNo{3'000}, SeqNo{4'000}, SeqNo{5'000}, SeqNo{6'000}};
  EXPECT_EQ(written, expected);
  journal::SnapshotStore store(dir_, false);
  auto files = store.list();
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files.value().size(), 6u);
  // Each one holds exactly the state after its sequence.
  for (const auto& f : files.value()) {
    auto s = store.load(f);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    auto e = engine::Engine::load(registry_, {}, s.value().state);
    ASSERT_TRUE(e.ok()) << e.error().to_string();
    EXPECT_EQ(e.value()->state_hash(), reference(s.value().info.follows.raw() - 1)) << f;
  }
}

TEST_F(VenueTest, RecoveryFromASnapshotEqualsAFullReplay) {
  const Hash256 h = run(0, 6'000, /*snapshot_every=*/1'000);
  auto v = Venue::open(registry_, options());
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  ASSERT_TRUE(v.value()->recovery().snapshot.has_value());
  EXPECT_EQ(v.value()->recovery().snapshot->raw(), 6'000u);
  EXPECT_EQ(v.value()->recovery().replayed, 1u);
  EXPECT_EQ(v.value()->recovery().state_hash, h);
  ASSERT_TRUE(v.value()->close().ok());
  // Without snapshots, the journal alone gives the same state.
  auto rec = journal::Recovery::open(dir_, journal::RecoveryOptions{.use_snapshots = false});
  ASSERT_TRUE(rec.ok());
  RecoveryReport report;
  auto full = replay(registry_, {}, rec.value(), SeqNo{UINT64_MAX}, report);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(report.replayed, 6'001u);
  EXPECT_EQ(full.value()->state_hash(), h);
  // And replaying up to a point between snapshots gives that point's state.
  auto partial_rec = journal::Recovery::open(dir_, journal::RecoveryOptions{.until = SeqNo{4'567}});
  ASSERT_TRUE(partial_rec.ok());
  RecoveryReport partial_report;
  auto partial = replay(registry_, {}, partial_rec.value(), SeqNo{4'567}, partial_report);
  ASSERT_TRUE(partial.ok());
  // The newest 3 are kept (4000, 5000, 6000): recovery up to 4567 starts from 4000.
  ASSERT_TRUE(partial_report.snapshot.has_value());
  EXPECT_EQ(partial_report.snapshot->raw(), 4'000u);
  EXPECT_EQ(partial.value()->state_hash(), reference(4'566));
}

TEST_F(VenueTest, ATornLastSegmentRecoversToAPrefixAtEveryCut) {
  run(0, 3'000);
  const fs::path seg = last_segment();
  const auto size = fs::file_size(seg);
  const fs::path pristine = dir_.string() + ".seg";
  fs::copy_file(seg, pristine, fs::copy_options::overwrite_existing);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 12; ++i) {
    fs::copy_file(pristine, seg, fs::copy_options::overwrite_existing);
    const auto cut = i == 0 ? size - 1 : rng() % size;
    fs::resize_file(seg, cut);
    for (int twice = 0; twice < 2; ++twice) {  // recovering twice gives the same result
      auto v = Venue::open(registry_, options());
      ASSERT_TRUE(v.ok()) << "cut at " << cut << ": " << v.error().to_string();
      const std::uint64_t n = v.value()->engine().last_seq().raw();
      ASSERT_GE(n, 1u);  // an empty journal starts again with the configuration
      EXPECT_LE(n, 3'001u);
      EXPECT_EQ(v.value()->engine().state_hash(), reference(n - 1)) << "cut at " << cut;
      ASSERT_TRUE(v.value()->close().ok());
    }
  }
  fs::remove(pristine);
}

TEST_F(VenueTest, AFlippedByteBeforeTheTailRefusesToStartAndSaysWhere) {
  run(0, 3'000);
  run(3'000, 3'010);  // a second batch after the first, so the damage is not in the tail
  const fs::path seg = last_segment();
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    char c = 0;
    f.read(&c, 1);
    f.seekp(200);
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  auto v = Venue::open(registry_, options());
  ASSERT_FALSE(v.ok());
  const std::string message = v.error().to_string();
  EXPECT_NE(message.find(seg.filename().string()), std::string::npos) << message;
  EXPECT_NE(message.find("offset"), std::string::npos) << message;
}

// The configuration is part of the history: a venue under other fees refuses both the journal
// (its first record) and the snapshots (their digest), instead of replaying into another state.
TEST_F(VenueTest, ADirectoryWrittenUnderAnotherConfigurationIsRefused) {
  run(0, 2'500, /*snapshot_every=*/1'000);
  std::string text(default_instrument_config());
  const auto at = text.find("taker_fee = \"0.0005\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 20, "taker_fee = \"0.0007\"");
  const InstrumentRegistry other = parse_instrument_config(text, "other").value();
  for (const bool snapshots : {true, false}) {
    if (!snapshots) fs::remove_all(dir_ / "snapshots");
    auto v = Venue::open(other, options());
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, Errc::config_mismatch) << v.error().to_string();
    EXPECT_NE(v.error().to_string().find(to_hex(engine::config_digest(registry_, {}))), std::string::npos)
        << v.error().to_string();
  }
  // Comments and spacing are not configuration: the same values open it.
  const InstrumentRegistry same = parse_instrument_config("# a comment\n" + std::string(default_instrument_config()), "same").value();
  auto v = Venue::open(same, options());
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v.value()->engine().state_hash(), reference(2'500));
}

// --- damaged data directories are refused, never silently reset ----------------------------

// Every file of a directory: name -> size (to show a refusal changed nothing).
std::map<std::string, std::uintmax_t> files_of(const fs::path& dir) {
  std::map<std::string, std::uintmax_t> out;
  for (const auto& f : fs::recursive_directory_iterator(dir))
    if (f.is_regular_file()) out[fs::relative(f.path(), dir).string()] = f.file_size();
  return out;
}

TEST_F(VenueTest, DeletedJournalSegmentsBesideASnapshotRefuseToStartAndChangeNothing) {
  run(0, 3'000, /*snapshot_every=*/1'000);
  for (const auto& f : fs::directory_iterator(dir_ / "journal"))
    if (f.path().extension() == ".journal") fs::remove(f.path());
  const auto before = files_of(dir_);
  auto v = Venue::open(registry_, options());
  ASSERT_FALSE(v.ok()) << "started at seq " << v.value()->engine().last_seq().raw();
  EXPECT_EQ(v.error().code, Errc::journal_records_missing) << v.error().to_string();
  EXPECT_NE(v.error().detail.find("snapshot-00000000000000003000.snapshot"), std::string::npos) << v.error().detail;
  EXPECT_EQ(files_of(dir_), before);
}

TEST_F(VenueTest, ACorruptLastBatchRefusesToStartNamingFileOffsetAndSequenceAndTruncatesNothing) {
  run(0, 2'368);
  run(2'368, 3'000);  // 632 more, acknowledged; the last batch holds command 3000 (seq 3001)
  const fs::path seg = last_segment();
  const auto size = fs::file_size(seg);
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    const auto at = static_cast<std::streamoff>(size - 1);  // the last byte of seq 3001
    f.seekg(at);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(at);
    f.write(&c, 1);
  }
  const auto before = files_of(dir_);
  auto v = Venue::open(registry_, options());
  ASSERT_FALSE(v.ok()) << "started at seq " << v.value()->engine().last_seq().raw() << " of 3000";
  const std::string message = v.error().to_string();
  EXPECT_EQ(v.error().code, Errc::journal_corrupt) << message;
  EXPECT_NE(message.find(seg.string() + ": offset "), std::string::npos) << message;
  EXPECT_NE(message.find(": seq 3001: record CRC mismatch"), std::string::npos) << message;
  EXPECT_EQ(files_of(dir_), before);
}


TEST_F(VenueTest, AfterAnExplicitTruncateTheVenueStartsAtTheLastIntactCommand) {
  run(0, 2'368);
  run(2'368, 3'000);
  const fs::path seg = last_segment();
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    const auto at = static_cast<std::streamoff>(fs::file_size(seg) - 1);
    f.seekg(at);
    const char c = static_cast<char>(f.get() ^ 0x5a);
    f.seekp(at);
    f.put(c);
  }
  ASSERT_FALSE(Venue::open(registry_, options()).ok());
  // The operator's decision: keep what is intact, drop the damaged batch.
  auto reader = journal::JournalReader::open(dir_).value();
  journal::RecordView r;
  while (reader.next(r) == journal::ReadStatus::record) {
  }
  const SeqNo intact = reader.position();
  ASSERT_LT(intact.raw(), 3'001u);
  auto truncated = journal::truncate_journal(dir_, intact);
  ASSERT_TRUE(truncated.ok()) << truncated.error().to_string();
  EXPECT_GT(truncated->drop_bytes, 0u);
  auto v = Venue::open(registry_, options());
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v.value()->engine().last_seq(), intact);
  EXPECT_EQ(v.value()->engine().state_hash(), reference(intact.raw() - 1));
}

// --- a journal that fails (disk full) stops the sequencer cleanly ----------------------------

// Sequences stream_[i] for each input i (SIZE_MAX: end of input); results are sequence numbers.
struct FailureHandler {
  using Seq = Sequencer<std::size_t, SeqNo, FailureHandler>;
  explicit FailureHandler(const std::vector<std::pair<engine::CommandBody, std::int64_t>>& s) : stream(s) {}
  const std::vector<std::pair<engine::CommandBody, std::int64_t>>& stream;
  std::vector<std::uint64_t> acked, abandoned;
  std::size_t taken = 0, refused = 0;
  bool done = false;

  bool on_input(const std::size_t& i, Seq& s) {
    if (i == SIZE_MAX) {
      done = true;
      return true;
    }
    const engine::Outcome* o = nullptr;
    switch (s.submit(stream[i].first, Timestamp::from_ns(stream[i].second), o)) {
      case SubmitStatus::back_pressured: return false;
      case SubmitStatus::failed: ++refused; break;
      case SubmitStatus::ok: s.hold(o->seq, o->seq); break;
    }
    ++taken;
    return true;
  }
  void publish(SeqNo&& s) { acked.push_back(s.raw()); }
  void abandon(SeqNo&& s) { abandoned.push_back(s.raw()); }
  bool finished() const { return done; }
};

// Runs 1000 commands to durability (sequences 2..1001, after the configuration), then arms `faults` for the next batch write (or fdatasync)
// and feeds the rest: the sequencer must finish by itself, having released exactly the 1000
// durable results and abandoned every other one it held. Returns the abandoned sequences.
std::vector<std::uint64_t> run_into_a_failure(const InstrumentRegistry& registry, VenueOptions options,
                                              journal::IoFaults& faults, bool fail_sync,
                                              const std::vector<std::pair<engine::CommandBody, std::int64_t>>& stream) {
  options.journal_faults = &faults;
  auto v = Venue::open(registry, options);
  EXPECT_TRUE(v.ok()) << v.error().to_string();
  MpscRing<std::size_t> in(2048);
  FailureHandler h(stream);
  FailureHandler::Seq seq(in, *v.value(), h);
  for (std::size_t i = 0; i < 1'000; ++i) EXPECT_EQ(in.try_push(i), PushStatus::ok);
  EXPECT_EQ(in.try_push(SIZE_MAX), PushStatus::ok);
  AgentRunner<FailureHandler::Seq>(seq, IdleStrategy::yield(), "phase1").run();  // until all 1000 are released
  EXPECT_EQ(h.acked.size(), 1'000u);
  EXPECT_FALSE(v.value()->journal().failed());

  // Set before the commands whose batch it fails are pushed: the rings order it before the flusher's read.
  if (fail_sync) {
    faults.fail_sync = faults.syncs.load() + 1;
  } else {
    faults.fail_write = faults.writes.load() + 1;
    faults.short_write_bytes = 150;  // the disk fills up in the middle of the batch
  }
  h.done = false;
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    for (std::size_t i = 1'000; i <= stream.size(); ++i) {
      const std::size_t input = i < stream.size() ? i : SIZE_MAX;
      while (in.try_push(input) != PushStatus::ok)
        if (stop.load()) return;
    }
  });
  AgentRunner<FailureHandler::Seq>(seq, IdleStrategy::yield(), "phase2").run();  // must end by itself
  stop = true;
  producer.join();

  const auto& journal = v.value()->journal();
  EXPECT_TRUE(journal.failed());
  if (journal.failed()) {
    EXPECT_NE(journal.failure().detail.find("No space left on device"), std::string::npos);
  }
  EXPECT_EQ(v.value()->durable_sequence().raw(), 1'001u);
  EXPECT_EQ(h.acked.size(), 1'000u) << "a result was released although its command was not durable";
  EXPECT_FALSE(h.abandoned.empty());  // at least the failed batch's commands were held
  for (std::size_t k = 0; k < h.abandoned.size(); ++k) EXPECT_EQ(h.abandoned[k], 1'002 + k);
  EXPECT_EQ(h.taken - 1'000, h.abandoned.size() + h.refused) << "every input is answered once";
  EXPECT_FALSE(v.value()->close().ok());
  return h.abandoned;
}

TEST_F(VenueTest, AFailedJournalWriteStopsTheSequencerAndARestartRecoversEveryAcknowledgedCommand) {
  journal::IoFaults faults;
  run_into_a_failure(registry_, options(), faults, /*fail_sync=*/false, stream_);
  // The space is back: the half-written batch is a torn tail; exactly the durable 1000 remain.
  auto v = Venue::open(registry_, options());
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v.value()->engine().last_seq().raw(), 1'001u);
  EXPECT_EQ(v.value()->engine().state_hash(), reference(1'000));
  ASSERT_FALSE(v.value()->recovery().messages.empty());
  EXPECT_NE(v.value()->recovery().messages.back().find("torn tail"), std::string::npos);
  ASSERT_TRUE(v.value()->close().ok());
  v.value().reset();
  EXPECT_EQ(run(1'000, 6'000), reference(6'000));
}

TEST_F(VenueTest, AFailedFdatasyncStopsTheSequencerAndARestartKeepsEveryAcknowledgedCommand) {
  journal::IoFaults faults;
  VenueOptions o = options();
  o.durability = journal::Durability::fsync;
  const auto abandoned = run_into_a_failure(registry_, o, faults, /*fail_sync=*/true, stream_);
  // The batch whose fdatasync failed was written: it may or may not be there after a restart
  // (here it is, in the page cache); it was never acknowledged either way.
  auto v = Venue::open(registry_, options());
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  const std::uint64_t n = v.value()->engine().last_seq().raw();
  EXPECT_GE(n, 1'001u);
  EXPECT_LE(n, 1'001u + abandoned.size());
  EXPECT_EQ(v.value()->engine().state_hash(), reference(n - 1));
}

}  // namespace
}  // namespace strike::venue
