// The JSON-RPC line decoder over untrusted bytes (every line a client sends): it must never
// crash, and whatever it accepts must be a command the engine can encode and decode back to the
// same bytes (what the journal will hold), or a query. Differential check of repeated keys
// against simdjson's DOM parser (another implementation): a line the decoder accepts repeats no
// key in any object, and one it refuses with rpc_duplicate_key does.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "core/assert.hpp"
#include "engine/command_codec.hpp"
#include "rpc/codec.hpp"

namespace {

// Whether any object in `e` repeats a key.
bool repeats_a_key(simdjson::dom::element e) {
  if (simdjson::dom::array a; e.get_array().get(a) == simdjson::SUCCESS) {
    for (simdjson::dom::element x : a)
      if (repeats_a_key(x)) return true;
    return false;
  }
  simdjson::dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return false;
  std::vector<std::string_view> keys;
  for (auto field : o) {
    keys.push_back(field.key);
    if (repeats_a_key(field.value)) return true;
  }
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
}

// The DOM's verdict on repeated keys, if it parses the line as one JSON object.
std::optional<bool> dom_repeats_a_key(std::string_view line) {
  static simdjson::dom::parser parser;
  const simdjson::padded_string padded(line);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object()) return std::nullopt;
  return repeats_a_key(doc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const strike::InstrumentRegistry registry = strike::load_default_instruments().value();
  static strike::rpc::Decoder decoder(registry);
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  auto r = decoder.decode(line, strike::rpc::Session{strike::AccountId{1}});
  std::string out;
  if (!r) {
    strike::rpc::encode_error(r.error(), out);
    STRIKE_ASSERT(!out.empty() && out.back() == '\n', "error response is one line");
    if (r.error().reason == strike::Errc::rpc_duplicate_key) {
      const auto dom = dom_repeats_a_key(line);
      STRIKE_ASSERT(!dom || *dom, "a line refused for a repeated key repeats one");
    }
    return 0;
  }
  const auto dom = dom_repeats_a_key(line);
  STRIKE_ASSERT(!dom || !*dom, "an accepted line repeats no key");
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
