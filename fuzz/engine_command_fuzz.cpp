// Journal payloads are input too (a journal can be damaged, or written by another build): any
// (type, bytes) must decode to a command or a typed error, never crash; a decoded command
// re-encodes to exactly its bytes; and applying it to an engine (after a few set-up commands)
// never breaks an invariant, whatever its fields say.
// Input: 2 bytes of type (little-endian), then the payload.
#include <cstdint>
#include <cstring>

#include "core/assert.hpp"
#include "engine/command_codec.hpp"
#include "engine/engine.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static const strike::InstrumentRegistry registry = strike::load_default_instruments().value();
  const std::uint16_t type = static_cast<std::uint16_t>(data[0] | (data[1] << 8));
  const std::span<const std::byte> payload(reinterpret_cast<const std::byte*>(data + 2), size - 2);
  auto c = strike::engine::decode_command(strike::SeqNo{4}, strike::Timestamp::from_ns(1'796'083'200'000'000'000), type, payload);
  if (!c) return 0;
  std::array<std::byte, strike::engine::kMaxCommandBytes> buf;
  strike::ByteWriter w(buf);
  strike::engine::encode_body(c.value().body, w);
  STRIKE_ASSERT(w.ok() && w.size() == payload.size() && std::memcmp(buf.data(), payload.data(), payload.size()) == 0,
                "decode/encode round trip");
  strike::engine::Engine engine(registry);
  using namespace strike::engine;
  const strike::CurrencyId btc = registry.currencies().find("BTC")->id;
  const CommandBody setup[] = {CreateAccount{}, CreateAccount{}, Deposit{strike::AccountId{1}, btc, 100'000'000}};
  for (std::uint64_t i = 0; i < 3; ++i)
    (void)engine.apply(Command{strike::SeqNo{i + 1}, strike::Timestamp::from_ns(1'796'083'200'000'000'000), setup[i]});
  (void)engine.apply(c.value());
  auto problem = engine.validate();
  STRIKE_ASSERT(!problem, "invariant broken by a decoded command: {}", *problem);
  return 0;
}
