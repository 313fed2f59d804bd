#!/usr/bin/env bash
# Soak of simsms serve on loopback (docs/performance.md): clients submit at
# a steady rate for SECONDS (default 600), drop and rebind at random, some
# never acknowledge receipts and some send garbage; then every accepted
# message must have exactly one acknowledged receipt, the connection count
# must return to 0 and memory must stay flat after warm-up. Bounded: the
# server stops itself after SECONDS + 5 minutes; it is also stopped at exit.
#   bench/serve_soak.sh [SECONDS] [RATE]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
rate="${2:-200}"
[ -x target/release/simsms ] || cargo build --release --quiet
out=$(mktemp)
target/release/simsms serve bench/serve_soak.toml --speed 10 --for "$((seconds + 300))s" > "$out" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q ready "$out" && break; sleep 0.1; done
smpp=$(awk '/^smpp/ {print $4}' "$out")
http=$(awk '/^http/ {print $2}' "$out")
python3 bench/serve_soak.py "$smpp" "$http" "$pid" "$seconds" "$rate"
