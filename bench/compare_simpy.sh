#!/usr/bin/env bash
# Runs the same M/M/1 queue (same parameters, same number of customers) in
# SimPy and in simsms on this machine, prints both mean waits next to the
# closed form and the speed ratio. SimPy comes from PyPI into bench/.venv.
#
#   bench/compare_simpy.sh [CUSTOMERS] [LAMBDA] [MU]
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-1000000}
lambda=${2:-0.9}
mu=${3:-1.0}

if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
fi
if ! bench/.venv/bin/python -c "import simpy" 2>/dev/null; then
  bench/.venv/bin/pip install --quiet simpy
fi
cargo build --release --locked --quiet

# Best of three runs each, as timing tools do, to keep other load out.
simpy_runs=$(for _ in 1 2 3; do bench/.venv/bin/python bench/mm1_simpy.py "$customers" "$lambda" "$mu"; done)
simsms_runs=$(for _ in 1 2 3; do target/release/simsms bench mm1 --customers "$customers" --lambda "$lambda" --mu "$mu"; done)
simpy_line=$(echo "$simpy_runs" | sed -E 's/^(.*\(([0-9.]+) us\/customer.*)$/\2 \1/' | sort -g | head -1 | cut -d' ' -f2-)
simsms_line=$(echo "$simsms_runs" | sed -E 's/^(.*, ([0-9.]+) us\/customer.*)$/\2 \1/' | sort -g | head -1 | cut -d' ' -f2-)
echo "$simpy_line"
echo "$simsms_line"
simpy_us=$(echo "$simpy_line" | sed -E 's/.*\(([0-9.]+) us\/customer.*/\1/')
simsms_us=$(echo "$simsms_line" | sed -E 's/.*, ([0-9.]+) us\/customer.*/\1/')
python3 -c "print(f'simsms is {float($simpy_us) / float($simsms_us):.0f}x faster than SimPy per customer ($customers customers, lambda $lambda, mu $mu; best of 3 each)')"
