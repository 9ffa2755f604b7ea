#!/usr/bin/env bash
# Run every command of cases.txt with two builds of scaling-laws and compare what each writes:
# stdout, stderr, exit code, and the files the commands save (fits, runs, the Chinchilla
# summary). A refactoring that must not change behaviour passes with "identical".
#
#   benches/cli_outputs/compare.sh OLD_BINARY NEW_BINARY
#
# Each binary is copied to the same path before it runs, so that the command line saved in
# a fit's provenance is the same. The cases run in order in one scratch folder holding a copy
# of data/ (later cases read the fits earlier ones save); @SHARED@ is ../shared/data.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="$(cd "$repo/.." && pwd)/shared/data"
[ $# -eq 2 ] || { echo "usage: $0 OLD_BINARY NEW_BINARY" >&2; exit 2; }
old="$(realpath "$1")"; new="$(realpath "$2")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run() { # BINARY OUTDIR
  local bin_dir="$work/bin" out="$2" scratch="$work/scratch"
  mkdir -p "$bin_dir" "$out"
  cp "$1" "$bin_dir/scaling-laws"
  rm -rf "$scratch"; mkdir -p "$scratch"; cp -r "$repo/data" "$scratch/data"
  local i=0
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    i=$((i + 1)); local n; n=$(printf %03d $i)
    line="${line//@SHARED@/$shared}"
    eval "set -- $line"
    local rc=0
    (cd "$scratch" && "$bin_dir/scaling-laws" "$@" >"$out/$n.out" 2>"$out/$n.err") || rc=$?
    echo "$rc" >"$out/$n.rc"
    echo "$line" >"$out/$n.cmd"
  done <"$here/cases.txt"
  for f in fit.json fit-boot2.json runs.csv chfig/summary.txt chfig/summary.json chfig/table3.csv chfig/fit.json; do
    if [ -f "$scratch/$f" ]; then
      sed 's/"command": ".*"/"command": X/' "$scratch/$f" >"$out/file-${f//\//_}"
    fi
  done
  echo "$i"
}
count=$(run "$old" "$work/old")
run "$new" "$work/new" >/dev/null
if diff -r "$work/old" "$work/new"; then
  echo "identical: $count commands (stdout, stderr, exit code) and the files they write"
else
  exit 1
fi
