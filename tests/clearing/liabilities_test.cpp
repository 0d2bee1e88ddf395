// The proof of liabilities: every account's inclusion proof verifies against the published
// root and totals, and any change to a leaf, a step or the totals makes it fail.
#include <gtest/gtest.h>

#include <random>

#include "clearing/liabilities.hpp"

namespace strike::clearing {
namespace {

LiabilityTree random_tree(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<LiabilityLeaf> leaves;
  for (std::size_t i = 0; i < n; ++i)
    leaves.push_back(LiabilityLeaf{AccountId{i + 1}, {static_cast<std::int64_t>(rng() % 1'000'000'000),
                                                      static_cast<std::int64_t>(rng() % 1'000) - 100}});
  return LiabilityTree({"BTC", "USDC"}, std::move(leaves));
}

TEST(Liabilities, EveryAccountsProofVerifiesForEveryTreeSize) {
  for (std::size_t n : {1u, 2u, 3u, 5u, 8u, 13u, 100u}) {
    const LiabilityTree tree = random_tree(n, n);
    for (std::size_t i = 1; i <= n; ++i) {
      auto p = tree.proof(AccountId{i});
      ASSERT_TRUE(p.ok());
      EXPECT_TRUE(verify_inclusion(p.value())) << "n=" << n << " account " << i;
      // The JSON form round-trips and still verifies.
      auto back = proof_from_json(proof_to_json(p.value()));
      ASSERT_TRUE(back.ok()) << back.error().to_string();
      EXPECT_TRUE(verify_inclusion(back.value()));
    }
  }
}

TEST(Liabilities, TotalsAreTheSumOfNonNegativeBalances) {
  const LiabilityTree tree({"BTC"}, {{AccountId{1}, {5}}, {AccountId{2}, {-3}}, {AccountId{3}, {7}}});
  EXPECT_EQ(tree.totals(), (std::vector<std::int64_t>{12}));
}

TEST(Liabilities, AnyTamperingFailsVerification) {
  const LiabilityTree tree = random_tree(9, 42);
  const InclusionProof good = tree.proof(AccountId{4}).value();
  auto bad = good;
  bad.leaf.balances[0] += 1;  // claims a different balance
  EXPECT_FALSE(verify_inclusion(bad));
  bad = good;
  bad.totals[1] -= 1;  // venue publishes smaller totals
  EXPECT_FALSE(verify_inclusion(bad));
  bad = good;
  bad.path[1].sibling_sums[0] -= 1;  // a subtree's sum shrunk
  EXPECT_FALSE(verify_inclusion(bad));
  bad = good;
  bad.path[0].sibling[3] ^= 1;
  EXPECT_FALSE(verify_inclusion(bad));
  bad = good;
  bad.path[0].sibling_sums[0] = -1'000;  // a negative subtree cannot hide a balance
  EXPECT_FALSE(verify_inclusion(bad));
  bad = good;
  bad.leaf.account = AccountId{5};
  EXPECT_FALSE(verify_inclusion(bad));
}

TEST(Liabilities, MalformedProofJsonIsATypedError) {
  for (const char* text : {"", "{}", "[1,2]", "{\"currencies\":[\"BTC\"],\"account\":1,\"balances\":[1],\"path\":[],"
                                               "\"root\":\"zz\",\"totals\":[1]}"}) {
    auto r = proof_from_json(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, Errc::invalid_proof);
  }
  EXPECT_FALSE(LiabilityTree({"BTC"}, {}).proof(AccountId{1}).ok());
}

}  // namespace
}  // namespace strike::clearing
