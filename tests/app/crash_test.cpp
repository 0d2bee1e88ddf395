// The crash test of `strike exec`: a long stream of commands, the process killed with SIGKILL
// at random moments (at least 20 times) and restarted on the same data directory each time.
// - Every response printed before a kill is reflected in the recovered state (the recovered
//   sequence is at least the number of responses seen) and is byte-identical to what a run
//   without crashes prints for that request.
// - The final state hash equals that of a clean run of the same commands, and `strike replay`.
// The stream holds only commands (one journal sequence each), so after a restart the
// recovered sequence says exactly which line to send next.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
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

// Reads whole lines from fd until EOF or the deadline; returns them.
std::vector<std::string> read_lines(int fd, std::string& partial, std::chrono::steady_clock::time_point deadline,
                                    std::size_t want, std::atomic<std::size_t>* progress = nullptr) {
  std::vector<std::string> lines;
  fcntl(fd, F_SETFL, O_NONBLOCK);
  char buf[65536];
  while (std::chrono::steady_clock::now() < deadline && lines.size() < want) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    partial.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = partial.find('\n')) != std::string::npos;) {
      lines.push_back(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
    if (progress) progress->store(lines.size(), std::memory_order_release);
  }
  return lines;
}

constexpr std::size_t kWindow = 128;

// When to kill a process: after it has printed `responses` answers, and `then` later (so the
// kill also lands between a command's durability and its answer). Counting answers rather
// than time makes the kills fall at random points of the stream on any machine.
struct KillPoint {
  std::size_t responses = 0;
  std::chrono::microseconds then{0};
};

// Runs one process: sends lines[from..], reads responses until the kill point (or all), then
// kills it (SIGKILL) or closes its input. Returns the responses seen.
std::vector<std::string> session(const std::string& strike, const fs::path& dir, const std::vector<std::string>& lines,
                                 std::size_t from, std::optional<KillPoint> kill_at) {
  Child c = spawn(strike, dir);
  std::atomic<std::size_t> answered{0};
  std::atomic<bool> done{false};  // the process is gone: stop feeding
  std::thread feeder([&] {
    for (std::size_t i = from; i < lines.size(); ++i) {
      // At most kWindow requests in flight: a kill then finds at most that many applied but
      // unanswered, however fast the machine, so the stream lasts for every planned kill.
      while (i - from >= answered.load(std::memory_order_acquire) + kWindow) {
        if (done.load(std::memory_order_acquire)) return;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
      const std::string l = lines[i] + "\n";
      if (write(c.in, l.data(), l.size()) != static_cast<ssize_t>(l.size())) return;  // killed
    }
    if (!kill_at) close(c.in);
  });
  std::string partial;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  std::vector<std::string> seen =
      read_lines(c.out, partial, deadline, kill_at ? kill_at->responses : lines.size() - from, &answered);
  if (kill_at) {
    std::this_thread::sleep_for(kill_at->then);
    kill(c.pid, SIGKILL);
  }
  int status = 0;
  waitpid(c.pid, &status, 0);
  done.store(true, std::memory_order_release);
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
    const KillPoint at{1 + rng() % std::max<std::size_t>(share, 1), std::chrono::microseconds(rng() % 500)};
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

}  // namespace
