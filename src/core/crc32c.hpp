// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected; the checksum of iSCSI, ext4, LevelDB
// and Kafka): the per-record checksum of the journal.
//
// crc32c(data, prev) extends a running checksum, so crc32c(b, crc32c(a)) == crc32c(a ++ b);
// the start value is 0 and the usual pre/post inversion happens inside each call.
// The default implementation uses the SSE4.2 `crc32` instruction (8 bytes per instruction),
// which the project's x86-64-v2 baseline guarantees; a slicing-by-8 table version is the
// fallback on other CPUs and the reference it is tested against. Throughput figures are in
// docs/benchmarks.md (## core rings).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace strike {

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t prev = 0) noexcept;

inline std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t prev = 0) noexcept {
  return crc32c(data.data(), data.size(), prev);
}

namespace detail {
// Both implementations, exposed for tests and benchmarks.
std::uint32_t crc32c_table(const void* data, std::size_t size, std::uint32_t prev) noexcept;
std::uint32_t crc32c_sse42(const void* data, std::size_t size, std::uint32_t prev) noexcept;
bool crc32c_sse42_available() noexcept;
}  // namespace detail

}  // namespace strike
