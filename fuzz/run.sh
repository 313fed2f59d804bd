#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 10 s each, about a
# minute in all), starting from the seed corpora in fuzz/corpus/. Installs
# cargo-fuzz from crates.io if it is missing. New inputs go to a temporary
# directory, so the checkout is not changed; a crash fails the run and
# leaves its input in fuzz/artifacts/.
#   fuzz/run.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-10}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
# libFuzzer needs unstable compiler flags: the nightly toolchain when the
# machine has one, else the stable compiler with RUSTC_BOOTSTRAP.
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in $("${fuzz[@]}" list); do
  mkdir -p "$work/$target"
  echo "== fuzz $target for ${seconds}s"
  seeds=()
  [ -d "corpus/$target" ] && seeds+=("corpus/$target")
  # The shipped scenarios seed the scenario parser.
  [ "$target" = scenario_text ] && seeds+=(../scenarios)
  "${fuzz[@]}" run "$target" "$work/$target" "${seeds[@]}" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 2>&1 |
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|thread .* panicked|Done)" || true
  status=${PIPESTATUS[0]}
  if [ "$status" != 0 ]; then
    echo "fuzz target $target failed (exit $status); the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
echo "fuzz: every target ran ${seconds}s without a failure"
