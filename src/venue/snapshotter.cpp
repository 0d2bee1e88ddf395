#include "venue/snapshotter.hpp"

#include <fmt/format.h>

#include "journal/journal_reader.hpp"
#include "venue/venue.hpp"

namespace strike::venue {

struct Snapshotter::Runner {
  AgentRunner<Snapshotter> agent;
};

Snapshotter::Snapshotter(std::filesystem::path data_dir, std::unique_ptr<engine::Engine> follower,
                         journal::ChainPoint anchor, const journal::JournalWriter& journal,
                         const history::HistoryStore& history, SnapshotterOptions options)
    : store_(data_dir, options.sync),
      data_dir_(std::move(data_dir)),
      follower_(std::move(follower)),
      anchor_(anchor),
      journal_(journal),
      history_(history),
      options_(options) {}

Snapshotter::~Snapshotter() {
  if (runner_) runner_->agent.stop();
}

void Snapshotter::start() {
  runner_.reset(new Runner{AgentRunner<Snapshotter>(*this, options_.idle, "snapshotter")});
  runner_->agent.start();
}

void Snapshotter::request(SeqNo seq) noexcept {
  std::uint64_t seen = requested_.load(std::memory_order_relaxed);
  while (seen < seq.raw() && !requested_.compare_exchange_weak(seen, seq.raw(), std::memory_order_release)) {
  }
}

std::optional<SeqNo> Snapshotter::next_due() const noexcept {
  const std::uint64_t at = follower_->last_seq().raw();
  std::uint64_t due = UINT64_MAX;
  if (options_.every != 0) due = (at / options_.every + 1) * options_.every;
  const std::uint64_t requested = requested_.load(std::memory_order_acquire);
  if (requested > at) due = std::min(due, requested);
  if (due == UINT64_MAX) return std::nullopt;
  return SeqNo{due};
}

int Snapshotter::do_work() {
  if (failed_) return 0;
  if (!at_due_) {
    const std::optional<SeqNo> due = next_due();
    if (!due || journal_.durable_sequence() < *due || !follow_to(*due)) return 0;
    at_due_ = true;
  }
  if (history_.durable() < follower_->clearing().ledger().history_size()) return 0;
  write();
  at_due_ = false;
  return 1;
}

void Snapshotter::finish() {
  if (runner_) runner_->agent.stop();
  runner_.reset();
  while (!failed_ && do_work() > 0) {
  }
}

bool Snapshotter::follow_to(SeqNo target) {
  const auto stop = [this](Error e) {
    if (!error_) error_ = std::move(e);
    failed_ = true;
    return false;
  };
  journal::JournalReader::Options o;
  o.start = anchor_;
  o.skip_through = follower_->last_seq();
  o.verify_chain = false;  // our own writer's bytes, CRC-checked; recovery verifies the chain
  auto reader = journal::JournalReader::open(data_dir_, o);
  if (!reader) return stop(std::move(reader).error());
  journal::RecordView r;
  while (follower_->last_seq() < target) {
    const journal::ReadStatus st = reader->next(r);
    if (st == journal::ReadStatus::end) return false;  // not there yet: try again later
    if (st == journal::ReadStatus::error) return stop(reader->error());
    if (auto applied = apply_record(*follower_, r); !applied) return stop(applied.error());
  }
  anchor_ = reader->batch_start();
  return true;
}

void Snapshotter::write() {
  const SeqNo at = follower_->last_seq();
  buffer_.clear();
  follower_->save(buffer_);
  // A failed write is reported and skipped: the next due snapshot tries again, and the journal
  // alone still recovers everything.
  if (auto w = store_.write(at, anchor_, buffer_); !w) {
    if (!error_) error_ = w.error();
    return;
  }
  written_.push_back(at);
  last_written_.store(at.raw(), std::memory_order_release);
  if (auto pruned = store_.prune(options_.keep); !pruned && !error_) error_ = pruned.error();
}

}  // namespace strike::venue
