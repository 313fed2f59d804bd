#!/usr/bin/env bash
# A billion sessions through `simsms compare scenarios/rakuten_mnp.toml`:
# 2,904 replications (345,012 sessions each over the scenario and its three
# alternatives: 1,001,914,848 sessions) split into 8 shards run as 8
# processes, at most PARALLEL at a time (default: the number of cores), each
# timed with its peak RSS; then `simsms merge` of the 8 parts, also timed.
# Figures in docs/scale.md.
#
#   bench/billion.sh [PARALLEL] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
parallel=${1:-$(nproc)}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
cargo build --release --locked --quiet
bin=$PWD/target/release/simsms
start=$(date +%s.%N)
seq 0 7 | xargs -P "$parallel" -I{} /usr/bin/time -f "shard {}/8: peak RSS %M KB, wall %e s, CPU %U s" -o "$out/time-{}.txt" \
  "$bin" compare scenarios/rakuten_mnp.toml -r 2904 --shard {}/8 -j 1 -o "$out/part-{}.json"
end=$(date +%s.%N)
cat "$out"/time-*.txt
echo "8 shards: $(python3 -c "print(f'{$end - $start:.1f}')") s wall at $parallel at a time"
ls -l "$out"/part-*.json | awk '{s += $5} END {printf "parts: %.1f MB in all\n", s / 1e6}'
/usr/bin/time -f "merge: peak RSS %M KB, wall %e s" "$bin" merge "$out"/part-*.json -o "$out/report.txt"
grep -m1 "sessions" "$out/report.txt" || true
echo "report: $out/report.txt"
