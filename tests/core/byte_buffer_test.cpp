#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "core/byte_buffer.hpp"

namespace strike {
namespace {

enum class Colour : std::uint8_t { red, green, blue };

void write_sample(ByteWriter& w) {
  w.write_u8(0xAB);
  w.write_u16(0xBEEF);
  w.write_u32(0xDEADBEEF);
  w.write_u64(0x0123456789ABCDEFull);
  w.write_i8(-2);
  w.write_i16(std::numeric_limits<std::int16_t>::min());
  w.write_i32(-123456789);
  w.write_i64(std::numeric_limits<std::int64_t>::min());
  w.write_bool(true);
  w.write_string("BTC-PERPETUAL");
  w.write_u8(static_cast<std::uint8_t>(Colour::blue));
}

constexpr std::size_t kSampleSize = 1 + 2 + 4 + 8 + 1 + 2 + 4 + 8 + 1 + (4 + 13) + 1;

TEST(ByteBuffer, RoundTripsEveryFieldType) {
  std::array<std::byte, 128> buf{};
  ByteWriter w(buf);
  write_sample(w);
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(w.size(), kSampleSize);

  ByteReader r(w.written());
  EXPECT_EQ(r.read_u8(), 0xAB);
  EXPECT_EQ(r.read_u16(), 0xBEEF);
  EXPECT_EQ(r.read_u32(), 0xDEADBEEFu);
  EXPECT_EQ(r.read_u64(), 0x0123456789ABCDEFull);
  EXPECT_EQ(r.read_i8(), -2);
  EXPECT_EQ(r.read_i16(), std::numeric_limits<std::int16_t>::min());
  EXPECT_EQ(r.read_i32(), -123456789);
  EXPECT_EQ(r.read_i64(), std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(r.read_bool());
  EXPECT_EQ(r.read_string(), "BTC-PERPETUAL");
  EXPECT_EQ(r.read_enum(Colour::blue), Colour::blue);
  EXPECT_TRUE(r.finish().ok());
}

TEST(ByteBuffer, EncodesLittleEndian) {
  std::array<std::byte, 8> buf{};
  ByteWriter w(buf);
  w.write_u32(0x04030201);
  w.write_i16(-2);
  const std::array<std::byte, 6> want = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}, std::byte{0xFE},
                                         std::byte{0xFF}};
  ASSERT_EQ(w.size(), want.size());
  EXPECT_TRUE(std::equal(want.begin(), want.end(), buf.begin()));
}

TEST(ByteBuffer, FixedWriterRefusesToOverflowAndKeepsTheFirstError) {
  std::array<std::byte, 16> buf{};
  ByteWriter w(std::span<std::byte>(buf).first(10));
  w.write_u64(1);
  EXPECT_TRUE(w.ok());
  w.write_u32(2);  // 8 + 4 > 10
  EXPECT_EQ(w.error(), Errc::encode_overflow);
  EXPECT_EQ(w.size(), 8u);
  w.write_u8(3);  // no-op after failure, even though it would fit
  EXPECT_EQ(w.size(), 8u);
  EXPECT_EQ(w.finish().error(), Errc::encode_overflow);
  EXPECT_EQ(buf[8], std::byte{0});  // nothing written past the failure point
}

TEST(ByteBuffer, GrowingWriterAppendsToItsVector) {
  std::vector<std::byte> out = {std::byte{7}};
  {
    ByteWriter w(out);
    for (int i = 0; i < 1000; ++i) write_sample(w);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(out.size(), 1 + 1000 * kSampleSize);  // exactly the bytes written, at every moment
  }
  EXPECT_EQ(out[0], std::byte{7});
  ByteReader r(std::span<const std::byte>(out).subspan(1));
  for (int i = 0; i < 1000; ++i) {
    r.read_bytes(kSampleSize - 17 - 1);
    EXPECT_EQ(r.read_string(), "BTC-PERPETUAL");
    r.read_u8();
  }
  EXPECT_TRUE(r.finish().ok());
}

TEST(ByteBuffer, PatchedLengthPrefixHoldsTheBodySize) {
  std::vector<std::byte> out;
  ByteWriter w(out);
  const std::size_t at = w.reserve_u32();
  w.write_u64(9);
  w.write_string("xy");
  w.patch_u32(at, static_cast<std::uint32_t>(w.size() - at - 4));
  ByteReader r(out);
  EXPECT_EQ(r.read_u32(), 8u + 4u + 2u);
}

TEST(ByteBuffer, ReaderReportsTruncationAndYieldsZeros) {
  const std::array<std::byte, 3> in = {std::byte{1}, std::byte{2}, std::byte{3}};
  ByteReader r(in);
  EXPECT_EQ(r.read_u16(), 0x0201);
  EXPECT_EQ(r.read_u32(), 0u);
  EXPECT_EQ(r.error(), Errc::decode_truncated);
  EXPECT_EQ(r.read_u8(), 0u);  // sticky: even though one byte remains
  EXPECT_EQ(r.finish().error(), Errc::decode_truncated);
}

TEST(ByteBuffer, ReaderRefusesABoolThatIsNotZeroOrOne) {
  const std::array<std::byte, 1> in = {std::byte{2}};
  ByteReader r(in);
  EXPECT_FALSE(r.read_bool());
  EXPECT_EQ(r.error(), Errc::decode_invalid);
}

TEST(ByteBuffer, ReaderRefusesAnEnumBeyondItsLastValue) {
  const std::array<std::byte, 1> in = {std::byte{3}};
  ByteReader r(in);
  EXPECT_EQ(r.read_enum(Colour::blue), Colour::red);
  EXPECT_EQ(r.error(), Errc::decode_invalid);
}

TEST(ByteBuffer, StringLengthBeyondTheInputIsTruncationNotAnOverread) {
  std::array<std::byte, 8> buf{};
  ByteWriter w(buf);
  w.write_u32(0xFFFFFFF0u);  // claims 4 GiB of text
  w.write_u32(0);
  ByteReader r(w.written());
  EXPECT_TRUE(r.read_string().empty());
  EXPECT_EQ(r.error(), Errc::decode_truncated);
}

TEST(ByteBuffer, ReaderNoticesTrailingBytes) {
  const std::array<std::byte, 3> in{};
  ByteReader r(in);
  r.read_u16();
  EXPECT_EQ(r.finish().error(), Errc::decode_trailing_bytes);
}

TEST(ByteBuffer, RandomInputNeverReadsOutOfBounds) {
  // Runs under ASan in CI: any overread is a failure there.
  std::mt19937_64 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::byte> in(rng() % 40);
    for (auto& b : in) b = static_cast<std::byte>(rng());
    ByteReader r(in);
    while (r.ok()) {
      switch (rng() % 5) {
        case 0: r.read_u64(); break;
        case 1: r.read_string(); break;
        case 2: r.read_bool(); break;
        case 3: r.read_bytes(rng() % 9); break;
        default: r.read_u8(); break;
      }
    }
    EXPECT_LE(r.position(), in.size());
  }
}

}  // namespace
}  // namespace strike
