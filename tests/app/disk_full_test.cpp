// `strike exec` on a disk that fills up: the real binary on a small tmpfs that the test mounts
// (it skips, saying why, where mounting is not permitted: it needs root or CAP_SYS_ADMIN).
// - When the journal hits ENOSPC the process answers every request (results for what became
//   durable, journal_failed errors for the rest), prints one line on stderr and exits 1 at the
//   end of its input: it neither hangs nor goes silent.
// - With space freed (the tmpfs remounted larger) it restarts with every acknowledged command
//   and nothing else: the state equals a clean run of exactly the acknowledged prefix, each
//   acknowledged order is there, and the rest of the stream then runs to the same end state
//   as a run that never failed.
// The stream holds only commands, so line i is journal sequence i + 1.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kAccounts = 8;
std::size_t account_of(std::size_t line) { return 1 + line % kAccounts; }

// Accounts with deposits, then resting limit orders on both sides (they never cross, so each
// stays open for get_order_state).
std::vector<std::string> make_requests(std::size_t n) {
  std::vector<std::string> out;
  out.push_back(R"({"jsonrpc":"2.0","id":0,"method":"admin/advance_time","params":{"timestamp":1796083200000}})");
  for (std::size_t a = 1; a <= kAccounts; ++a) {
    out.push_back(fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"admin/create_account"}})", out.size()));
    out.push_back(fmt::format(
        R"({{"jsonrpc":"2.0","id":{},"method":"admin/deposit","params":{{"account":{},"currency":"BTC","amount":1000}}}})",
        out.size(), a));
  }
  while (out.size() < n) {
    const std::size_t i = out.size();
    const bool buy = i % 2 == 0;
    out.push_back(fmt::format(
        R"({{"jsonrpc":"2.0","id":{},"method":"private/{}","params":{{"account":{},"instrument_name":"BTC-PERPETUAL","amount":10,"price":{}}}}})",
        i, buy ? "buy" : "sell", account_of(i), buy ? 90'000 + 10 * (i % 13) : 100'000 + 10 * (i % 11)));
  }
  return out;
}

struct ExecRun {
  int status = -1;  // waitpid status
  std::vector<std::string> out;
  std::string err;
};

// Runs `strike exec` on `dir` with `lines` on stdin (then EOF) and collects everything it says.
ExecRun exec(const fs::path& dir, const std::vector<std::string>& lines, const char* durability = "fsync") {
  const std::string strike = STRIKE_BINARY;
  const fs::path err_file = fs::temp_directory_path() / fmt::format("strike-disk-full-{}.err", ::getpid());
  int in[2], out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0) std::abort();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(err, 2);
    ::close(in[1]);
    ::close(out[0]);
    ::execl(strike.c_str(), strike.c_str(), "exec", "--data-dir", dir.c_str(), "--clock", "manual", "--durability",
            durability, "--snapshot-every", "0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  std::thread feeder([&, fd = in[1]] {
    for (const auto& l : lines) {
      const std::string s = l + "\n";
      if (::write(fd, s.data(), s.size()) != static_cast<ssize_t>(s.size())) break;  // it exited
    }
    ::close(fd);
  });
  ExecRun r;
  std::string partial;
  char buf[65536];
  // Reads to EOF; the deadline only turns a hang (the defect this guards against) into a failure.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  for (;;) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 1000) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "strike exec did not finish; killing it";
        ::kill(pid, SIGKILL);
      }
      continue;
    }
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    partial.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = partial.find('\n')) != std::string::npos;) {
      r.out.push_back(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
  }
  ::close(out[0]);
  ::waitpid(pid, &r.status, 0);
  feeder.join();
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
  fs::remove(err_file);
  return r;
}

std::string state_hash_of(const ExecRun& r) {
  const auto at = r.out.empty() ? std::string::npos : r.out.back().find("\"state_hash\":\"");
  return at == std::string::npos ? "" : r.out.back().substr(at + 14, 64);
}
const std::string kStateHash = R"({"jsonrpc":"2.0","id":"s","method":"admin/state_hash"})";

// A tmpfs of the given size at a fresh mount point, unmounted at the end.
class SmallDisk {
 public:
  explicit SmallDisk(std::size_t bytes) : path_(fs::temp_directory_path() / fmt::format("strike-disk-full-{}", ::getpid())) {
    fs::create_directories(path_);
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, fmt::format("size={}", bytes).c_str()) != 0) error_ = errno;
  }
  ~SmallDisk() {
    if (error_ == 0) ::umount2(path_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  int error() const { return error_; }
  bool grow(std::size_t bytes) {
    return ::mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT, fmt::format("size={}", bytes).c_str()) == 0;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  int error_ = 0;
};

TEST(ExecDiskFull, ItStopsWithAnAnswerForEveryRequestAndRestartsWithEveryAcknowledgedCommand) {
  ::signal(SIGPIPE, SIG_IGN);
  SmallDisk disk(256 * 1024);  // room for roughly 2000 of the 6000 commands
  if (disk.error() != 0) GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(disk.error()) << "): needs root";
  const fs::path dir = disk.path() / "data";
  const std::vector<std::string> lines = make_requests(6'000);

  const ExecRun full = exec(dir, lines);
  ASSERT_TRUE(WIFEXITED(full.status)) << full.err;
  EXPECT_EQ(WEXITSTATUS(full.status), 1) << full.err;
  ASSERT_EQ(full.out.size(), lines.size()) << "every request gets an answer\n" << full.err;
  // Answers keep request order: results (acknowledged) first, then journal_failed errors:
  // "not confirmed" for commands taken before the failure, "not executed" for the rest.
  std::size_t acked = 0, unconfirmed = 0, refused = 0;
  for (std::size_t i = 0; i < full.out.size(); ++i) {
    const std::string& o = full.out[i];
    ASSERT_NE(o.find(fmt::format("\"id\":{},", i)), std::string::npos) << "answer " << i << ": " << o;
    if (o.find("\"reason\":\"journal_failed\"") == std::string::npos) {
      ASSERT_EQ(unconfirmed + refused, 0u) << "a result after a journal_failed error: " << o;
      ++acked;
    } else if (o.find("not confirmed") != std::string::npos) {
      ASSERT_EQ(refused, 0u) << o;
      ++unconfirmed;
    } else {
      ASSERT_NE(o.find("not executed"), std::string::npos) << o;
      ASSERT_NE(o.find("No space left on device"), std::string::npos) << o;
      ++refused;
    }
  }
  std::printf("%zu acknowledged, %zu not confirmed, %zu refused\n", acked, unconfirmed, refused);
  EXPECT_GT(acked, 100u);
  EXPECT_GT(unconfirmed, 0u);  // at least the batch that did not fit
  EXPECT_LT(acked, lines.size());
  // One line on stderr says why it stopped.
  const auto stops = full.err.find("the journal failed");
  ASSERT_NE(stops, std::string::npos) << full.err;
  EXPECT_EQ(full.err.find("the journal failed", stops + 1), std::string::npos) << full.err;
  EXPECT_NE(full.err.find("No space left on device"), std::string::npos) << full.err;

  // Space freed: the restart recovers exactly the acknowledged prefix (the batch that failed
  // was cut short by the full disk: a torn tail).
  ASSERT_TRUE(disk.grow(64 << 20)) << std::strerror(errno);
  const ExecRun after = exec(dir, {kStateHash});
  ASSERT_TRUE(WIFEXITED(after.status) && WEXITSTATUS(after.status) == 0) << after.err;
  // Sequence 1 is the venue's configuration; request i is sequence i + 2.
  EXPECT_NE(after.out.back().find(fmt::format("\"seq\":{},", acked + 1)), std::string::npos) << after.out.back();
  std::vector<std::string> prefix(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(acked));
  prefix.push_back(kStateHash);
  const fs::path clean = fs::temp_directory_path() / fmt::format("strike-disk-full-clean-{}", ::getpid());
  fs::remove_all(clean);
  const ExecRun reference = exec(clean, prefix, "none");
  EXPECT_EQ(state_hash_of(after), state_hash_of(reference)) << after.err;
  fs::remove_all(clean);

  // Each acknowledged order is there.
  std::vector<std::string> queries;
  for (std::size_t i = 0; i < acked; ++i) {
    const auto at = full.out[i].find("\"order_id\":\"");
    if (at == std::string::npos) continue;
    const std::string id = full.out[i].substr(at + 12, full.out[i].find('"', at + 12) - at - 12);
    queries.push_back(fmt::format(
        R"({{"jsonrpc":"2.0","id":"q{}","method":"private/get_order_state","params":{{"account":{},"order_id":"{}"}}}})", i,
        account_of(i), id));
  }
  ASSERT_GT(queries.size(), 100u);
  const ExecRun orders = exec(dir, queries);
  ASSERT_EQ(orders.out.size(), queries.size()) << orders.err;
  for (const auto& o : orders.out) EXPECT_NE(o.find("\"result\":{\"order_id\":"), std::string::npos) << o;

  // The rest of the stream runs, to the state of a run that never failed.
  std::vector<std::string> rest(lines.begin() + static_cast<std::ptrdiff_t>(acked), lines.end());
  rest.push_back(kStateHash);
  const ExecRun finish = exec(dir, rest);
  ASSERT_TRUE(WIFEXITED(finish.status) && WEXITSTATUS(finish.status) == 0) << finish.err;
  std::vector<std::string> all = lines;
  all.push_back(kStateHash);
  fs::remove_all(clean);
  const ExecRun whole = exec(clean, all, "none");
  EXPECT_EQ(state_hash_of(finish), state_hash_of(whole));
  EXPECT_NE(finish.out.back().find(fmt::format("\"seq\":{},", lines.size() + 1)), std::string::npos) << finish.out.back();
  fs::remove_all(clean);
}

}  // namespace
