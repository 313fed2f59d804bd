#!/usr/bin/env bash
# simsms serve under load on loopback, the client (simsms bench smpp, a
# pipelined SMPP client) and the server sharing this machine: paced at
# 10k/s and 50k/s, then as fast as two windows of 256 allow. Every submit
# asks for a receipt and every receipt is acknowledged. Bounded: about 20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/simsms
. bench/serve_bench.sh 90s
target=$address
for rate in 10000 50000; do
  echo "paced at $rate/s:"
  "$bin" bench smpp --target "smpp://bench:bench@$target" -c 2 -w 256 -n $((rate * 5)) --rate "$rate/s"
done
echo "as fast as the windows allow:"
"$bin" bench smpp --target "smpp://bench:bench@$target" -c 2 -w 256 -n 200000
