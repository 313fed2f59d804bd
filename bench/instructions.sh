#!/usr/bin/env bash
# Instructions per session, counted by callgrind (the count does not move
# with the machine's speed, unlike a timing): one replication of each
# scenario given (default: rakuten_mnp and login_storm), the scenario's own
# routing, whole process (parsing the scenario included, under 1%).
# Prints the count, the sessions and their ratio; with --functions, the
# twenty functions of the largest self cost per session as well.
#
#   bench/instructions.sh [--functions] [SCENARIO ...]
set -euo pipefail
cd "$(dirname "$0")/.."
functions=0
if [ "${1:-}" = "--functions" ]; then
  functions=1
  shift
fi
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
  scenarios=(scenarios/rakuten_mnp.toml scenarios/login_storm.toml)
fi
if ! command -v valgrind >/dev/null; then
  echo "bench/instructions.sh: valgrind is not installed (apt-get install valgrind)" >&2
  exit 2
fi
cargo build --release --locked --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for scenario in "${scenarios[@]}"; do
  if ! valgrind --tool=callgrind --callgrind-out-file="$out/cg" \
    target/release/simsms bench scenarios "$scenario" -r 1 --repeat 1 \
    >"$out/stdout" 2>"$out/stderr"; then
    cat "$out/stderr" >&2
    exit 1
  fi
  sessions=$(grep -o '[0-9]* sessions' "$out/stdout" | head -1 | cut -d' ' -f1)
  instructions=$(grep -o 'refs: *[0-9,]*' "$out/stderr" | tr -dc '0-9')
  if [ -z "$sessions" ] || [ "$sessions" = 0 ] || [ -z "$instructions" ]; then
    echo "bench/instructions.sh: no session or instruction count for $scenario" >&2
    exit 1
  fi
  echo "$scenario: $instructions instructions, $sessions sessions: $((instructions / sessions)) per session"
  if [ "$functions" = 1 ]; then
    callgrind_annotate "$out/cg" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | sed -n '2,21p' |
      sed -E 's/\( *[0-9.]+%\) //; s/ \[[^]]*\]$//; s/\?\?\?://' |
      awk -v s="$sessions" '{ n = $1; gsub(",", "", n); printf "  %6d per session  %s\n", n / s, $2 }'
  fi
done
