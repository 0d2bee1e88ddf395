// Proof of liabilities: a Merkle sum tree over every account's balances, the transparency
// report `strike audit` publishes. A user keeps an inclusion proof (their leaf, the sibling
// hashes and sums up the path, the published root and totals) and checks it offline.
//
// Construction: Maxwell's sum tree as fixed by Hu, Zhang and Guo ("Breaking the Binding",
// IACR ePrint 2018/1139; "Maxwell+"). Each internal node's hash commits to BOTH children's
// per-currency sums and hashes, and its own sum is their (overflow-checked) total. Plain
// Maxwell hashed only a node's total, so the two halves under a node could be shown different
// sibling sums that each add up to the same total: with 50 BTC under each child, left users
// are told the right child holds 10, right users that the left holds 10, and every proof
// verifies against a root claiming 60 for 100 held. Here the left users' node is
// H(..50..h_L..10..h_R) and the right users' H(..10..h_L..50..h_R): they cannot both lead to
// one published root, so some user's proof fails.
//
// All integers little-endian; n = number of currencies; sums are i64, >= 0.
//   Leaf = SHA-256("strike-pol-v2-leaf\0" || account u64 || balance_0..n-1 i64)
//   Node = SHA-256("strike-pol-v2-node\0" || left sums (n x i64) || left hash
//                                        || right sums (n x i64) || right hash)
//   Root = SHA-256("strike-pol-v2-root\0" || n u16 || (len u8 || code bytes) x n
//                                        || totals (n x i64) || top hash)
// "top" is the hash of the tree's top node (the single leaf for one account, all zero bytes for
// none). The root binds the currency codes, their order and the totals, so the root hash alone
// is what a venue publishes and users compare. The tags (NUL included in the hash) keep leaves,
// nodes and roots of this scheme apart from each other and from the old Maxwell hashes.
// An odd node at the end of a level moves up unchanged (its users' paths have no step there).
//
// Invariants: leaves are in strictly increasing account order, every balance is >= 0 (negative
// balances count as zero: a debt to the venue is not a liability, and netting it would let one
// account hide another's balance), every sum fits in i64. What a proof leaks and does not prove:
// docs/clearing.md. Costs: building hashes every node once (a node is SHA-256 of 83 + 16n
// bytes) and keeps every level in memory; a proof has at most ceil(log2 accounts) steps;
// verifying is one node hash per step and one root hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/sha256.hpp"
#include "core/units.hpp"

namespace strike::clearing {

constexpr int kProofVersion = 2;               // the "version" of the proof JSON
constexpr std::size_t kMaxProofCurrencies = 256;  // bounds the work a hostile proof can ask for
constexpr std::size_t kMaxProofDepth = 64;        // a tree of 2^64 accounts is deeper than any real one

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
// proof_from_json only checks the JSON's types; every rule about the content (lengths, signs,
// sums, hashes) is verify_inclusion's, so one function decides whether a proof holds.
struct InclusionProof {
  std::vector<std::string> currencies;  // codes of the balance columns, in order
  LiabilityLeaf leaf;
  std::vector<ProofStep> path;  // from the leaf's sibling up to the top node's children
  Hash256 root;
  std::vector<std::int64_t> totals;
};

class LiabilityTree {
 public:
  // Leaves in strictly increasing account order, each with one balance per currency; negative
  // balances become zero. Errors: out_of_range (more than kMaxProofCurrencies currencies, a name
  // that is not a currency code or is repeated, a leaf with the wrong number of balances, leaves
  // out of order), overflow (a sum beyond i64).
  static Result<LiabilityTree, Error> build(std::vector<std::string> currencies, std::vector<LiabilityLeaf> leaves);

  const Hash256& root() const noexcept { return root_; }
  const std::vector<std::int64_t>& totals() const noexcept { return levels_.back().front().sums; }
  const std::vector<std::string>& currencies() const noexcept { return currencies_; }
  std::size_t size() const noexcept { return leaves_.size(); }
  // Errors: unknown_account.
  Result<InclusionProof, Errc> proof(AccountId account) const;

 private:
  struct Node {
    Hash256 hash;
    std::vector<std::int64_t> sums;
  };
  LiabilityTree() = default;
  std::vector<std::string> currencies_;
  std::vector<LiabilityLeaf> leaves_;
  std::vector<std::vector<Node>> levels_;  // levels_[0]: leaves; back(): the top node alone
  Hash256 root_{};
};

// The three hashes of the layout above (public so tests and other tools can rebuild a tree).
// Each sums vector must have one entry per currency of the tree.
Hash256 leaf_hash(const LiabilityLeaf& leaf);
Hash256 node_hash(const std::vector<std::int64_t>& left_sums, const Hash256& left,
                  const std::vector<std::int64_t>& right_sums, const Hash256& right);
Hash256 root_hash(const std::vector<std::string>& currencies, const std::vector<std::int64_t>& totals,
                  const Hash256& top);

// 2-10 upper-case letters or digits, as the currency table requires.
bool is_currency_code(std::string_view code) noexcept;

// Recomputes the path from the proof's leaf and checks that it ends at the proof's totals and
// root. Errors (all invalid_proof, the detail says which rule and where): a vector whose length
// is not the number of currencies, a bad or repeated currency code, a negative balance or
// sibling sum, a sum beyond i64, a path longer than kMaxProofDepth, totals or root that differ
// from the recomputed ones. Never reads outside the proof's vectors, whatever their lengths.
Status<Error> verify_inclusion(const InclusionProof& proof);

// What `strike audit verify-proof` prints for a proof and its verdict: the account, the root
// and either the totals by currency or why the proof fails. Safe on any proof.
std::string verdict_text(const InclusionProof& proof, const Status<Error>& verdict);

// The proof as JSON (what `strike audit --account` prints) and back. proof_from_json checks the
// shape (fields present, types, version == kProofVersion, hashes are 64 hex digits, currency
// names are currency codes); it does not check lengths or values. Errors: invalid_proof.
std::string proof_to_json(const InclusionProof& proof);
Result<InclusionProof, Error> proof_from_json(std::string_view json);

}  // namespace strike::clearing
