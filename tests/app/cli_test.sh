#!/usr/bin/env bash
# The strike command's contract: exit codes 0 success, 2 usage error, 1 failure, and
# --help on every subcommand. Usage: cli_test.sh path/to/strike
set -u
strike=$1
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() {  # expect CODE DESCRIPTION -- ARGS...
  local want=$1 what=$2
  shift 3
  "$strike" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    echo "FAIL: $what: 'strike $*' exited $got, expected $want"; cat "$tmp/err"; failures=$((failures + 1))
  else
    echo "ok: $what"
  fi
}

expect 0 "version succeeds" -- version
grep -q '^strike [0-9]' "$tmp/out" || { echo "FAIL: version output"; failures=$((failures + 1)); }
expect 2 "no subcommand is a usage error" --
expect 2 "unknown subcommand is a usage error" -- frobnicate
expect 0 "top-level help" -- --help
for sub in $("$strike" --help | awk '/^Subcommands:/{on=1; next} on && NF {print $1}'); do
  expect 0 "help of $sub" -- "$sub" --help
done
expect 0 "default instrument table" -- instruments
grep -q 'BTC-PERPETUAL' "$tmp/out" || { echo "FAIL: table lacks BTC-PERPETUAL"; failures=$((failures + 1)); }
expect 2 "missing config file is a usage error" -- instruments --config "$tmp/none.toml"
printf '[[currency]]\ncode = "BTC"\n' >"$tmp/bad.toml"
expect 1 "invalid config is a failure" -- instruments --config "$tmp/bad.toml"
grep -q 'bad.toml: currency\[0\] (BTC): decimals' "$tmp/err" || { echo "FAIL: error does not name file, entry, field"; cat "$tmp/err"; failures=$((failures + 1)); }

mkdir "$tmp/data"
expect 0 "journal verify of an empty data directory" -- journal verify --data-dir "$tmp/data"
grep -q '0 records' "$tmp/out" || { echo "FAIL: journal verify output"; failures=$((failures + 1)); }
expect 0 "journal dump of an empty data directory" -- journal dump --data-dir "$tmp/data"
expect 2 "journal verify without --data-dir is a usage error" -- journal verify
expect 2 "journal verify of a missing directory is a usage error" -- journal verify --data-dir "$tmp/none"
expect 2 "journal truncate without --after is a usage error" -- journal truncate --data-dir "$tmp/data"
expect 0 "journal truncate of an empty journal drops nothing" -- journal truncate --data-dir "$tmp/data" --after 0
grep -q 'nothing to drop' "$tmp/out" || { echo "FAIL: journal truncate output"; failures=$((failures + 1)); }
expect 0 "journal truncate --confirm of an empty journal changes nothing" -- journal truncate --data-dir "$tmp/data" --after 0 --confirm
# strike price: the CSV contract (docs/pricing.md)
printf 'type,forward,strike,expiry,vol\ncall,19,19,0.75,0.28\nput,100,120,0,0.3\nfoo,1,1,1,1\n' >"$tmp/in.csv"
"$strike" price <"$tmp/in.csv" >"$tmp/out.csv" 2>"$tmp/err"
[[ $? -eq 0 ]] || { echo "FAIL: price exit code"; failures=$((failures + 1)); }
head -1 "$tmp/out.csv" | grep -qx 'type,forward,strike,expiry,vol,price,delta,gamma,vega,theta,rho,vanna,volga,iv,error' ||
  { echo "FAIL: price header"; failures=$((failures + 1)); }
grep -q '^call,19,19,0.75,0.28,1.83353561658298' "$tmp/out.csv" || { echo "FAIL: price value"; failures=$((failures + 1)); }
grep -qx 'put,100,120,0,0.3,,,,,,,,,,pricing_zero_time' "$tmp/out.csv" || { echo "FAIL: row error code"; failures=$((failures + 1)); }
grep -qx 'foo,1,1,1,1,,,,,,,,,,pricing_csv_field' "$tmp/out.csv" || { echo "FAIL: bad field code"; failures=$((failures + 1)); }
printf 'type,strike\n' | "$strike" price >"$tmp/out.csv" 2>"$tmp/err"
[[ $? -eq 1 && ! -s "$tmp/out.csv" ]] || { echo "FAIL: unreadable price input must exit 1 and write nothing"; failures=$((failures + 1)); }
printf 'type,forward,strike,expiry,price\ncall,9100,10000,0.1,0.01\n' | "$strike" price --inverse --units deribit >"$tmp/out.csv"
[[ $(tail -1 "$tmp/out.csv" | awk -F, '{print $NF}') == "" ]] || { echo "FAIL: inverse price row"; failures=$((failures + 1)); }
echo "ok: strike price contract"
printf '1.0,1,10,5,1000000,1\n2.0,1,11,5,1010000,-1\n3.0,3,10,5,1000000,1\n' >"$tmp/msg.csv"
printf '1010000,0,1000000,5\n1010000,5,1000000,5\n1010000,5,9999999999,0\n' >"$tmp/book.csv"
expect 0 "lobster replay that matches its book" -- lobster --messages "$tmp/msg.csv" --orderbook "$tmp/book.csv"
grep -q '^mismatches   0' "$tmp/out" || { echo "FAIL: lobster output lacks the mismatch count"; failures=$((failures + 1)); }
printf '1010000,0,1000000,5\n1010000,5,1000000,5\n1010000,5,1000000,1\n' >"$tmp/book.csv"
expect 1 "lobster replay with a mismatch fails" -- lobster --messages "$tmp/msg.csv" --orderbook "$tmp/book.csv"
printf '1.0,1,10,5\n' >"$tmp/msg.csv"
expect 1 "malformed lobster file is a failure" -- lobster --messages "$tmp/msg.csv" --orderbook "$tmp/book.csv"
expect 2 "lobster without files is a usage error" -- lobster

# Determinism: one command file run twice (manual clock) gives byte-identical responses, and
# replaying either journal gives the hash the live run reported.
cat >"$tmp/session.jsonl" <<'JSONL'
{"jsonrpc":"2.0","id":1,"method":"admin/advance_time","params":{"timestamp":1796083200000}}
{"jsonrpc":"2.0","id":2,"method":"admin/create_account"}
{"jsonrpc":"2.0","id":3,"method":"admin/create_account"}
{"jsonrpc":"2.0","id":4,"method":"admin/deposit","params":{"account":1,"currency":"BTC","amount":10}}
{"jsonrpc":"2.0","id":5,"method":"admin/deposit","params":{"account":2,"currency":"BTC","amount":10}}
{"jsonrpc":"2.0","id":6,"method":"private/sell","params":{"account":2,"instrument_name":"BTC-PERPETUAL","amount":1000,"price":100000}}
{"jsonrpc":"2.0","id":7,"method":"private/buy","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":300,"price":100500}}
not json
{"jsonrpc":"2.0","id":8,"method":"public/get_order_book","params":{"instrument_name":"BTC-PERPETUAL"}}
{"jsonrpc":"2.0","id":9,"method":"admin/state_hash"}
JSONL
for run in 1 2; do
  "$strike" exec --data-dir "$tmp/venue$run" --clock manual <"$tmp/session.jsonl" >"$tmp/exec$run.out" 2>"$tmp/err" ||
    { echo "FAIL: exec run $run"; cat "$tmp/err"; failures=$((failures + 1)); }
done
[[ $(wc -l <"$tmp/exec1.out") -eq 10 ]] || { echo "FAIL: exec answers every line"; failures=$((failures + 1)); }
grep -q '"code":-32700' "$tmp/exec1.out" || { echo "FAIL: malformed line gets a parse error"; failures=$((failures + 1)); }
cmp -s "$tmp/exec1.out" "$tmp/exec2.out" || { echo "FAIL: two runs of one file differ"; failures=$((failures + 1)); }
live=$(grep -o '"state_hash":"[0-9a-f]*"' "$tmp/exec1.out" | cut -d'"' -f4)
for run in 1 2; do
  replayed=$("$strike" replay --data-dir "$tmp/venue$run" | awk '/^state hash/{print $3}')
  [[ -n $live && $replayed == "$live" ]] || { echo "FAIL: replay $run hash '$replayed' vs live '$live'"; failures=$((failures + 1)); }
done
echo "ok: exec is deterministic and replay reproduces its state hash"

# The configuration is part of the history: a directory created with a custom configuration
# replays without being told which file it was (the journal names it by digest); exec under
# another configuration refuses and names both digests.
sed 's/^taker_fee = "0.0005"/taker_fee = "0.0007"/' "$tmp/venue1/config/"*.toml >"$tmp/other.toml"
cmp -s "$tmp/other.toml" "$tmp/venue1/config/"*.toml && { echo "FAIL: the test's other configuration is not different"; failures=$((failures + 1)); }
head -3 "$tmp/session.jsonl" | "$strike" exec --data-dir "$tmp/custom" --clock manual --config "$tmp/other.toml" >/dev/null 2>"$tmp/err" ||
  { echo "FAIL: exec with a custom configuration"; cat "$tmp/err"; failures=$((failures + 1)); }
expect 0 "replay finds the configuration the journal was written with" -- replay --data-dir "$tmp/custom"
expect 1 "replay under another configuration is refused" -- replay --data-dir "$tmp/custom" --config "$tmp/venue1/config/"*.toml
grep -q 'config_mismatch' "$tmp/err" || { echo "FAIL: replay refusal names config_mismatch"; cat "$tmp/err"; failures=$((failures + 1)); }
printf '' | "$strike" exec --data-dir "$tmp/venue1" --clock manual --config "$tmp/other.toml" >/dev/null 2>"$tmp/err"
[[ $? -eq 1 ]] && grep -q 'config_mismatch' "$tmp/err" ||
  { echo "FAIL: exec under another configuration must refuse"; cat "$tmp/err"; failures=$((failures + 1)); }
echo "ok: the configuration is part of the history"

# The file's [[risk]] tables set margin: the same order needs more initial margin under a file
# that raises BTC's futures initial margin, and a risk table with a bad value refuses to start
# and names the field.
cat >"$tmp/margins.jsonl" <<'JSONL'
{"jsonrpc":"2.0","id":1,"method":"admin/advance_time","params":{"timestamp":1796083200000}}
{"jsonrpc":"2.0","id":2,"method":"admin/create_account"}
{"jsonrpc":"2.0","id":3,"method":"admin/set_index","params":{"currency":"BTC","price":100000}}
{"jsonrpc":"2.0","id":4,"method":"private/get_margins","params":{"account":1,"instrument_name":"BTC-PERPETUAL","amount":10000,"price":100000}}
JSONL
cp "$tmp/venue1/config/"*.toml "$tmp/risk.toml"
printf '\n[[risk]]\ncurrency = "BTC"\nfuture_initial = "0.2"\n' >>"$tmp/risk.toml"
"$strike" exec --data-dir "$tmp/margin-default" --clock manual <"$tmp/margins.jsonl" >"$tmp/margin-default.out" 2>"$tmp/err" ||
  { echo "FAIL: exec for margins"; cat "$tmp/err"; failures=$((failures + 1)); }
"$strike" exec --data-dir "$tmp/margin-risk" --clock manual --config "$tmp/risk.toml" <"$tmp/margins.jsonl" >"$tmp/margin-risk.out" 2>"$tmp/err" ||
  { echo "FAIL: exec with a [[risk]] table"; cat "$tmp/err"; failures=$((failures + 1)); }
buy_margin() { grep '"id":4' "$1" | grep -o '"buy":[0-9.e-]*' | cut -d: -f2; }
default_im=$(buy_margin "$tmp/margin-default.out")
risk_im=$(buy_margin "$tmp/margin-risk.out")
awk -v d="$default_im" -v r="$risk_im" 'BEGIN { exit !(d > 0 && r > 5 * d) }' ||
  { echo "FAIL: [[risk]] future_initial 0.2 must raise the margin of 10000 USD of BTC-PERPETUAL: default '$default_im', with the table '$risk_im'"; failures=$((failures + 1)); }
{ cat "$tmp/venue1/config/"*.toml; printf '\n[[risk]]\ncurrency = "BTC"\nfuture_initial = "-1"\n'; } >"$tmp/bad-risk.toml"
expect 1 "a bad [[risk]] table is refused" -- exec --data-dir "$tmp/margin-bad" --config "$tmp/bad-risk.toml"
grep -q 'bad-risk.toml: risk\[0\] (BTC): future_initial' "$tmp/err" || { echo "FAIL: the refusal names the field"; cat "$tmp/err"; failures=$((failures + 1)); }
echo "ok: [[risk]] tables of the configuration set margin"

# strike audit: the report, an account's inclusion proof, and verify-proof on good, tampered and
# malformed proofs (docs/clearing.md). Malformed proofs are typed errors, never a crash.
expect 0 "audit of the exec data directory" -- audit --data-dir "$tmp/venue1"
grep -q '^proof of liabilities: 2 accounts, root [0-9a-f]\{64\}$' "$tmp/out" || { echo "FAIL: audit prints the root"; failures=$((failures + 1)); }
expect 0 "audit prints an account's inclusion proof" -- audit --data-dir "$tmp/venue1" --account 2
cp "$tmp/out" "$tmp/proof.json"
grep -q '^{"version":2,"currencies":\["BTC"' "$tmp/proof.json" || { echo "FAIL: proof JSON shape"; cat "$tmp/proof.json"; failures=$((failures + 1)); }
expect 0 "an account's own proof verifies" -- audit verify-proof "$tmp/proof.json"
grep -q 'account 2 is included under root' "$tmp/out" || { echo "FAIL: verify-proof verdict"; cat "$tmp/out"; failures=$((failures + 1)); }
expect 1 "audit of an unknown account fails" -- audit --data-dir "$tmp/venue1" --account 99
sed 's/"totals":\[\([0-9]*\)/"totals":[1\1/' "$tmp/proof.json" >"$tmp/inflated.json"
expect 1 "a proof with changed totals does not verify" -- audit verify-proof "$tmp/inflated.json"
grep -q 'NOT included.*totals: the path adds up to' "$tmp/out" || { echo "FAIL: tampered verdict"; cat "$tmp/out"; failures=$((failures + 1)); }
zeros=0000000000000000000000000000000000000000000000000000000000000000
printf '{"currencies":["BTC"],"account":1,"balances":[1],"path":[],"root":"%s","totals":[1,2]}' $zeros >"$tmp/old.json"
expect 1 "a proof without the version is a typed error" -- audit verify-proof "$tmp/old.json"
grep -q 'invalid_proof: .*version: expected 2' "$tmp/err" || { echo "FAIL: version error"; cat "$tmp/err"; failures=$((failures + 1)); }
# More totals than currency names: this used to crash verify-proof with SIGSEGV.
printf '{"version":2,"currencies":[],"account":1,"balances":[],"path":[],"root":"%s","totals":[1,2,3]}' $zeros >"$tmp/crash.json"
expect 1 "a proof with more totals than currencies is a typed error" -- audit verify-proof "$tmp/crash.json"
grep -q 'invalid_proof: .*totals: 3 numbers, expected 0' "$tmp/out" || { echo "FAIL: totals length error"; cat "$tmp/out"; failures=$((failures + 1)); }
printf '{"version":2,"currencies":["BTC"],"account":1,"balances":[1],"path":[{"side":"left","hash":"%s","sums":[1,2]}],"root":"%s","totals":[2]}' \
  $zeros $zeros >"$tmp/sums.json"
expect 1 "a proof with sibling sums of the wrong length is a typed error" -- audit verify-proof "$tmp/sums.json"
grep -q 'invalid_proof: .*path\[0\].sums: 2 numbers, expected 1' "$tmp/out" || { echo "FAIL: sums length error"; cat "$tmp/out"; failures=$((failures + 1)); }
printf 'not json' >"$tmp/junk.json"
expect 1 "a proof that is not JSON is a typed error" -- audit verify-proof "$tmp/junk.json"
expect 2 "verify-proof of a missing file is a usage error" -- audit verify-proof "$tmp/none.json"
expect 2 "verify-proof without a file is a usage error" -- audit verify-proof

# A repeated "method" is refused and creates no account (the last one used to win); a line over
# 1 MiB is refused and skipped, the lines around it are answered; the last line needs no newline.
{
  echo '{"method":"public/test","method":"admin/create_account"}'
  printf '{"jsonrpc":"2.0","id":2,"method":"public/test","params":{"x":"%s"}}\n' "$(head -c 1100000 /dev/zero | tr '\0' a)"
  printf '{"jsonrpc":"2.0","id":3,"method":"admin/create_account"}'
} >"$tmp/edges.jsonl"
"$strike" exec --data-dir "$tmp/edges" --clock manual <"$tmp/edges.jsonl" >"$tmp/edges.out" 2>"$tmp/err" ||
  { echo "FAIL: exec of the edge cases"; cat "$tmp/err"; failures=$((failures + 1)); }
[[ $(wc -l <"$tmp/edges.out") -eq 3 ]] || { echo "FAIL: exec answers each of the 3 edge lines"; cat "$tmp/edges.out"; failures=$((failures + 1)); }
sed -n 1p "$tmp/edges.out" | grep -q '"code":-32600.*"reason":"rpc_duplicate_key".*"param":"method"' ||
  { echo "FAIL: a repeated method is refused"; failures=$((failures + 1)); }
sed -n 2p "$tmp/edges.out" | grep -q '"id":null,"error":{"code":-32600.*"reason":"rpc_line_too_long"' ||
  { echo "FAIL: an oversize line is refused"; failures=$((failures + 1)); }
sed -n 3p "$tmp/edges.out" | grep -q '"id":3,"seq":[0-9]*,"result":{"account":1,' ||
  { echo "FAIL: the repeated method created an account, or the last line was lost"; sed -n 3p "$tmp/edges.out"; failures=$((failures + 1)); }
# Lines spanning stdin's read blocks: 30,000 requests (3.4 MB), each answered in order.
for i in $(seq 1 30000); do echo "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"public/get_time\",\"params\":{\"pad\":\"$i\"}}"; done >"$tmp/many.jsonl"
"$strike" exec --data-dir "$tmp/many" --clock manual <"$tmp/many.jsonl" >"$tmp/many.out" 2>"$tmp/err" ||
  { echo "FAIL: exec of 30,000 lines"; cat "$tmp/err"; failures=$((failures + 1)); }
[[ $(grep -c '"result"' "$tmp/many.out") -eq 30000 ]] && grep -o '^{"jsonrpc":"2.0","id":[0-9]*' "$tmp/many.out" | cut -d: -f3 | cmp -s - <(seq 1 30000) ||
  { echo "FAIL: every line across read blocks is answered once"; failures=$((failures + 1)); }
echo "ok: exec input edges"

echo "$((failures == 0 ? 1 : 0)) passed, $failures failed"
[[ $failures -eq 0 ]]
