// The crash test of `strike exec`: a long stream of commands, the process killed with SIGKILL
// at random moments (at least 20 times) and restarted on the same data directory each time.
// - Every response printed before a kill is reflected in the recovered state (the recovered
//   sequence is at least the number of responses seen) and is byte-identical to what a run
//   without crashes prints for that request.
// - The final state hash equals that of a clean run of the same commands, and `strike replay`.
// The stream holds only commands (one journal sequence each), so after a restart the
// recovered sequence says exactly which line to send next.
#include <gtest/gtest.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace {

namespace fs = std::filesystem;

// The request lines: accounts, then orders, cancels and edits on a perpetual and an option,
// with the manual clock moved every 50 lines. Deterministic.
std::vector<std::string> make_requests(std::size_t n) {
  std::vector<std::string> out;
  std::mt19937_64 rng(2026);
  std::int64_t ms = 1'796'083'200'000;
  out.push_back(fmt::format(R"({{"jsonrpc":"2.0","id":0,"method":"admin/advance_time","params":{{"timestamp":{}}}}})", ms));
  for (int a = 1; a <= 8; ++a) {
    out.push_back(fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"admin/create_account"}})", out.size()));
    out.push_back(fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"admin/deposit","params":{{"account":{},"currency":"BTC","amount":100}}}})",
                              out.size(), a));
  }
  std::uint64_t orders = 0;
  // Decimal text built from integers (a double's shortest text may not be the intended value).
  const auto perp_price = [&] {
    const auto half_ticks = rng() % 40;
    return fmt::format("{}.{}", 99'990 + half_ticks / 2, half_ticks % 2 ? 5 : 0);
  };
  while (out.size() < n) {
    const std::size_t id = out.size();
    const int account = 1 + static_cast<int>(rng() % 8);
    const int k = static_cast<int>(rng() % 100);
    if (id % 50 == 0) {
      ms += 1 + static_cast<std::int64_t>(rng() % 5'000);
      out.push_back(fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"admin/advance_time","params":{{"timestamp":{}}}}})", id, ms));
    } else if (k < 60) {
      const bool perp = rng() % 3 != 0;
      const char* side = rng() % 2 ? "buy" : "sell";
      ++orders;
      if (perp)
        out.push_back(fmt::format(
            R"({{"jsonrpc":"2.0","id":{},"method":"private/{}","params":{{"account":{},"instrument_name":"BTC-PERPETUAL","amount":{},"price":{}}}}})",
            id, side, account, 10 * (1 + rng() % 20), perp_price()));
      else
        out.push_back(fmt::format(
            R"({{"jsonrpc":"2.0","id":{},"method":"private/{}","params":{{"account":{},"instrument_name":"BTC-25DEC26-100000-C","amount":{},"price":0.0{}}}}})",
            id, side, account, fmt::format("0.{}", 1 + rng() % 9), 500 + 5 * (rng() % 20)));
    } else if (k < 85) {
      out.push_back(fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"private/cancel","params":{{"account":{},"order_id":"{}"}}}})", id,
                                account, 1 + rng() % (orders + 1)));
    } else {
      out.push_back(fmt::format(
          R"({{"jsonrpc":"2.0","id":{},"method":"private/edit","params":{{"account":{},"order_id":"{}","amount":{},"price":{}}}}})", id,
          account, 1 + rng() % (orders + 1), 10 * (1 + rng() % 20), perp_price()));
    }
  }
  return out;
}

struct Child {
  pid_t pid = -1;
  int in = -1, out = -1;
};

Child spawn(const std::string& strike, const fs::path& dir) {
  int to_child[2], from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) std::abort();
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    close(to_child[1]);
    close(from_child[0]);
    execl(strike.c_str(), strike.c_str(), "exec", "--data-dir", dir.c_str(), "--clock", "manual", "--durability", "fsync",
          "--snapshot-every", "700", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  return Child{pid, to_child[1], from_child[0]};
}

// How many answers a session has read, for the feeder to wait on (an event, not a clock).
struct Progress {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t answered = 0;
  bool done = false;  // the process is gone: stop feeding
  void set(std::size_t n, bool finished) {
    {
      std::lock_guard lock(mutex);
      answered = n;
      done = done || finished;
    }
    changed.notify_all();
  }
};

// Reads whole lines from fd (blocking) until `want` lines or the end of the output.
std::vector<std::string> read_lines(int fd, std::string& partial, std::size_t want, Progress* progress = nullptr) {
  std::vector<std::string> lines;
  char buf[65536];
  while (lines.size() < want) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    partial.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = partial.find('\n')) != std::string::npos;) {
      lines.push_back(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
    if (progress) progress->set(lines.size(), false);
  }
  return lines;
}

constexpr std::size_t kWindow = 128;

// When to kill a process: after it has printed `responses` answers, plus a random number of
// spins (so the kill also lands between a command's durability and its answer). Counting
// answers rather than time makes the kills fall at random points of the stream on any machine.
struct KillPoint {
  std::size_t responses = 0;
  std::uint32_t spins = 0;
};

// Runs one process: sends lines[from..], reads responses until the kill point (or all), then
// kills it (SIGKILL) or closes its input. Returns the responses seen.
std::vector<std::string> session(const std::string& strike, const fs::path& dir, const std::vector<std::string>& lines,
                                 std::size_t from, std::optional<KillPoint> kill_at) {
  Child c = spawn(strike, dir);
  Progress progress;
  std::thread feeder([&] {
    for (std::size_t i = from; i < lines.size(); ++i) {
      // At most kWindow requests in flight: a kill then finds at most that many applied but
      // unanswered, however fast the machine, so the stream lasts for every planned kill.
      {
        std::unique_lock lock(progress.mutex);
        progress.changed.wait(lock, [&] { return progress.done || i - from < progress.answered + kWindow; });
        if (progress.done) return;
      }
      const std::string l = lines[i] + "\n";
      if (write(c.in, l.data(), l.size()) != static_cast<ssize_t>(l.size())) return;  // killed
    }
    if (!kill_at) close(c.in);
  });
  std::string partial;
  std::vector<std::string> seen = read_lines(c.out, partial, kill_at ? kill_at->responses : lines.size() - from, &progress);
  if (kill_at) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    for (std::uint32_t i = 0; i < kill_at->spins; ++i) std::atomic_signal_fence(std::memory_order_seq_cst);
    kill(c.pid, SIGKILL);
  }
  int status = 0;
  waitpid(c.pid, &status, 0);
  progress.set(seen.size(), true);
  if (kill_at) close(c.in);
  feeder.join();
  close(c.out);
  return seen;
}

// Asks a fresh process for its recovered sequence and state hash.
std::pair<std::uint64_t, std::string> state_of(const std::string& strike, const fs::path& dir) {
  const auto r = session(strike, dir, {R"({"jsonrpc":"2.0","id":"s","method":"admin/state_hash"})"}, 0, std::nullopt);
  EXPECT_EQ(r.size(), 1u);
  if (r.empty()) return {0, ""};
  const auto seq_at = r[0].find("\"seq\":") + 6;
  const auto hash_at = r[0].find("\"state_hash\":\"") + 14;
  return {std::stoull(r[0].substr(seq_at)), r[0].substr(hash_at, 64)};
}

TEST(ExecCrash, KilledAtRandomMomentsItLosesNothingItAcknowledged) {
  const std::string strike = STRIKE_BINARY;
  signal(SIGPIPE, SIG_IGN);  // writes to a killed child's stdin fail with EPIPE instead
  const fs::path base = fs::temp_directory_path() / ("strike-crash-" + std::to_string(getpid()));
  fs::remove_all(base);
  const std::vector<std::string> lines = make_requests(20'000);

  // The reference: one run, no crash.
  const std::vector<std::string> clean = session(strike, base / "clean", lines, 0, std::nullopt);
  ASSERT_EQ(clean.size(), lines.size());
  // Sequence 1 is the venue's configuration; line i is command i + 2.
  const auto [clean_seq, clean_hash] = state_of(strike, base / "clean");
  ASSERT_EQ(clean_seq, lines.size() + 1);

  const std::uint64_t seed = 424242;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const fs::path dir = base / "crashing";
  std::size_t next = 0;  // the first line not known to be applied
  int kills = 0;
  std::size_t unacknowledged = 0;  // applied before a kill without its response printed
  while (next < lines.size()) {
    const bool crash = kills < 25;
    // Leaves lines for every kill still to come: at most an equal share of what remains.
    const std::size_t share = (lines.size() - next) / static_cast<std::size_t>(26 - kills);
    const KillPoint at{1 + rng() % std::max<std::size_t>(share, 1), static_cast<std::uint32_t>(rng() % 200'000)};
    const auto seen = session(strike, dir, lines, next, crash ? std::optional(at) : std::nullopt);
    for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], clean[next + i]) << "response to line " << next + i;
    const auto [seq, hash] = state_of(strike, dir);
    const std::size_t applied = seq - 1;
    // Everything acknowledged survived; what was applied but not yet acknowledged may too.
    ASSERT_GE(applied, next + seen.size()) << "kill " << kills;
    ASSERT_LE(applied, lines.size());
    unacknowledged += applied - (next + seen.size());
    next = applied;
    if (crash) ++kills;
  }
  std::printf("%d kills; %zu commands were durable but unacknowledged at a kill\n", kills, unacknowledged);
  EXPECT_GE(kills, 20);
  const auto [seq, hash] = state_of(strike, dir);
  EXPECT_EQ(seq, clean_seq);
  EXPECT_EQ(hash, clean_hash);
  // `strike replay` (journal and snapshots, and the journal alone) agrees.
  for (const char* flags : {"", " --no-snapshots"}) {
    const std::string cmd = strike + " replay --data-dir " + dir.string() + flags;
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string text;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) text += buf;
    EXPECT_EQ(pclose(p), 0);
    EXPECT_NE(text.find("state hash    " + clean_hash), std::string::npos) << cmd << "\n" << text;
  }
  fs::remove_all(base);
}

// Exactly once. A client that lost its connection (here: the venue was killed) does not know
// which of its unanswered orders were applied. It resends every one of them with the same client
// order id: those already applied are refused as duplicates, the others are applied, so each
// order is applied exactly once and every account ends as in a run without crashes.
std::vector<std::string> make_orders(std::size_t n) {
  std::vector<std::string> out;
  std::mt19937_64 rng(77);
  std::int64_t ms = 1'796'083'200'000;
  while (out.size() < n) {
    const std::size_t id = out.size();
    if (id % 50 == 0) {
      ms += 1 + static_cast<std::int64_t>(rng() % 5'000);
      out.push_back(fmt::format(R"({{"jsonrpc":"2.0","id":{},"method":"admin/advance_time","params":{{"timestamp":{}}}}})", id, ms));
      continue;
    }
    const int account = 1 + static_cast<int>(rng() % 8);
    const char* side = rng() % 2 ? "buy" : "sell";
    const auto half_ticks = rng() % 40;
    out.push_back(fmt::format(
        R"({{"jsonrpc":"2.0","id":{},"method":"private/{}","params":{{"account":{},"instrument_name":"BTC-PERPETUAL","amount":{},"price":{}.{},"client_order_id":"c-{}"}}}})",
        id, side, account, 10 * (1 + rng() % 20), 99'990 + half_ticks / 2, half_ticks % 2 ? 5 : 0, id));
  }
  return out;
}

std::vector<std::string> setup_lines() {
  std::vector<std::string> out;
  for (int a = 1; a <= 8; ++a) {
    out.push_back(R"({"jsonrpc":"2.0","id":"a","method":"admin/create_account"})");
    out.push_back(fmt::format(R"({{"jsonrpc":"2.0","id":"d","method":"admin/deposit","params":{{"account":{},"currency":"BTC","amount":100}}}})", a));
  }
  return out;
}

// What every account sees: open orders, positions, balances.
std::vector<std::string> account_answers(const std::string& strike, const fs::path& dir) {
  std::vector<std::string> q;
  for (int a = 1; a <= 8; ++a)
    for (const char* method : {"private/get_open_orders", "private/get_positions", "private/get_account_summary"})
      q.push_back(fmt::format(R"({{"jsonrpc":"2.0","id":1,"method":"{}","params":{{"account":{},"currency":"BTC"}}}})", method, a));
  return session(strike, dir, q, 0, std::nullopt);
}

TEST(ExecCrash, ResendingEveryUnansweredOrderAfterAKillAppliesEachExactlyOnce) {
  const std::string strike = STRIKE_BINARY;
  signal(SIGPIPE, SIG_IGN);
  const fs::path base = fs::temp_directory_path() / ("strike-once-" + std::to_string(getpid()));
  fs::remove_all(base);
  const std::vector<std::string> orders = make_orders(6'000);
  for (const char* run : {"clean", "crashing"}) ASSERT_EQ(session(strike, base / run, setup_lines(), 0, std::nullopt).size(), 16u);
  ASSERT_EQ(session(strike, base / "clean", orders, 0, std::nullopt).size(), orders.size());

  const std::uint64_t seed = 9090;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  std::size_t next = 0;  // the first order without an answer
  int kills = 0;
  std::size_t duplicates = 0;  // resent orders the venue had applied before the kill
  while (next < orders.size()) {
    const bool crash = kills < 12;
    const std::size_t share = (orders.size() - next) / static_cast<std::size_t>(13 - kills);
    const KillPoint at{1 + rng() % std::max<std::size_t>(share, 1), static_cast<std::uint32_t>(rng() % 200'000)};
    const auto seen = session(strike, base / "crashing", orders, next, crash ? std::optional(at) : std::nullopt);
    for (const std::string& answer : seen) duplicates += answer.find("duplicate_client_order_id") != std::string::npos;
    next += seen.size();  // resend everything unanswered, applied or not
    if (crash) ++kills;
  }
  std::printf("%d kills; %zu resent orders were refused as duplicates\n", kills, duplicates);
  EXPECT_GE(kills, 10);
  EXPECT_GT(duplicates, 0u) << "no kill fell between an order's durability and its answer: the test proved nothing";
  EXPECT_EQ(account_answers(strike, base / "crashing"), account_answers(strike, base / "clean"));
  fs::remove_all(base);
}

}  // namespace
