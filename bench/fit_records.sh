#!/usr/bin/env bash
# simsms fit's speed and memory on a million records, side by side with a
# plain csv-crate read of the same file (docs/performance.md):
#   bench/fit_records.sh
# Makes the records with `simsms run --events` (rakuten_mnp over 20 hours,
# capped at 1,000,000 messages), then the same messages as a team's own
# CSV (Unix-second times, text statuses), and times both.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
bin=target/release/simsms
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

$bin run scenarios/rakuten_mnp.toml -r 1 --set scenario.duration=20h \
  --events "$work/simsms.csv" > /dev/null 2>&1
# The generic CSV: sent_at,number,status,provider,carrier,final_at.
awk -F, 'NR == 1 { print "sent_at,number,status,provider,carrier,final_at"; next }
  { status = ($7 != "accepted") ? "failed" : ($8 == "" ? "sent" : $8);
    final = ($10 == "") ? "" : sprintf("%.3f", 1764633600 + $10);
    printf "%.3f,%s,%s,%s,%s,%s\n", 1764633600 + $6, $3, status, $4, $5, final }' \
  "$work/simsms.csv" > "$work/generic.csv"
wc -l "$work/simsms.csv" "$work/generic.csv"
ls -l "$work/simsms.csv" "$work/generic.csv"

echo "== simsms's own records"
$bin bench fit "$work/simsms.csv" --repeat 5
echo "== a team's own CSV"
$bin bench fit "$work/generic.csv" --repeat 5
echo "== peak memory of a whole fit (report and fitted scenario)"
/usr/bin/time -f "simsms records: peak RSS %M KB, wall %e s" \
  $bin fit "$work/simsms.csv" -o "$work/fitted.toml" > /dev/null
/usr/bin/time -f "generic CSV: peak RSS %M KB, wall %e s" \
  $bin fit "$work/generic.csv" -o "$work/fitted2.toml" > /dev/null
