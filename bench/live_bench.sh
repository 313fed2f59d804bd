# Sourced by the bench scripts that drive `simsms serve` with `simsms load`
# and the real peers: installs the peers (tests/live/setup.sh), builds the
# release binary ($bin), starts serve on bench/serve_bench.toml at 1000x
# for at most 10 minutes (bench/serve_bench.sh: $address, stopped on exit),
# sets $host, $port and $python, and reads in bench/load_report.sh.
bash tests/live/setup.sh > /dev/null
python=target/live-venv/bin/python
cargo build --release --locked --quiet
bin=target/release/simsms
. bench/serve_bench.sh 10m
host=${address%:*}
port=${address##*:}
. bench/load_report.sh
