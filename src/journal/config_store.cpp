#include "journal/config_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "journal/file_util.hpp"

namespace strike::journal {

ConfigStore::ConfigStore(const std::filesystem::path& data_dir, bool sync) : dir_(data_dir / "config"), sync_(sync) {}

Status<Error> ConfigStore::write(const Hash256& digest, std::string_view extension, std::string_view text) const {
  if (find(digest)) return {};
  if (auto st = detail::create_directories_durably(dir_); !st.ok()) return st;
  const auto file = dir_ / (to_hex(digest) + std::string(extension));
  const auto tmp = std::filesystem::path(file.string() + ".tmp");
  detail::File f(::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644));
  if (!f.valid()) return fail(detail::io_error("cannot create", tmp, errno));
  if (auto st = detail::write_all_at(f.get(), tmp, std::as_bytes(std::span(text.data(), text.size())), 0); !st.ok())
    return st;
  if (sync_ && ::fsync(f.get()) != 0) return fail(detail::io_error("cannot fsync", tmp, errno));
  f = detail::File();
  if (::rename(tmp.c_str(), file.c_str()) != 0) return fail(detail::io_error("cannot rename", tmp, errno));
  if (sync_) return detail::fsync_directory(dir_);
  return {};
}

std::optional<std::filesystem::path> ConfigStore::find(const Hash256& digest) const {
  for (const char* extension : {".toml", ".json"}) {
    auto file = dir_ / (to_hex(digest) + extension);
    std::error_code ec;
    if (std::filesystem::is_regular_file(file, ec)) return file;
  }
  return std::nullopt;
}

}  // namespace strike::journal
