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
. bench/serve_bench.sh "$((seconds + 300))s" bench/serve_soak.toml 10
python3 bench/serve_soak.py "$address" "$http" "$serve_pid" "$seconds" "$rate"
