#!/usr/bin/env bash
# Side by side, in one run on one machine: the Rust tool (release build) and the SciPy reference
# (benches/reference). Prints each case's wall time (whole command: start-up, reading the data,
# fitting, output) and peak memory for both, the ratio, and the objectives each reached. The
# Rust fits are timed RUST_REPEATS times (default 5) and the median is shown; the reference,
# which takes seconds to minutes, once.
#
#   benches/compare.sh                 # every case
#   SKIP_BOOTSTRAP=1 SKIP_ROWS=1 benches/compare.sh
#   ROWS="240 10000" benches/compare.sh
#
# Cases: on the 240-run Chinchilla set, the default fit, the exhaustive fit (every one of the
# 4500 starts) and a 4000-resample bootstrap; then a row-scaling series on simulated sweeps
# (`scaling-laws simulate`, ten budgets, ROWS/10 sizes each), where the Rust default fit is set
# against one L-BFGS-B run of the reference from Hoffmann et al.'s law (`single --tight`): a grid
# fit of the reference on 10^6 rows would take days.
#
# Needs ../shared/data beside the checkout and the reference's Python packages: set PYTHON to an
# interpreter that has them (see benches/reference/README.md; default /tmp/refvenv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PYTHON:-/tmp/refvenv/bin/python}"
ref=benches/reference/chinchilla_fit.py
data=../shared/data/chinchilla_epoch_svg_extracted.csv
[ -f "$data" ] || { echo "compare.sh: $data is absent" >&2; exit 2; }
"$py" -c 'import numpy, scipy, pandas' 2>/dev/null || { echo "compare.sh: $py lacks numpy/scipy/pandas; see benches/reference/README.md" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "compare.sh: needs GNU time at /usr/bin/time (Debian package 'time')" >&2; exit 2; }
cargo build --release --locked --quiet
bin=target/release/scaling-laws
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# measure CMD... : run CMD with stdout to $out/last.json; sets $secs (wall, from the clock in
# nanoseconds) and $mb (peak resident memory, from GNU time).
measure() {
  local start end kb
  start=$(date +%s%N)
  if ! /usr/bin/time -f '%M' -o "$out/time" "$@" > "$out/last.json" 2> "$out/stderr"; then
    cat "$out/stderr" >&2
    echo "compare.sh: failed: $*" >&2
    exit 1
  fi
  end=$(date +%s%N)
  kb=$(tail -n 1 "$out/time")
  secs=$(echo "scale=4; ($end - $start) / 1000000000" | bc)
  mb=$(echo "$kb / 1024" | bc)
}
# median_of K CMD... : measure CMD K times (RUST_REPEATS, default 5); $secs is the median wall
# time and $mb the largest peak memory. For the Rust commands, which take well under a second.
median_of() {
  local k=$1 times=() peak=0
  shift
  for _ in $(seq "$k"); do
    measure "$@"
    times+=("$secs")
    [ "$mb" -gt "$peak" ] && peak=$mb
  done
  secs=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (k + 1) / 2 ))p")
  mb=$peak
}
repeats=${RUST_REPEATS:-5}
objective() { "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.12e" % d.get("objective", d.get("report", {}).get("fitted", {}).get("objective", float("nan"))))' "$out/last.json"; }
# relative difference of two objectives, or "-" when there are none
rel_diff() {
  [ "$1" = "-" ] && { echo "-"; return; }
  "$py" -c 'import sys; a, b = map(float, sys.argv[1:]); print("%.1e" % (abs(a - b) / abs(b)))' "$1" "$2"
}
row() { printf '%-36s %9.4f %7s %9.3f %7s %8.1fx   %s | %s (rel. diff %s)\n' "$1" "$2" "$3" "$4" "$5" "$(echo "$4 / $2" | bc -l)" "$6" "$7" "$(rel_diff "$6" "$7")"; }
heading() { printf '%-36s %9s %7s %9s %7s %9s   %s\n' "case" "rust (s)" "MB" "scipy (s)" "MB" "ratio" "objective rust | scipy"; }

echo "cores: $(nproc)   $(date -u +%Y-%m-%dT%H:%MZ)   rust: $($bin --version)   python: $("$py" -c 'import scipy, numpy; print("scipy", scipy.__version__, "numpy", numpy.__version__)')"
heading

median_of "$repeats" "$bin" fit "$data" --drop-highest-loss 5 --format json --quiet
t_rust=$secs; m_rust=$mb; o_rust=$(objective)
measure "$py" "$ref" fit "$data" --drop-highest-loss 5
t_ref=$secs; m_ref=$mb; o_ref=$(objective)
row "default fit (rust: 100 of 4500)" "$t_rust" "$m_rust" "$t_ref" "$m_ref" "$o_rust" "$o_ref"

median_of "$repeats" "$bin" fit "$data" --drop-highest-loss 5 --starts all --format json --quiet
row "exhaustive fit (all 4500 starts)" "$secs" "$mb" "$t_ref" "$m_ref" "$(objective)" "$o_ref"

if [ -z "${SKIP_BOOTSTRAP:-}" ]; then
  # Runs drawn with replacement, as the reference draws them (not the tool's default weights).
  measure "$bin" optimal "$data" --drop-highest-loss 5 --bootstrap 4000 --resample runs --format json --quiet
  t_rust=$secs; m_rust=$mb
  measure "$py" "$ref" bootstrap --drop-highest-loss 5 --resamples 4000 --seed 0 --tight
  row "bootstrap, 4000 resamples" "$t_rust" "$m_rust" "$secs" "$mb" "-" "-"
fi

if [ -z "${SKIP_ROWS:-}" ]; then
  echo
  echo "row scaling: rust default fit (100 of 4500 starts) vs scipy single --tight (one start)"
  heading
  budgets=1e18,3e18,1e19,3e19,1e20,3e20,1e21,3e21,1e22,3e22
  for rows in ${ROWS:-240 10000 100000 1000000}; do
    csv="$out/rows$rows.csv"
    "$bin" simulate --budgets "$budgets" --sizes-per-budget $((rows / 10)) --out "$csv" 2> /dev/null
    median_of "$repeats" "$bin" fit "$csv" --format json --quiet
    t_rust=$secs; m_rust=$mb; o_rust=$(objective)
    measure "$py" "$ref" single "$csv" --columns n_params,n_tokens,loss --tight
    row "$rows rows" "$t_rust" "$m_rust" "$secs" "$mb" "$o_rust" "$(objective)"
  done
fi
