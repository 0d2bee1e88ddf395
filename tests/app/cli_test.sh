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

printf '1.0,1,10,5,1000000,1\n2.0,1,11,5,1010000,-1\n3.0,3,10,5,1000000,1\n' >"$tmp/msg.csv"
printf '1010000,0,1000000,5\n1010000,5,1000000,5\n1010000,5,9999999999,0\n' >"$tmp/book.csv"
expect 0 "lobster replay that matches its book" -- lobster --messages "$tmp/msg.csv" --orderbook "$tmp/book.csv"
grep -q '^mismatches   0' "$tmp/out" || { echo "FAIL: lobster output lacks the mismatch count"; failures=$((failures + 1)); }
printf '1010000,0,1000000,5\n1010000,5,1000000,5\n1010000,5,1000000,1\n' >"$tmp/book.csv"
expect 1 "lobster replay with a mismatch fails" -- lobster --messages "$tmp/msg.csv" --orderbook "$tmp/book.csv"
printf '1.0,1,10,5\n' >"$tmp/msg.csv"
expect 1 "malformed lobster file is a failure" -- lobster --messages "$tmp/msg.csv" --orderbook "$tmp/book.csv"
expect 2 "lobster without files is a usage error" -- lobster

echo "$((failures == 0 ? 1 : 0)) passed, $failures failed"
[[ $failures -eq 0 ]]
