// `strike audit`: the transparency report of a data directory. Per currency: what users hold,
// what the venue's own accounts hold, deposits and withdrawals, and whether they conserve;
// then the Merkle root of the proof of liabilities (clearing/liabilities.hpp). `--account ID`
// prints that account's inclusion proof, which `strike audit verify-proof FILE` checks offline:
// exit 0 when it verifies, 1 when it does not or is malformed (a typed error that says which
// field), 2 for usage (no such file).
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "app/commands.hpp"
#include "app/venue_config.hpp"
#include "clearing/liabilities.hpp"
#include "venue/venue.hpp"

namespace strike::app {
namespace {

// Leaves over every account's balances in the currencies accounts can hold, by account id.
// Errors: overflow (the totals do not fit in 64 bits).
Result<clearing::LiabilityTree, Error> liability_tree(const engine::Engine& e, std::vector<CurrencyId>& held) {
  const auto& c = e.clearing();
  std::vector<std::string> names;
  for (const Currency& cur : e.instruments().currencies().all())
    if (c.holds(cur.id)) {
      held.push_back(cur.id);
      names.push_back(cur.code);
    }
  std::vector<clearing::LiabilityLeaf> leaves;
  for (std::size_t a = 1; a <= c.account_count(); ++a) {
    clearing::LiabilityLeaf leaf{AccountId{a}, {}};
    for (CurrencyId cur : held) leaf.balances.push_back(c.ledger().balance(clearing::LedgerAccount::user(AccountId{a}), cur));
    leaves.push_back(std::move(leaf));
  }
  return clearing::LiabilityTree::build(std::move(names), std::move(leaves));
}

int report(const std::string& data_dir, const std::string& config, std::optional<std::uint64_t> account) {
  auto loaded = load_venue_config(data_dir, config);
  if (!loaded) return fmt::print(stderr, "strike audit: {}\n", loaded.error().to_string()), kExitFailure;
  const InstrumentRegistry& registry = loaded->registry;
  auto recovery = journal::Recovery::open(data_dir);
  if (!recovery) return fmt::print(stderr, "strike audit: {}\n", recovery.error().to_string()), kExitFailure;
  venue::RecoveryReport rep;
  auto engine = venue::replay(registry, loaded->engine, recovery.value(), SeqNo{UINT64_MAX}, rep);
  if (!engine) return fmt::print(stderr, "strike audit: {}\n", engine.error().to_string()), kExitFailure;
  const engine::Engine& e = *engine.value();
  std::vector<CurrencyId> held;
  auto built = liability_tree(e, held);
  if (!built) return fmt::print(stderr, "strike audit: proof of liabilities: {}\n", built.error().to_string()), kExitFailure;
  const clearing::LiabilityTree& tree = built.value();
  if (account) {
    auto proof = tree.proof(AccountId{*account});
    if (!proof) return fmt::print(stderr, "strike audit: account {}: {}\n", *account, message(proof.error())), kExitFailure;
    fmt::print("{}\n", clearing::proof_to_json(proof.value()));
    return kExitOk;
  }
  const auto& currencies = registry.currencies();
  bool conserved = true;
  fmt::print("strike audit of {} at seq {}\n\n", data_dir, e.last_seq().raw());
  fmt::print("{:<6} {:>22} {:>18} {:>18} {:>18} {:>18} {:>22} {:>22}  {}\n", "CCY", "USERS", "FEES", "INSURANCE", "ROUNDING",
             "CLEARING POOLS", "DEPOSITS", "WITHDRAWALS", "CONSERVED");
  for (const clearing::CurrencyTotals& t : e.clearing().ledger().totals()) {
    if (!e.clearing().holds(t.currency)) continue;
    const int d = currencies.get(t.currency).decimals;
    const auto f = [d](std::int64_t v) { return format_scaled(v, d); };
    conserved = conserved && t.conserved();
    fmt::print("{:<6} {:>22} {:>18} {:>18} {:>18} {:>18} {:>22} {:>22}  {}\n", currencies.get(t.currency).code, f(t.users),
               f(t.fees), f(t.insurance), f(t.rounding), f(t.clearing), f(t.deposits), f(t.withdrawals),
               t.conserved() ? "yes" : "NO");
  }
  fmt::print("\nproof of liabilities: {} accounts, root {}\ntotals (negative balances count as zero):", tree.size(),
             to_hex(tree.root()));
  for (std::size_t i = 0; i < held.size(); ++i)
    fmt::print(" {} {}", currencies.get(held[i]).code, format_scaled(tree.totals()[i], currencies.get(held[i]).decimals));
  fmt::print("\n");
  if (auto problem = e.clearing().validate()) {
    fmt::print("INVARIANT BROKEN: {}\n", *problem);
    return kExitFailure;
  }
  return conserved ? kExitOk : kExitFailure;
}

int verify(const std::string& file) {
  std::ifstream in(file);
  if (!in) return fmt::print(stderr, "strike audit verify-proof: cannot read {}\n", file), kExitFailure;
  std::stringstream text;
  text << in.rdbuf();
  auto proof = clearing::proof_from_json(text.str());
  if (!proof) return fmt::print(stderr, "strike audit verify-proof: {}: {}\n", file, proof.error().to_string()), kExitFailure;
  const Status<Error> verdict = clearing::verify_inclusion(proof.value());
  fmt::print("{}: {}\n", file, clearing::verdict_text(proof.value(), verdict));
  return verdict.ok() ? kExitOk : kExitFailure;
}

}  // namespace

void add_audit_command(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("audit", "Per-currency totals, the conservation check and the proof-of-liabilities root");
  struct Options {
    std::string data_dir, config, proof;
    std::optional<std::uint64_t> account;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--data-dir", o->data_dir, "The data directory of `strike exec`")->check(CLI::ExistingDirectory);
  cmd->add_option("--config", o->config, "Instrument file (default: the one the journal was written with)")->check(CLI::ExistingFile);
  cmd->add_option("--account", o->account, "Print this account's inclusion proof (JSON) instead");
  auto* verify_cmd = cmd->add_subcommand("verify-proof", "Check an inclusion proof offline (exit 0 if it verifies)");
  verify_cmd->add_option("file", o->proof, "The JSON printed by `strike audit --account ID`")
      ->required()
      ->check(CLI::ExistingFile);
  verify_cmd->callback([&exit_code, o] { exit_code = verify(o->proof); });
  cmd->callback([cmd, verify_cmd, &exit_code, o] {
    if (verify_cmd->parsed()) return;
    if (o->data_dir.empty()) throw CLI::RequiredError("--data-dir");
    exit_code = report(o->data_dir, o->config, o->account);
  });
}

}  // namespace strike::app
