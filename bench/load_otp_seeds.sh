#!/usr/bin/env bash
# login_storm measured by `simsms load --otp` against `simsms serve` (both
# at $SPEED, default 120x, both given the same seed), once per seed, then simulated by
# `simsms run` (10 replications): the "(all)" sessions rows side by side.
# docs/load.md quotes these figures. About a minute per seed.
# Usage: [SPEED=60] bench/load_otp_seeds.sh [SEED...]   (default: 777 1 2 3 4)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/simsms
scenario=scenarios/login_storm.toml
speed=${SPEED:-120}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
row() { grep -A6 '^SESSIONS by' "$1" | tail -1 | cut -c1-110; }
echo "seed  sessions  OTP success [95% CI]  code <= 60s [95% CI]  code p50 ..."
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(777 1 2 3 4)
for seed in "${seeds[@]}"; do
  out="$work/serve-$seed"
  $bin serve $scenario --speed "$speed" --for 400s --set scenario.seed="$seed" -o /dev/null > "$out" 2>/dev/null &
  serve_pid=$!
  for _ in $(seq 100); do grep -q ready "$out" && break; sleep 0.1; done
  address=$(awk '/^smpp / {print $4; exit}' "$out")
  $bin load $scenario --otp --speed "$speed" --set scenario.seed="$seed" \
    --target "smpp://aggregator:aggregat@$address" --binds 2 --window 256 --wait 10s \
    -o "$work/load-$seed.txt" 2>/dev/null
  kill -TERM $serve_pid 2>/dev/null || true
  wait $serve_pid 2>/dev/null || true
  echo "load, seed $seed: $(row "$work/load-$seed.txt")"
done
$bin run $scenario --wide -o "$work/run.txt" 2>/dev/null
echo "run, 10 replications: $(row "$work/run.txt")"
