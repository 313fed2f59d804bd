#!/usr/bin/env bash
# Peak memory and time of `simsms run` on a generated scenario with 32
# providers (a weighted split over all of them) and 32 carriers: 1,024
# provider x carrier cells, ten minutes at 20/s, 4 replications.
# docs/performance.md ("Memory with many providers and carriers").
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SIMSMS:-target/release/simsms}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/cells.toml" <<'PY'
import sys
P = C = 32
out = ['[scenario]', 'name = "cells"', 'duration = "10m"', 'seed = 1',
       'replications = 4', '', '[traffic]', 'rate = "20/s"', '']
for p in range(P):
    out += [f'[providers.p{p}]', 'route = "international"', '']
weights = ', '.join(f'p{p} = 1' for p in range(P))
out += ['[routing]', 'policy = "weighted"', f'weights = {{ {weights} }}', '']
share = round(1 / C, 10)
for c in range(C):
    value = share if c < C - 1 else 1 - (C - 1) * share
    out += [f'[carriers.c{c}]', f'share = {value:.10f}', '']
open(sys.argv[1], 'w').write('\n'.join(out))
PY
for threads in 1 2; do
  /usr/bin/time -f "1,024 cells, -j $threads: peak RSS %M KB, wall %e s" \
    "$bin" run "$work/cells.toml" -j "$threads" -o /dev/null 2>&1 | tail -1
done
