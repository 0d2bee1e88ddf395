// The account history lives on disk beside the journal (history/history_store.hpp) and is
// derived from it: after restarts, a lost history file, a torn record or a journal cut short, every
// account's history reads exactly as a reference built in memory from the same commands.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../engine/random_commands.hpp"
#include "venue/venue.hpp"

namespace strike::venue {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kStart = 1'796'083'200LL * kNsPerSecond;

// Every account's history, newest first, as text: what get_transaction_log walks.
std::string histories(const engine::Engine& e, const history::HistoryStore& h) {
  std::string out;
  for (std::uint64_t a = 1; a <= e.clearing().account_count(); ++a) {
    out += "account " + std::to_string(a) + ":";
    for (std::uint64_t at = e.clearing().ledger().head(AccountId{a}); at != 0;) {
      auto entry = h.entry(at - 1);
      if (!entry || !entry.value()) return out + " <missing " + std::to_string(at - 1) + ">";
      const clearing::LedgerEntry& x = *entry.value();
      out += " " + std::to_string(x.index) + "/" + std::to_string(x.ref.seq.raw()) + "/" + std::to_string(x.amount) + "/" +
             std::to_string(x.balance_after);
      at = x.prev;
    }
    out += "\n";
  }
  return out;
}

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = load_default_instruments().value();
    dir_ = fs::temp_directory_path() / ("strike-history-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    engine::testing::RandomCommands gen(registry_, 5);
    std::int64_t t = kStart;
    for (const auto& b : gen.setup()) stream_.emplace_back(b, ++t);
    while (stream_.size() < 6'000) {
      auto [body, dt] = gen.next(t);
      t += dt;
      stream_.emplace_back(body, t);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  VenueOptions options() const {
    VenueOptions o;
    o.data_dir = dir_;
    o.durability = journal::Durability::os;
    o.snapshot_every = 1'000;
    return o;
  }
  void run(std::size_t from, std::size_t to) {
    auto v = Venue::open(registry_, options());
    ASSERT_TRUE(v.ok()) << v.error().to_string();
    for (std::size_t i = from; i < to; ++i) {
      const engine::Outcome* o = nullptr;
      while (v.value()->submit(stream_[i].first, Timestamp::from_ns(stream_[i].second), o) == SubmitStatus::back_pressured) {
      }
    }
    ASSERT_TRUE(v.value()->close().ok());
  }
  // The histories after the first n commands, built in memory.
  std::string reference(std::size_t n) const {
    engine::Engine e(registry_);
    auto h = history::HistoryStore::open({}, history::HistoryOptions{.in_memory = true}).value();
    (void)e.apply(engine::Command{SeqNo{1}, Timestamp{}, engine::Configure{e.config_digest()}});
    for (std::size_t i = 0; i < n; ++i)
      h->append(e.apply(engine::Command{SeqNo{i + 2}, Timestamp::from_ns(stream_[i].second), stream_[i].first}).ledger_entries);
    return histories(e, *h);
  }
  // The histories a venue opened on the directory reads, and how many commands it holds.
  std::pair<std::string, std::size_t> reopened(RecoveryReport* report = nullptr) {
    auto v = Venue::open(registry_, options());
    EXPECT_TRUE(v.ok()) << v.error().to_string();
    if (!v.ok()) return {};
    if (report != nullptr) *report = v.value()->recovery();
    return {histories(v.value()->engine(), v.value()->history()), v.value()->engine().last_seq().raw() - 1};
  }
  fs::path history_file() const { return dir_ / "history" / "ledger.history"; }

  InstrumentRegistry registry_;
  fs::path dir_;
  std::vector<std::pair<engine::CommandBody, std::int64_t>> stream_;
};

TEST_F(HistoryTest, EveryAccountsHistorySurvivesRestartsAndSnapshots) {
  run(0, 2'500);
  run(2'500, 6'000);
  const std::string expected = reference(6'000);
  ASSERT_NE(expected.find(" 0/"), std::string::npos) << "the stream made no history";
  RecoveryReport report;
  const auto [got, n] = reopened(&report);
  EXPECT_EQ(n, 6'000u);
  EXPECT_TRUE(report.snapshot.has_value());
  EXPECT_EQ(got, expected);
}

TEST_F(HistoryTest, ALostHistoryFileIsRebuiltFromTheJournal) {
  run(0, 6'000);
  fs::remove(history_file());
  RecoveryReport report;
  const auto [got, n] = reopened(&report);
  EXPECT_EQ(got, reference(6'000));
  EXPECT_TRUE(report.history_gap);
  EXPECT_EQ(report.replayed, 6'001u);  // the whole journal, not the tail after the snapshot
}

TEST_F(HistoryTest, ATornOrDamagedHistoryTailIsRepaired) {
  run(0, 6'000);
  const auto size = fs::file_size(history_file());
  fs::resize_file(history_file(), size - history::HistoryStore::kRecordSize - 17);  // a record and a half lost
  EXPECT_EQ(reopened().first, reference(6'000));
  {  // A flipped byte in the last record.
    std::fstream f(history_file(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(history_file()) - 30));
    f.put('\x7f');
  }
  EXPECT_EQ(reopened().first, reference(6'000));
}

TEST_F(HistoryTest, EntriesOfCommandsTheJournalLostAreDropped) {
  run(0, 6'000);
  // Cut the journal's last segment short: commands at its end are gone (never acknowledged), and
  // so must be the history entries written for them.
  fs::path last;
  for (const auto& f : fs::directory_iterator(dir_ / "journal"))
    if (f.path().extension() == ".journal" && (last.empty() || f.path() > last)) last = f.path();
  fs::resize_file(last, fs::file_size(last) - 5'000);
  fs::remove_all(dir_ / "snapshots");
  const auto [got, n] = reopened();
  EXPECT_LT(n, 6'000u);
  EXPECT_EQ(got, reference(n));
}

}  // namespace
}  // namespace strike::venue
