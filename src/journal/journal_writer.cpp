#include "journal/journal_writer.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/agent_runner.hpp"

namespace strike::journal {

Result<Durability> parse_durability(std::string_view name) {
  if (name == "fsync") return Durability::fsync;
  if (name == "os") return Durability::os;
  if (name == "none") return Durability::none;
  return fail(Errc::config_bad_value, "durability '" + std::string(name) + "': expected fsync|os|none");
}

std::string_view to_string(Durability d) noexcept {
  switch (d) {
    case Durability::fsync: return "fsync";
    case Durability::os: return "os";
    case Durability::none: return "none";
  }
  return "?";
}

namespace {

Status<Error> check_options(const WriterOptions& o) {
  auto bad = [](std::string what) { return fail(Errc::journal_bad_option, std::move(what)); };
  if (o.buffer_bytes < 4096 || !std::has_single_bit(o.buffer_bytes))
    return bad(fmt::format("buffer_bytes {} must be a power of two >= 4096", o.buffer_bytes));
  if (o.max_batch_bytes > o.buffer_bytes / 2 || o.max_batch_bytes > kMaxBatchBody)
    return bad(fmt::format("max_batch_bytes {} must be <= buffer_bytes / 2 and <= 1 GiB", o.max_batch_bytes));
  if (o.max_payload_bytes + kRecordHeaderSize > o.max_batch_bytes || o.max_payload_bytes + kRecordHeaderSize > kMaxRecordBytes)
    return bad(fmt::format("max_payload_bytes {} must be <= max_batch_bytes - {}", o.max_payload_bytes, kRecordHeaderSize));
  if (o.segment_bytes < kSegmentHeaderSize + kBatchHeaderSize)
    return bad(fmt::format("segment_bytes {} is too small", o.segment_bytes));
  return {};
}

}  // namespace

JournalWriter::JournalWriter(const std::filesystem::path& data_dir, WriterOptions options)
    : dir_(data_dir / kJournalFolder),
      options_(options),
      capacity_(options.buffer_bytes),
      mask_(options.buffer_bytes - 1),
      max_payload_(options.max_payload_bytes),
      ring_(options.buffer_bytes) {}

JournalWriter::~JournalWriter() { (void)close(); }

Result<std::unique_ptr<JournalWriter>> JournalWriter::open(const std::filesystem::path& data_dir,
                                                           const JournalEnd& end, WriterOptions options) {
  if (auto st = check_options(options); !st.ok()) return fail(st.error());
  std::unique_ptr<JournalWriter> w(new JournalWriter(data_dir, options));
  w->producer_.next_seq = SeqNo{end.head.seq.raw() + 1};
  w->flushed_seq_ = end.head.seq.raw();
  w->chain_ = end.head.hash;
  w->publish(end.head);
  if (options.durability != Durability::none) {
    if (auto st = w->prepare_files(end); !st.ok()) return fail(st.error());
  }
  return w;
}

Status<Error> JournalWriter::prepare_files(const JournalEnd& end) {
  if (auto st = detail::create_directories_durably(dir_); !st.ok()) return st;
  const auto lock_path = dir_ / kLockFile;
  lock_ = detail::File(::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644));
  if (!lock_.valid()) return fail(detail::io_error("cannot open", lock_path, errno));
  if (::flock(lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return fail(Errc::journal_locked, lock_path.string());
    return fail(detail::io_error("cannot lock", lock_path, errno));
  }

  auto listed = list_segments(dir_);
  if (!listed) return fail(std::move(listed).error());
  const auto& segs = listed.value();
  const bool as_read = end.segment.empty() ? segs.empty() : (!segs.empty() && segs.back().path == end.segment);
  if (!as_read)
    return fail(Errc::journal_changed, fmt::format("{}: the last segment is not the one the reader ended in ({})",
                                                   dir_.string(), end.segment.string()));
  if (end.segment.empty()) return create_segment(SeqNo{flushed_seq_ + 1});

  struct stat st {};
  if (::stat(end.segment.c_str(), &st) != 0) return fail(detail::io_error("cannot stat", end.segment, errno));
  if (static_cast<std::uint64_t>(st.st_size) != end.file_bytes)
    return fail(Errc::journal_changed, fmt::format("{}: {} bytes, the reader saw {}", end.segment.string(),
                                                   st.st_size, end.file_bytes));
  if (end.torn && end.torn->whole_segment) {
    if (::unlink(end.segment.c_str()) != 0) return fail(detail::io_error("cannot remove torn segment", end.segment, errno));
    if (auto s = detail::fsync_directory(dir_); !s.ok()) return s;
    return create_segment(SeqNo{flushed_seq_ + 1});
  }
  segment_ = detail::File(::open(end.segment.c_str(), O_WRONLY | O_CLOEXEC));
  if (!segment_.valid()) return fail(detail::io_error("cannot open", end.segment, errno));
  if (end.torn) {
    if (::ftruncate(segment_.get(), static_cast<off_t>(end.valid_bytes)) != 0 || ::fdatasync(segment_.get()) != 0)
      return fail(detail::io_error("cannot truncate the torn tail of", end.segment, errno));
  }
  segment_path_ = end.segment;
  segment_offset_ = end.valid_bytes;
  segment_has_batches_ = end.valid_bytes > kSegmentHeaderSize;
  return {};
}

Status<Error> JournalWriter::create_segment(SeqNo first_seq) {
  const auto path = dir_ / segment_file_name(first_seq);
  detail::File f(::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644));
  if (!f.valid()) return fail(detail::io_error("cannot create segment", path, errno));
  std::array<std::byte, kSegmentHeaderSize> header{};
  encode_segment_header(SegmentHeader{first_seq, chain_}, header.data());
  if (auto st = detail::write_all_at(f.get(), path, header, 0); !st.ok()) return st;
  if (options_.durability == Durability::fsync) {
    if (::fdatasync(f.get()) != 0) return fail(detail::io_error("cannot fdatasync", path, errno));
    if (auto st = detail::fsync_directory(dir_); !st.ok()) return st;
  }
  segment_ = std::move(f);
  segment_path_ = path;
  segment_offset_ = kSegmentHeaderSize;
  segment_has_batches_ = false;
  published_.segments.fetch_add(1, std::memory_order_relaxed);
  return {};
}

void JournalWriter::copy_out(std::uint64_t pos, std::byte* dst, std::size_t n) const noexcept {
  const std::size_t at = static_cast<std::size_t>(pos & mask_);
  const std::size_t first = std::min(n, capacity_ - at);
  std::memcpy(dst, &ring_[at], first);
  if (first < n) std::memcpy(dst + first, &ring_[0], n - first);
}

Status<Error> JournalWriter::injected_write_fault(const std::byte* header, std::span<const std::byte> body1,
                                                  std::span<const std::byte> body2) {
  IoFaults& f = *options_.faults;
  if (f.writes.fetch_add(1, std::memory_order_relaxed) + 1 != f.fail_write) return {};
  std::vector<std::byte> batch(header, header + kBatchHeaderSize);
  batch.insert(batch.end(), body1.begin(), body1.end());
  batch.insert(batch.end(), body2.begin(), body2.end());
  const std::size_t written = std::min<std::size_t>(batch.size(), f.short_write_bytes);
  if (auto st = detail::write_all_at(segment_.get(), segment_path_, std::span(batch).first(written), segment_offset_);
      !st.ok())
    return st;
  return fail(detail::io_error(fmt::format("cannot write a {}-byte batch at offset {} of", batch.size(),
                                           segment_offset_ + written),
                               segment_path_, f.error));
}

Status<Error> JournalWriter::write_batch(const std::byte* header, std::span<const std::byte> body1,
                                         std::span<const std::byte> body2) {
  if (options_.faults != nullptr) [[unlikely]] {
    if (auto st = injected_write_fault(header, body1, body2); !st.ok()) return st;
  }
  iovec iov[3] = {{const_cast<std::byte*>(header), kBatchHeaderSize},
                  {const_cast<std::byte*>(body1.data()), body1.size()},
                  {const_cast<std::byte*>(body2.data()), body2.size()}};
  int count = body2.empty() ? 2 : 3;
  iovec* v = iov;
  std::uint64_t offset = segment_offset_;
  const std::uint64_t total = kBatchHeaderSize + body1.size() + body2.size();
  std::uint64_t left = total;
  while (left > 0) {
    const ssize_t n = ::pwritev(segment_.get(), v, count, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(detail::io_error(fmt::format("cannot write a {}-byte batch at offset {} of", total, offset),
                                   segment_path_, errno));
    }
    auto done = static_cast<std::size_t>(n);
    offset += done;
    left -= done;
    while (count > 0 && done >= v->iov_len) {  // drop the iovecs written in full
      done -= v->iov_len;
      ++v;
      --count;
    }
    if (count > 0) {
      v->iov_base = static_cast<char*>(v->iov_base) + done;
      v->iov_len -= done;
    }
  }
  if (options_.durability == Durability::fsync) {
    if (options_.faults != nullptr &&
        options_.faults->syncs.fetch_add(1, std::memory_order_relaxed) + 1 == options_.faults->fail_sync) [[unlikely]]
      return fail(detail::io_error("cannot fdatasync", segment_path_, options_.faults->error));
    if (::fdatasync(segment_.get()) != 0) return fail(detail::io_error("cannot fdatasync", segment_path_, errno));
    published_.syncs.fetch_add(1, std::memory_order_relaxed);
  }
  segment_offset_ = offset;
  segment_has_batches_ = true;
  published_.bytes.fetch_add(total, std::memory_order_relaxed);
  return {};
}

int JournalWriter::do_work() noexcept {
  if (published_.failed.load(std::memory_order_relaxed)) return 0;
  const std::uint64_t tail = producer_.tail.load(std::memory_order_acquire);
  const std::uint64_t head = consumer_.head.load(std::memory_order_relaxed);
  if (tail == head) return 0;

  // The batch: whole records from head, up to max_batch_bytes (at least one record).
  std::uint64_t end = head;
  std::uint32_t count = 0;
  while (end < tail) {
    std::byte len_bytes[4];
    copy_out(end + 4, len_bytes, 4);
    const std::uint32_t len = load_le<std::uint32_t>(len_bytes);
    if (count > 0 && end + len - head > options_.max_batch_bytes) break;
    end += len;
    ++count;
  }
  const auto body_size = static_cast<std::size_t>(end - head);
  const std::size_t at = static_cast<std::size_t>(head & mask_);
  const std::size_t first_part = std::min(body_size, capacity_ - at);
  const std::span<const std::byte> body1(&ring_[at], first_part);
  const std::span<const std::byte> body2(&ring_[0], body_size - first_part);

  BatchHeader batch{static_cast<std::uint32_t>(body_size), count, SeqNo{flushed_seq_ + 1}, {}};
  std::array<std::byte, kBatchHeaderSize> header{};
  encode_batch_header(batch, header.data());  // the hashed prefix does not depend on the chain
  batch.chain = chain_after(sha_, chain_, header.data(), body1, body2);
  encode_batch_header(batch, header.data());

  if (options_.durability != Durability::none) {
    if (segment_has_batches_ && segment_offset_ >= options_.segment_bytes) {
      if (auto st = create_segment(batch.first_seq); !st.ok()) {
        fail_with(st.error());
        return 0;
      }
    }
    if (auto st = write_batch(header.data(), body1, body2); !st.ok()) {
      fail_with(st.error());
      return 0;
    }
  }
  chain_ = batch.chain;
  flushed_seq_ = batch.last_seq().raw();
  consumer_.head.store(end, std::memory_order_release);  // the ring space is free again
  publish(ChainPoint{batch.last_seq(), chain_});
  published_.batches.fetch_add(1, std::memory_order_relaxed);
  published_.records.fetch_add(count, std::memory_order_relaxed);
  return static_cast<int>(count);
}

// A seqlock without fences (ThreadSanitizer does not model them): the data words are
// stored with release and loaded with acquire, so a reader that sees any word of a write in
// progress also sees the odd version that began it, and retries.
void JournalWriter::publish(const ChainPoint& point) noexcept {
  const std::uint64_t v = published_.version.load(std::memory_order_relaxed);
  published_.version.store(v + 1, std::memory_order_relaxed);
  published_.point_seq.store(point.seq.raw(), std::memory_order_release);
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t word;
    std::memcpy(&word, point.hash.data() + 8 * i, 8);
    published_.point_hash[i].store(word, std::memory_order_release);
  }
  published_.version.store(v + 2, std::memory_order_release);
  published_.durable.store(point.seq.raw(), std::memory_order_release);
}

ChainPoint JournalWriter::durable_point() const noexcept {
  for (;;) {
    const std::uint64_t v1 = published_.version.load(std::memory_order_acquire);
    if (v1 & 1) {
      cpu_relax();
      continue;
    }
    ChainPoint p;
    p.seq = SeqNo{published_.point_seq.load(std::memory_order_acquire)};
    for (std::size_t i = 0; i < 4; ++i) {
      const std::uint64_t word = published_.point_hash[i].load(std::memory_order_acquire);
      std::memcpy(p.hash.data() + 8 * i, &word, 8);
    }
    if (published_.version.load(std::memory_order_relaxed) == v1) return p;
  }
}

void JournalWriter::fail_with(Error e) noexcept {
  failure_ = std::move(e);
  published_.failed.store(true, std::memory_order_release);
}

const Error& JournalWriter::failure() const noexcept {
  STRIKE_ASSERT(failed(), "failure() of a writer that has not failed");
  return failure_;
}

WriterStats JournalWriter::stats() const noexcept {
  return {published_.batches.load(std::memory_order_relaxed), published_.records.load(std::memory_order_relaxed),
          published_.bytes.load(std::memory_order_relaxed), published_.syncs.load(std::memory_order_relaxed),
          published_.segments.load(std::memory_order_relaxed)};
}

bool JournalWriter::wait_durable(SeqNo seq, IdleStrategy idle) const noexcept {
  while (durable_sequence() < seq) {
    if (failed()) return false;
    idle.idle();
  }
  return true;
}

struct JournalWriter::FlusherThread {
  struct Agent {
    JournalWriter& writer;
    int do_work() noexcept { return writer.do_work(); }
  };
  Agent agent;
  AgentRunner<Agent> runner;
  FlusherThread(JournalWriter& w, IdleStrategy idle) : agent{w}, runner(agent, idle, "journal") {}
};

void JournalWriter::start_flusher(IdleStrategy idle) {
  STRIKE_ASSERT(!flusher_ && !closed_, "start_flusher() twice or after close()");
  flusher_ = std::make_unique<FlusherThread>(*this, idle);
  flusher_->runner.start();
}

Status<Error> JournalWriter::close() {
  if (closed_) return failed() ? Status<Error>(fail(failure_)) : Status<Error>{};
  closed_ = true;
  if (flusher_) flusher_->runner.stop();
  flusher_.reset();
  while (!failed() && consumer_.head.load(std::memory_order_relaxed) != producer_.tail.load(std::memory_order_relaxed))
    (void)do_work();
  segment_.reset();
  lock_.reset();
  if (failed()) return fail(failure_);
  return {};
}

}  // namespace strike::journal
