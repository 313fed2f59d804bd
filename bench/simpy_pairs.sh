#!/usr/bin/env bash
# SimPy's M/M/1 against `simsms bench mm1`, the same queue and number of
# customers, as whole processes (interpreter and binary start-up included),
# in PAIRS pairs run back to back so both see the same machine. Prints each
# pair's wall and CPU (user + sys, from the kernel's accounting of the
# child) times and their ratios, then the minimum and the median of the
# ratios. SimPy comes from PyPI into bench/.venv.
#
#   bench/simpy_pairs.sh [PAIRS] [CUSTOMERS] [LAMBDA] [MU]
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-5}
customers=${2:-1000000}
lambda=${3:-0.9}
mu=${4:-1.0}
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
fi
if ! bench/.venv/bin/python -c "import simpy" 2>/dev/null; then
  bench/.venv/bin/pip install --quiet simpy
fi
cargo build --release --locked --quiet
python3 - "$pairs" "$customers" "$lambda" "$mu" <<'PY'
import resource, statistics, subprocess, sys, time
pairs, customers, lam, mu = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
simpy = ["bench/.venv/bin/python", "bench/mm1_simpy.py", customers, lam, mu]
simsms = ["target/release/simsms", "bench", "mm1", "--customers", customers, "--lambda", lam, "--mu", mu]

def timed(command):
    """Wall and CPU seconds of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu

print("pair  SimPy wall s  simsms wall s  wall ratio  SimPy CPU s  simsms CPU s  CPU ratio")
walls, cpus = [], []
for pair in range(1, pairs + 1):
    (pw, pc), (sw, sc) = timed(simpy), timed(simsms)
    walls.append(pw / sw)
    cpus.append(pc / sc)
    print(f"{pair:>4}  {pw:12.3f}  {sw:13.4f}  {pw / sw:9.0f}x  {pc:11.3f}  {sc:12.4f}  {pc / sc:8.0f}x", flush=True)
print(f"minimum of {pairs} pairs: {min(walls):.0f}x wall, {min(cpus):.0f}x CPU; "
      f"median: {statistics.median(walls):.0f}x wall, {statistics.median(cpus):.0f}x CPU")
PY
