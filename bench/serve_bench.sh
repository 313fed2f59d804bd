# Sourced by the bench scripts: starts `simsms serve bench/serve_bench.toml`
# at 1000x for at most $1 (a duration), stops it on exit, and sets
# $address to its SMPP account's host:port once it is ready.
serve_out=$(mktemp)
target/release/simsms serve bench/serve_bench.toml --speed 1000 --for "$1" > "$serve_out" &
serve_pid=$!
trap 'kill -TERM $serve_pid 2>/dev/null || true; wait $serve_pid 2>/dev/null || true; rm -f "$serve_out"' EXIT
for _ in $(seq 50); do grep -q ready "$serve_out" && break; sleep 0.1; done
address=$(awk '/^smpp/ {print $4}' "$serve_out")
