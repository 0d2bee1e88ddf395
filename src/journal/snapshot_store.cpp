#include "journal/snapshot_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/crc32c.hpp"
#include "journal/file_util.hpp"

namespace strike::journal {
namespace {

constexpr std::string_view kPrefix = "snapshot-", kSuffix = ".snapshot", kTmpSuffix = ".tmp";

// Header: magic u64 | version u16 | header size u16 | reserved u32 | follows u64 |
// anchor seq u64 | anchor hash [32] | state size u64 | state SHA-256 [32] | reserved [20] |
// crc32c u32 (of bytes [0, 124)).
void encode_header(const SnapshotInfo& s, std::byte* out) {
  std::memset(out, 0, kSnapshotHeaderSize);
  store_le<std::uint64_t>(out, kSnapshotMagic);
  store_le<std::uint16_t>(out + 8, kFormatVersion);
  store_le<std::uint16_t>(out + 10, static_cast<std::uint16_t>(kSnapshotHeaderSize));
  store_le<std::uint64_t>(out + 16, s.follows.raw());
  store_le<std::uint64_t>(out + 24, s.anchor.seq.raw());
  std::memcpy(out + 32, s.anchor.hash.data(), 32);
  store_le<std::uint64_t>(out + 64, s.size);
  std::memcpy(out + 72, s.digest.data(), 32);
  store_le<std::uint32_t>(out + 124, crc32c(out, 124));
}

const char* decode_header(std::span<const std::byte> in, SnapshotInfo& s) {
  if (in.size() < kSnapshotHeaderSize) return "shorter than a snapshot header";
  const std::byte* p = in.data();
  if (load_le<std::uint64_t>(p) != kSnapshotMagic) return "not a strike snapshot (bad magic)";
  if (load_le<std::uint32_t>(p + 124) != crc32c(p, 124)) return "header CRC mismatch";
  if (load_le<std::uint16_t>(p + 8) != kFormatVersion) return "unsupported snapshot format version";
  if (load_le<std::uint16_t>(p + 10) != kSnapshotHeaderSize) return "unexpected header size";
  s.follows = SeqNo{load_le<std::uint64_t>(p + 16)};
  s.anchor.seq = SeqNo{load_le<std::uint64_t>(p + 24)};
  std::memcpy(s.anchor.hash.data(), p + 32, 32);
  s.size = load_le<std::uint64_t>(p + 64);
  std::memcpy(s.digest.data(), p + 72, 32);
  if (s.anchor.seq > s.follows) return "anchor lies after the snapshot's sequence";
  return nullptr;
}

}  // namespace

std::string snapshot_file_name(SeqNo follows) { return fmt::format("snapshot-{:020}.snapshot", follows.raw()); }

std::optional<SeqNo> parse_snapshot_file_name(std::string_view name) noexcept {
  return parse_numbered_file_name(name, kPrefix, kSuffix);
}

SnapshotStore::SnapshotStore(const std::filesystem::path& data_dir, bool sync)
    : dir_(data_dir / kSnapshotFolder), sync_(sync) {}

Result<SnapshotInfo> SnapshotStore::write(SeqNo follows, const ChainPoint& anchor,
                                          std::span<const std::byte> state) const {
  if (anchor.seq > follows)
    return fail(Errc::journal_bad_option, fmt::format("snapshot at seq {} with an anchor at seq {}", follows.raw(),
                                                      anchor.seq.raw()));
  if (auto st = detail::create_directories_durably(dir_); !st.ok()) return fail(st.error());
  SnapshotInfo info{follows, anchor, state.size(), Sha256::of(state), dir_ / snapshot_file_name(follows)};
  const auto tmp = std::filesystem::path(info.file.string() + std::string(kTmpSuffix));

  detail::File f(::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644));
  if (!f.valid()) return fail(detail::io_error("cannot create", tmp, errno));
  std::array<std::byte, kSnapshotHeaderSize> header{};
  encode_header(info, header.data());
  if (auto st = detail::write_all_at(f.get(), tmp, header, 0); !st.ok()) return fail(st.error());
  if (auto st = detail::write_all_at(f.get(), tmp, state, kSnapshotHeaderSize); !st.ok()) return fail(st.error());
  if (sync_ && ::fsync(f.get()) != 0) return fail(detail::io_error("cannot fsync", tmp, errno));
  f.reset();
  if (::rename(tmp.c_str(), info.file.c_str()) != 0) return fail(detail::io_error("cannot rename", tmp, errno));
  if (sync_) {
    if (auto st = detail::fsync_directory(dir_); !st.ok()) return fail(st.error());
  }
  return info;
}

Result<std::vector<std::filesystem::path>> SnapshotStore::list() const {
  std::vector<std::pair<SeqNo, std::filesystem::path>> found;
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return std::vector<std::filesystem::path>{};
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec))
    if (auto seq = parse_snapshot_file_name(it->path().filename().string())) found.emplace_back(*seq, it->path());
  if (ec) return fail(detail::io_error("cannot list", dir_, ec.value()));
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::filesystem::path> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

Result<Snapshot> SnapshotStore::load(const std::filesystem::path& file) const {
  auto bytes = detail::read_file(file);
  if (!bytes) return fail(std::move(bytes).error());
  auto corrupt = [&](std::string_view why) { return fail(Errc::snapshot_corrupt, fmt::format("{}: {}", file.string(), why)); };
  Snapshot s;
  if (const char* why = decode_header(bytes.value(), s.info)) return corrupt(why);
  const auto named = parse_snapshot_file_name(file.filename().string());
  if (!named || *named != s.info.follows)
    return corrupt(fmt::format("the file name does not match the header's sequence {}", s.info.follows.raw()));
  if (bytes->size() - kSnapshotHeaderSize != s.info.size)
    return corrupt(fmt::format("holds {} bytes of state, the header says {}", bytes->size() - kSnapshotHeaderSize,
                               s.info.size));
  const std::span<const std::byte> state(bytes->data() + kSnapshotHeaderSize, s.info.size);
  if (Sha256::of(state) != s.info.digest) return corrupt("state SHA-256 mismatch");
  s.info.file = file;
  bytes->erase(bytes->begin(), bytes->begin() + kSnapshotHeaderSize);
  s.state = std::move(bytes).value();
  return s;
}

Result<SnapshotStore::Latest> SnapshotStore::load_latest(SeqNo at_most) const {
  auto files = list();
  if (!files) return fail(std::move(files).error());
  Latest out;
  for (const auto& f : files.value()) {
    if (parse_snapshot_file_name(f.filename().string()).value_or(SeqNo{0}) > at_most) continue;
    auto s = load(f);
    if (s) {
      out.snapshot = std::move(s).value();
      break;
    }
    out.skipped.push_back(s.error().to_string());
  }
  return out;
}

Status<Error> SnapshotStore::prune(std::size_t keep) const {
  auto files = list();
  if (!files) return fail(std::move(files).error());
  std::error_code ec;
  for (std::size_t i = keep; i < files->size(); ++i)
    if (!std::filesystem::remove((*files)[i], ec) && ec) return fail(detail::io_error("cannot remove", (*files)[i], ec.value()));
  if (std::filesystem::exists(dir_, ec))
    for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.starts_with(kPrefix) && name.ends_with(std::string(kSuffix) + std::string(kTmpSuffix)))
        std::filesystem::remove(it->path(), ec);
    }
  if (sync_ && std::filesystem::exists(dir_, ec)) return detail::fsync_directory(dir_);
  return {};
}

}  // namespace strike::journal
