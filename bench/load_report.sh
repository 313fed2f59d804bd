# Sourced by the bench scripts that run `simsms load`: reads the figures of
# one load report (its text on stdin of `load_figures`) into variables.
#   load_figures "$report"
# sets planned, sent, late, dropped, span (seconds from the first send to
# the last), receipts (final receipts, summed over their stats),
# p50, p99, p999 (submit_sm_resp from the intended send time, ms) and
# p99_actual (from the actual send).

# The number after NAME in LINE, or "-" when the line has none.
field() {
  local value
  value=$(sed -nE "s/.*$1 ([0-9.]+).*/\\1/p" <<< "$2")
  echo "${value:--}"
}

load_figures() {
  local report=$1 line intended actual
  line=$(grep '^planned ' <<< "$report" || true)
  intended=$(grep '^submit_sm_resp from intended' <<< "$report" || true)
  actual=$(grep '^submit_sm_resp from actual' <<< "$report" || true)
  planned=$(field planned "$line")
  sent=$(field sent "$line")
  late=$(field late "$line")
  dropped=$(field 'dropped \(window full\)' "$line")
  span=$(sed -nE 's/.*, in ([0-9.]+) s.*/\1/p' <<< "$line")
  receipts=$({ grep '^receipts by stat' <<< "$report" || true; } | { grep -oE '[0-9]+' || true; } \
    | paste -sd+ | bc)
  receipts=${receipts:-0}
  p50=$(field p50 "$intended")
  p99=$(field p99 "$intended")
  p999=$(field p99.9 "$intended")
  p99_actual=$(field p99 "$actual")
}

# NUMERATOR / DENOMINATOR with DIGITS decimals, or "-" when either is not
# a number or the denominator is 0.
ratio() {
  if [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && [ "$(bc -l <<< "$2 > 0")" = 1 ]; then
    printf "%.${3:-0}f" "$(bc -l <<< "$1 / $2")"
  else
    echo "-"
  fi
}

# NUMERATOR as a percentage of DENOMINATOR, two decimals, or "-".
percent() {
  if [[ $1 =~ ^[0-9.]+$ ]]; then ratio "$(bc -l <<< "100 * $1")" "$2" 2; else echo "-"; fi
}
