#include "journal/journal_reader.hpp"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "journal/file_util.hpp"

namespace strike::journal {

Result<std::vector<SegmentFile>> list_segments(const std::filesystem::path& journal_dir) {
  std::vector<SegmentFile> out;
  std::error_code ec;
  if (!std::filesystem::exists(journal_dir, ec)) return out;
  for (std::filesystem::directory_iterator it(journal_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto seq = parse_segment_file_name(it->path().filename().string())) out.push_back({*seq, it->path()});
  }
  if (ec) return fail(detail::io_error("cannot list", journal_dir, ec.value()));
  std::sort(out.begin(), out.end(), [](const SegmentFile& a, const SegmentFile& b) { return a.first_seq < b.first_seq; });
  return out;
}

struct JournalReader::Impl {
  std::filesystem::path dir;  // data_dir/journal
  Options options;
  std::vector<SegmentFile> segments;
  std::size_t index = 0;  // current segment
  detail::MappedFile mapping;
  std::optional<SegmentScanner> scanner;
  ChainPoint head;        // chain after the last fully verified segment
  SeqNo position{0};
  ReaderStats stats;
  JournalEnd end;
  Error error;
  bool done = false;

  bool is_last(std::size_t i) const { return i + 1 == segments.size(); }

  // Maps segment i and reads its header; `expect` is the chain point it must start from
  // (nullopt when positioning by seek instead).
  Status<Error> open_segment(std::size_t i, const std::optional<ChainPoint>& expect) {
    auto m = detail::MappedFile::open(segments[i].path);
    if (!m) return fail(std::move(m).error());
    mapping = std::move(m).value();
    index = i;
    scanner.emplace(mapping.bytes(), segments[i].path.string(),
                    SegmentScanner::Options{is_last(i), options.verify_chain});
    ++stats.segments;
    if (auto st = scanner->open(); !st.ok()) return st;
    if (scanner->torn()) return {};
    const std::string name = segments[i].path.string();
    const SegmentHeader& h = scanner->header();
    if (h.first_seq != segments[i].first_seq)
      return fail(Errc::journal_corrupt, fmt::format("{}: offset 0: the header says the segment starts at seq {}", name,
                                                     h.first_seq.raw()));
    if (expect) {
      if (h.first_seq.raw() != expect->seq.raw() + 1)
        return fail(Errc::journal_sequence_gap,
                    fmt::format("{}: offset 0: seq {}: the previous segment ends at seq {}; records {}..{} are missing",
                                name, h.first_seq.raw(), expect->seq.raw(), expect->seq.raw() + 1, h.first_seq.raw() - 1));
      if (h.start_chain != expect->hash)
        return fail(Errc::journal_chain_mismatch,
                    fmt::format("{}: offset 0: seq {}: the segment's start chain does not match the end of the "
                                "previous segment",
                                name, h.first_seq.raw()));
    }
    stats.bytes += kSegmentHeaderSize;
    return {};
  }

  // The sequence the journal must reach, and what says so.
  SeqNo required() const { return std::max({options.start.seq, options.skip_through, options.must_reach}); }
  std::string required_by() const {
    if (!options.must_reach_what.empty() && options.must_reach >= required()) return options.must_reach_what;
    return options.skip_through >= options.start.seq ? "the snapshot being restored" : "the start point";
  }
  Error records_missing(const std::filesystem::path& where, std::uint64_t ends_at) const {
    const std::uint64_t need = required().raw();
    if (segments.empty())
      return Error{Errc::journal_records_missing,
                   fmt::format("{}: no journal segments, but {} follows seq {}: records 1..{} are missing", where.string(),
                               required_by(), need, need)};
    return Error{Errc::journal_records_missing,
                 fmt::format("{}: the journal ends at seq {}, but {} follows seq {}: records {}..{} are missing "
                             "(segments deleted or truncated?)",
                             where.string(), ends_at, required_by(), need, ends_at + 1, need)};
  }

  void finish_end() {
    done = true;
    if (segments.empty()) {
      end = JournalEnd{head, {}, 0, 0, std::nullopt};
    } else {
      const SegmentScanner& s = *scanner;
      end.segment = segments[index].path;
      end.file_bytes = mapping.bytes().size();
      end.torn = s.torn();
      end.valid_bytes = s.torn() && s.torn()->whole_segment ? 0 : s.valid_end();
      end.head = s.torn() && s.torn()->whole_segment ? head : s.head();
    }
    if (end.head.seq < required()) error = records_missing(segments.empty() ? dir : end.segment, end.head.seq.raw());
  }

  void account_scanner() {
    stats.batches += scanner->batches();
    stats.records += scanner->records();
    stats.bytes += scanner->valid_end() > kSegmentHeaderSize ? scanner->valid_end() - kSegmentHeaderSize : 0;
  }
};

JournalReader::JournalReader(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
JournalReader::JournalReader(JournalReader&&) noexcept = default;
JournalReader& JournalReader::operator=(JournalReader&&) noexcept = default;
JournalReader::~JournalReader() = default;

Result<JournalReader> JournalReader::open(const std::filesystem::path& data_dir, Options options) {
  const auto dir = data_dir / kJournalFolder;
  auto listed = list_segments(dir);
  if (!listed) return fail(std::move(listed).error());
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = std::move(options);
  impl->segments = std::move(listed).value();
  const Options& o = impl->options;
  impl->head = o.start;
  impl->position = o.start.seq;
  auto& segs = impl->segments;
  const std::uint64_t first_needed = o.start.seq.raw() + 1;

  if (segs.empty()) {
    if (o.start.seq.raw() != 0) return fail(impl->records_missing(dir, 0));
    impl->finish_end();
    if (impl->error.code != Errc::ok) return fail(impl->error);
    return JournalReader(std::move(impl));
  }
  // The segment holding the record after the start point: the last one starting at or before it.
  auto it = std::upper_bound(segs.begin(), segs.end(), first_needed,
                             [](std::uint64_t s, const SegmentFile& f) { return s < f.first_seq.raw(); });
  if (it == segs.begin())
    return fail(Errc::journal_sequence_gap,
                fmt::format("{}: the journal starts at seq {}; records {}..{} are missing", segs.front().path.string(),
                            segs.front().first_seq.raw(), first_needed, segs.front().first_seq.raw() - 1));
  std::size_t i = static_cast<std::size_t>(it - segs.begin()) - 1;
  if (auto st = impl->open_segment(i, std::nullopt); !st.ok()) return fail(st.error());
  if (impl->scanner->torn() && i > 0 && segs[i].first_seq.raw() == first_needed) {
    // The last segment was being created when the process died: the start point is the end
    // of the one before it.
    if (auto st = impl->open_segment(--i, std::nullopt); !st.ok()) return fail(st.error());
  }
  if (impl->scanner->torn()) {
    // The last segment holds nothing (its header is cut short): the journal ends before it.
    if (o.start.seq.raw() != 0) return fail(impl->records_missing(segs[i].path, segs[i].first_seq.raw() - 1));
    impl->finish_end();
    if (impl->error.code != Errc::ok) return fail(impl->error);
    return JournalReader(std::move(impl));
  }
  if (o.start.seq.raw() == 0) {
    if (impl->scanner->header().start_chain != o.start.hash)
      return fail(Errc::journal_chain_mismatch,
                  fmt::format("{}: offset 0: the first segment's start chain is not the genesis value",
                              segs[i].path.string()));
  } else if (auto st = impl->scanner->seek(o.start); !st.ok()) {
    if (st.error().code != Errc::journal_records_missing) return fail(st.error());
    const std::uint64_t ends_at = impl->scanner->head().seq.raw();
    if (impl->is_last(i)) return fail(impl->records_missing(segs[i].path, ends_at));
    // A later segment exists, but starts after the start point: the ones between are missing.
    const SegmentFile& next = segs[i + 1];
    return fail(Errc::journal_sequence_gap,
                fmt::format("{}: offset 0: seq {}: the previous segment ends at seq {}; records {}..{} are missing",
                            next.path.string(), next.first_seq.raw(), ends_at, ends_at + 1, next.first_seq.raw() - 1));
  }
  return JournalReader(std::move(impl));
}

ReadStatus JournalReader::next(RecordView& out) noexcept {
  Impl& s = *impl_;
  for (;;) {
    if (s.done) return s.error.code == Errc::ok ? ReadStatus::end : ReadStatus::error;
    const ReadStatus st = s.scanner->next(out);
    if (st == ReadStatus::record) [[likely]] {
      s.position = out.seq;
      if (out.seq <= s.options.skip_through) continue;
      return st;
    }
    if (st == ReadStatus::error) {
      s.done = true;
      s.error = s.scanner->error();
      return st;
    }
    // End of this segment.
    s.account_scanner();
    if (s.scanner->torn() || s.is_last(s.index)) {
      s.finish_end();
      return s.error.code == Errc::ok ? ReadStatus::end : ReadStatus::error;
    }
    s.head = s.scanner->head();
    if (auto opened = s.open_segment(s.index + 1, s.head); !opened.ok()) {
      s.done = true;
      s.error = opened.error();
      return ReadStatus::error;
    }
  }
}

const Error& JournalReader::error() const noexcept { return impl_->error; }
const JournalEnd& JournalReader::end() const noexcept {
  STRIKE_ASSERT(impl_->done && impl_->error.code == Errc::ok, "JournalReader::end() before the reader reached the end");
  return impl_->end;
}
const ReaderStats& JournalReader::stats() const noexcept { return impl_->stats; }
SeqNo JournalReader::position() const noexcept { return impl_->position; }
ChainPoint JournalReader::batch_start() const noexcept {
  const Impl& s = *impl_;
  return s.scanner && s.scanner->batches() > 0 ? s.scanner->batch_start() : s.head;
}

}  // namespace strike::journal
