// JournalWriter: appends records to the journal with group commit and reports how far they
// are durable.
//
// Two sides, each used by one thread:
//   producer (the sequencer): append() frames a record (header + payload + CRC32C) into a
//     preallocated in-memory ring and returns its sequence number at once. It never blocks
//     and never allocates; when the ring is full it returns back_pressured.
//   flusher (its own thread: start_flusher(), or any agent loop calling do_work()): takes
//     every record appended so far (up to max_batch_bytes) as one batch, hashes it onto the
//     chain, writes it with one pwritev, and in `fsync` mode fdatasyncs it; then it publishes
//     durable_sequence(). Batches therefore grow with the load and the disk's latency
//     ("smart batching"): one fsync covers everything that arrived during the previous one.
// Segments rotate when one reaches segment_bytes (checked before each batch).
//
// Durability modes:
//   fsync  (default) durable_sequence() covers a record only once its batch is fdatasync'd;
//          segment creation also fsyncs the directory. Survives power loss.
//   os     durable once written to the OS (page cache): survives a crash of the process,
//          not of the machine.
//   none   benchmarks only: records are framed and hashed but never written; nothing
//          survives the process, and no file is created.
//
// The sequencer releases a command's results only when durable_sequence() >= its sequence
// (see docs/journal.md for the whole loop). An I/O error (ENOSPC, EIO, a failed fdatasync)
// stops the flusher for good: durable_sequence() stops advancing, append() returns `failed`,
// failure() says why; the process must restart and recover (after an fsync error the OS may
// have dropped the data). The batch that failed was never reported durable; what it left in
// the file is a prefix of it (a torn tail, truncated at recovery) or, after a failed
// fdatasync, possibly all of it.
//
// Costs (docs/benchmarks.md, ## journal): framing, CRC32C and SHA-256 of a 64-byte-payload
// record take ~100 ns of CPU together, about two thirds of it the flusher's SHA-256; append
// itself is a CRC32C and a copy into the ring. Memory: buffer_bytes, allocated and touched
// once at open.
#pragma once

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "core/byte_buffer.hpp"
#include "core/cache_line.hpp"
#include "core/idle_strategy.hpp"
#include "core/result.hpp"
#include "journal/file_util.hpp"
#include "journal/format.hpp"
#include "journal/journal_reader.hpp"

namespace strike::journal {

enum class Durability : std::uint8_t { fsync, os, none };
// "fsync" | "os" | "none"; anything else is config_bad_value.
Result<Durability> parse_durability(std::string_view name);
std::string_view to_string(Durability d) noexcept;

// Test seam: makes the writer's I/O fail on cue, as a full or failing disk does, so tests of
// ENOSPC and EIO handling are deterministic rather than timed. The flusher counts its batch
// writes and batch fdatasyncs (from 1); the call whose count equals a trigger fails with
// `error`. A failing write first writes `short_write_bytes` of its batch, as a disk that fills
// up in the middle of a batch does. Production passes nullptr: one untaken branch per batch.
struct IoFaults {
  std::uint64_t fail_write = 0;         // the n-th batch write fails (0: none)
  std::uint64_t short_write_bytes = 0;  // bytes of that batch written before it fails
  std::uint64_t fail_sync = 0;          // the n-th batch fdatasync fails (0: none)
  int error = ENOSPC;
  std::atomic<std::uint64_t> writes{0}, syncs{0};  // counted by the flusher
};

struct WriterOptions {
  Durability durability = Durability::fsync;
  std::uint64_t segment_bytes = 128ull << 20;  // rotate once a segment reaches this size
  std::size_t buffer_bytes = 16u << 20;        // the append ring; a power of two
  std::size_t max_batch_bytes = 4u << 20;      // largest group commit (<= buffer_bytes / 2)
  std::size_t max_payload_bytes = 1u << 20;    // largest record payload (<= max_batch_bytes - 28)
  IoFaults* faults = nullptr;                  // tests only; must outlive the writer
};

enum class AppendStatus : std::uint8_t {
  ok,
  back_pressured,  // the ring is full: the flusher is behind; retry after it makes progress
  too_large,       // payload > max_payload_bytes
  failed,          // the writer stopped after an I/O error (failure())
};

struct AppendResult {
  AppendStatus status = AppendStatus::ok;
  SeqNo seq{0};  // the record's sequence when ok
  bool ok() const noexcept { return status == AppendStatus::ok; }
};

struct WriterStats {
  std::uint64_t batches = 0;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;     // bytes written, headers included
  std::uint64_t syncs = 0;     // fdatasync calls
  std::uint64_t segments = 0;  // segment files created
};

class JournalWriter {
 public:
  // Opens the journal of data_dir for appending after `end` (from a JournalReader that read
  // to the end, normally via Recovery). Takes the directory's lock (journal_locked if another
  // writer holds it), checks the files are as the reader saw them (journal_changed if not),
  // truncates a torn tail or removes a torn last segment, and creates the first segment of
  // an empty journal. In `none` mode no file is touched.
  static Result<std::unique_ptr<JournalWriter>> open(const std::filesystem::path& data_dir, const JournalEnd& end,
                                                     WriterOptions options = {});
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // --- producer thread ---------------------------------------------------------------
  [[nodiscard]] AppendResult append(Timestamp time, std::uint16_t type, std::span<const std::byte> payload) noexcept {
    if (payload.size() > max_payload_) [[unlikely]] return {AppendStatus::too_large, SeqNo{0}};
    if (published_.failed.load(std::memory_order_relaxed)) [[unlikely]] return {AppendStatus::failed, SeqNo{0}};
    const std::uint64_t size = kRecordHeaderSize + payload.size();
    const std::uint64_t tail = producer_.tail.load(std::memory_order_relaxed);
    if (capacity_ - (tail - producer_.head_cache) < size) {
      producer_.head_cache = consumer_.head.load(std::memory_order_acquire);
      if (capacity_ - (tail - producer_.head_cache) < size) return {AppendStatus::back_pressured, SeqNo{0}};
    }
    const SeqNo seq = producer_.next_seq;
    std::array<std::byte, kRecordHeaderSize> header;
    store_le<std::uint32_t>(header.data(), encode_record_header(seq, time, type, payload, header.data()));
    copy_in(tail, header.data(), header.size());
    copy_in(tail + header.size(), payload.data(), payload.size());
    producer_.tail.store(tail + size, std::memory_order_release);
    producer_.next_seq = SeqNo{seq.raw() + 1};
    return {AppendStatus::ok, seq};
  }
  // The sequence the next append will get.
  SeqNo next_sequence() const noexcept { return producer_.next_seq; }

  // --- any thread ----------------------------------------------------------------------
  // Every record with a sequence <= this is durable (per the durability mode).
  SeqNo durable_sequence() const noexcept { return SeqNo{published_.durable.load(std::memory_order_acquire)}; }
  // The chain after the last durable batch: a snapshot's anchor.
  ChainPoint durable_point() const noexcept;
  bool failed() const noexcept { return published_.failed.load(std::memory_order_acquire); }
  const Error& failure() const noexcept;  // only once failed()
  WriterStats stats() const noexcept;
  Durability durability() const noexcept { return options_.durability; }
  // Waits (idling) until `seq` is durable; false if the writer failed first. Needs the
  // flusher running on another thread.
  bool wait_durable(SeqNo seq, IdleStrategy idle = IdleStrategy::park()) const noexcept;

  // --- flusher -------------------------------------------------------------------------
  // One group commit: returns the number of records made durable (0 if none were pending).
  int do_work() noexcept;
  // Runs do_work() on a thread named "journal" until close().
  void start_flusher(IdleStrategy idle = IdleStrategy::park());

  // --- owner ---------------------------------------------------------------------------
  // Stops the flusher thread, makes everything appended durable, closes the files and
  // releases the lock. Idempotent. Do not append after close().
  Status<Error> close();

 private:
  explicit JournalWriter(const std::filesystem::path& data_dir, WriterOptions options);

  void copy_in(std::uint64_t pos, const std::byte* src, std::size_t n) noexcept {
    if (n == 0) return;  // an empty payload's data() may be null
    const std::size_t at = static_cast<std::size_t>(pos & mask_);
    const std::size_t first = n < capacity_ - at ? n : capacity_ - at;
    std::memcpy(&ring_[at], src, first);
    if (first < n) std::memcpy(&ring_[0], src + first, n - first);
  }
  void copy_out(std::uint64_t pos, std::byte* dst, std::size_t n) const noexcept;
  Status<Error> prepare_files(const JournalEnd& end);
  Status<Error> create_segment(SeqNo first_seq);
  Status<Error> write_batch(const std::byte* header, std::span<const std::byte> body1, std::span<const std::byte> body2);
  Status<Error> injected_write_fault(const std::byte* header, std::span<const std::byte> body1,
                                     std::span<const std::byte> body2);
  void publish(const ChainPoint& point) noexcept;
  void fail_with(Error e) noexcept;

  struct alignas(kCacheLinePad) Producer {
    std::atomic<std::uint64_t> tail{0};
    std::uint64_t head_cache = 0;
    SeqNo next_seq{1};
  };
  struct alignas(kCacheLinePad) Consumer {
    std::atomic<std::uint64_t> head{0};
  };
  // Written by the flusher once per batch, read by anyone. The chain point is a seqlock of
  // atomic words (version odd while it is being written).
  struct alignas(kCacheLinePad) Published {
    std::atomic<std::uint64_t> durable{0};
    std::atomic<std::uint64_t> version{0};
    std::atomic<std::uint64_t> point_seq{0};
    std::array<std::atomic<std::uint64_t>, 4> point_hash{};
    std::atomic<bool> failed{false};
    std::atomic<std::uint64_t> batches{0}, records{0}, bytes{0}, syncs{0}, segments{0};
  };

  Producer producer_;
  Consumer consumer_;
  Published published_;

  // Read-only after open.
  std::filesystem::path dir_;
  WriterOptions options_;
  std::size_t capacity_;
  std::uint64_t mask_;
  std::size_t max_payload_;
  CacheAlignedArray<std::byte> ring_;

  // Flusher-only state.
  Sha256 sha_;
  Hash256 chain_{};
  std::uint64_t flushed_seq_ = 0;
  detail::File segment_;
  std::filesystem::path segment_path_;
  std::uint64_t segment_offset_ = 0;
  bool segment_has_batches_ = false;
  Error failure_;

  detail::File lock_;
  struct FlusherThread;  // an AgentRunner over do_work() (defined in the .cpp)
  std::unique_ptr<FlusherThread> flusher_;
  bool closed_ = false;
};

}  // namespace strike::journal
