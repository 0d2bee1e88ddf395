// Scratch data directories for the benchmarks that write: on tmpfs (/dev/shm) or on the real
// disk (STRIKE_BENCH_DISK_DIR, default the current directory); created fresh, removed after.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

namespace strike::bench {

enum class Disk { tmpfs, disk };

inline std::filesystem::path bench_root(Disk d) {
  if (d == Disk::tmpfs) return "/dev/shm";
  if (const char* env = std::getenv("STRIKE_BENCH_DISK_DIR")) return env;
  return std::filesystem::current_path();
}

struct BenchDir {
  std::filesystem::path path;
  // `name` says which benchmark it is for; the process id keeps parallel runs apart.
  BenchDir(Disk d, const std::string& name) : path(bench_root(d) / (name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace strike::bench
