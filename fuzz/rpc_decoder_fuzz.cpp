// The JSON-RPC line decoder over untrusted bytes (every line a client sends): it must never
// crash, and whatever it accepts must be a command the engine can encode and decode back to the
// same bytes (what the journal will hold), or a query.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/assert.hpp"
#include "engine/command_codec.hpp"
#include "rpc/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const strike::InstrumentRegistry registry = strike::load_default_instruments().value();
  static strike::rpc::Decoder decoder(registry);
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  auto r = decoder.decode(line, strike::rpc::Session{strike::AccountId{1}});
  std::string out;
  if (!r) {
    strike::rpc::encode_error(r.error(), out);
    STRIKE_ASSERT(!out.empty() && out.back() == '\n', "error response is one line");
    return 0;
  }
  if (const auto* body = std::get_if<strike::engine::CommandBody>(&r.value().body)) {
    std::array<std::byte, strike::engine::kMaxCommandBytes> a, b;
    strike::ByteWriter w1(a);
    strike::engine::encode_body(*body, w1);
    STRIKE_ASSERT(w1.ok(), "a decoded command fits the journal's payload");
    auto back = strike::engine::decode_command(strike::SeqNo{1}, strike::Timestamp{},
                                               static_cast<std::uint16_t>(strike::engine::type_of(*body)), w1.written());
    STRIKE_ASSERT(back.ok(), "a decoded command decodes from its own encoding");
    strike::ByteWriter w2(b);
    strike::engine::encode_body(back.value().body, w2);
    STRIKE_ASSERT(w1.size() == w2.size() && std::memcmp(a.data(), b.data(), w1.size()) == 0, "encoding is stable");
  }
  return 0;
}
