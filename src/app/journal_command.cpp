// `strike journal verify|dump|truncate --data-dir DIR`: checks, prints and repairs a data
// directory's journal at the record level. verify and dump only read: a torn tail is
// reported, and truncated by the next writer. verify fails on everything `strike exec`'s
// recovery refuses (it runs the same recovery checks) and more (it reads every segment).
// truncate is the operator's explicit way past damage: it drops records, so it only says
// what it would drop unless given --confirm.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include <fmt/core.h>

#include "app/commands.hpp"
#include "engine/command_codec.hpp"
#include "core/time.hpp"
#include "journal/journal_reader.hpp"
#include "journal/recovery.hpp"
#include "journal/snapshot_store.hpp"
#include "journal/truncate.hpp"

namespace strike::app {
namespace {

struct JournalArgs {
  std::string data_dir;
  bool no_chain = false;
  std::uint64_t from = 1;
  std::uint64_t limit = UINT64_MAX;
  std::size_t hex_bytes = 16;
  std::uint64_t after = 0;
  bool confirm = false;
};

std::string human_bytes(std::uint64_t n) {
  if (n < 10'000) return fmt::format("{} B", n);
  if (n < 10'000'000) return fmt::format("{:.1f} kB", static_cast<double>(n) / 1e3);
  return fmt::format("{:.1f} MB", static_cast<double>(n) / 1e6);
}

// "2024-12-27T08:00:00.000001234Z"
std::string time_text(Timestamp t) {
  std::int64_t secs = t.ns() / kNsPerSecond, frac = t.ns() % kNsPerSecond;
  if (frac < 0) {
    --secs;
    frac += kNsPerSecond;
  }
  std::string iso = format_iso8601(Timestamp::from_ns(secs * kNsPerSecond));
  iso.insert(iso.size() - 1, fmt::format(".{:09}", frac));
  return iso;
}

std::string hex_prefix(std::span<const std::byte> payload, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < std::min(max, payload.size()); ++i) out += fmt::format("{:02x}", static_cast<unsigned>(payload[i]));
  if (payload.size() > max) out += "...";
  return out;
}

void print_torn(const journal::JournalEnd& end) {
  if (end.torn) fmt::print("{}\n  (left in place; the next writer on this directory truncates it)\n", journal::describe(*end.torn));
}

// Each snapshot: loads and verifies it, and checks that its anchor lies on this journal.
// Informational: a snapshot recovery would skip is a warning; what recovery refuses is
// checked by recovery_refuses().
int verify_snapshots(const std::filesystem::path& dir) {
  const journal::SnapshotStore store(dir);
  auto files = store.list();
  if (!files) {
    fmt::print(stderr, "strike journal verify: {}\n", files.error().to_string());
    return kExitFailure;
  }
  int broken = 0;
  for (const auto& file : files.value()) {
    auto s = store.load(file);
    if (!s) {
      ++broken;
      fmt::print("snapshot {}: BROKEN: {}\n", file.filename().string(), s.error().to_string());
      continue;
    }
    journal::JournalReader::Options from;
    from.start = s->info.anchor;
    from.skip_through = s->info.follows;
    from.must_reach = s->info.follows;
    from.must_reach_what = "snapshot " + file.filename().string();
    auto reader = journal::JournalReader::open(dir, from);
    const char* verdict = reader || reader.error().code == Errc::snapshot_journal_mismatch ? "NOT ON THIS JOURNAL: " : "";
    fmt::print("snapshot {}: seq {}, {} of state, anchored at seq {}: {}\n", file.filename().string(),
               s->info.follows.raw(), human_bytes(s->info.size), s->info.anchor.seq.raw(),
               reader ? "ok" : verdict + reader.error().to_string());
    if (!reader) ++broken;
  }
  if (files->empty()) fmt::print("snapshots: none\n");
  if (broken > 0) fmt::print("{} snapshot(s) would be skipped or refused by recovery\n", broken);
  return kExitOk;
}

// Recovery exactly as `strike exec` runs it, up to the engine: which snapshot, which records,
// and whether it refuses (missing records, gaps, damage). Returns true if it refuses.
bool recovery_refuses(const JournalArgs& args) {
  journal::RecoveryOptions options;
  options.verify_chain = !args.no_chain;
  auto rec = journal::Recovery::open(args.data_dir, options);
  std::optional<Error> refusal;
  if (!rec) {
    refusal = rec.error();
  } else {
    journal::RecordView r;
    journal::ReadStatus st;
    std::uint64_t records = 0;
    while ((st = rec->journal().next(r)) == journal::ReadStatus::record) ++records;
    if (st == journal::ReadStatus::error) {
      refusal = rec->journal().error();
    } else {
      fmt::print("recovery: {}, then {} records to seq {}\n",
                 rec->snapshot() ? fmt::format("snapshot {}", rec->snapshot()->info.follows.raw()) : "no snapshot", records,
                 rec->journal().end().head.seq.raw());
    }
  }
  if (refusal) fmt::print(stderr, "strike journal verify: strike exec refuses this directory: {}\n", refusal->to_string());
  return refusal.has_value();
}

int verify(const JournalArgs& args) {
  journal::JournalReader::Options options;
  options.verify_chain = !args.no_chain;
  auto reader = journal::JournalReader::open(args.data_dir, options);
  if (!reader) {
    fmt::print(stderr, "strike journal verify: {}\n", reader.error().to_string());
    return kExitFailure;
  }
  journal::RecordView r;
  std::uint64_t first = 0, records = 0;
  journal::ReadStatus st;
  while ((st = reader->next(r)) == journal::ReadStatus::record) {
    if (first == 0) first = r.seq.raw();
    ++records;
  }
  const auto& stats = reader->stats();
  if (st == journal::ReadStatus::error) {
    fmt::print("verified {} records before the error\n", records);
    fmt::print(stderr, "strike journal verify: {}\n", reader->error().to_string());
    // Every batch up to position() verified: the operator's way out, if the rest is lost.
    fmt::print(stderr,
               "strike journal verify: the journal is intact through seq {}; `strike journal truncate --data-dir {} "
               "--after {}` shows what dropping everything after it would remove\n",
               reader->position().raw(), args.data_dir, reader->position().raw());
    return kExitFailure;
  }
  const auto& end = reader->end();
  fmt::print("journal {}: {} segments, {} batches, {} records", (std::filesystem::path(args.data_dir) / "journal").string(),
             stats.segments, stats.batches, stats.records);
  if (stats.records > 0) fmt::print(" (seq {}..{})", first, end.head.seq.raw());
  fmt::print(", {}\n", human_bytes(stats.bytes));
  fmt::print("chain head: seq {} {}{}\n", end.head.seq.raw(), to_hex(end.head.hash),
             args.no_chain ? " (not verified: --no-chain)" : "");
  fmt::print("verified: record CRCs, sequences{}\n", args.no_chain ? "" : ", hash chain");
  print_torn(end);
  if (verify_snapshots(args.data_dir) != kExitOk) return kExitFailure;
  return recovery_refuses(args) ? kExitFailure : kExitOk;
}

int truncate(const JournalArgs& args) {
  auto planned = args.confirm ? journal::truncate_journal(args.data_dir, SeqNo{args.after})
                              : journal::plan_truncate(args.data_dir, SeqNo{args.after});
  if (!planned) {
    fmt::print(stderr, "strike journal truncate: {}\n", planned.error().to_string());
    return kExitFailure;
  }
  const journal::TruncatePlan& p = planned.value();
  if (!p.changes_anything()) {
    fmt::print("nothing to drop: the journal ends at seq {}\n", args.after);
    return kExitOk;
  }
  fmt::print("keep records up to seq {} (chain {}); drop everything after it:\n", p.after.raw(),
             p.after.raw() == 0 ? "genesis" : to_hex(p.head.hash));
  if (p.drop_bytes > 0)
    fmt::print("  cut {} at offset {}: drops {} bytes{}\n", p.segment.string(), p.keep_bytes, p.drop_bytes,
               p.dropped.empty() ? "" : " (" + p.dropped + ")");
  for (const auto& f : p.segments_removed)
    fmt::print("  remove segment {} ({} bytes, from seq {})\n", f.path.string(), f.bytes, f.seq.raw());
  for (const auto& f : p.snapshots_removed)
    fmt::print("  remove snapshot {} (state after seq {})\n", f.path.string(), f.seq.raw());
  if (!args.confirm) {
    fmt::print("nothing changed: run again with --confirm to drop the above\n");
    return kExitFailure;
  }
  fmt::print("done: the journal now ends at seq {}\n", p.after.raw());
  return kExitOk;
}

int dump(const JournalArgs& args) {
  journal::JournalReader::Options options;
  options.verify_chain = !args.no_chain;
  auto reader = journal::JournalReader::open(args.data_dir, options);
  if (!reader) {
    fmt::print(stderr, "strike journal dump: {}\n", reader.error().to_string());
    return kExitFailure;
  }
  fmt::print("{:<10} {:<31} {:>5} {:>7}  {:<18} {}\n", "SEQ", "TIME (UTC)", "TYPE", "BYTES", "COMMAND", "FIELDS (or PAYLOAD)");
  journal::RecordView r;
  journal::ReadStatus st;
  std::uint64_t printed = 0;
  while (printed < args.limit && (st = reader->next(r)) == journal::ReadStatus::record) {
    if (r.seq.raw() < args.from) continue;
    // Decoded as the engine's command where it is one; raw bytes otherwise.
    auto command = engine::decode_command(r.seq, r.time, r.type, r.payload);
    fmt::print("{:<10} {:<31} {:>5} {:>7}  {:<18} {}\n", r.seq.raw(), time_text(r.time), r.type, r.payload.size(),
               command ? to_string(command->type()) : std::string_view("?"),
               command ? engine::describe(command->body) : hex_prefix(r.payload, args.hex_bytes));
    ++printed;
  }
  if (printed == args.limit) return kExitOk;
  if (st == journal::ReadStatus::error) {
    fmt::print(stderr, "strike journal dump: {}\n", reader->error().to_string());
    return kExitFailure;
  }
  print_torn(reader->end());
  return kExitOk;
}

}  // namespace

void add_journal_command(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("journal", "Check, print or truncate a data directory's command journal");
  cmd->require_subcommand(1);
  auto args = std::make_shared<JournalArgs>();

  auto* verify_cmd = cmd->add_subcommand(
      "verify", "Check every record's CRC, the sequence and the SHA-256 hash chain; print counts, the last sequence, "
                "the chain head, any torn tail, the state of each snapshot, and what recovery would do. Exit 1 on "
                "corruption and on anything `strike exec` refuses (missing records, gaps)");
  auto* dump_cmd = cmd->add_subcommand("dump", "Print each record: sequence, time, type, payload size and first bytes");
  for (auto* sub : {verify_cmd, dump_cmd}) {
    sub->add_option("--data-dir", args->data_dir, "The data directory (holds journal/ and snapshots/)")
        ->required()
        ->check(CLI::ExistingDirectory);
    sub->add_flag("--no-chain", args->no_chain, "Skip the hash chain (check CRCs and sequences only; faster)");
  }
  auto* truncate_cmd = cmd->add_subcommand(
      "truncate", "Drop every record after --after SEQ (which must end a batch), with the later segments and the "
                  "snapshots after it: the explicit way past damage that `strike exec` refuses. Prints what it drops; "
                  "changes nothing (and exits 1) without --confirm");
  truncate_cmd->add_option("--data-dir", args->data_dir, "The data directory (holds journal/ and snapshots/)")
      ->required()
      ->check(CLI::ExistingDirectory);
  truncate_cmd->add_option("--after", args->after, "The last sequence to keep (0: drop every record)")->required();
  truncate_cmd->add_flag("--confirm", args->confirm, "Really drop the records (without it: only say what would go)");
  truncate_cmd->callback([&exit_code, args] { exit_code = truncate(*args); });
  dump_cmd->add_option("--from", args->from, "First sequence to print")->capture_default_str();
  dump_cmd->add_option("--limit", args->limit, "Print at most this many records");
  dump_cmd->add_option("--hex-bytes", args->hex_bytes, "Payload bytes shown in hex")->capture_default_str();

  verify_cmd->callback([&exit_code, args] { exit_code = verify(*args); });
  dump_cmd->callback([&exit_code, args] { exit_code = dump(*args); });
}

}  // namespace strike::app
