// proof_from_json over untrusted text (a user's proof file for `strike audit verify-proof`)
// must never crash; whatever it accepts re-serialises to a proof with the same verdict.
#include <cstdint>
#include <string_view>

#include "clearing/liabilities.hpp"
#include "core/assert.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto proof = strike::clearing::proof_from_json(text);
  if (!proof) return 0;
  const bool verdict = strike::clearing::verify_inclusion(proof.value());
  auto again = strike::clearing::proof_from_json(strike::clearing::proof_to_json(proof.value()));
  STRIKE_ASSERT(again.ok() && strike::clearing::verify_inclusion(again.value()) == verdict, "proof JSON round trip");
  return 0;
}
