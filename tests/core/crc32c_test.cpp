#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "core/crc32c.hpp"

namespace strike {
namespace {

std::uint32_t crc_of(std::string_view s) { return crc32c(s.data(), s.size()); }

// Published check values: the CRC catalogue's "123456789" and RFC 3720 (iSCSI) appendix B.4.
TEST(Crc32c, MatchesTheCatalogueCheckValue) {
  EXPECT_EQ(crc_of("123456789"), 0xE3069283u);
  EXPECT_EQ(crc_of(""), 0u);
  EXPECT_EQ(crc_of("a"), 0xC1D04330u);
}

TEST(Crc32c, MatchesTheIscsiVectorsOfRfc3720) {
  std::vector<std::uint8_t> v(32, 0x00);
  EXPECT_EQ(crc32c(v.data(), v.size()), 0x8A9136AAu);
  v.assign(32, 0xFF);
  EXPECT_EQ(crc32c(v.data(), v.size()), 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) v[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(crc32c(v.data(), v.size()), 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) v[i] = static_cast<std::uint8_t>(31 - i);
  EXPECT_EQ(crc32c(v.data(), v.size()), 0x113FDB5Cu);
  const std::uint8_t read_pdu[48] = {0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
                                     0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(crc32c(read_pdu, sizeof read_pdu), 0xD9963A56u);
}

TEST(Crc32c, BothImplementationsAgreeOnEveryLengthAndAlignment) {
  std::mt19937_64 rng(42);
  std::vector<std::uint8_t> buf(1100);
  for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
  for (std::size_t offset = 0; offset < 8; ++offset)
    for (std::size_t len = 0; len + offset <= 1031; ++len) {
      const auto* p = buf.data() + offset;
      ASSERT_EQ(detail::crc32c_sse42(p, len, 0), detail::crc32c_table(p, len, 0)) << offset << " " << len;
    }
}

TEST(Crc32c, ExtendingEqualsTheChecksumOfTheConcatenation) {
  const std::string_view all = "The quick brown fox jumps over the lazy dog, twice over.";
  for (std::size_t cut = 0; cut <= all.size(); ++cut) {
    const std::uint32_t head = crc32c(all.data(), cut);
    EXPECT_EQ(crc32c(all.data() + cut, all.size() - cut, head), crc_of(all));
    EXPECT_EQ(detail::crc32c_table(all.data() + cut, all.size() - cut, detail::crc32c_table(all.data(), cut, 0)),
              crc_of(all));
  }
}

TEST(Crc32c, DetectsEverySingleBitFlip) {
  std::vector<std::uint8_t> v(92);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(i * 7);
  const std::uint32_t clean = crc32c(v.data(), v.size());
  for (std::size_t bit = 0; bit < v.size() * 8; ++bit) {
    v[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_NE(crc32c(v.data(), v.size()), clean) << bit;
    v[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  }
}

TEST(Crc32c, UsesTheHardwareInstructionOnThisMachine) {
  // The x86-64-v2 baseline guarantees SSE4.2; if this fails the build runs somewhere unexpected.
  EXPECT_TRUE(detail::crc32c_sse42_available());
}

}  // namespace
}  // namespace strike
