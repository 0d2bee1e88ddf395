#include "journal/truncate.hpp"

#include <algorithm>
#include <cerrno>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include "journal/file_util.hpp"
#include "journal/journal_reader.hpp"
#include "journal/segment_scanner.hpp"
#include "journal/snapshot_store.hpp"

namespace strike::journal {
namespace {

Error bad(std::string what) { return Error{Errc::journal_bad_option, std::move(what)}; }

// Scans the segment that holds `after` up to it: it must be intact to there and `after` must
// end a batch. Fills the cut and what lies beyond it.
Status<Error> plan_cut(const SegmentFile& seg, SeqNo after, TruncatePlan& plan) {
  auto mapped = detail::MappedFile::open(seg.path);
  if (!mapped) return fail(std::move(mapped).error());
  const auto image = mapped->bytes();
  SegmentScanner scan(image, seg.path.string(), SegmentScanner::Options{true, true});
  if (auto st = scan.open(); !st.ok())
    return fail(st.error().code, fmt::format("cannot keep records up to seq {}: {}", after.raw(), st.error().detail));
  if (scan.torn())
    return fail(bad(fmt::format("{}: the segment header is cut short, so the segment holds no record; the journal ends "
                                "before seq {}",
                                seg.path.string(), after.raw())));
  RecordView r;
  ReadStatus st;
  SeqNo batch_first{0};
  std::uint64_t batch_offset = 0, batch_end = kSegmentHeaderSize;
  while ((st = scan.next(r)) == ReadStatus::record) {
    if (scan.valid_end() != batch_end) {  // the first record of a batch
      batch_first = r.seq;
      batch_offset = batch_end;
      batch_end = scan.valid_end();
    }
    if (r.seq >= after) break;
  }
  if (st == ReadStatus::error)
    return fail(scan.error().code,
                fmt::format("cannot keep records up to seq {}: the batch holding it, or one before it, is damaged: {}; "
                            "the intact journal ends at seq {} (--after {})",
                            after.raw(), scan.error().detail, scan.head().seq.raw(), scan.head().seq.raw()));
  if (st == ReadStatus::end)
    return fail(bad(fmt::format("{}: the journal ends at seq {}, before seq {}", seg.path.string(),
                                scan.head().seq.raw(), after.raw())));
  if (scan.head().seq != after)
    return fail(bad(fmt::format("seq {} is inside batch {}..{} (at offset {} of {}); a journal is cut between batches: "
                                "--after {} or --after {}",
                                after.raw(), batch_first.raw(), scan.head().seq.raw(), batch_offset, seg.path.string(),
                                batch_first.raw() - 1, scan.head().seq.raw())));
  plan.segment = seg.path;
  plan.head = scan.head();
  plan.keep_bytes = scan.valid_end();
  plan.drop_bytes = image.size() - plan.keep_bytes;
  // What the dropped bytes hold: intact batches, then whatever stopped the scan.
  SeqNo last_intact = after;
  while ((st = scan.next(r)) == ReadStatus::record) last_intact = r.seq;
  std::vector<std::string> parts;
  if (last_intact > after) parts.push_back(fmt::format("records {}..{} intact", after.raw() + 1, last_intact.raw()));
  if (st == ReadStatus::error) parts.push_back("then " + scan.error().detail);
  if (const auto& t = scan.torn()) parts.push_back(fmt::format("then a torn tail at offset {} ({})", t->offset, t->reason));
  for (std::size_t i = 0; i < parts.size(); ++i) plan.dropped += (i == 0 ? "" : ", ") + parts[i];
  return {};
}

}  // namespace

Result<TruncatePlan> plan_truncate(const std::filesystem::path& data_dir, SeqNo after) {
  const auto dir = data_dir / kJournalFolder;
  auto listed = list_segments(dir);
  if (!listed) return fail(std::move(listed).error());
  const auto& segs = listed.value();
  TruncatePlan plan;
  plan.after = after;
  std::size_t kept = 0;  // segments kept, the last of them cut
  if (after.raw() > 0) {
    const auto it = std::upper_bound(segs.begin(), segs.end(), after.raw(),
                                     [](std::uint64_t s, const SegmentFile& f) { return s < f.first_seq.raw(); });
    if (segs.empty()) return fail(bad(fmt::format("{}: no journal segments: there is no seq {} to keep", dir.string(), after.raw())));
    if (it == segs.begin())
      return fail(bad(fmt::format("{}: the journal starts at seq {}, after seq {}", segs.front().path.string(),
                                  segs.front().first_seq.raw(), after.raw())));
    kept = static_cast<std::size_t>(it - segs.begin());
    if (auto st = plan_cut(segs[kept - 1], after, plan); !st.ok()) return fail(st.error());
  }
  std::error_code ec;
  for (std::size_t i = kept; i < segs.size(); ++i)
    plan.segments_removed.push_back({segs[i].path, std::filesystem::file_size(segs[i].path, ec), segs[i].first_seq});
  auto snapshots = SnapshotStore(data_dir).list();
  if (!snapshots) return fail(std::move(snapshots).error());
  for (const auto& s : snapshots.value()) {
    const SeqNo seq = parse_snapshot_file_name(s.filename().string()).value_or(SeqNo{0});
    if (seq > after) plan.snapshots_removed.push_back({s, std::filesystem::file_size(s, ec), seq});
  }
  return plan;
}

Result<TruncatePlan> truncate_journal(const std::filesystem::path& data_dir, SeqNo after) {
  const auto dir = data_dir / kJournalFolder;
  if (auto first = plan_truncate(data_dir, after); !first || !first->changes_anything()) return first;
  const auto lock_path = dir / kLockFile;
  detail::File lock(::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644));
  if (!lock.valid()) return fail(detail::io_error("cannot open", lock_path, errno));
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return fail(Errc::journal_locked, lock_path.string());
    return fail(detail::io_error("cannot lock", lock_path, errno));
  }
  auto planned = plan_truncate(data_dir, after);
  if (!planned) return planned;
  const TruncatePlan& plan = planned.value();
  // Snapshots first: a crash after this step leaves the damage in place, so recovery still
  // refuses, and running the command again finishes it.
  for (const auto& s : plan.snapshots_removed)
    if (::unlink(s.path.c_str()) != 0) return fail(detail::io_error("cannot remove", s.path, errno));
  if (!plan.snapshots_removed.empty())
    if (auto st = detail::fsync_directory(plan.snapshots_removed.front().path.parent_path()); !st.ok()) return fail(st.error());
  for (auto it = plan.segments_removed.rbegin(); it != plan.segments_removed.rend(); ++it)
    if (::unlink(it->path.c_str()) != 0) return fail(detail::io_error("cannot remove", it->path, errno));
  if (!plan.segments_removed.empty())
    if (auto st = detail::fsync_directory(dir); !st.ok()) return fail(st.error());
  if (plan.drop_bytes > 0) {
    detail::File f(::open(plan.segment.c_str(), O_WRONLY | O_CLOEXEC));
    if (!f.valid()) return fail(detail::io_error("cannot open", plan.segment, errno));
    if (::ftruncate(f.get(), static_cast<off_t>(plan.keep_bytes)) != 0 || ::fdatasync(f.get()) != 0)
      return fail(detail::io_error("cannot truncate", plan.segment, errno));
  }
  return planned;
}

}  // namespace strike::journal
