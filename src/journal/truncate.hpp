// Truncating a journal: the operator's explicit way past damage that recovery refuses
// (`strike journal truncate`, docs/journal.md). Recovery itself drops only a torn tail (a
// batch cut short by a crash, never acknowledged); anything else it refuses, and only this
// removes records: it keeps every record up to a sequence that ends a batch and drops the
// rest — the bytes after it in its segment, every later segment, and every snapshot after it
// (each describes a state that includes dropped records).
//
// plan_truncate() only reads. truncate_journal() takes the journal's lock (so never under a
// running venue), plans again and applies: snapshots first, then the later segments (last
// first), then the cut, each step synced. A crash part-way leaves a directory that recovery
// still refuses and the same command finishes. Control plane: allocates, may be slow.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "journal/format.hpp"

namespace strike::journal {

struct TruncatePlan {
  struct File {
    std::filesystem::path path;
    std::uint64_t bytes = 0;
    SeqNo seq{0};  // a segment's first sequence, a snapshot's sequence
  };
  SeqNo after{0};                 // the last record kept
  ChainPoint head;                // the chain after it
  std::filesystem::path segment;  // the segment that is cut (empty when none is kept)
  std::uint64_t keep_bytes = 0;   // its size after the cut
  std::uint64_t drop_bytes = 0;   // bytes cut from its end
  std::string dropped;            // what those bytes hold: intact records, then the damage found
  std::vector<File> segments_removed;   // later segments
  std::vector<File> snapshots_removed;  // snapshots after `after`

  bool changes_anything() const noexcept {
    return drop_bytes > 0 || !segments_removed.empty() || !snapshots_removed.empty();
  }
};

// What truncating after `after` would do. Errors (journal_bad_option): `after` lies inside a
// batch (the message names the batch and the two boundaries around it), the journal does not
// reach `after` or starts after it; the damage itself when it lies before `after` in the
// segment that would be cut; I/O.
Result<TruncatePlan> plan_truncate(const std::filesystem::path& data_dir, SeqNo after);

// Plans and applies under the journal's lock (journal_locked while a writer holds it).
Result<TruncatePlan> truncate_journal(const std::filesystem::path& data_dir, SeqNo after);

}  // namespace strike::journal
