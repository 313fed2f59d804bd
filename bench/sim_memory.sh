#!/usr/bin/env bash
# What the batch engine's memory costs per session in flight and per number
# a sliding window (repeat filter, per-number limit) remembers: one
# replication per size, each in a process of its own
# (examples/sim_memory.rs), peak RSS and peak virtual memory growth divided
# by the count. The sizes straddle powers of two, where a growing array's
# spare capacity is largest. Figures in docs/limits.md and
# docs/performance.md. Bounded: about a minute after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --example sim_memory
bin=target/release/examples/sim_memory
for n in 100000 1060000 1600000 4200000; do
  "$bin" "$n" sessions
done
for n in 100000 1060000 1600000; do
  "$bin" "$n" numbers
done
