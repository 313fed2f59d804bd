# Sourced by the bench scripts: starts `simsms serve` on scenario $2
# (default bench/serve_bench.toml) at speed $3 (default 1000x) for at most
# $1 (a duration), stops it on exit, and sets $address to its first SMPP
# account's host:port, $http to its HTTP address (if any) and $serve_pid.
# SERVE_SETS: scenario settings to override, as `key=value` words (each
# passed as --set).
serve_out=$(mktemp)
serve_sets=()
read -ra serve_set_words <<< "${SERVE_SETS:-}"
for set in "${serve_set_words[@]}"; do
  serve_sets+=(--set "$set")
done
target/release/simsms serve "${2:-bench/serve_bench.toml}" --speed "${3:-1000}" --for "$1" \
  "${serve_sets[@]}" > "$serve_out" &
serve_pid=$!
trap 'kill -TERM $serve_pid 2>/dev/null || true; wait $serve_pid 2>/dev/null || true; rm -f "$serve_out"' EXIT
for _ in $(seq 100); do grep -q ready "$serve_out" && break; sleep 0.1; done
address=$(awk '/^smpp / {print $4; exit}' "$serve_out")
http=$(awk '/^http / {print $2}' "$serve_out")
