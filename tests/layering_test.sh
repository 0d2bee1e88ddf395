#!/usr/bin/env bash
# The layering of docs/ARCHITECTURE.md, enforced: a component's sources include only headers of
# the components it depends on (directly or through them), and never another component's
# detail/ headers. Usage: layering_test.sh SOURCE_DIR (ctest runs it on every build).
set -u
src=$1/src
declare -A deps=(
  [core]=""
  [pricing]="core"
  [book]="core"
  [lobster]="book"
  [clearing]="core"
  [journal]="core"
  [history]="clearing"
  [risk]="clearing pricing"
  [engine]="book clearing risk"
  [rpc]="engine history"
  [venue]="engine journal history"
  [app]="rpc venue lobster"
)
closure() {  # every component reachable from $1, itself included
  local seen=" $1 " todo=($1) c d
  while ((${#todo[@]})); do
    c=${todo[0]}; todo=("${todo[@]:1}")
    for d in ${deps[$c]}; do
      [[ $seen == *" $d "* ]] || { seen+="$d "; todo+=("$d"); }
    done
  done
  echo "$seen"
}
failures=0
for dir in "$src"/*/; do
  comp=$(basename "$dir")
  [[ -v deps[$comp] ]] || { echo "FAIL: src/$comp is not in the dependency table"; failures=$((failures + 1)); continue; }
  allowed=$(closure "$comp")
  while IFS=: read -r file line include; do
    target=${include%%/*}
    [[ -d $src/$target ]] || continue  # a system or third-party header
    if [[ $allowed != *" $target "* ]]; then
      echo "FAIL: ${file#$1/}:$line includes $include, but $comp does not depend on $target"
      failures=$((failures + 1))
    elif [[ $target != "$comp" && $include == */detail/* ]]; then
      echo "FAIL: ${file#$1/}:$line reaches into $target's detail: $include"
      failures=$((failures + 1))
    fi
  done < <(grep -HnoP '^\s*#\s*include\s+"\K[^"]+' "$dir"* 2>/dev/null | sed 's/:\([0-9]*\):/:\1:/')
  # Nor through a namespace: `book::detail::` outside book.
  while IFS=: read -r file line use; do
    target=${use%%::*}
    if [[ -d $src/$target && $target != "$comp" ]]; then
      echo "FAIL: ${file#$1/}:$line uses $target's internals: $use"
      failures=$((failures + 1))
    fi
  done < <(grep -HnoP '\b[a-z_]+::detail::' "$dir"* 2>/dev/null)
done
echo "layering: $failures violations"
[[ $failures -eq 0 ]]
