// Proof of liabilities: a Merkle sum tree over every account's balances, the transparency
// report venues publish (Maxwell's scheme). Each node carries the per-currency sums of the
// balances below it and a SHA-256 over its children's hashes and its sums, so the root commits
// to the totals: a venue cannot leave a user out, or shrink the totals, without changing the
// root that user checks their inclusion proof against.
//
// Leaf   = SHA-256("strike-leaf\0" || account u64 || n u16 || balance_0..n-1 i64)   (little-endian)
// Node   = SHA-256("strike-node\0" || left hash || right hash || sum_0..n-1 i64)
// An odd node at the end of a level is paired with itself's absence: it moves up unchanged.
// Negative balances (possible before margin rules) count as zero: a debt to the venue is not a
// liability, and counting it would let one account hide another's balance.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/sha256.hpp"
#include "core/units.hpp"

namespace strike::clearing {

Result<Hash256, Errc> hash_from_hex(std::string_view hex) noexcept;

struct LiabilityLeaf {
  AccountId account;
  std::vector<std::int64_t> balances;  // one per currency of the report, >= 0
};

struct ProofStep {
  Hash256 sibling;
  std::vector<std::int64_t> sibling_sums;
  bool sibling_on_left = false;
};

// What a user keeps and checks offline: their leaf, the path to the root, the published root.
struct InclusionProof {
  std::vector<std::string> currencies;  // names of the balance columns
  LiabilityLeaf leaf;
  std::vector<ProofStep> path;
  Hash256 root;
  std::vector<std::int64_t> totals;
};

class LiabilityTree {
 public:
  // Leaves in the order given (the caller sorts by account). Negative balances become zero.
  LiabilityTree(std::vector<std::string> currencies, std::vector<LiabilityLeaf> leaves);

  const Hash256& root() const noexcept { return levels_.back().front().hash; }
  const std::vector<std::int64_t>& totals() const noexcept { return levels_.back().front().sums; }
  std::size_t size() const noexcept { return leaves_.size(); }
  // Errors: unknown_account.
  Result<InclusionProof, Errc> proof(AccountId account) const;

 private:
  struct Node {
    Hash256 hash;
    std::vector<std::int64_t> sums;
  };
  std::vector<std::string> currencies_;
  std::vector<LiabilityLeaf> leaves_;
  std::vector<std::vector<Node>> levels_;  // levels_[0]: leaves; back(): the root
};

Hash256 leaf_hash(const LiabilityLeaf& leaf);

// Recomputes the root from the proof's leaf and path; true when it equals the proof's root and
// totals. Also refuses a path whose sums go negative or overflow.
bool verify_inclusion(const InclusionProof& proof) noexcept;

// The proof as JSON (what `strike audit --account` prints) and back. Errors: invalid_proof.
std::string proof_to_json(const InclusionProof& proof);
Result<InclusionProof, Error> proof_from_json(std::string_view json);

}  // namespace strike::clearing
