#include "clearing/liabilities.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/sha256.hpp"


namespace strike::clearing {
namespace {

// Feeds integers little-endian, so the hashes do not depend on the machine.
template <class Int>
void add_le(Sha256& h, Int v) {
  std::uint8_t b[sizeof(Int)];
  for (std::size_t i = 0; i < sizeof(Int); ++i) b[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> (8 * i));
  h.update(b, sizeof b);
}

constexpr char kLeafTag[] = "strike-leaf";  // hashed with its terminating NUL
constexpr char kNodeTag[] = "strike-node";

Hash256 node_hash(const Hash256& left, const Hash256& right, const std::vector<std::int64_t>& sums) {
  Sha256 h;
  h.update(kNodeTag, sizeof kNodeTag);
  h.update(left.data(), left.size());
  h.update(right.data(), right.size());
  for (std::int64_t s : sums) add_le(h, s);
  return h.finish();
}

// Adds b into a; false on overflow or a negative term.
bool add_sums(std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (b[i] < 0 || __builtin_add_overflow(a[i], b[i], &a[i])) return false;
  return true;
}

}  // namespace

Result<Hash256, Errc> hash_from_hex(std::string_view hex) noexcept {
  if (hex.size() != 64) return fail(Errc::invalid_proof);
  Hash256 out{};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return fail(Errc::invalid_proof);
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

Hash256 leaf_hash(const LiabilityLeaf& leaf) {
  Sha256 h;
  h.update(kLeafTag, sizeof kLeafTag);
  add_le(h, leaf.account.raw());
  add_le(h, static_cast<std::uint16_t>(leaf.balances.size()));
  for (std::int64_t b : leaf.balances) add_le(h, b);
  return h.finish();
}

LiabilityTree::LiabilityTree(std::vector<std::string> currencies, std::vector<LiabilityLeaf> leaves)
    : currencies_(std::move(currencies)), leaves_(std::move(leaves)) {
  std::vector<Node> level;
  for (LiabilityLeaf& leaf : leaves_) {
    leaf.balances.resize(currencies_.size(), 0);
    for (std::int64_t& b : leaf.balances) b = std::max<std::int64_t>(b, 0);
    level.push_back(Node{leaf_hash(leaf), leaf.balances});
  }
  if (level.empty()) level.push_back(Node{node_hash(Hash256{}, Hash256{}, std::vector<std::int64_t>(currencies_.size())),
                                          std::vector<std::int64_t>(currencies_.size(), 0)});
  levels_.push_back(std::move(level));
  while (levels_.back().size() > 1) {
    const std::vector<Node>& below = levels_.back();
    std::vector<Node> up;
    for (std::size_t i = 0; i < below.size(); i += 2) {
      if (i + 1 == below.size()) {
        up.push_back(below[i]);  // an odd node moves up unchanged
        continue;
      }
      std::vector<std::int64_t> sums = below[i].sums;
      STRIKE_ASSERT(add_sums(sums, below[i + 1].sums), "liability sums overflow");
      up.push_back(Node{node_hash(below[i].hash, below[i + 1].hash, sums), std::move(sums)});
    }
    levels_.push_back(std::move(up));
  }
}

Result<InclusionProof, Errc> LiabilityTree::proof(AccountId account) const {
  auto it = std::find_if(leaves_.begin(), leaves_.end(), [&](const LiabilityLeaf& l) { return l.account == account; });
  if (it == leaves_.end()) return fail(Errc::unknown_account);
  InclusionProof p{currencies_, *it, {}, root(), totals()};
  std::size_t index = static_cast<std::size_t>(it - leaves_.begin());
  for (std::size_t level = 0; level + 1 < levels_.size(); ++level, index /= 2) {
    const std::size_t sibling = index ^ 1;
    if (sibling >= levels_[level].size()) continue;  // moved up unchanged
    p.path.push_back(ProofStep{levels_[level][sibling].hash, levels_[level][sibling].sums, sibling < index});
  }
  return p;
}

bool verify_inclusion(const InclusionProof& proof) noexcept {
  const std::size_t n = proof.currencies.size();
  if (proof.leaf.balances.size() != n || proof.totals.size() != n) return false;
  for (std::int64_t b : proof.leaf.balances)
    if (b < 0) return false;
  Hash256 hash = leaf_hash(proof.leaf);
  std::vector<std::int64_t> sums = proof.leaf.balances;
  for (const ProofStep& step : proof.path) {
    if (!add_sums(sums, step.sibling_sums)) return false;
    hash = step.sibling_on_left ? node_hash(step.sibling, hash, sums) : node_hash(hash, step.sibling, sums);
  }
  return hash == proof.root && sums == proof.totals;
}

std::string proof_to_json(const InclusionProof& p) {
  auto numbers = [](const std::vector<std::int64_t>& v) { return fmt::format("[{}]", fmt::join(v, ",")); };
  std::string out = fmt::format("{{\"currencies\":[");
  for (std::size_t i = 0; i < p.currencies.size(); ++i) out += fmt::format("{}\"{}\"", i ? "," : "", p.currencies[i]);
  out += fmt::format("],\"account\":{},\"balances\":{},\"path\":[", p.leaf.account.raw(), numbers(p.leaf.balances));
  for (std::size_t i = 0; i < p.path.size(); ++i)
    out += fmt::format("{}{{\"side\":\"{}\",\"hash\":\"{}\",\"sums\":{}}}", i ? "," : "",
                       p.path[i].sibling_on_left ? "left" : "right", to_hex(p.path[i].sibling), numbers(p.path[i].sibling_sums));
  out += fmt::format("],\"root\":\"{}\",\"totals\":{}}}", to_hex(p.root), numbers(p.totals));
  return out;
}

Result<InclusionProof, Error> proof_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) return fail(Errc::invalid_proof, "not JSON");
  InclusionProof p;
  auto int_array = [](simdjson::simdjson_result<simdjson::dom::element> e, std::vector<std::int64_t>& out) -> bool {
    simdjson::dom::array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) return false;
    for (auto v : a) {
      std::int64_t x = 0;
      if (v.get_int64().get(x) != simdjson::SUCCESS) return false;
      out.push_back(x);
    }
    return true;
  };
  simdjson::dom::array currencies, path;
  std::uint64_t account = 0;
  std::string_view root;
  if (doc["currencies"].get_array().get(currencies) || doc["account"].get_uint64().get(account) ||
      !int_array(doc["balances"], p.leaf.balances) || doc["path"].get_array().get(path) ||
      doc["root"].get_string().get(root) || !int_array(doc["totals"], p.totals))
    return fail(Errc::invalid_proof, "expected currencies, account, balances, path, root, totals");
  for (auto c : currencies) {
    std::string_view s;
    if (c.get_string().get(s)) return fail(Errc::invalid_proof, "currencies: not strings");
    p.currencies.emplace_back(s);
  }
  p.leaf.account = AccountId{account};
  auto r = hash_from_hex(root);
  if (!r) return fail(Errc::invalid_proof, "root: not 64 hex digits");
  p.root = r.value();
  for (auto step : path) {
    ProofStep s;
    std::string_view side, hash;
    if (step["side"].get_string().get(side) || step["hash"].get_string().get(hash) ||
        !int_array(step["sums"], s.sibling_sums) || (side != "left" && side != "right"))
      return fail(Errc::invalid_proof, "path: each step needs side (left|right), hash and sums");
    auto h = hash_from_hex(hash);
    if (!h) return fail(Errc::invalid_proof, "path: hash not 64 hex digits");
    s.sibling = h.value();
    s.sibling_on_left = side == "left";
    p.path.push_back(std::move(s));
  }
  return p;
}

}  // namespace strike::clearing
