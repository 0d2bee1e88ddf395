// POSIX file helpers for the journal and the snapshot store (control plane: they allocate
// error strings and may be slow; nothing here runs per record).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace strike::journal::detail {

// "what PATH: strerror(errno)", as a journal_io error.
Error io_error(std::string_view what, const std::filesystem::path& path, int err);

// A read-only private mapping of a whole file (empty files map to an empty span).
class MappedFile {
 public:
  MappedFile() = default;
  static Result<MappedFile> open(const std::filesystem::path& path);
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }

 private:
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

// An owned file descriptor.
class File {
 public:
  File() = default;
  explicit File(int fd) noexcept : fd_(fd) {}
  File(File&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  File& operator=(File&& o) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() { reset(); }
  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// Creates dir (and parents) if missing, fsyncing each directory whose entries changed.
Status<Error> create_directories_durably(const std::filesystem::path& dir);
// fsync of a directory: makes file creations, renames and deletions in it durable.
Status<Error> fsync_directory(const std::filesystem::path& dir);
// Writes all of `data` at `offset` (retrying short writes and EINTR).
Status<Error> write_all_at(int fd, const std::filesystem::path& path, std::span<const std::byte> data,
                           std::uint64_t offset);
// The whole file (snapshots: one allocation per load).
Result<std::vector<std::byte>> read_file(const std::filesystem::path& path);

}  // namespace strike::journal::detail
