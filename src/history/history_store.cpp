#include "history/history_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/agent_runner.hpp"
#include "core/crc32c.hpp"

namespace strike::history {
namespace {

constexpr std::uint32_t kVersion = 1;

Error io_error(std::string_view what, const std::filesystem::path& file, int err) {
  return Error{Errc::journal_io, fmt::format("{} {}: {}", what, file.string(), std::strerror(err))};
}

template <class T>
void put(std::byte* at, T v) {
  std::memcpy(at, &v, sizeof v);  // x86-64: little-endian
}
template <class T>
T get(const std::byte* at) {
  T v;
  std::memcpy(&v, at, sizeof v);
  return v;
}

std::array<std::byte, HistoryStore::kHeaderSize> header() {
  std::array<std::byte, HistoryStore::kHeaderSize> h{};
  std::memcpy(h.data(), "STRKHIST", 8);
  put<std::uint32_t>(h.data() + 8, kVersion);
  put<std::uint32_t>(h.data() + 12, HistoryStore::kRecordSize);
  put<std::uint32_t>(h.data() + 60, crc32c(h.data(), 60));
  return h;
}

//  0 index u64 | 8 prev u64 | 16 seq u64 | 24 time i64 | 32 account u64 | 40 trade_id u64
// 48 amount i64 | 56 fee i64 | 64 balance_after i64 | 72 entry_no u64 | 80 instrument u32
// 84 currency u16 | 86 reason u8 | 87..91 zero | 92 crc32c of [0, 92)
void encode(const clearing::LedgerEntry& e, std::byte* r) {
  std::memset(r, 0, HistoryStore::kRecordSize);
  put<std::uint64_t>(r + 0, e.index);
  put<std::uint64_t>(r + 8, e.prev);
  put<std::uint64_t>(r + 16, e.ref.seq.raw());
  put<std::int64_t>(r + 24, e.ref.time.ns());
  put<std::uint64_t>(r + 32, e.account.raw());
  put<std::uint64_t>(r + 40, e.ref.trade_id);
  put<std::int64_t>(r + 48, e.amount);
  put<std::int64_t>(r + 56, e.fee);
  put<std::int64_t>(r + 64, e.balance_after);
  put<std::uint64_t>(r + 72, e.entry_no);
  put<std::uint32_t>(r + 80, e.ref.instrument.raw());
  put<std::uint16_t>(r + 84, e.currency.raw());
  put<std::uint8_t>(r + 86, static_cast<std::uint8_t>(e.reason));
  put<std::uint32_t>(r + 92, crc32c(r, 92));
}

std::optional<clearing::LedgerEntry> decode(const std::byte* r, std::uint64_t index) {
  if (get<std::uint32_t>(r + 92) != crc32c(r, 92) || get<std::uint64_t>(r) != index) return std::nullopt;
  const auto reason = get<std::uint8_t>(r + 86);
  if (reason > static_cast<std::uint8_t>(clearing::EntryReason::rounding)) return std::nullopt;
  clearing::LedgerEntry e;
  e.index = index;
  e.prev = get<std::uint64_t>(r + 8);
  e.ref.seq = SeqNo{get<std::uint64_t>(r + 16)};
  e.ref.time = Timestamp::from_ns(get<std::int64_t>(r + 24));
  e.account = AccountId{get<std::uint64_t>(r + 32)};
  e.ref.trade_id = get<std::uint64_t>(r + 40);
  e.amount = get<std::int64_t>(r + 48);
  e.fee = get<std::int64_t>(r + 56);
  e.balance_after = get<std::int64_t>(r + 64);
  e.entry_no = get<std::uint64_t>(r + 72);
  e.ref.instrument = InstrumentId{get<std::uint32_t>(r + 80)};
  e.currency = CurrencyId{get<std::uint16_t>(r + 84)};
  e.reason = static_cast<clearing::EntryReason>(reason);
  return e;
}

Status<Error> pread_all(int fd, const std::filesystem::path& file, std::byte* out, std::size_t n, std::uint64_t at) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, out, n, static_cast<off_t>(at));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return fail(io_error("cannot read", file, r < 0 ? errno : EIO));
    out += r;
    n -= static_cast<std::size_t>(r);
    at += static_cast<std::uint64_t>(r);
  }
  return {};
}

Status<Error> pwrite_all(int fd, const std::filesystem::path& file, const std::byte* in, std::size_t n, std::uint64_t at) {
  while (n > 0) {
    const ssize_t r = ::pwrite(fd, in, n, static_cast<off_t>(at));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(io_error("cannot write", file, errno));
    in += r;
    n -= static_cast<std::size_t>(r);
    at += static_cast<std::uint64_t>(r);
  }
  return {};
}

}  // namespace

struct HistoryStore::Runner {
  AgentRunner<HistoryStore> agent;
};

HistoryStore::HistoryStore() = default;

Result<std::unique_ptr<HistoryStore>> HistoryStore::open(const std::filesystem::path& data_dir, HistoryOptions options) {
  std::unique_ptr<HistoryStore> h(new HistoryStore());
  h->options_ = options;
  if (options.in_memory) return h;
  const auto dir = data_dir / "history";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(Errc::journal_io, fmt::format("create {}: {}", dir.string(), ec.message()));
  h->file_ = dir / "ledger.history";
  h->fd_ = ::open(h->file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (h->fd_ < 0) return fail(io_error("cannot open", h->file_, errno));
  struct stat st {};
  if (::fstat(h->fd_, &st) != 0) return fail(io_error("cannot stat", h->file_, errno));
  const auto expected = header();
  if (static_cast<std::uint64_t>(st.st_size) < kHeaderSize) {
    // New (or cut short while being created): start it.
    if (::ftruncate(h->fd_, 0) != 0) return fail(io_error("cannot truncate", h->file_, errno));
    if (auto w = pwrite_all(h->fd_, h->file_, expected.data(), expected.size(), 0); !w) return fail(w.error());
    if (options.sync && ::fsync(h->fd_) != 0) return fail(io_error("cannot fsync", h->file_, errno));
  } else {
    std::array<std::byte, kHeaderSize> got{};
    if (auto r = pread_all(h->fd_, h->file_, got.data(), got.size(), 0); !r) return fail(r.error());
    if (got != expected) return fail(Errc::snapshot_corrupt, fmt::format("{}: not a strike history file of version {}", h->file_.string(), kVersion));
    // Drop a record cut short, and any damaged records at the end (the journal rebuilds them).
    std::uint64_t n = (static_cast<std::uint64_t>(st.st_size) - kHeaderSize) / kRecordSize;
    std::array<std::byte, kRecordSize> r{};
    while (n > 0) {
      if (auto read = pread_all(h->fd_, h->file_, r.data(), r.size(), kHeaderSize + (n - 1) * kRecordSize); !read)
        return fail(read.error());
      if (decode(r.data(), n - 1)) break;
      --n;
    }
    if (auto t = h->truncate(n); !t) return fail(t.error());
  }
  return h;
}

void HistoryStore::start() {
  if (options_.in_memory || runner_) return;
  if (!ring_) ring_ = std::make_unique<SpscRing<clearing::LedgerEntry>>(kRing);
  runner_.reset(new Runner{AgentRunner<HistoryStore>(*this, options_.idle, "history")});
  runner_->agent.start();
}

HistoryStore::~HistoryStore() {
  (void)close();
  if (fd_ >= 0) ::close(fd_);
}

Status<Error> HistoryStore::truncate(std::uint64_t size) {
  STRIKE_ASSERT((!ring_ || ring_->size_approx() == 0) && durable() == size_, "history truncated while writing");
  if (!options_.in_memory && ::ftruncate(fd_, static_cast<off_t>(kHeaderSize + size * kRecordSize)) != 0)
    return fail(io_error("cannot truncate", file_, errno));
  size_ = size;
  tail_begin_ = size;
  durable_.store(size, std::memory_order_release);
  return {};
}

void HistoryStore::append(std::span<const clearing::LedgerEntry> entries) noexcept {
  if (entries.empty()) return;
  if (tail_.empty()) tail_.resize(kTail);
  for (const clearing::LedgerEntry& e : entries) {
    STRIKE_ASSERT(e.index == size_, "history entry {} appended at {}", e.index, size_);
    tail_[size_ % kTail] = e;
    ++size_;
    if (size_ - tail_begin_ > kTail) tail_begin_ = size_ - kTail;
  }
  if (options_.in_memory) {
    durable_.store(size_, std::memory_order_release);
    return;
  }
  STRIKE_ASSERT(ring_ != nullptr, "history appended before start()");
  while (!entries.empty()) {
    const std::size_t n = ring_->try_push_n(entries);
    entries = entries.subspan(n);
    if (n == 0) cpu_relax();  // the writer is a full ring behind: wait for it
  }
}

Result<std::optional<clearing::LedgerEntry>> HistoryStore::entry(std::uint64_t index) const {
  if (index >= size_) return std::optional<clearing::LedgerEntry>{};
  if (index >= tail_begin_) return std::optional{tail_[index % kTail]};
  if (options_.in_memory) return std::optional<clearing::LedgerEntry>{};
  STRIKE_ASSERT(index < durable(), "history entry {} neither in memory nor written ({})", index, durable());
  std::array<std::byte, kRecordSize> r{};
  if (auto read = pread_all(fd_, file_, r.data(), r.size(), kHeaderSize + index * kRecordSize); !read) return fail(read.error());
  auto e = decode(r.data(), index);
  if (!e) return fail(Errc::journal_corrupt, fmt::format("{}: record {} is damaged", file_.string(), index));
  return std::optional{*e};
}

int HistoryStore::do_work() {
  if (failed()) return 0;
  write_buffer_.resize(kBatch * kRecordSize);
  std::size_t n = 0;
  if (!ring_) return 0;
  ring_->drain([&](const clearing::LedgerEntry& e) { encode(e, write_buffer_.data() + n++ * kRecordSize); }, kBatch);
  if (n == 0) return 0;
  const std::uint64_t first = durable();
  auto w = pwrite_all(fd_, file_, write_buffer_.data(), n * kRecordSize, kHeaderSize + first * kRecordSize);
  if (w && options_.sync && ::fdatasync(fd_) != 0) w = fail(io_error("cannot fdatasync", file_, errno));
  if (!w) {
    error_ = w.error();
    failed_.store(true, std::memory_order_release);
    return 0;
  }
  durable_.store(first + n, std::memory_order_release);
  return static_cast<int>(n);
}

Status<Error> HistoryStore::close() {
  if (runner_) runner_->agent.stop();
  runner_.reset();
  if (options_.in_memory || fd_ < 0) return {};
  while (!failed() && do_work() > 0) {
  }
  if (error_) return fail(*error_);
  return {};
}

}  // namespace strike::history
