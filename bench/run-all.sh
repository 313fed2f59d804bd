#!/usr/bin/env bash
# Every figure of docs/performance.md, measured side by side in one run on
# this machine:  bench/run-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
bin=target/release/simsms

echo "== machine"
nproc; grep -m1 "model name" /proc/cpuinfo || true

echo "== engine hold model"
$bin bench engine

echo "== end to end, 1 thread (per core)"
$bin bench scenarios scenarios/*.toml -j 1

echo "== instructions per session by callgrind, and where they go"
bench/instructions.sh --functions || echo "(not measured: see the reason above)"

echo "== end to end, rakuten_mnp, 1 vs 2 threads"
$bin bench scenarios scenarios/rakuten_mnp.toml -j 1 -r 20 --repeat 3
$bin bench scenarios scenarios/rakuten_mnp.toml -j 2 -r 20

echo "== a billion sessions: compare in 8 shards and merge (docs/scale.md)"
bench/billion.sh

echo "== peak memory, ~100M sessions (rakuten_mnp, 1160 replications)"
/usr/bin/time -f "peak RSS %M KB, wall %e s" $bin bench scenarios scenarios/rakuten_mnp.toml -j 2 -r 1160 --repeat 1

echo "== peak memory with many replications (1-minute rakuten_mnp, -r 10000, 1 then 2 threads)"
for j in 1 2; do
  /usr/bin/time -f "-j $j: peak RSS %M KB, wall %e s" $bin run scenarios/rakuten_mnp.toml --set scenario.duration=1m -r 10000 -j $j -o /dev/null
done

echo "== memory per session in flight and per remembered number"
bench/sim_memory.sh

echo "== 1,024 provider x carrier cells"
bench/many_cells.sh

echo "== sensitivity of rakuten_mnp (every input down and up): the default 5 replications, then all 10"
/usr/bin/time -f "peak RSS %M KB, wall %e s" $bin sensitivity scenarios/rakuten_mnp.toml -o /dev/null
/usr/bin/time -f "peak RSS %M KB, wall %e s" $bin sensitivity scenarios/rakuten_mnp.toml -r 10 -o /dev/null

echo "== simsms fit: a million records, against a plain csv read"
bench/fit_records.sh

echo "== SimPy M/M/1 side by side"
bench/compare_simpy.sh 1000000 0.9 1.0

echo "== SimPy M/M/1 against simsms as whole processes, 5 back-to-back pairs"
bench/simpy_pairs.sh 5

echo "== simsms serve under load"
bench/serve_throughput.sh

echo "== simsms load vs a python smpplib generator, side by side"
bench/load_vs_smpplib.sh

echo "== the live modes at the limit: load at 20k-100k/s, the npm smpp client and smpplib pushing flat out"
bench/live_limit.sh
echo "== the same server without the live page's message trace, at 100k/s"
SERVE_SETS=serve.trace_messages=0 LOAD_RUNS="1:1024:100000 2:1024:100000" PUSH_RUNS= bench/live_limit.sh
echo "== the same with a trace of 1,000 messages"
SERVE_SETS=serve.trace_messages=1000 LOAD_RUNS="1:1024:100000 1:1024:100000 2:1024:100000" PUSH_RUNS= bench/live_limit.sh

echo "== simsms serve soak (10 minutes)"
bench/serve_soak.sh 600 200
