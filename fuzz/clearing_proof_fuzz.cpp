// A user's proof file for `strike audit verify-proof` is untrusted text. This runs what that
// command runs (proof_from_json, verify_inclusion, verdict_text) and checks: nothing crashes
// whatever the vectors' lengths or values (proof_from_json leaves lengths and values to the
// verifier, so mismatched ones reach it); a failure is always invalid_proof; an accepted proof
// has one number per currency everywhere; the JSON round trip gives the same verdict, detail
// included; and an accepted proof with one number added or removed anywhere is refused.
#include <cstdint>
#include <string>
#include <string_view>

#include "clearing/liabilities.hpp"
#include "core/assert.hpp"

namespace {

using strike::Error;
using strike::Errc;
using strike::Status;
using strike::clearing::InclusionProof;

Status<Error> check(const InclusionProof& p) {
  Status<Error> verdict = strike::clearing::verify_inclusion(p);
  const std::string text = strike::clearing::verdict_text(p, verdict);  // what the command prints
  STRIKE_ASSERT(!text.empty(), "verdict text");
  STRIKE_ASSERT(verdict.ok() || verdict.error().code == Errc::invalid_proof, "proof errors are invalid_proof");
  return verdict;
}

void expect_refused(const InclusionProof& p) {
  STRIKE_ASSERT(!check(p).ok(), "a proof with a number added or removed verified");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto proof = strike::clearing::proof_from_json(text);
  if (!proof) {
    STRIKE_ASSERT(proof.error().code == Errc::invalid_proof, "parse errors are invalid_proof");
    return 0;
  }
  const InclusionProof& p = proof.value();
  const Status<Error> verdict = check(p);
  auto again = strike::clearing::proof_from_json(strike::clearing::proof_to_json(p));
  STRIKE_ASSERT(again.ok(), "proof JSON round trip parses");
  const Status<Error> again_verdict = check(again.value());
  STRIKE_ASSERT(again_verdict.ok() == verdict.ok() && (verdict.ok() || again_verdict.error() == verdict.error()),
                "proof JSON round trip keeps the verdict");
  if (!verdict.ok()) return 0;

  const std::size_t n = p.currencies.size();
  STRIKE_ASSERT(p.leaf.balances.size() == n && p.totals.size() == n, "a verified proof has one number per currency");
  for (const auto& step : p.path) STRIKE_ASSERT(step.sibling_sums.size() == n, "a verified step has one sum per currency");
  InclusionProof bad = p;
  bad.totals.push_back(0);  // more totals than currencies
  expect_refused(bad);
  bad = p;
  bad.leaf.balances.push_back(0);
  expect_refused(bad);
  if (n > 0) {
    bad = p;
    bad.currencies.pop_back();  // fewer names than numbers
    expect_refused(bad);
  }
  for (std::size_t i = 0; i < p.path.size(); ++i) {
    bad = p;
    bad.path[i].sibling_sums.push_back(0);
    expect_refused(bad);
  }
  return 0;
}
