// SnapshotStore: durable, verified snapshots of the engine's state in data_dir/snapshots.
//
// A snapshot is opaque bytes (the engine serialises its state, e.g. with core/byte_buffer)
// plus the sequence it follows (the state after applying every record <= follows) and an
// anchor: a chain point of the journal at or before `follows` (JournalWriter::durable_point()
// when the state was captured). The anchor binds the snapshot to one journal history:
// recovery replays from the batch after the anchor, verifying the chain from there, and
// skips records up to `follows`. A snapshot from another history does not match and is
// skipped.
//
// Writing is atomic: the bytes go to "snapshot-<follows>.snapshot.tmp", which is fsync'd,
// renamed to "snapshot-<follows>.snapshot", and the directory is fsync'd. A crash leaves
// either the previous set of snapshots or the new one; a leftover .tmp is ignored (and
// removed by prune()). Loading checks the header CRC32C, the sizes and the SHA-256 of the
// body; a broken snapshot is skipped with a message and the next older one is tried.
//
// The caller must write a snapshot only once its `follows` sequence is durable in the
// journal (durable_sequence() >= follows), or a crash could leave a snapshot ahead of the
// journal. Control plane: allocates, throws nothing, may take as long as the disk needs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "journal/format.hpp"

namespace strike::journal {

inline constexpr std::uint64_t kSnapshotMagic = 0x4E53454B49525453ull;  // bytes "STRIKESN"
inline constexpr std::size_t kSnapshotHeaderSize = 128;

struct SnapshotInfo {
  SeqNo follows{0};
  ChainPoint anchor;
  std::uint64_t size = 0;  // bytes of state
  Hash256 digest{};        // SHA-256 of the state bytes
  std::filesystem::path file;
};

struct Snapshot {
  SnapshotInfo info;
  std::vector<std::byte> state;
};

// "snapshot-00000000000000001000.snapshot"
std::string snapshot_file_name(SeqNo follows);
std::optional<SeqNo> parse_snapshot_file_name(std::string_view name) noexcept;

class SnapshotStore {
 public:
  // `sync` false skips the fsyncs (tests and benchmarks on throwaway directories).
  explicit SnapshotStore(const std::filesystem::path& data_dir, bool sync = true);

  // Writes atomically; requires anchor.seq <= follows.
  Result<SnapshotInfo> write(SeqNo follows, const ChainPoint& anchor, std::span<const std::byte> state) const;

  // Snapshot files (by name; not verified), newest first.
  Result<std::vector<std::filesystem::path>> list() const;
  // Reads and verifies one snapshot file.
  Result<Snapshot> load(const std::filesystem::path& file) const;

  struct Latest {
    std::optional<Snapshot> snapshot;   // the newest valid one with follows <= at_most
    std::vector<std::string> skipped;   // "FILE: why" for each broken newer one
  };
  Result<Latest> load_latest(SeqNo at_most = SeqNo{UINT64_MAX}) const;

  // Removes all but the newest `keep` snapshots, and leftover temporaries.
  Status<Error> prune(std::size_t keep) const;

  const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  std::filesystem::path dir_;
  bool sync_;
};

}  // namespace strike::journal
