#include "journal/recovery.hpp"

#include <fmt/format.h>

namespace strike::journal {

Result<Recovery> Recovery::open(const std::filesystem::path& data_dir, RecoveryOptions options) {
  std::vector<std::string> messages;
  if (options.use_snapshots) {
    const SnapshotStore store(data_dir);
    SeqNo limit = options.until;
    for (;;) {
      auto latest = store.load_latest(limit);
      if (!latest) return fail(std::move(latest).error());
      for (auto& m : latest->skipped) messages.push_back("skipped snapshot: " + m);
      if (!latest->snapshot) break;
      Snapshot& snapshot = *latest->snapshot;
      JournalReader::Options from;
      from.start = snapshot.info.anchor;
      from.skip_through = snapshot.info.follows;
      from.verify_chain = options.verify_chain;
      auto reader = JournalReader::open(data_dir, from);
      if (reader) return Recovery(data_dir, std::move(snapshot), std::move(reader).value(), std::move(messages));
      if (reader.error().code != Errc::snapshot_journal_mismatch) return fail(std::move(reader).error());
      messages.push_back(fmt::format("skipped snapshot {}: {}", snapshot.info.file.string(), reader.error().to_string()));
      if (snapshot.info.follows.raw() == 0) break;
      limit = SeqNo{snapshot.info.follows.raw() - 1};
    }
  }
  JournalReader::Options all;
  all.verify_chain = options.verify_chain;
  auto reader = JournalReader::open(data_dir, all);
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
