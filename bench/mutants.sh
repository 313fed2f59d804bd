#!/usr/bin/env bash
# Mutation testing (docs/testing.md): cargo-mutants changes the code one
# small way at a time (a comparison flipped, an operator swapped, a body
# replaced by a default) and runs the tests that should notice. A mutant
# no test fails on is a bug the tests would let through.
#
#   bench/mutants.sh model      src/model/ against the lib tests and the
#                               model's test files (not tests/shipped.rs:
#                               the golden reports say that something
#                               changed, not what)
#   bench/mutants.sh protocol   src/protocol/ and src/serve/receipts.rs
#                               against the lib tests and the SMPP/HTTP tests
#
# Extra arguments go to cargo-mutants, e.g. one file, or only the code a
# change touched:
#   bench/mutants.sh model --file src/model/smsc.rs
#   git diff main > /tmp/change.diff && bench/mutants.sh model --in-diff /tmp/change.diff
# Results: target/mutants/TARGET/mutants.out/ (outcomes.json, and a log
# per mutant); at the end bench/mutants_score.py prints the score per file
# and every survivor (give it several runs' outcomes.json to combine them). One build and test at a time
# (MUTANTS_JOBS=2 for two, each in its own tree); settings in
# .cargo/mutants.toml. Installs cargo-mutants (and cargo-nextest) when
# missing.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-model}
shift || true
case "$target" in
  model)
    files=(--file 'src/model/**')
    tests=(--lib --test closed_form --test mechanisms --test properties --test one_model)
    ;;
  protocol)
    files=(--file 'src/protocol/**' --file src/serve/receipts.rs)
    tests=(--lib --test smpp_client --test serve_smpp --test serve_concat --test serve_http
      --test load_errors)
    ;;
  *)
    echo "usage: bench/mutants.sh [model|protocol] [cargo-mutants arguments]" >&2
    exit 2
    ;;
esac
# Files given on the command line replace the target's.
for arg in "$@"; do
  case "$arg" in
    -f | --file | --file=*) files=() ;;
  esac
done

if ! cargo mutants --version >/dev/null 2>&1; then
  cargo install --locked cargo-mutants --version 27.1.0
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi

test_args=()
for t in "${tests[@]}"; do
  test_args+=("--cargo-arg=$t")
done
# Given to the build as well as to the test run (--cargo-arg), so only
# these test binaries are built and linked for each mutant.
# Each worker builds in its own copy of the tree with its own target
# directory, kept across its mutants. (A CARGO_TARGET_DIR shared by the
# workers made each wait for the other's build lock, and the waits ran
# into the test timeout: mutants reported as timeouts that no test saw.)
mkdir -p "target/mutants/$target"
status=0
cargo mutants -j "${MUTANTS_JOBS:-1}" "${files[@]}" "${test_args[@]}" \
  --output "target/mutants/$target" "$@" || status=$?
# Per-file scores and the survivors (also for a run cut short).
outcomes="target/mutants/$target/mutants.out/outcomes.json"
if [ -f "$outcomes" ]; then
  python3 bench/mutants_score.py "$outcomes"
fi
exit "$status"
