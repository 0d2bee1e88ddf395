// Little-endian binary encoding over a byte buffer: the wire form of journaled command
// payloads and engine snapshots.
//
// ByteWriter appends fixed-width little-endian integers, booleans, raw bytes and
// length-prefixed strings, either into a caller's fixed span (hot path: never allocates) or
// into a std::vector it grows (snapshots, control plane). ByteReader reads them back from a
// span. Both are "sticky": the first failure (no room, input too short, a bool that is not
// 0/1) is recorded, every later call is a no-op that yields zero, and the caller checks once
// at the end with ok()/error()/finish(). Nothing is ever read or written out of bounds, on any
// input, and no call throws, so a decoder over untrusted bytes needs no other guard than
// checking the final status before using what it decoded.
//
// Format: integers are two's complement, little-endian, fixed width (u8..u64, i8..i64);
// bool is one byte 0 or 1; bytes(n) is n raw bytes; str is a u32 length then that many bytes.
// Costs: each call is a bounds check and a memcpy of the value's width.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/result.hpp"

namespace strike {

namespace detail {
// v with its bytes in little-endian order (a no-op on little-endian machines).
template <class T>
constexpr T to_little_endian(T v) noexcept {
  if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v), r = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) r = static_cast<U>((r << 8) | ((u >> (8 * i)) & 0xff));
    return static_cast<T>(r);
  }
  return v;
}
}  // namespace detail

// Stores / loads an integer at p in little-endian order (p need not be aligned).
template <class T>
  requires std::is_integral_v<T>
inline void store_le(std::byte* p, T v) noexcept {
  v = detail::to_little_endian(v);
  std::memcpy(p, &v, sizeof(T));
}

template <class T>
  requires std::is_integral_v<T>
inline T load_le(const std::byte* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return detail::to_little_endian(v);
}

class ByteWriter {
 public:
  // Writes into `fixed`; running out of room fails with Errc::encode_overflow.
  explicit ByteWriter(std::span<std::byte> fixed) noexcept : data_(fixed.data()), capacity_(fixed.size()) {}
  // Appends to `grow` (after what it holds), which always holds exactly the bytes written.
  // Allocates (geometric growth): control plane, e.g. snapshots.
  explicit ByteWriter(std::vector<std::byte>& grow) noexcept
      : data_(grow.data()), capacity_(grow.size()), pos_(grow.size()), grow_(&grow) {}
  ByteWriter(const ByteWriter&) = delete;
  ByteWriter& operator=(const ByteWriter&) = delete;

  void write_u8(std::uint8_t v) noexcept { put(v); }
  void write_u16(std::uint16_t v) noexcept { put(v); }
  void write_u32(std::uint32_t v) noexcept { put(v); }
  void write_u64(std::uint64_t v) noexcept { put(v); }
  void write_i8(std::int8_t v) noexcept { put(v); }
  void write_i16(std::int16_t v) noexcept { put(v); }
  void write_i32(std::int32_t v) noexcept { put(v); }
  void write_i64(std::int64_t v) noexcept { put(v); }
  void write_bool(bool v) noexcept { put(static_cast<std::uint8_t>(v ? 1 : 0)); }
  void write_bytes(std::span<const std::byte> bytes) noexcept {
    if (bytes.empty() || !reserve(bytes.size())) return;
    std::memcpy(data_ + pos_, bytes.data(), bytes.size());
    pos_ += bytes.size();
  }
  // u32 length, then the bytes. Longer than 4 GiB - 1 fails with encode_overflow.
  void write_string(std::string_view s) noexcept {
    if (s.size() > UINT32_MAX) return fail(Errc::encode_overflow);
    write_u32(static_cast<std::uint32_t>(s.size()));
    write_bytes(std::as_bytes(std::span(s.data(), s.size())));
  }

  // Reserves a u32 (e.g. a length written once the rest is known) and returns its offset.
  std::size_t reserve_u32() noexcept {
    const std::size_t at = pos_;
    write_u32(0);
    return at;
  }
  // Overwrites a u32 written earlier at `offset`.
  void patch_u32(std::size_t offset, std::uint32_t v) noexcept {
    if (ok() && offset + sizeof v <= pos_) store_le(data_ + offset, v);
  }

  bool ok() const noexcept { return error_ == Errc::ok; }
  Errc error() const noexcept { return error_; }
  // Bytes written so far (all of them valid only if ok()).
  std::size_t size() const noexcept { return pos_; }
  std::span<const std::byte> written() const noexcept { return {data_, pos_}; }
  // The status of every write so far.
  Status<Errc> finish() const noexcept {
    if (!ok()) return strike::fail(error_);
    return {};
  }
  void fail(Errc code) noexcept {
    if (ok()) error_ = code;
  }

 private:
  template <class T>
  void put(T v) noexcept {
    if (!reserve(sizeof(T))) return;
    store_le(data_ + pos_, v);
    pos_ += sizeof(T);
  }
  bool reserve(std::size_t n) noexcept {
    if (!ok()) return false;
    if (capacity_ - pos_ >= n) [[likely]] return true;
    return grow(n);
  }
  bool grow(std::size_t n) noexcept {
    if (grow_ == nullptr) {
      fail(Errc::encode_overflow);
      return false;
    }
    if (grow_->capacity() < pos_ + n) grow_->reserve(std::max(2 * grow_->capacity(), pos_ + n));
    grow_->resize(pos_ + n);
    data_ = grow_->data();
    capacity_ = grow_->size();
    return true;
  }

  std::byte* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t pos_ = 0;
  std::vector<std::byte>* grow_ = nullptr;
  Errc error_ = Errc::ok;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> input) noexcept : data_(input.data()), size_(input.size()) {}

  std::uint8_t read_u8() noexcept { return get<std::uint8_t>(); }
  std::uint16_t read_u16() noexcept { return get<std::uint16_t>(); }
  std::uint32_t read_u32() noexcept { return get<std::uint32_t>(); }
  std::uint64_t read_u64() noexcept { return get<std::uint64_t>(); }
  std::int8_t read_i8() noexcept { return get<std::int8_t>(); }
  std::int16_t read_i16() noexcept { return get<std::int16_t>(); }
  std::int32_t read_i32() noexcept { return get<std::int32_t>(); }
  std::int64_t read_i64() noexcept { return get<std::int64_t>(); }
  // A byte other than 0 or 1 fails with decode_invalid.
  bool read_bool() noexcept {
    const std::uint8_t b = get<std::uint8_t>();
    if (b > 1) fail(Errc::decode_invalid);
    return b == 1;
  }
  // A view of the next n bytes (empty after a failure).
  std::span<const std::byte> read_bytes(std::size_t n) noexcept {
    if (!take(n)) return {};
    return {data_ + pos_ - n, n};
  }
  // A u32-length-prefixed string, as a view into the input.
  std::string_view read_string() noexcept {
    const std::uint32_t n = read_u32();
    const auto bytes = read_bytes(n);
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  // An enum stored as its underlying integer, accepted only if <= max (else decode_invalid).
  template <class E>
    requires std::is_enum_v<E>
  E read_enum(E max) noexcept {
    using U = std::underlying_type_t<E>;
    const U v = get<U>();
    if (v > static_cast<U>(max)) {
      fail(Errc::decode_invalid);
      return E{};
    }
    return static_cast<E>(v);
  }

  bool ok() const noexcept { return error_ == Errc::ok; }
  Errc error() const noexcept { return error_; }
  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return size_ - pos_; }
  // Records a failure found by the caller's own validation (e.g. a field out of range).
  void fail(Errc code) noexcept {
    if (ok()) error_ = code;
  }
  // The status of every read so far; a successful decode must also have consumed everything.
  Status<Errc> finish() const noexcept {
    if (!ok()) return strike::fail(error_);
    if (pos_ != size_) return strike::fail(Errc::decode_trailing_bytes);
    return {};
  }

 private:
  bool take(std::size_t n) noexcept {
    if (!ok()) return false;
    if (size_ - pos_ < n) {
      fail(Errc::decode_truncated);
      return false;
    }
    pos_ += n;
    return true;
  }
  template <class T>
  T get() noexcept {
    if (!take(sizeof(T))) return T{0};
    return load_le<T>(data_ + pos_ - sizeof(T));
  }

  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t pos_ = 0;
  Errc error_ = Errc::ok;
};

}  // namespace strike
