#include "core/sha256.hpp"

#include <openssl/evp.h>

#include "core/assert.hpp"

namespace strike {
namespace {
// Fetched once: an implicit fetch on every init would cost a provider lookup per batch.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  STRIKE_ASSERT(md != nullptr, "OpenSSL has no SHA-256");
  return md;
}
}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  STRIKE_ASSERT(ctx_ != nullptr, "EVP_MD_CTX_new failed");
  reset();
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::reset() noexcept {
  STRIKE_ASSERT(EVP_DigestInit_ex(ctx_, sha256_md(), nullptr) == 1, "SHA-256 init failed");
}

void Sha256::update(const void* data, std::size_t size) noexcept {
  if (size == 0) return;
  STRIKE_ASSERT(EVP_DigestUpdate(ctx_, data, size) == 1, "SHA-256 update failed");
}

void Sha256::update(std::span<const std::byte> data) noexcept { update(data.data(), data.size()); }

Hash256 Sha256::finish() noexcept {
  Hash256 out{};
  unsigned int n = 0;
  STRIKE_ASSERT(EVP_DigestFinal_ex(ctx_, out.data(), &n) == 1 && n == out.size(), "SHA-256 final failed");
  return out;
}

Hash256 Sha256::of(std::span<const std::byte> data) noexcept {
  Sha256 h;
  h.update(data);
  return h.finish();
}

std::string to_hex(const Hash256& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < h.size(); ++i) {
    out[2 * i] = kDigits[h[i] >> 4];
    out[2 * i + 1] = kDigits[h[i] & 15];
  }
  return out;
}

}  // namespace strike
