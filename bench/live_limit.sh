#!/usr/bin/env bash
# The live modes at the machine's limit (docs/performance.md, "Live at the
# limit"): `simsms load` at a planned rate against `simsms serve` on the
# same machine, every message asking for a receipt, with the share of
# messages late (left more than 10 ms after their intended time) and
# dropped; then, against the same server, the npm `smpp` package's client
# and python smpplib each pushing as fast as they can (a window of
# submits in flight per bind, a new one as each resp comes back). Each
# load row also gives the CPU seconds the server and the load generator
# used during it.
#
#   bench/live_limit.sh [SECONDS]      (default 5 s a run; about 3 minutes)
#
# LOAD_RUNS lists the load runs as BINDS:WINDOW:RATE (default below);
# PUSH_RUNS the peers' runs as BINDS:WINDOW (either set empty: none).
# SERVE_SETS overrides the server's settings, e.g.
# SERVE_SETS=serve.trace_messages=0 for a server without the live page's
# message trace.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
load_runs=${LOAD_RUNS-1:256:20000 1:256:40000 1:1024:40000 1:1024:100000 2:1024:100000 2:256:100000 4:256:100000}
push_runs=${PUSH_RUNS-1:256 2:256}
. bench/live_bench.sh

echo "simsms serve bench/serve_bench.toml --speed 1000 ${serve_sets[*]} on $address; ${seconds} s a run"
printf '| client | binds × window | planned rate | planned | sent | late (of planned) | dropped | final receipts | sent/s over the run | resp p50 / p99 / p99.9 from intended time | CPU s: serve / load |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
# The server's CPU seconds so far (user + system, from the kernel's
# accounting of the process).
serve_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$serve_pid/stat"
}
load_time=$(mktemp)
for run in $load_runs; do
  IFS=: read -r binds window rate <<< "$run"
  serve_before=$(serve_cpu)
  report=$(/usr/bin/time -f "%U %S" -o "$load_time" "$bin" load bench/serve_bench.toml \
    --target "smpp://bench:bench@$address" --rate "$rate/s" --duration "${seconds}s" \
    --binds "$binds" --window "$window" --wait 10s || true)
  serve_used=$(awk -v a="$serve_before" -v b="$(serve_cpu)" 'BEGIN {printf "%.2f", b - a}')
  load_used=$(awk '/^[0-9.]+ [0-9.]+$/ {printf "%.2f", $1 + $2}' "$load_time")
  load_figures "$report"
  printf '| simsms load | %s × %s | %s/s | %s | %s | %s (%s%%) | %s | %s | %s | %s / %s / %s ms | %s / %s |\n' \
    "$binds" "$window" "$rate" "$planned" "$sent" "$late" "$(percent "$late" "$planned")" \
    "$dropped" "$receipts" "$(ratio "$sent" "$span")" "$p50" "$p99" "$p999" \
    "$serve_used" "${load_used:-?}"
done
rm -f "$load_time"

[ -z "$push_runs" ] && exit 0
echo
printf '| client, pushing as fast as it can | binds × window | submits answered | receipts | submits/s | receipts/s |\n'
printf '|---|---|---|---|---|---|\n'
# One row of a peer's JSON line, or a row saying it did not finish.
push_row() {
  "$python" - "$1" "$2" "$3" <<'PY'
import json, sys
name, binds_window, line = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    r = json.loads(line)
except ValueError:
    print(f"| {name} | {binds_window} | (did not finish within 120 s) | | | |")
else:
    print(f"| {r['generator']} | {r['binds']} × {r['window']} | {r['answered']} | {r['receipts']} | "
          f"{r['submits_per_s']} | {r['receipts_per_s']} |")
PY
}
for run in $push_runs; do
  IFS=: read -r binds window <<< "$run"
  npm=$(NODE_PATH=target/live-node/node_modules timeout 120 \
    node bench/npm_smpp_push.js "$host" "$port" bench bench "$seconds" "$binds" "$window" || true)
  push_row "npm smpp" "$binds × $window" "$npm"
  peer=$(cd bench && timeout 120 "../$python" smpplib_push.py "$host" "$port" bench bench \
    "$seconds" "$binds" "$window" 2>/dev/null || true)
  push_row "python smpplib" "$binds × $window" "$peer"
done
