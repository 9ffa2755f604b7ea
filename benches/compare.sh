#!/usr/bin/env bash
# Side by side, in one run on one machine: the Rust tool (release build) and the SciPy reference
# (benches/reference) on the 240-run Chinchilla set. Prints each case's wall time for both, the
# ratio, and the objectives each reached.
#
#   benches/compare.sh                 # default fit, exhaustive fit, 4000-resample bootstrap
#   SKIP_BOOTSTRAP=1 benches/compare.sh
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
cargo build --release --locked --quiet
bin=target/release/scaling-laws
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# seconds CMD... : run CMD with stdout to $out/last.json, print wall seconds
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" > "$out/last.json"
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
objective() { "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.12e" % d.get("objective", d.get("report", {}).get("fitted", {}).get("objective", float("nan"))))' "$out/last.json"; }
row() { printf '%-34s %10.3f %10.3f %8.1fx   %s | %s\n' "$1" "$2" "$3" "$(echo "$3 / $2" | bc -l)" "$4" "$5"; }

echo "cores: $(nproc)   $(date -u +%Y-%m-%dT%H:%MZ)   rust: $($bin --version)   python: $("$py" -c 'import scipy, numpy; print("scipy", scipy.__version__, "numpy", numpy.__version__)')"
printf '%-34s %10s %10s %9s   %s\n' "case" "rust (s)" "scipy (s)" "ratio" "objective rust | scipy"

t_rust=$(seconds "$bin" fit "$data" --drop-highest-loss 5 --format json --quiet); o_rust=$(objective)
t_ref=$(seconds "$py" "$ref" fit "$data" --drop-highest-loss 5); o_ref=$(objective)
row "default fit (rust: 100 of 4500)" "$t_rust" "$t_ref" "$o_rust" "$o_ref"

t_rust=$(seconds "$bin" fit "$data" --drop-highest-loss 5 --starts all --format json --quiet); o_rust=$(objective)
row "exhaustive fit (all 4500 starts)" "$t_rust" "$t_ref" "$o_rust" "$o_ref"

if [ -z "${SKIP_BOOTSTRAP:-}" ]; then
  t_rust=$(seconds "$bin" optimal "$data" --drop-highest-loss 5 --bootstrap 4000 --format json --quiet)
  t_ref=$(seconds "$py" "$ref" bootstrap --drop-highest-loss 5 --resamples 4000 --seed 0 --tight)
  row "bootstrap, 4000 resamples" "$t_rust" "$t_ref" "-" "-"
fi
