// SHA-256 through OpenSSL's EVP interface (SHA-NI where the CPU has it): the journal's hash
// chain, snapshot bodies, the engine's state hash and the proof-of-liabilities tree. One
// context is allocated per Sha256 object and reused, so hashing a batch allocates nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

struct evp_md_ctx_st;

namespace strike {

using Hash256 = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();  // aborts if OpenSSL cannot provide SHA-256 (a broken installation)
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void reset() noexcept;
  void update(std::span<const std::byte> data) noexcept;
  void update(const void* data, std::size_t size) noexcept;
  Hash256 finish() noexcept;  // then reset() before the next message

  static Hash256 of(std::span<const std::byte> data) noexcept;

 private:
  evp_md_ctx_st* ctx_;
};

// Lower-case hex, 64 characters.
std::string to_hex(const Hash256& h);

}  // namespace strike
