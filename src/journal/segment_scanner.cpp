#include "journal/segment_scanner.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace strike::journal {

SegmentScanner::SegmentScanner(std::span<const std::byte> image, std::string name, Options options) noexcept
    : image_(image), name_(std::move(name)), options_(options) {}

Error SegmentScanner::error_at(Errc code, std::uint64_t offset, SeqNo seq, std::string_view reason) const {
  return Error{code, fmt::format("{}: offset {}: seq {}: {}", name_, offset, seq.raw(), reason)};
}

Status<Error> SegmentScanner::open() {
  const Defect d = decode_segment_header(image_, header_);
  if (!d) {
    pos_ = cursor_ = batch_end_ = kSegmentHeaderSize;
    next_seq_ = header_.first_seq;
    prev_chain_ = header_.start_chain;
    state_ = State::reading;
    return {};
  }
  if (options_.is_last && d.cut_short) {
    torn_ = TornTail{name_, 0, image_.size(), d.reason, true};
    state_ = State::ended;
    return {};
  }
  state_ = State::failed;
  error_ = error_at(d.code, 0, SeqNo{0}, d.reason);
  return fail(error_);
}

// The batch header at pos_, and that its body is within the image.
Defect SegmentScanner::batch_at_pos(BatchHeader& b) const noexcept {
  if (const Defect d = decode_batch_header(image_.subspan(pos_), b, next_seq_)) return d;
  if (b.body_size > image_.size() - pos_ - kBatchHeaderSize) return cut_short_defect("batch body cut short");
  return {};
}

Status<Error> SegmentScanner::seek(const ChainPoint& anchor) {
  STRIKE_ASSERT(state_ == State::reading && batches_ == 0, "seek() right after open()");
  auto fail_with = [&](Errc code, std::string why) {
    state_ = State::failed;
    error_ = error_at(code, pos_, next_seq_, why);
    return fail(error_);
  };
  auto mismatch = [&](std::string_view why) {
    return fail_with(Errc::snapshot_journal_mismatch,
                     fmt::format("no batch boundary matches the anchor (seq {}, chain {}): {}", anchor.seq.raw(),
                                 to_hex(anchor.hash), why));
  };
  // The segment (or what a crash left of its last batch) ends before the anchor: records the
  // anchor's snapshot covers are not here. JournalReader says what that means.
  auto ends_before = [&] {
    return fail_with(Errc::journal_records_missing, fmt::format("the segment ends at seq {}, before the anchor at seq {}",
                                                                next_seq_.raw() - 1, anchor.seq.raw()));
  };
  if (anchor.seq.raw() + 1 < next_seq_.raw()) return mismatch("the segment starts after it");
  while (next_seq_.raw() <= anchor.seq.raw()) {
    if (pos_ == image_.size()) return ends_before();
    BatchHeader b;
    if (const Defect d = batch_at_pos(b)) {
      if (options_.is_last && d.cut_short) return ends_before();
      return fail_with(d.code, d.reason);
    }
    if (b.first_seq != next_seq_)
      return fail_with(Errc::journal_sequence_gap,
                       fmt::format("batch starts at seq {}, expected {}", b.first_seq.raw(), next_seq_.raw()));
    if (b.last_seq() > anchor.seq) return mismatch(fmt::format("it lies inside batch {}..{}", b.first_seq.raw(), b.last_seq().raw()));
    pos_ += kBatchHeaderSize + b.body_size;
    next_seq_ = SeqNo{b.last_seq().raw() + 1};
    prev_chain_ = b.chain;
  }
  if (prev_chain_ != anchor.hash) return mismatch(fmt::format("the chain there is {}", to_hex(prev_chain_)));
  cursor_ = batch_end_ = pos_;
  return {};
}

std::optional<SegmentScanner::Fault> SegmentScanner::load_batch() noexcept {
  const std::uint64_t at = pos_;
  BatchHeader b;
  if (const Defect d = batch_at_pos(b)) return Fault{d, at, next_seq_};
  if (b.first_seq != next_seq_)
    return Fault{hard_defect("batch does not start at the next sequence", Errc::journal_sequence_gap), at, next_seq_};
  const std::uint64_t body = at + kBatchHeaderSize;
  const std::uint64_t end = body + b.body_size;

  // Every record: bounds, CRC, sequence, flags. The batch is all there, so any defect in it
  // is damage, not a torn write.
  std::uint64_t p = body;
  SeqNo expect = next_seq_;
  std::uint32_t count = 0;
  while (p < end) {
    if (end - p < kRecordHeaderSize) return Fault{hard_defect("record header runs past the batch"), p, expect};
    const RecordHeader h = decode_record_header(image_.data() + p);
    if (h.length < kRecordHeaderSize || h.length > end - p)
      return Fault{hard_defect("record length out of bounds"), p, expect};
    if (record_crc(image_.subspan(p, h.length)) != h.crc) return Fault{hard_defect("record CRC mismatch"), p, expect};
    if (h.seq != expect)
      return Fault{hard_defect("record sequence is not the next one", Errc::journal_sequence_gap), p, expect};
    if (h.flags != 0) return Fault{hard_defect("record has reserved flags set"), p, expect};
    p += h.length;
    expect = SeqNo{expect.raw() + 1};
    ++count;
  }
  if (count != b.record_count) return Fault{hard_defect("batch record count does not match its records"), at, next_seq_};

  Hash256 chain = b.chain;
  if (options_.verify_chain) {
    chain = chain_after(sha_, prev_chain_, image_.data() + at, image_.subspan(body, b.body_size));
    if (chain != b.chain)
      return Fault{hard_defect("hash chain mismatch: the batch or an earlier one was altered", Errc::journal_chain_mismatch),
                   at, next_seq_};
  }
  batch_start_ = head();
  cursor_ = body;
  batch_end_ = pos_ = end;
  next_seq_ = expect;
  prev_chain_ = chain;
  ++batches_;
  records_ += count;
  return std::nullopt;
}

ReadStatus SegmentScanner::settle(const Fault& f) {
  if (options_.is_last && f.defect.cut_short) {
    torn_ = TornTail{name_, pos_, image_.size() - pos_, f.defect.reason, false};
    state_ = State::ended;
    return ReadStatus::end;
  }
  state_ = State::failed;
  error_ = error_at(f.defect.code, f.offset, f.seq, f.defect.reason);
  return ReadStatus::error;
}

ReadStatus SegmentScanner::next(RecordView& out) noexcept {
  if (state_ != State::reading) [[unlikely]] {
    if (state_ == State::failed) return ReadStatus::error;
    STRIKE_ASSERT(state_ == State::ended, "next() before open()");
    return ReadStatus::end;
  }
  if (cursor_ == batch_end_) {
    if (pos_ == image_.size()) {
      state_ = State::ended;
      return ReadStatus::end;
    }
    if (auto fault = load_batch()) return settle(*fault);
  }
  const RecordHeader h = decode_record_header(image_.data() + cursor_);
  out.seq = h.seq;
  out.time = h.time;
  out.type = h.type;
  out.payload = image_.subspan(cursor_ + kRecordHeaderSize, h.payload_size());
  cursor_ += h.length;
  return ReadStatus::record;
}

}  // namespace strike::journal
