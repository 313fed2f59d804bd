#!/usr/bin/env bash
# What simsms serve's bounds cost in memory: resident memory (RSS) per
# remembered number, per message in flight, per scheduled and per held
# receipt (160-character messages), per part of a concatenated message
# waiting for the rest, and per HTTP message in flight, each measured in a
# process of its own by examples/serve_memory.rs at the bound (one
# million; 100,000 waiting parts) or, for HTTP, 100,000 messages. Figures in
# docs/limits.md. Bounded: about 30 s after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --example serve_memory
bin=target/release/examples/serve_memory
for what in numbers in_flight scheduled held ledger; do
  "$bin" "$what" 999999
done
"$bin" pending 100000
"$bin" http 100000
"$bin" trace 1000000
"$bin" trace_full 100000
