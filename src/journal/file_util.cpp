#include "journal/file_util.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace strike::journal::detail {

Error io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return Error{Errc::journal_io, fmt::format("{} {}: {}", what, path.string(), std::strerror(err))};
}

Result<MappedFile> MappedFile::open(const std::filesystem::path& path) {
  File f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f.valid()) return fail(io_error("cannot open", path, errno));
  struct stat st {};
  if (::fstat(f.get(), &st) != 0) return fail(io_error("cannot stat", path, errno));
  MappedFile m;
  m.size_ = static_cast<std::size_t>(st.st_size);
  if (m.size_ == 0) return m;
  // MAP_POPULATE maps the whole file up front (one pass instead of a page fault per 4 KiB
  // during replay); MADV_SEQUENTIAL reads ahead what is not yet in the page cache.
  void* p = ::mmap(nullptr, m.size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, f.get(), 0);
  if (p == MAP_FAILED) return fail(io_error("cannot map", path, errno));
  ::madvise(p, m.size_, MADV_SEQUENTIAL);
  m.data_ = static_cast<const std::byte*>(p);
  return m;
}

MappedFile::MappedFile(MappedFile&& o) noexcept : data_(o.data_), size_(o.size_) {
  o.data_ = nullptr;
  o.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    this->~MappedFile();
    data_ = o.data_;
    size_ = o.size_;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
  data_ = nullptr;
}

File& File::operator=(File&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

void File::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status<Error> fsync_directory(const std::filesystem::path& dir) {
  File f(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!f.valid()) return fail(io_error("cannot open directory", dir, errno));
  if (::fsync(f.get()) != 0) return fail(io_error("cannot fsync directory", dir, errno));
  return {};
}

Status<Error> create_directories_durably(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  const auto parent = dir.parent_path();
  if (!parent.empty() && parent != dir) {
    auto up = create_directories_durably(parent);
    if (!up.ok()) return up;
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return fail(io_error("cannot create directory", dir, errno));
  if (!parent.empty()) return fsync_directory(parent);
  return {};
}

Status<Error> write_all_at(int fd, const std::filesystem::path& path, std::span<const std::byte> data,
                           std::uint64_t offset) {
  while (!data.empty()) {
    const ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(io_error(fmt::format("cannot write {} bytes at offset {} of", data.size(), offset), path, errno));
    }
    data = data.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return {};
}

Result<std::vector<std::byte>> read_file(const std::filesystem::path& path) {
  File f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f.valid()) return fail(io_error("cannot open", path, errno));
  struct stat st {};
  if (::fstat(f.get(), &st) != 0) return fail(io_error("cannot stat", path, errno));
  std::vector<std::byte> out(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(f.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(io_error("cannot read", path, errno));
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

}  // namespace strike::journal::detail
