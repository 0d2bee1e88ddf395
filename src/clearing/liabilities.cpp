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

constexpr char kLeafTag[] = "strike-pol-v2-leaf";  // hashed with its terminating NUL
constexpr char kNodeTag[] = "strike-pol-v2-node";
constexpr char kRootTag[] = "strike-pol-v2-root";

void add_sums_le(Sha256& h, const std::vector<std::int64_t>& sums) {
  for (std::int64_t s : sums) add_le(h, s);
}

// a += b, element-wise; false (a unspecified) on overflow. Lengths are the caller's to check.
bool add_sums(std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) noexcept {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (__builtin_add_overflow(a[i], b[i], &a[i])) return false;
  return true;
}

std::string numbers(const std::vector<std::int64_t>& v) { return fmt::format("[{}]", fmt::join(v, ",")); }

// Currency codes: the count is bounded, each is a code, none repeats.
Status<Error> check_currencies(const std::vector<std::string>& currencies) {
  if (currencies.size() > kMaxProofCurrencies)
    return fail(Errc::invalid_proof, fmt::format("currencies: {} of them, at most {}", currencies.size(), kMaxProofCurrencies));
  for (std::size_t i = 0; i < currencies.size(); ++i) {
    if (!is_currency_code(currencies[i]))
      return fail(Errc::invalid_proof, fmt::format("currencies[{}]: not 2-10 upper-case letters or digits", i));
    for (std::size_t j = 0; j < i; ++j)
      if (currencies[j] == currencies[i]) return fail(Errc::invalid_proof, fmt::format("currencies[{}]: {} repeated", i, currencies[i]));
  }
  return {};
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

bool is_currency_code(std::string_view code) noexcept {
  return code.size() >= 2 && code.size() <= 10 &&
         code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == std::string_view::npos;
}

Hash256 leaf_hash(const LiabilityLeaf& leaf) {
  Sha256 h;
  h.update(kLeafTag, sizeof kLeafTag);
  add_le(h, leaf.account.raw());
  add_sums_le(h, leaf.balances);
  return h.finish();
}

Hash256 node_hash(const std::vector<std::int64_t>& left_sums, const Hash256& left,
                  const std::vector<std::int64_t>& right_sums, const Hash256& right) {
  Sha256 h;
  h.update(kNodeTag, sizeof kNodeTag);
  add_sums_le(h, left_sums);
  h.update(left.data(), left.size());
  add_sums_le(h, right_sums);
  h.update(right.data(), right.size());
  return h.finish();
}

Hash256 root_hash(const std::vector<std::string>& currencies, const std::vector<std::int64_t>& totals, const Hash256& top) {
  STRIKE_ASSERT(currencies.size() <= kMaxProofCurrencies, "root_hash: too many currencies");
  Sha256 h;
  h.update(kRootTag, sizeof kRootTag);
  add_le(h, static_cast<std::uint16_t>(currencies.size()));
  for (const std::string& code : currencies) {
    STRIKE_ASSERT(code.size() <= 255, "root_hash: currency code longer than its length byte");
    add_le(h, static_cast<std::uint8_t>(code.size()));
    h.update(code.data(), code.size());
  }
  add_sums_le(h, totals);
  h.update(top.data(), top.size());
  return h.finish();
}

Result<LiabilityTree, Error> LiabilityTree::build(std::vector<std::string> currencies, std::vector<LiabilityLeaf> leaves) {
  if (auto names = check_currencies(currencies); !names) return fail(Errc::out_of_range, names.error().detail);
  const std::size_t n = currencies.size();
  LiabilityTree t;
  t.currencies_ = std::move(currencies);
  t.leaves_ = std::move(leaves);
  std::vector<Node> level;
  level.reserve(t.leaves_.size());
  for (std::size_t i = 0; i < t.leaves_.size(); ++i) {
    LiabilityLeaf& leaf = t.leaves_[i];
    if (leaf.balances.size() != n)
      return fail(Errc::out_of_range, fmt::format("account {}: {} balances for {} currencies", leaf.account.raw(), leaf.balances.size(), n));
    if (i > 0 && !(t.leaves_[i - 1].account < leaf.account))
      return fail(Errc::out_of_range, fmt::format("account {}: leaves not in increasing account order", leaf.account.raw()));
    for (std::int64_t& b : leaf.balances) b = std::max<std::int64_t>(b, 0);
    level.push_back(Node{leaf_hash(leaf), leaf.balances});
  }
  if (level.empty()) level.push_back(Node{Hash256{}, std::vector<std::int64_t>(n, 0)});
  t.levels_.push_back(std::move(level));
  while (t.levels_.back().size() > 1) {
    const std::vector<Node>& below = t.levels_.back();
    std::vector<Node> up;
    up.reserve((below.size() + 1) / 2);
    for (std::size_t i = 0; i < below.size(); i += 2) {
      if (i + 1 == below.size()) {
        up.push_back(below[i]);  // an odd node moves up unchanged
        continue;
      }
      const Node& left = below[i];
      const Node& right = below[i + 1];
      std::vector<std::int64_t> sums = left.sums;
      if (!add_sums(sums, right.sums)) return fail(Errc::overflow, "liability totals do not fit in 64 bits");
      up.push_back(Node{node_hash(left.sums, left.hash, right.sums, right.hash), std::move(sums)});
    }
    t.levels_.push_back(std::move(up));
  }
  t.root_ = root_hash(t.currencies_, t.totals(), t.levels_.back().front().hash);
  return t;
}

Result<InclusionProof, Errc> LiabilityTree::proof(AccountId account) const {
  auto it = std::lower_bound(leaves_.begin(), leaves_.end(), account,
                             [](const LiabilityLeaf& l, AccountId a) { return l.account < a; });
  if (it == leaves_.end() || it->account != account) return fail(Errc::unknown_account);
  InclusionProof p{currencies_, *it, {}, root_, totals()};
  std::size_t index = static_cast<std::size_t>(it - leaves_.begin());
  for (std::size_t level = 0; level + 1 < levels_.size(); ++level, index /= 2) {
    const std::size_t sibling = index ^ 1;
    if (sibling >= levels_[level].size()) continue;  // moved up unchanged
    p.path.push_back(ProofStep{levels_[level][sibling].hash, levels_[level][sibling].sums, sibling < index});
  }
  return p;
}

Status<Error> verify_inclusion(const InclusionProof& p) {
  if (auto names = check_currencies(p.currencies); !names) return names;
  const std::size_t n = p.currencies.size();
  auto wrong_length = [n](std::string_view what, std::size_t got) {
    return fail(Errc::invalid_proof, fmt::format("{}: {} numbers, expected {} (one per currency)", what, got, n));
  };
  if (p.leaf.balances.size() != n) return wrong_length("balances", p.leaf.balances.size());
  if (p.totals.size() != n) return wrong_length("totals", p.totals.size());
  if (p.path.size() > kMaxProofDepth)
    return fail(Errc::invalid_proof, fmt::format("path: {} steps, at most {}", p.path.size(), kMaxProofDepth));
  for (std::int64_t b : p.leaf.balances)
    if (b < 0) return fail(Errc::invalid_proof, "balances: negative (negative balances count as zero)");

  Hash256 hash = leaf_hash(p.leaf);
  std::vector<std::int64_t> sums = p.leaf.balances;
  for (std::size_t i = 0; i < p.path.size(); ++i) {
    const ProofStep& step = p.path[i];
    if (step.sibling_sums.size() != n) return wrong_length(fmt::format("path[{}].sums", i), step.sibling_sums.size());
    // A negative subtree would offset a positive one: the sum above would hide a balance.
    for (std::int64_t s : step.sibling_sums)
      if (s < 0) return fail(Errc::invalid_proof, fmt::format("path[{}].sums: negative", i));
    hash = step.sibling_on_left ? node_hash(step.sibling_sums, step.sibling, sums, hash)
                                : node_hash(sums, hash, step.sibling_sums, step.sibling);
    if (!add_sums(sums, step.sibling_sums))
      return fail(Errc::invalid_proof, fmt::format("path[{}].sums: the sum with it exceeds 64 bits", i));
  }
  if (sums != p.totals)
    return fail(Errc::invalid_proof, fmt::format("totals: the path adds up to {}, the proof claims {}", numbers(sums), numbers(p.totals)));
  const Hash256 root = root_hash(p.currencies, sums, hash);
  if (root != p.root)
    return fail(Errc::invalid_proof, fmt::format("root: the path leads to {}, the proof claims {}", to_hex(root), to_hex(p.root)));
  return {};
}

std::string verdict_text(const InclusionProof& p, const Status<Error>& verdict) {
  std::string out = fmt::format("account {} ", p.leaf.account.raw());
  if (!verdict.ok()) return out + fmt::format("is NOT included under root {}: {}", to_hex(p.root), verdict.error().to_string());
  out += fmt::format("is included under root {} with totals", to_hex(p.root));
  // A verified proof has one total per currency; min() keeps this safe on any proof regardless.
  for (std::size_t i = 0; i < std::min(p.currencies.size(), p.totals.size()); ++i)
    out += fmt::format(" {}={}", p.currencies[i], p.totals[i]);
  return out;
}

std::string proof_to_json(const InclusionProof& p) {
  std::string out = fmt::format("{{\"version\":{},\"currencies\":[", kProofVersion);
  // Codes are written unescaped: proof_from_json accepts only currency codes, which need none.
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
  if (!doc.is_object()) return fail(Errc::invalid_proof, "not a JSON object");
  std::int64_t version = 0;
  if (doc["version"].get_int64().get(version) || version != kProofVersion)
    return fail(Errc::invalid_proof, fmt::format("version: expected {} (the Maxwell+ sum tree of docs/clearing.md)", kProofVersion));
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
  if (doc["currencies"].get_array().get(currencies)) return fail(Errc::invalid_proof, "currencies: expected an array");
  if (doc["account"].get_uint64().get(account)) return fail(Errc::invalid_proof, "account: expected an unsigned 64-bit integer");
  if (!int_array(doc["balances"], p.leaf.balances))
    return fail(Errc::invalid_proof, "balances: expected an array of 64-bit integers");
  if (doc["path"].get_array().get(path)) return fail(Errc::invalid_proof, "path: expected an array");
  if (doc["root"].get_string().get(root)) return fail(Errc::invalid_proof, "root: expected a string");
  if (!int_array(doc["totals"], p.totals)) return fail(Errc::invalid_proof, "totals: expected an array of 64-bit integers");
  for (auto c : currencies) {
    std::string_view s;
    if (c.get_string().get(s) || !is_currency_code(s))
      return fail(Errc::invalid_proof, "currencies: each a code of 2-10 upper-case letters or digits");
    p.currencies.emplace_back(s);
  }
  p.leaf.account = AccountId{account};
  auto r = hash_from_hex(root);
  if (!r) return fail(Errc::invalid_proof, "root: not 64 lower-case hex digits");
  p.root = r.value();
  std::size_t index = 0;
  for (auto step : path) {
    ProofStep s;
    std::string_view side, hash;
    if (step["side"].get_string().get(side) || step["hash"].get_string().get(hash) ||
        !int_array(step["sums"], s.sibling_sums) || (side != "left" && side != "right"))
      return fail(Errc::invalid_proof, fmt::format("path[{}]: each step needs side (left|right), hash and sums", index));
    auto h = hash_from_hex(hash);
    if (!h) return fail(Errc::invalid_proof, fmt::format("path[{}].hash: not 64 lower-case hex digits", index));
    s.sibling = h.value();
    s.sibling_on_left = side == "left";
    p.path.push_back(std::move(s));
    ++index;
  }
  return p;
}

}  // namespace strike::clearing
