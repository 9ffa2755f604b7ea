#!/usr/bin/env python3
"""The cost of the Python package over the Rust library, in one run.

1. The default fit of the 240-run Chinchilla set (../shared/data, --drop-highest-loss 5):
   ``scaling_laws.fit(path, drop_highest_loss=5)`` against the library's own time for the same
   fit (``fit_time``, benches/src/bin/fit_time.rs, which loads the file once and times
   ``fit_dataset`` alone), and the Python fit of an already loaded ``Dataset``.
2. 10^6 simulated runs: a pandas DataFrame converted and fitted by ``scaling_laws.fit(frame)``
   against the command line fitting the same rows from a CSV file (``scaling-laws fit FILE
   --format json``, process start and CSV parsing included).

Build the three in the same profile and say which: the extension with ``maturin develop
[--release] --locked -m python/Cargo.toml`` into the interpreter running this script, and
``cargo build [--release] --locked -p scaling-laws-bench --bin fit_time --bin scaling-laws``.

Usage (from the repository root):

    python benches/python_overhead.py [--profile debug|release] [--repeats 5] [--rows 1000000]

Prints the figures as a table with the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import scaling_laws as sl

REPO = Path(__file__).resolve().parents[1]
CHINCHILLA = REPO.parent / "shared" / "data" / "chinchilla_epoch_svg_extracted.csv"


def timed(fn, repeats: int) -> tuple:
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="release", choices=["debug", "release"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / args.profile
    fit_time, cli = target / "fit_time", target / "scaling-laws"
    for binary in (fit_time, cli):
        if not binary.exists():
            sys.exit(f"{binary} is not built: cargo build --locked "
                     f"{'--release ' if args.profile == 'release' else ''}-p scaling-laws-bench "
                     "--bin fit_time --bin scaling-laws")
    if not CHINCHILLA.exists():
        sys.exit(f"{CHINCHILLA} is absent (the shared data sit beside the repository)")
    warnings.simplefilter("ignore", sl.ScalingLawsWarning)
    load_before = os.getloadavg()
    print(f"profile {args.profile}, {os.cpu_count()} cores, load average {load_before[0]:.2f}")

    rust = json.loads(subprocess.run(
        [str(fit_time), str(CHINCHILLA), "--drop-highest-loss", "5", "--repeats",
         str(args.repeats)], check=True, capture_output=True, text=True).stdout)
    py_min, py_med, fit = timed(lambda: sl.fit(CHINCHILLA, drop_highest_loss=5), args.repeats)
    ds = sl.load(CHINCHILLA, drop_highest_loss=5)
    ds_min, ds_med, fit_ds = timed(lambda: sl.fit(ds), args.repeats)
    assert fit.objective == fit_ds.objective == rust["objective"], (fit.objective, rust)
    rows = [
        ("Chinchilla 240 runs: library fit_dataset", rust["min_s"], rust["median_s"]),
        ("Chinchilla 240 runs: sl.fit(path)", py_min, py_med),
        ("Chinchilla 240 runs: sl.fit(Dataset)", ds_min, ds_med),
    ]

    budgets = np.geomspace(1e18, 1e22, 100).tolist()
    per_budget = max(args.rows // len(budgets), 2)
    frame = sl.simulate(seed=7, budgets=budgets, sizes_per_budget=per_budget, span=30.0)
    frame = frame[["n_params", "n_tokens", "loss"]]
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "runs.csv"
        frame.to_csv(csv, index=False, float_format="%.17g")
        start = time.perf_counter()
        done = subprocess.run([str(cli), "fit", str(csv), "--format", "json", "--quiet"],
                              check=True, capture_output=True, text=True)
        cli_s = time.perf_counter() - start
        cli_fit = json.loads(done.stdout)["report"]["fitted"]
    start = time.perf_counter()
    big = sl.fit(frame)
    big_s = time.perf_counter() - start
    start = time.perf_counter()
    big_ds = sl.load(frame)
    convert_s = time.perf_counter() - start
    assert big.objective == cli_fit["objective"], (big.objective, cli_fit["objective"])
    n = len(frame)
    rows += [
        (f"{n} runs: scaling-laws fit runs.csv (process)", cli_s, cli_s),
        (f"{n} runs: sl.fit(pandas DataFrame)", big_s, big_s),
        (f"{n} runs: of which sl.load(DataFrame)", convert_s, convert_s),
    ]
    del big_ds

    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'min s':>9}  {'median s':>9}")
    for name, lo, med in rows:
        print(f"{name:<{width}}  {lo:>9.4f}  {med:>9.4f}")
    print(f"Python over the library, 240 runs (median): {py_med / rust['median_s']:.3f}x, "
          f"+{(py_med - rust['median_s']) * 1e3:.1f} ms")
    print(f"Python DataFrame over the command line's CSV, {n} runs: {big_s / cli_s:.3f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
