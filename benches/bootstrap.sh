#!/usr/bin/env bash
# End-to-end benchmark: the 4000-resample bootstrap of the 240-run Chinchilla set, through the
# command line, in a release build. Prints the wall time of each of REPEATS runs (default 3).
# RESAMPLE=runs (or another --resample scheme) times that scheme instead of the default.
# Needs ../shared/data beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${REPEATS:-3}"
data=../shared/data/chinchilla_epoch_svg_extracted.csv
[ -f "$data" ] || { echo "bootstrap.sh: $data is absent" >&2; exit 2; }
cargo build --release --locked --quiet
bin=target/release/scaling-laws
scheme="${RESAMPLE:-weights}"
echo "cores: $(nproc); threads: ${RAYON_NUM_THREADS:-all}; --resample $scheme"
for i in $(seq "$repeats"); do
  start=$(date +%s.%N)
  "$bin" optimal "$data" --drop-highest-loss 5 --bootstrap 4000 --resample "$scheme" --budget 5.88e23 --quiet > /dev/null
  end=$(date +%s.%N)
  printf 'run %d: %.2f s\n' "$i" "$(echo "$end - $start" | bc)"
done
