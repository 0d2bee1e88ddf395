// The proof of liabilities: every account's inclusion proof verifies against the published
// root and totals; any change to a leaf, a step or the totals makes it fail; the Maxwell
// forgery (shifting sums between siblings to under-report the totals) is caught; and every
// malformed proof, whatever its lengths or values, is a typed error.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <string>

#include "clearing/liabilities.hpp"

namespace strike::clearing {
namespace {

constexpr std::int64_t kBtc = 100'000'000;  // satoshi
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

LiabilityTree random_tree(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<LiabilityLeaf> leaves;
  for (std::size_t i = 0; i < n; ++i)
    leaves.push_back(LiabilityLeaf{AccountId{i + 1}, {static_cast<std::int64_t>(rng() % 1'000'000'000),
                                                      static_cast<std::int64_t>(rng() % 1'000) - 100}});
  return LiabilityTree::build({"BTC", "USDC"}, std::move(leaves)).value();
}

// The invalid_proof detail of a verdict, "" when it verifies.
std::string why(const InclusionProof& p) {
  const Status<Error> v = verify_inclusion(p);
  if (v.ok()) return "";
  EXPECT_EQ(v.error().code, Errc::invalid_proof);
  return v.error().detail;
}

bool verifies(const InclusionProof& p) { return verify_inclusion(p).ok(); }

TEST(Liabilities, EveryAccountsProofVerifiesForEveryTreeSizeFromOneToSeventy) {
  for (std::size_t n = 1; n <= 70; ++n) {
    SCOPED_TRACE(testing::Message() << "seed " << n << ", " << n << " accounts");
    const LiabilityTree tree = random_tree(n, n);
    for (std::size_t i = 1; i <= n; ++i) {
      auto p = tree.proof(AccountId{i});
      ASSERT_TRUE(p.ok());
      EXPECT_EQ(why(p.value()), "") << "account " << i;
      EXPECT_LE(p->path.size(), 7u);  // ceil(log2 70)
      // The JSON form round-trips and still verifies.
      auto back = proof_from_json(proof_to_json(p.value()));
      ASSERT_TRUE(back.ok()) << back.error().to_string();
      EXPECT_EQ(why(back.value()), "");
    }
  }
}

TEST(Liabilities, TotalsAreTheSumOfNonNegativeBalances) {
  const LiabilityTree tree = LiabilityTree::build({"BTC"}, {{AccountId{1}, {5}}, {AccountId{2}, {-3}}, {AccountId{3}, {7}}}).value();
  EXPECT_EQ(tree.totals(), (std::vector<std::int64_t>{12}));
}

TEST(Liabilities, TheRootCommitsToTheCurrencyCodesAndTheTotals) {
  const LiabilityTree tree = LiabilityTree::build({"BTC", "ETH"}, {{AccountId{1}, {5, 6}}, {AccountId{2}, {7, 8}}}).value();
  const InclusionProof good = tree.proof(AccountId{1}).value();
  auto bad = good;
  std::swap(bad.currencies[0], bad.currencies[1]);  // the same numbers, read as the other currency
  EXPECT_NE(why(bad).find("root:"), std::string::npos) << why(bad);
  // Another set of codes gives another root even for the same balances.
  const LiabilityTree other = LiabilityTree::build({"ETH", "BTC"}, {{AccountId{1}, {5, 6}}, {AccountId{2}, {7, 8}}}).value();
  EXPECT_NE(tree.root(), other.root());
}

TEST(Liabilities, AnyTamperingFailsVerification) {
  const LiabilityTree tree = random_tree(9, 42);
  const InclusionProof good = tree.proof(AccountId{4}).value();
  ASSERT_TRUE(verifies(good));
  auto bad = good;
  bad.leaf.balances[0] += 1;  // claims a different balance
  EXPECT_FALSE(verifies(bad));
  bad = good;
  bad.totals[1] -= 1;  // venue publishes smaller totals
  EXPECT_NE(why(bad).find("totals:"), std::string::npos);
  bad = good;
  bad.path[1].sibling_sums[0] -= 1;  // a subtree's sum shrunk
  EXPECT_FALSE(verifies(bad));
  bad = good;
  bad.path[1].sibling_sums[0] -= 1;  // shrunk, and the totals shrunk to match: the root catches it
  bad.totals[0] -= 1;
  EXPECT_NE(why(bad).find("root:"), std::string::npos);
  bad = good;
  bad.path[0].sibling[3] ^= 1;
  EXPECT_FALSE(verifies(bad));
  bad = good;
  bad.path[0].sibling_on_left = !bad.path[0].sibling_on_left;
  EXPECT_FALSE(verifies(bad));
  bad = good;
  bad.leaf.account = AccountId{5};
  EXPECT_FALSE(verifies(bad));
}

// Maxwell's flaw (Hu, Zhang, Guo 2019). Four users hold 25 BTC each: 100 BTC. The operator
// builds the honest bottom level (n12 over users 1 and 2, n34 over users 3 and 4, 50 BTC each)
// and publishes a root claiming 60 BTC, telling users 1 and 2 that n34 holds 10 BTC and users
// 3 and 4 that n12 holds 10 BTC. Each user's path adds up to 60. When a node's hash covered
// only its own total (H(left hash || right hash || 60)), both halves recomputed the same root
// and all four proofs verified (checked against the code before this test was written). Now
// the root node's hash covers both children's sums, so the halves recompute different roots
// and whichever root the operator publishes, the other half's proofs fail.
TEST(Liabilities, AForgedTreeThatUnderReportsTheTotalsFailsSomeUsersProof) {
  const std::vector<std::string> btc{"BTC"};
  std::vector<LiabilityLeaf> users;
  for (std::uint64_t a = 1; a <= 4; ++a) users.push_back({AccountId{a}, {25 * kBtc}});
  std::vector<Hash256> leaf;
  for (const LiabilityLeaf& u : users) leaf.push_back(leaf_hash(u));
  const std::vector<std::int64_t> quarter{25 * kBtc}, half{50 * kBtc}, shown{10 * kBtc}, claimed{60 * kBtc};
  const Hash256 n12 = node_hash(quarter, leaf[0], quarter, leaf[1]);
  const Hash256 n34 = node_hash(quarter, leaf[2], quarter, leaf[3]);
  // The top node as each half recomputes it from the sums it is shown.
  const Hash256 top_left_view = node_hash(half, n12, shown, n34);
  const Hash256 top_right_view = node_hash(shown, n12, half, n34);
  ASSERT_NE(top_left_view, top_right_view);

  auto forged_proofs = [&](const Hash256& published_root) {
    std::vector<InclusionProof> proofs;
    for (std::size_t i = 0; i < 4; ++i) {
      InclusionProof p{btc, users[i], {}, published_root, claimed};
      p.path.push_back(ProofStep{leaf[i ^ 1], quarter, (i & 1) == 1});
      p.path.push_back(ProofStep{i < 2 ? n34 : n12, shown, i >= 2});  // the under-reported sibling
      proofs.push_back(std::move(p));
    }
    return proofs;
  };
  for (const Hash256& top : {top_left_view, top_right_view}) {
    int failing = 0;
    for (const InclusionProof& p : forged_proofs(root_hash(btc, claimed, top))) {
      // Every path adds up to the claimed 60 BTC: only the hash binding the sums catches it.
      std::int64_t sum = p.leaf.balances[0];
      for (const ProofStep& s : p.path) sum += s.sibling_sums[0];
      EXPECT_EQ(sum, 60 * kBtc);
      if (!verifies(p)) {
        ++failing;
        EXPECT_NE(why(p).find("root:"), std::string::npos) << why(p);
      }
    }
    EXPECT_EQ(failing, 2) << "a root claiming 60 BTC over 100 BTC of balances must fail half the users";
  }

  // The honest tree over the same users publishes 100 BTC and every proof verifies.
  const LiabilityTree honest = LiabilityTree::build(btc, users).value();
  EXPECT_EQ(honest.totals(), (std::vector<std::int64_t>{100 * kBtc}));
  EXPECT_EQ(honest.root(), root_hash(btc, {100 * kBtc}, node_hash(half, n12, half, n34)));
  for (std::uint64_t a = 1; a <= 4; ++a) EXPECT_TRUE(verifies(honest.proof(AccountId{a}).value()));
}

TEST(Liabilities, ANegativeSiblingSumIsRejectedEvenWhenItsHashIsConsistent) {
  // The operator hides user 2's 50 BTC behind a fake account with -50 BTC: the node over them
  // sums to 0. Its hash is honest, so only the sign check stops it.
  const std::vector<std::string> btc{"BTC"};
  const LiabilityLeaf user{AccountId{2}, {50 * kBtc}}, fake{AccountId{1}, {-50 * kBtc}};
  const Hash256 top = node_hash(fake.balances, leaf_hash(fake), user.balances, leaf_hash(user));
  InclusionProof p{btc, user, {ProofStep{leaf_hash(fake), fake.balances, true}}, root_hash(btc, {0}, top), {0}};
  EXPECT_NE(why(p).find("path[0].sums: negative"), std::string::npos) << why(p);
  p.leaf.balances[0] = -1;
  EXPECT_NE(why(p).find("balances: negative"), std::string::npos) << why(p);
}

TEST(Liabilities, SumsThatOverflowAreRejected) {
  const std::vector<std::string> btc{"BTC"};
  const LiabilityLeaf user{AccountId{1}, {kMax}};
  const std::vector<std::int64_t> one{1};
  // Wrapped around, kMax + 1 would be INT64_MIN; the verifier refuses before any total compares.
  InclusionProof p{btc, user, {ProofStep{Hash256{}, one, false}}, Hash256{}, {std::numeric_limits<std::int64_t>::min()}};
  EXPECT_NE(why(p).find("path[0].sums: the sum with it exceeds 64 bits"), std::string::npos) << why(p);
  // The tree refuses to build over balances whose totals do not fit.
  auto tree = LiabilityTree::build(btc, {{AccountId{1}, {kMax}}, {AccountId{2}, {1}}});
  ASSERT_FALSE(tree.ok());
  EXPECT_EQ(tree.error().code, Errc::overflow);
  // kMax itself is a valid total.
  auto full = LiabilityTree::build(btc, {{AccountId{1}, {kMax - 1}}, {AccountId{2}, {1}}});
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(verifies(full->proof(AccountId{2}).value()));
}

TEST(Liabilities, ProofsWithMismatchedLengthsAreTypedErrors) {
  const LiabilityTree tree = random_tree(5, 7);
  const InclusionProof good = tree.proof(AccountId{3}).value();
  ASSERT_EQ(good.path.size(), 3u);
  auto bad = good;
  bad.totals.push_back(1);  // more totals than currency names: `verify-proof` used to crash here
  EXPECT_EQ(why(bad), "totals: 3 numbers, expected 2 (one per currency)");
  bad.totals.resize(200, 7);
  EXPECT_EQ(why(bad), "totals: 200 numbers, expected 2 (one per currency)");
  bad = good;
  bad.totals.pop_back();
  EXPECT_EQ(why(bad), "totals: 1 numbers, expected 2 (one per currency)");
  bad = good;
  bad.currencies.clear();
  EXPECT_EQ(why(bad), "balances: 2 numbers, expected 0 (one per currency)");
  bad = good;
  bad.leaf.balances.push_back(0);
  EXPECT_EQ(why(bad), "balances: 3 numbers, expected 2 (one per currency)");
  bad = good;
  bad.path[1].sibling_sums.push_back(0);
  EXPECT_EQ(why(bad), "path[1].sums: 3 numbers, expected 2 (one per currency)");
  bad = good;
  bad.path[2].sibling_sums.clear();
  EXPECT_EQ(why(bad), "path[2].sums: 0 numbers, expected 2 (one per currency)");
  bad = good;
  bad.path.clear();  // an empty path: the leaf would have to be the whole tree
  EXPECT_NE(why(bad).find("totals:"), std::string::npos) << why(bad);
  bad.totals = bad.leaf.balances;  // ...and with matching totals, the root still differs
  EXPECT_NE(why(bad).find("root:"), std::string::npos) << why(bad);
  bad = good;
  bad.path.resize(kMaxProofDepth + 1, good.path[0]);
  EXPECT_EQ(why(bad), "path: 65 steps, at most 64");
  bad = good;
  bad.currencies[1] = "usdc";
  EXPECT_EQ(why(bad), "currencies[1]: not 2-10 upper-case letters or digits");
  bad.currencies[1] = "BTC";
  EXPECT_EQ(why(bad), "currencies[1]: BTC repeated");
  bad.currencies.assign(kMaxProofCurrencies + 1, "BTC");
  EXPECT_EQ(why(bad), "currencies: 257 of them, at most 256");
}

TEST(Liabilities, AOneAccountTreeIsItsLeafAndAnEmptyTreeHasZeroTotals) {
  const LiabilityTree one = LiabilityTree::build({"BTC"}, {{AccountId{9}, {3}}}).value();
  const InclusionProof p = one.proof(AccountId{9}).value();
  EXPECT_TRUE(p.path.empty());
  EXPECT_EQ(one.root(), root_hash({"BTC"}, {3}, leaf_hash({AccountId{9}, {3}})));
  EXPECT_TRUE(verifies(p));
  const LiabilityTree none = LiabilityTree::build({"BTC"}, {}).value();
  EXPECT_EQ(none.totals(), (std::vector<std::int64_t>{0}));
  EXPECT_EQ(none.proof(AccountId{1}).error(), Errc::unknown_account);
}

TEST(Liabilities, ATreeRefusesBadInputWithATypedError) {
  auto wrong_width = LiabilityTree::build({"BTC", "ETH"}, {{AccountId{1}, {3}}});
  ASSERT_FALSE(wrong_width.ok());
  EXPECT_EQ(wrong_width.error().code, Errc::out_of_range);
  auto unordered = LiabilityTree::build({"BTC"}, {{AccountId{2}, {3}}, {AccountId{1}, {3}}});
  ASSERT_FALSE(unordered.ok());
  EXPECT_EQ(unordered.error().code, Errc::out_of_range);
  auto repeated = LiabilityTree::build({"BTC", "BTC"}, {});
  ASSERT_FALSE(repeated.ok());
  EXPECT_EQ(repeated.error().code, Errc::out_of_range);
}

TEST(Liabilities, MalformedProofJsonIsATypedError) {
  const std::string root(64, '0');
  for (const std::string& text :
       {std::string(""), std::string("{}"), std::string("[1,2]"), std::string("3"),
        // no version, or another version (the Maxwell proofs before this scheme)
        "{\"currencies\":[\"BTC\"],\"account\":1,\"balances\":[1],\"path\":[],\"root\":\"" + root + "\",\"totals\":[1]}",
        "{\"version\":1,\"currencies\":[\"BTC\"],\"account\":1,\"balances\":[1],\"path\":[],\"root\":\"" + root + "\",\"totals\":[1]}",
        std::string("{\"version\":2,\"currencies\":[\"BTC\"],\"account\":1,\"balances\":[1],\"path\":[],\"root\":\"zz\",\"totals\":[1]}"),
        // a balance beyond 64 bits, a fraction, a name that is not a currency code
        "{\"version\":2,\"currencies\":[\"BTC\"],\"account\":1,\"balances\":[9223372036854775808],\"path\":[],\"root\":\"" + root + "\",\"totals\":[1]}",
        "{\"version\":2,\"currencies\":[\"BTC\"],\"account\":1,\"balances\":[1.5],\"path\":[],\"root\":\"" + root + "\",\"totals\":[1]}",
        "{\"version\":2,\"currencies\":[\"B\\\"C\"],\"account\":1,\"balances\":[1],\"path\":[],\"root\":\"" + root + "\",\"totals\":[1]}",
        "{\"version\":2,\"currencies\":[\"BTC\"],\"account\":1,\"balances\":[1],\"path\":[{\"side\":\"up\",\"hash\":\"" + root +
            "\",\"sums\":[1]}],\"root\":\"" + root + "\",\"totals\":[1]}"}) {
    auto r = proof_from_json(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, Errc::invalid_proof);
  }
}

TEST(Liabilities, ParsedProofsWithBadLengthsOrValuesFailVerificationAndPrintSafely) {
  const std::string root(64, '0');
  const std::string head = "{\"version\":2,\"currencies\":[\"BTC\"],\"account\":1,";
  for (const std::string& body :
       {"\"balances\":[1],\"path\":[],\"root\":\"" + root + "\",\"totals\":[1,2,3,4,5,6,7,8]}",  // more totals than names
        "\"balances\":[1],\"path\":[],\"root\":\"" + root + "\",\"totals\":[]}",                 // fewer
        "\"balances\":[1,2],\"path\":[],\"root\":\"" + root + "\",\"totals\":[1]}",              // balances too long
        "\"balances\":[1],\"path\":[{\"side\":\"left\",\"hash\":\"" + root + "\",\"sums\":[1,2]}],\"root\":\"" + root +
            "\",\"totals\":[2]}",                                                                   // sibling sums too long
        "\"balances\":[1],\"path\":[{\"side\":\"left\",\"hash\":\"" + root + "\",\"sums\":[-5]}],\"root\":\"" + root +
            "\",\"totals\":[-4]}",                                                                  // negative sibling sum
        "\"balances\":[9223372036854775807],\"path\":[{\"side\":\"left\",\"hash\":\"" + root +
            "\",\"sums\":[9223372036854775807]}],\"root\":\"" + root + "\",\"totals\":[-2]}",    // sums overflow
        "\"balances\":[1],\"path\":[],\"root\":\"" + root + "\",\"totals\":[1]}"}) {            // empty path, wrong root
    auto p = proof_from_json(head + body);
    ASSERT_TRUE(p.ok()) << body << ": " << p.error().to_string();
    const Status<Error> verdict = verify_inclusion(p.value());
    ASSERT_FALSE(verdict.ok()) << body;
    EXPECT_EQ(verdict.error().code, Errc::invalid_proof);
    EXPECT_NE(verdict_text(p.value(), verdict).find("is NOT included"), std::string::npos);
  }
}

TEST(Liabilities, TheVerdictTextNamesTheTotalsOfAVerifiedProof) {
  const LiabilityTree tree = LiabilityTree::build({"BTC", "ETH"}, {{AccountId{1}, {5, 6}}, {AccountId{2}, {7, 8}}}).value();
  const InclusionProof p = tree.proof(AccountId{2}).value();
  EXPECT_EQ(verdict_text(p, verify_inclusion(p)),
            "account 2 is included under root " + to_hex(tree.root()) + " with totals BTC=12 ETH=14");
}

// The fuzz seed corpus (fuzz/corpus/clearing_proof_fuzz/, replayed by ctest as
// fuzz.clearing_proof_fuzz) holds one proof per way to be wrong. Each must fail where its name
// says, so the fuzzer starts from inputs that reach the verifier's every check.
TEST(Liabilities, EachFuzzCorpusProofFailsAtTheCheckItIsNamedFor) {
  const std::map<std::string, std::string> expected{
      {"valid.json", ""},
      {"bad_step.json", "parse: path[0]: each step needs side"},
      {"beyond_i64.json", "parse: balances: expected an array of 64-bit integers"},
      {"no_version_maxwell.json", "parse: version: expected 2"},
      {"balances_too_long.json", "balances: 4 numbers, expected 3"},
      {"more_totals.json", "totals: 6 numbers, expected 3"},
      {"totals_no_currencies.json", "totals: 3 numbers, expected 0"},
      {"fewer_totals.json", "totals: 1 numbers, expected 3"},
      {"sibling_sums_short.json", "path[1].sums: 2 numbers, expected 3"},
      {"sibling_sums_long.json", "path[2].sums: 5 numbers, expected 3"},
      {"huge_values.json", "path[0].sums: the sum with it exceeds 64 bits"},
      {"negative_sibling_sum.json", "path[0].sums: negative"},
      {"negative_balance.json", "balances: negative"},
      {"empty_path_wrong_root.json", "root: the path leads to"},
  };
  std::size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(STRIKE_SOURCE_DIR) / "fuzz/corpus/clearing_proof_fuzz")) {
    const std::string name = entry.path().filename().string();
    auto want = expected.find(name);
    ASSERT_NE(want, expected.end()) << name << ": add it to this table";
    ++seen;
    std::ifstream in(entry.path());
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto p = proof_from_json(text);
    const std::string got = p.ok() ? why(p.value()) : "parse: " + p.error().detail;
    if (want->second.empty())
      EXPECT_EQ(got, "") << name;
    else
      EXPECT_EQ(got.rfind(want->second, 0), 0u) << name << ": " << got;
  }
  EXPECT_EQ(seen, expected.size());
}

}  // namespace
}  // namespace strike::clearing
