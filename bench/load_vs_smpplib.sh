#!/usr/bin/env bash
# simsms load and an open-loop generator on python smpplib
# (bench/smpplib_load.py), side by side in one run against the same
# `simsms serve` on loopback, doing the same work: RATE messages/s for 5 s
# on an absolute schedule over 2 transceiver binds with a window of 256
# each, every message asking for a receipt, every receipt acknowledged,
# latency from the intended send time. Bounded: about 2 minutes.
#
#   bench/load_vs_smpplib.sh [RATE...]     (default: 2000 5000 10000 20000 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
rates=${*:-2000 5000 10000 20000 50000}
. bench/live_bench.sh

printf '| generator | planned rate | sent | late | dropped | receipts | sent/s over the 5 s | p50 / p99 / p99.9 from intended time | p99 from actual send |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for rate in $rates; do
  report=$("$bin" load bench/serve_bench.toml --target "smpp://bench:bench@$address" \
    --rate "$rate/s" --duration 5s --binds 2 --window 256 --wait 10s || true)
  load_figures "$report"
  printf '| simsms load | %s/s | %s | %s | %s | %s | %s | %s / %s / %s ms | %s ms |\n' \
    "$rate" "$sent" "$late" "$dropped" "$receipts" "$(ratio "$sent" 5)" \
    "$p50" "$p99" "$p999" "$p99_actual"
  peer=$(timeout 120 "$python" bench/smpplib_load.py "$host" "$port" bench bench "$rate" 5 2 256 2>/dev/null || echo '{}')
  "$python" - "$rate" "$peer" <<'PY'
import json, sys
rate, peer = sys.argv[1], json.loads(sys.argv[2] or "{}")
if not peer:
    print(f"| python smpplib 2.2.4 | {rate}/s | (did not finish within 120 s) | | | | | | |")
else:
    print(f"| python smpplib 2.2.4 | {rate}/s | {peer['sent']} | {peer['late']} | {peer['dropped']} | "
          f"{peer['receipts']} | {peer['sent'] / 5:.0f} | {peer['p50_ms']} / {peer['p99_ms']} / "
          f"{peer['p999_ms']} ms | {peer['p99_actual_ms']} ms |")
PY
done
