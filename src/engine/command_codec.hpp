// The binary form of a command's body: the payload of its journal record (the record header
// carries seq, time and the CommandType). Little-endian, fixed layout per type, documented in
// docs/engine.md; decoding checks every enum range and the exact length, so any byte string
// is either a well-formed command or a typed error (decode_truncated, decode_invalid,
// decode_trailing_bytes, journal_corrupt for an unknown type).
#pragma once

#include <span>

#include "core/byte_buffer.hpp"
#include "engine/command.hpp"

namespace strike::engine {

// The largest encoded body (a new order with a 64-byte label).
inline constexpr std::size_t kMaxCommandBytes = 192;

// Appends the body of `command` to `out`.
void encode_body(const CommandBody& body, ByteWriter& out) noexcept;

// Rebuilds a command from its record header fields and body bytes.
Result<Command, Errc> decode_command(SeqNo seq, Timestamp time, std::uint16_t type,
                                     std::span<const std::byte> body) noexcept;

}  // namespace strike::engine
