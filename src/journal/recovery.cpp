#include "journal/recovery.hpp"

#include <fmt/format.h>

namespace strike::journal {

Result<Recovery> Recovery::open(const std::filesystem::path& data_dir, RecoveryOptions options) {
  std::vector<std::string> messages;
  const SnapshotStore store(data_dir);
  // The newest snapshot file, loadable or not, shows that every record up to its sequence was
  // acknowledged (it is written only once they are durable): the journal must reach it,
  // whichever snapshot recovery starts from, or acknowledged commands were lost.
  auto files = store.list();
  if (!files) return fail(std::move(files).error());
  JournalReader::Options base;
  base.verify_chain = options.verify_chain;
  if (!files->empty()) {
    base.must_reach = parse_snapshot_file_name(files->front().filename().string()).value_or(SeqNo{0});
    base.must_reach_what = "snapshot " + files->front().string();
  }
  if (options.use_snapshots) {
    SeqNo limit = options.until;
    for (;;) {
      auto latest = store.load_latest(limit);
      if (!latest) return fail(std::move(latest).error());
      for (auto& m : latest->skipped) messages.push_back("skipped snapshot: " + m);
      if (!latest->snapshot) break;
      Snapshot& snapshot = *latest->snapshot;
      JournalReader::Options from = base;
      from.start = snapshot.info.anchor;
      from.skip_through = snapshot.info.follows;
      auto reader = JournalReader::open(data_dir, from);
      if (reader) return Recovery(data_dir, std::move(snapshot), std::move(reader).value(), std::move(messages));
      // Only a snapshot of another history (no batch boundary with its anchor's chain) is
      // skipped; missing records, gaps and damage refuse.
      if (reader.error().code != Errc::snapshot_journal_mismatch) return fail(std::move(reader).error());
      messages.push_back(fmt::format("skipped snapshot {}: {}", snapshot.info.file.string(), reader.error().to_string()));
      if (snapshot.info.follows.raw() == 0) break;
      limit = SeqNo{snapshot.info.follows.raw() - 1};
    }
  }
  auto reader = JournalReader::open(data_dir, base);
  if (!reader) return fail(std::move(reader).error());
  return Recovery(data_dir, std::nullopt, std::move(reader).value(), std::move(messages));
}

Result<std::unique_ptr<JournalWriter>> Recovery::open_writer(WriterOptions options) const {
  return JournalWriter::open(dir_, reader_.end(), options);
}

std::string describe(const TornTail& t) {
  if (t.whole_segment)
    return fmt::format("torn segment {}: {} bytes, its header is incomplete ({}); the file is removed", t.file, t.bytes,
                       t.reason);
  return fmt::format("torn tail in {} at offset {}: {} bytes dropped ({})", t.file, t.offset, t.bytes, t.reason);
}

}  // namespace strike::journal
