#!/usr/bin/env python3
"""Fuzz the Python API of ``scaling_laws`` with wrong types and values.

Each case is one call of a public function or method (``sl.fit``, ``sl.load``, ``Fit.optimal``,
``CurveFit.save``, ...) with its usual cheap arguments, one or two of them replaced by a value
of the wrong type (a string, None, a list, a dict, NaN, an infinity, a huge or negative int, a
bool, a numpy array, a data frame with odd column types, ...), a wrong value, or a valid but
extreme one; or a misspelt keyword, or one positional argument too many. Cases are generated
from ``--seed`` and their index, so one case replays alone (``--replay I``).

The calls run in a worker process (restarted after a crash or a hang) under a memory limit,
each with a time limit. A case passes when the call returns, or raises a ``ScalingLawsError``
subclass whose message names a keyword it was given a bad value for (or quotes the bad text),
or runs past the time limit after the library announced its estimate of a long computation
(``long, announced``: a bootstrap of 10^7 resamples is accepted, with a warning of its hours,
and can be interrupted). A case whose own values cannot be built (a frame conversion pandas
refuses) is ``skipped``. Failures, by class:

  panic        a Rust panic reached Python (``PanicException``, or the package's guard turned
               one into a ScalingLawsError "internal error ... please report it")
  abort        the worker died (a signal, e.g. SIGABRT from a failed allocation, or an exit)
  hang         the call ran longer than ``--timeout`` seconds
  other error  an exception that is not a ScalingLawsError (TypeError, OverflowError, ...)
  unnamed      a ScalingLawsError whose message names none of the keywords given bad values
  input lost   a file the call read (a sweep, a fit file, curves) was changed or removed, or
               /dev/null was replaced by a file (put back when the worker runs as root)
  files left   a temporary or partial file was left beside an output

Prints a table (cases, passed, each class) per target and in total, then each failing case
with its code and the error, and how to replay it. Exit status 0 only when no case failed.

    python benches/python_fuzz.py --cases 5000 --seed 20261208
    python benches/python_fuzz.py --seed 20261208 --replay 17

Needs the extension built into the running interpreter (``maturin develop``), and numpy;
pandas and polars are used when installed.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SEED = 20261208
CLASSES = ["panic", "abort", "hang", "other error", "unnamed", "input lost", "files left"]

# ---------------------------------------------------------------------------------------------
# The worker's set-up: the objects and files the calls use. Also the preamble of a replay.

SETUP = r'''
import datetime, math, os, pathlib, warnings
import numpy as np
import scaling_laws as sl
try:
    import pandas as pd
except ImportError:
    pd = None
try:
    import polars as pl
except ImportError:
    pl = None
warnings.simplefilter("ignore")
REPO = pathlib.Path(REPO_DIR)
W = pathlib.Path(WORK_DIR)
INPUTS = W / "inputs"
OUT = str(W / "out")
os.makedirs(INPUTS, exist_ok=True)
os.makedirs(OUT, exist_ok=True)
import shutil
SWEEP = str(INPUTS / "sweep.csv")
CURVES = str(INPUTS / "curves.csv")
if not os.path.exists(SWEEP):
    shutil.copy(REPO / "data" / "simulated_sweep.csv", SWEEP)
    shutil.copy(REPO / "data" / "simulated_curves.csv", CURVES)
LAW = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
SIZES = {"run0": 1e8, "run1": 3e8, "run2": 1e9, "run3": 3e9}
RUNS = []
for i, n in enumerate(SIZES.values()):
    path = INPUTS / f"run{i}.csv"
    if not path.exists():
        tokens = 1e8 * 10 ** (np.arange(60) / 15)
        loss = LAW["E"] + LAW["A"] / n ** LAW["alpha"] + LAW["B"] / tokens ** LAW["beta"]
        loss = loss * (1 + 0.002 * np.sin(np.arange(60) + i))
        path.write_text("tokens,loss\n" + "".join(f"{t!r},{l!r}\n" for t, l in zip(tokens.tolist(), loss.tolist())))
    RUNS.append(str(path))
PARAMS = {"100M": 1e8, "200M": 2e8, "400M": 4e8, "800M": 8e8}
LADDER = []
for n in PARAMS.values():
    for mult in (10, 40):
        path = INPUTS / f"{int(n / 1e6)}M-{mult}x.csv"
        if not path.exists():
            lines = ["tokens,acc_quiz,loss_quiz"]
            for i in range(1, 21):
                d = n * mult * i / 20
                loss = 0.6 + 40.0 / n**0.3 + 300.0 / d**0.3
                acc = 0.25 + 0.7 / (1 + math.exp(6 * (loss - 1.0)))
                wiggle = 0.002 if i % 2 else -0.002
                lines.append(f"{d},{acc + wiggle},{loss * (1 + wiggle / 4)}")
            path.write_text("\n".join(lines) + "\n")
        LADDER.append(str(path))
TARGET = {"3B": (3.2e9, 6.4e10)}
BASE = "cosine:warmup=2000,peak=3e-4,final=3e-5,steps=24000"
FIT = sl.fit(SWEEP, starts=3)
FIT_JSON = str(INPUTS / "fit.json")
if not os.path.exists(FIT_JSON):
    with open(FIT_JSON, "w") as f:
        f.write(FIT.to_json())
CFIT = sl.curve_fit(CURVES, law="annealing")
CJOINT = sl.curve_fit(REPO / "data" / "simulated_sweep_curves.csv", law="joint")
CFIT_JSON = str(INPUTS / "curve_fit.json")
if not os.path.exists(CFIT_JSON):
    CFIT.save(CFIT_JSON)
DS = sl.load(SWEEP)
ISO = sl.isoflop(SWEEP, bootstrap=20)
ENV = sl.envelope(RUNS, run_params=SIZES, bootstrap=10)
CMP = sl.compare(SWEEP, bootstrap=0, starts=3, progress=False)
SEL = sl.select(SWEEP, laws=["chinchilla", "kaplan"], bootstrap=0, starts=3, progress=False)
PLAN = sl.plan(params=1e9, tokens=2e10)
BOOT = FIT.bootstrap(20, progress=False)
HOLD = FIT.holdout("largest-compute", 3)
DESIGN = sl.design(budgets=[1e20, 1e21])
TASK = sl.task(LADDER, target=TARGET, run_params=PARAMS, bootstrap=0)
FIGURE = FIT.plot("residuals")
FRAME = pd.read_csv(SWEEP) if pd is not None else None
PL_FRAME = pl.read_csv(SWEEP) if pl is not None else None
'''

# Frames with odd column types, and other data-like values (as code, evaluated in the worker).
ODD_DATA = [
    "FRAME",
    "PL_FRAME",
    "DS",
    "FRAME.to_dict('list')",
    "FRAME.assign(flops_budget=pd.to_datetime(FRAME.flops_budget.astype('int64') % 10**9, unit='s'))",
    "FRAME.assign(flops_budget=FRAME.flops_budget.astype(complex))",
    "FRAME.assign(flops_budget=FRAME.flops_budget.astype('category'))",
    "FRAME.assign(flops_budget=FRAME.flops_budget.astype(str))",
    "FRAME.assign(flops_budget=FRAME.flops_budget > 1e19)",
    "FRAME.assign(loss=FRAME.loss.astype('Float64').where(FRAME.loss > 3))",
    "FRAME.assign(n_params=pd.to_timedelta(FRAME.n_params, unit='ns'))",
    "FRAME.assign(loss=[[1.0]] * len(FRAME))",
    "FRAME.assign(loss=[{'a': 1}] * len(FRAME))",
    "FRAME.assign(loss=None)",
    "FRAME.assign(n_params=FRAME.n_params.astype('Int64'))",
    "FRAME.assign(n_tokens=FRAME.n_tokens.astype(np.float16))",
    "FRAME.assign(loss=np.inf)",
    "FRAME.set_axis(['a', 'a', 'b', 'c', 'd'], axis=1)",
    "FRAME.set_axis([1, 2, 3, 4, 5], axis=1)",
    "FRAME.set_index('n_params')",
    "FRAME.iloc[:0]",
    "FRAME.iloc[:1]",
    "FRAME.T",
    "pd.DataFrame()",
    "pd.DataFrame({'flops_budget': pd.date_range('2020', periods=5), 'loss': [1.0] * 5})",
    "pd.DataFrame({'flops_budget': [1j] * 5, 'n_params': [1e8] * 5, 'n_tokens': [1e9] * 5, 'loss': [3.0] * 5})",
    "FRAME.loss",
    "PL_FRAME.with_columns(pl.col('flops_budget').cast(pl.Int64).cast(pl.Datetime))",
    "PL_FRAME.with_columns(pl.lit(datetime.date(2020, 1, 1)).alias('flops_budget'))",
    "PL_FRAME.with_columns(pl.col('flops_budget').cast(pl.String))",
    "PL_FRAME.with_columns(pl.col('flops_budget').cast(pl.Boolean))",
    "PL_FRAME.with_columns(pl.col('loss').cast(pl.Decimal(10, 3)))",
    "PL_FRAME.with_columns(pl.lit(None).alias('loss'))",
    "PL_FRAME.with_columns(pl.col('loss').map_elements(lambda x: [x], return_dtype=pl.List(pl.Float64)))",
    "PL_FRAME.with_columns(pl.struct(['loss', 'n_params']).alias('loss'))",
    "PL_FRAME.with_columns(pl.col('n_params').cast(pl.Int8, strict=False))",
    "PL_FRAME.with_columns(pl.col('n_params').cast(pl.UInt64))",
    "PL_FRAME.with_columns(pl.col('flops_budget').cast(pl.String).cast(pl.Categorical))",
    "PL_FRAME.lazy()",
    "PL_FRAME.head(0)",
    "PL_FRAME['loss']",
    "{'N': [1e8, 2e8], 'D': [1e9], 'L': [3.0, 2.9]}",
    "{'flops_budget': ['a', 'b'], 'loss': [1, 2]}",
    "{1: [1.0], 2: [2.0]}",
    "np.zeros((3, 3))",
    "np.array(['a', 'b'])",
    "[1.0, 2.0, 3.0]",
    "[[1e8, 1e9, 3.0]]",
    "'missing.csv'",
    "OUT",
    "'/dev/null'",
    "REPO / 'data' / 'models.csv'",
    "FIT_JSON",
    "CFIT_JSON",
    "LADDER",
    "RUNS",
    "{'run0': FRAME}",
    "[FRAME, 3]",
    "SWEEP + '\\x00'",
]

# Values of any type, given to any argument.
GENERIC = [
    "None", "'x'", "''", "'-1'", "'nan'", "[]", "[1, 2]", "['a']", "{}", "{'a': 1}",
    "float('nan')", "float('inf')", "-float('inf')", "10**30", "2**64", "2**63", "-2**63 - 1",
    "-1", "-10**12", "0", "True", "False", "0.0", "-0.0", "1e-300", "1e300", "1.5",
    "np.array([])", "np.array([1.0, np.nan])", "np.arange(3)", "np.int64(-1)", "np.float32('nan')",
    "np.zeros((2, 2))", "object()", "b'x'", "1j", "(1, 'a')", "{1, 2}", "lambda: 1",
    "'\\x00'", "'é' * 3", "'x' * 100000", "10**400", "np.uint64(2**64 - 1)", "range(3)",
    "Ellipsis", "pathlib.Path('missing')", "FIT", "ISO", "FRAME", "sl",
]

# Values of each kind of argument: wrong, valid, and valid but extreme.
KIND = {
    "int": ["-1", "0", "1", "2", "3", "2**31", "2**32 + 1", "2**63 - 1", "2**63", "2**64",
            "10**9", "10**12", "-2**63", "1.0", "2.5", "True", "np.int64(5)", "np.uint64(2**63)",
            "'3'", "1e20", "float('nan')", "-0.5", "np.int8(-3)", "np.bool_(True)"],
    "count": ["-1", "0", "1", "2", "5", "2**31", "2**63", "2**64", "10**7", "10**9", "10**15",
              "-2**63", "1.0", "2.5", "True", "np.int64(4)", "'20'", "1e20", "float('inf')"],
    "float": ["0.0", "-0.0", "-1.0", "1e-320", "5e-324", "1e308", "1.7e308", "float('nan')",
              "float('inf')", "-float('inf')", "np.float32(0.5)", "1", "'0.5'", "10**400",
              "np.float64(2)", "0.5", "2.0", "1e-12", "-1e300", "True"],
    "level": ["0.0", "1.0", "0.5", "0.9999999", "1e-9", "-0.1", "1.5", "95", "float('nan')",
              "'0.9'", "None"],
    "bool": ["True", "False", "0", "1", "2", "'yes'", "'false'", "None", "np.bool_(False)",
             "[]", "float('nan')"],
    "str": ["''", "' '", "'x'", "'chinchilla'", "'huber'", "'a=b'", "'='", "','", "'--x'",
            "'\\x00'", "'é'", "'x' * 5000", "'1e22'", "'nan'", "'CHINCHILLA'", "'mse'",
            "'kaplan'", "'data-constrained'", "'weights'", "'runs'", "'a100'", "'h100'",
            "'adam'", "'full'", "'none'", "'fp8'", "'tied'", "'cosine'", "'largest-compute'"],
    "col": ["''", "'x'", "'loss'", "'n_params'", "'flops_budget'", "'n_tokens'", "'flops'",
            "' loss'", "'LOSS'", "'\\x00'", "'x' * 5000", "'loss,loss'", "1", "0"],
    "where": ["''", "'N > 1e9'", "'N >'", "'x > 1'", "'N > nan'", "'N > 1e999'", "'N == N'",
              "['N > 1e9', 'D < 1e12']", "['']", "'L < 0'", "'(' * 1000", "'N > 1e9 and'"],
    "floats": ["[]", "[1e22]", "[1e22, float('nan')]", "np.array([1e21, 1e22])", "'1e22'",
               "'1e20,1e22'", "'1e19:1e21'", "1e22", "[-1]", "[0]", "[1e308]", "['a']",
               "[[1e22]]", "np.array([[1e22]])", "range(3)", "(x for x in [1e22])", "{1e22}",
               "[1e22] * 10000", "np.full(3, np.inf)", "[1e-300]", "[None]", "'1e22:1e20'",
               "'1e19:1e23:0'", "5e-324", "[2**70]"],
    "mapping": ["{}", "{'x': 1}", "{'E': float('nan')}", "{'E': 'a'}", "{1: 2}", "[('E', 1)]",
                "'E=1.7'", "'E'", "'E=1e999'", "{'E': 1.7}", "{'alpha': -1}", "{'E': None}",
                "{'E': [1, 2]}", "{'a' * 1000: 1}", "['E=1.7', {'A': 400}]", "{'E': 10**400}"],
    "frame": ["'pandas'", "'polars'", "'dict'", "'numpy'", "''", "'PANDAS'", "1", "'json'",
              "'text'", "'csv'"],
    "progress": ["True", "False", "None", "'tqdm'", "1", "lambda done, total: None",
                 "lambda: None", "'x'"],
    "data": ODD_DATA,
    "path_in": ["'missing.json'", "OUT", "'/dev/null'", "FIT_JSON", "CFIT_JSON", "SWEEP",
                "CURVES", "pathlib.Path(FIT_JSON)", "FIT_JSON.encode()", "3", "''",
                "REPO / 'data' / 'models.csv'", "FIT_JSON + '\\x00'", "'/'",
                "'x' * 5000 + '.json'"],
    "path_out": ["OUT + '/x.json'", "OUT + '/x.svg'", "OUT + '/x.png'", "OUT + '/x.pdf'",
                 "OUT", "'/nonexistent/dir/x.json'", "'/dev/null'", "SWEEP", "FIT_JSON",
                 "CURVES", "CFIT_JSON", "''", "OUT + '/x.weird'", "pathlib.Path(OUT) / 'y.json'",
                 "3", "OUT + '/x\\x00.json'", "OUT + '/' + 'x' * 300 + '.json'",
                 "OUT.encode() + b'/z.json'", "'/proc/self/x.json'", "'/'", "str(INPUTS)",
                 "str(INPUTS / 'figs')"],
    "fit": ["FIT", "None", "ISO", "CFIT", "FIT_JSON", "DS", "{}", "BOOT"],
    "schedule": ["BASE", "'cosine'", "'cosine:peak=3e-4'", "'wsd:warmup=2000,peak=3e-4,final=3e-5,decay=30000,steps=36000,cooldown=linear'",
                 "'cosine:warmup=0,peak=3e-4,final=3e-5,steps=0'", "'cosine:warmup=10,peak=-1,final=0,steps=100'",
                 "'cosine:warmup=10,peak=3e-4,final=3e-5,steps=1e12'", "'cosine:steps=nan'",
                 "{'a': BASE}", "[BASE, BASE]", "'constant:peak=1e-3,steps=100'", "'x:y=z'", "':'"],
}


def T(call: str, params: dict, weight: float = 1.0, named: tuple = ()) -> dict:
    """A target: `call` (code of the callee), its arguments {name: (kind, baseline code or
    None for left out)}; `named`: arguments whose errors need not name them (data, paths)."""
    return {"call": call, "params": params, "weight": weight, "free": set(named)}


LOAD = {
    "N": ("floats", None), "D": ("floats", None), "C": ("floats", None), "L": ("floats", None),
    "U": ("floats", None), "params_col": ("col", None), "tokens_col": ("col", None),
    "flops_col": ("col", None), "loss_col": ("col", None), "budget_col": ("col", None),
    "unique_tokens_col": ("col", None), "flops_per_param_token": ("float", None),
    "flops_scale": ("float", None), "where": ("where", None), "max_loss": ("float", None),
    "drop_highest_loss": ("int", None),
}
FITTING = {
    "law": ("str", None), "frontier": ("str", None), "loss": ("str", None),
    "delta": ("float", None), "fix": ("mapping", None), "tie_exponents": ("bool", None),
    "starts": ("count", "3"), "grid": ("mapping", None), "start": ("mapping", None),
    "max_iters": ("count", None), "subsample_rows": ("count", None), "threads": ("count", None),
}
DECISIONS = {
    "gpu": ("str", None), "gpus": ("count", None), "compute_precision": ("str", None),
    "peak_tflops": ("float", None), "gpu_memory_gb": ("float", None), "mfu": ("float", None),
    "price_per_gpu_hour": ("float", None), "watts_per_gpu": ("float", None),
    "optimizer": ("str", None), "micro_batch": ("count", None), "recompute": ("str", None),
    "shape": ("bool", None), "vocab": ("count", None), "seq_len": ("count", None),
    "shapes_per_rule": ("count", None), "tp": ("count", None), "embeddings": ("str", None),
}
BUDGETS = {"days": ("float", None), "gpu_hours": ("float", None), "dollars": ("float", None)}
FIGURE_OPTIONS = {
    "budgets": ("floats", None), "tolerance_dex": ("float", None),
    "compute_range": ("floats", None), "level": ("level", None), "models": ("str", None),
    "width": ("count", None), "height": ("count", None),
}
CURVE_COLUMNS = {"step_col": ("col", None), "loss_col": ("col", None), "lr_col": ("col", None),
                 "run_col": ("col", None)}

TARGETS = {
    "load": T("sl.load", {"data": ("data", "SWEEP"), **LOAD}, 2, ("data",)),
    "fit": T("sl.fit", {"data": ("data", "SWEEP"), **FITTING, "progress": ("progress", None),
                        **LOAD}, 3, ("data",)),
    "holdout": T("sl.holdout", {"data": ("data", "SWEEP"), "rule": ("str", "'largest-compute'"),
                                "k": ("int", "3"), "level": ("level", None), **FITTING},
                 1.5, ("data",)),
    "Fit.predict": T("FIT.predict", {"N": ("floats", "1e9"), "D": ("floats", "2e10"),
                                      "U": ("floats", None), "C": ("floats", None)}),
    "Fit.bootstrap": T("FIT.bootstrap", {"n": ("count", "10"), "seed": ("int", None),
                                          "level": ("level", None), "resample": ("str", None),
                                          "threads": ("count", None),
                                          "progress": ("progress", "False")}, 1.5),
    "Fit.optimal": T("FIT.optimal", {"budgets": ("floats", "1e22"), "per_decade": ("count", None),
                                      "params": ("floats", None), "target_loss": ("floats", None),
                                      "assess": ("floats", None), "assess_model": ("str", None),
                                      "level": ("level", None), "bootstrap": ("count", None),
                                      "seed": ("int", None), "resample": ("str", None),
                                      **DECISIONS, **BUDGETS,
                                      "inference_tokens": ("float", None),
                                      "unique_tokens": ("float", None), "frame": ("frame", None),
                                      "progress": ("progress", "False")}, 3),
    "Fit.suggest": T("FIT.suggest", {"target_budget": ("float", "1e23"), "runs": ("count", "3"),
                                      "target": ("str", None), "compute_limit": ("float", None),
                                      "total_compute": ("float", None), "level": ("level", None),
                                      "allow_outside": ("bool", None),
                                      "bootstrap": ("count", None), "seed": ("int", None)}),
    "Fit.plot": T("FIT.plot", {"kind": ("str", "'residuals'"), "path": ("path_out", None),
                                "bootstrap": ("count", None), "seed": ("int", None),
                                "resample": ("str", None), **FIGURE_OPTIONS,
                                "progress": ("progress", "False")}, 1.5, ("path",)),
    "Fit.save_figures": T("FIT.save_figures", {"folder": ("path_out", "OUT + '/figs'"),
                                                "bootstrap": ("count", "BOOT"), **FIGURE_OPTIONS},
                          0.3, ("folder",)),
    "Fit.holdout": T("FIT.holdout", {"rule": ("str", "'largest-compute'"), "k": ("int", "3"),
                                      "level": ("level", None)}),
    "Fit.load": T("sl.Fit.load", {"path": ("path_in", "FIT_JSON")}, 1, ("path",)),
    "Fit.from_json": T("sl.Fit.from_json", {"text": ("str", "FIT.to_json()")}, 1, ("text",)),
    "Fit.table": T("BOOT.table", {"frame": ("frame", None)}, 0.3),
    "Holdout.runs": T("HOLD.runs", {"frame": ("frame", None)}, 0.3),
    "Dataset.methods": T("DS.to_dict", {}, 0.1),
    "plan": T("sl.plan", {"model": ("str", None), "params": ("float", "1e9"),
                          "tokens": ("float", "2e10"), "layers": ("count", None),
                          "d_model": ("count", None), "heads": ("count", None),
                          "key_size": ("count", None), "ffw": ("count", None),
                          "vocab": ("count", None), "seq_len": ("count", None),
                          "gated_ffw": ("bool", None), **DECISIONS, **BUDGETS,
                          "budget": ("float", None), "fit": ("fit", None)}, 2),
    "Plan.memory": T("PLAN.memory", {"frame": ("frame", None)}, 0.3),
    "simulate": T("sl.simulate", {"seed": ("int", None), "noise": ("float", None),
                                  "law": ("mapping", None), "truth": ("mapping", None),
                                  "epochs": ("floats", None), "budgets": ("floats", None),
                                  "sizes_per_budget": ("count", None), "span": ("float", None),
                                  "flops_per_param_token": ("float", None),
                                  "frame": ("frame", None)}, 1.5),
    "isoflop": T("sl.isoflop", {"data": ("data", "SWEEP"), "budgets": ("floats", None),
                                "tolerance_dex": ("float", None), "min_runs": ("count", None),
                                "bootstrap": ("count", "10"), "seed": ("int", None),
                                "level": ("level", None), "frame": ("frame", None), **LOAD},
                 2, ("data",)),
    "Isoflop.optimal_params": T("ISO.optimal_params", {"compute": ("floats", "1e22")}, 0.5),
    "Isoflop.table": T("ISO.table", {"frame": ("frame", None)}, 0.3),
    "envelope": T("sl.envelope", {"data": ("data", "RUNS"), "tokens_col": ("col", None),
                                  "loss_col": ("col", None), "params_col": ("col", None),
                                  "run_col": ("col", None), "run_params": ("mapping", "SIZES"),
                                  "flops_col": ("col", None), "flops_scale": ("float", None),
                                  "flops_per_param_token": ("float", None),
                                  "final_only": ("bool", None), "min_sizes": ("count", None),
                                  "per_decade": ("count", None), "bootstrap": ("count", "10"),
                                  "seed": ("int", None), "level": ("level", None),
                                  "frame": ("frame", None)}, 2, ("data",)),
    "Envelope.optimal_tokens": T("ENV.optimal_tokens", {"compute": ("floats", "1e22")}, 0.3),
    "compare": T("sl.compare", {"data": ("data", "SWEEP"), "at": ("floats", None),
                                "tolerance_factor": ("float", None),
                                "isoflop_budgets": ("floats", None),
                                "tolerance_dex": ("float", None), "curves": ("data", None),
                                "curve_run_params": ("mapping", None),
                                "law": ("str", None), "fix": ("mapping", None),
                                "starts": ("count", "3"), "max_iters": ("count", None),
                                "bootstrap": ("count", "0"), "seed": ("int", None),
                                "level": ("level", None), "progress": ("progress", "False"),
                                "frame": ("frame", None)}, 1.5, ("data", "curves")),
    "Comparison.pairs_table": T("CMP.pairs_table", {"frame": ("frame", None)}, 0.3),
    "select": T("sl.select", {"data": ("data", "SWEEP"), "laws": ("str", "['chinchilla', 'kaplan']"),
                              "holdout_k": ("count", None), "level": ("level", None),
                              "bootstrap": ("count", "0"), "seed": ("int", None),
                              "loss": ("str", None), "delta": ("float", None),
                              "starts": ("count", "3"), "max_iters": ("count", None),
                              "progress": ("progress", "False"), "frame": ("frame", None)},
                1.5, ("data",)),
    "Selection.table": T("SEL.table", {"frame": ("frame", None)}, 0.3),
    "design": T("sl.design", {"fit": ("fit", None), "budgets": ("floats", "[1e20, 1e21]"),
                              "per_decade": ("count", None), "sizes": ("count", None),
                              "span": ("float", None), "tokens_per_param": ("float", None),
                              "flops_per_param_token": ("float", None),
                              "level": ("level", None), **DECISIONS}, 2),
    "Runs.save": T("DESIGN.save", {"path": ("path_out", "OUT + '/runs.csv'")}, 0.5, ("path",)),
    "Runs.table": T("DESIGN.table", {"frame": ("frame", None)}, 0.3),
    "Figure.save": T("FIGURE.save", {"path": ("path_out", "OUT + '/f.svg'")}, 0.5, ("path",)),
    "curve_fit": T("sl.curve_fit", {"data": ("data", "CURVES"), "law": ("str", "'annealing'"),
                                    "schedule": ("schedule", None), "lam": ("float", None),
                                    "delta": ("float", None), "bootstrap": ("count", None),
                                    "seed": ("int", None), "level": ("level", None),
                                    **CURVE_COLUMNS, "run_params": ("mapping", None),
                                    "tokens_per_step": ("float", None),
                                    "params_col": ("col", None), "tokens_col": ("col", None),
                                    "budget": ("floats", None),
                                    "progress": ("progress", "False")}, 2, ("data",)),
    "curve_simulate": T("sl.curve_simulate", {"schedules": ("schedule", None),
                                              "truth": ("floats", None), "every": ("count", "1000"),
                                              "noise": ("float", None), "seed": ("int", None),
                                              "law": ("str", None), "run_params": ("mapping", None),
                                              "tokens_per_step": ("float", None),
                                              "frame": ("frame", None)}, 1.5),
    "CurveFit.predict": T("CFIT.predict", {"schedule": ("schedule", "BASE"),
                                           "every": ("count", "1000"), "params": ("float", None),
                                           "tokens_per_step": ("float", None),
                                           "frame": ("frame", None)}, 1),
    "CurveFit.reach": T("CFIT.reach", {"schedule": ("schedule", "BASE"),
                                       "target_loss": ("float", "3.0"),
                                       "every": ("count", "1000")}, 0.7),
    "CurveFit.optimal": T("CJOINT.optimal", {"budgets": ("floats", "1e20"),
                                           "frame": ("frame", None)}, 0.5),
    "CurveFit.best_schedule": T("CFIT.best_schedule", {"schedule": ("schedule", "BASE"),
                                                       "families": ("str", None),
                                                       "frame": ("frame", None)}, 0.7),
    "CurveFit.plot": T("CFIT.plot", {"data": ("data", "CURVES"), "kind": ("str", None),
                                     "predict": ("schedule", None), "schedule": ("schedule", None),
                                     **CURVE_COLUMNS, "width": ("count", None),
                                     "height": ("count", None)}, 0.7, ("data",)),
    "CurveFit.save": T("CFIT.save", {"path": ("path_out", "OUT + '/c.json'")}, 0.5, ("path",)),
    "CurveFit.load": T("sl.CurveFit.load", {"path": ("path_in", "CFIT_JSON")}, 0.7, ("path",)),
    "task": T("sl.task", {"files": ("data", "LADDER"), "target": ("mapping", "TARGET"),
                          "run_params": ("mapping", "PARAMS"), "tasks": ("str", None),
                          "average": ("mapping", None), "floor": ("mapping", None),
                          "template": ("str", None), "bootstrap": ("count", "0"),
                          "level": ("level", None)}, 1.5, ("files",)),
    "TaskLaws.predictions": T("TASK.predictions", {"frame": ("frame", None)}, 0.3),
}


# The input files each object of the set-up was made from: a call on it must not replace them
# (the command line refuses an output that would replace an input).
SOURCES = {
    "FIT": ["SWEEP"], "BOOT": ["SWEEP"], "HOLD": ["SWEEP"], "FIGURE": ["SWEEP"], "DS": ["SWEEP"],
    "ISO": ["SWEEP"], "CMP": ["SWEEP"], "SEL": ["SWEEP"], "CFIT": ["CURVES"], "ENV": ["RUNS"],
    "TASK": ["LADDER"],
}
INPUT_NAMES = ["SWEEP", "CURVES", "FIT_JSON", "CFIT_JSON", "RUNS", "LADDER"]


def _inputs_of(target: dict, args: dict) -> list:
    """The set-up's input files a call reads: its receiver's sources, and those named by its
    arguments other than output paths."""
    import re

    names = set(SOURCES.get(target["call"].split(".")[0], []))
    for name, code in args.items():
        kind = target["params"].get(name, ("any", None))[0]
        if kind == "path_out":
            continue
        names.update(n for n in INPUT_NAMES if re.search(rf"\b{n}\b", code))
    return sorted(names)


def generate(seed: int, index: int) -> dict:
    """Case `index` of `seed`: its target, the code of its call and the keywords it gave bad
    values."""
    rng = random.Random(seed * 1_000_003 + index)
    names = sorted(TARGETS)
    target_name = rng.choices(names, weights=[TARGETS[n]["weight"] for n in names])[0]
    target = TARGETS[target_name]
    args = {name: base for name, (kind, base) in target["params"].items() if base is not None}
    bad: list = []
    params = list(target["params"])
    roll = rng.random()
    extra_positional = False
    if roll < 0.05 or not params:
        name = rng.choice(["detla", "seeds", "bootstraps", "frames", "dataa", "x"])
        args[name] = rng.choice(GENERIC)
        bad.append(name)
    elif roll < 0.08:
        extra_positional = True
    else:
        count = 1 if rng.random() < 0.8 else 2
        for name in rng.sample(params, min(count, len(params))):
            kind = target["params"][name][0]
            pool = KIND[kind] if rng.random() < 0.6 else GENERIC
            args[name] = rng.choice(pool)
            bad.append(name)
    parts = [f"{k}={v}" for k, v in args.items()]
    if extra_positional:
        parts = [f"{v}" for v in args.values()] + ["1", "2", "3", "4", "5", "6"]
        bad.append("*")
    code = f"{target['call']}({', '.join(parts)})"
    return {"index": index, "target": target_name, "code": code, "bad": bad,
            "reads": _inputs_of(target, args),
            "values": [args[k] for k in bad if k in args],
            "free": sorted(set(bad) & target["free"]) or (["*"] if extra_positional else [])}


# ---------------------------------------------------------------------------------------------
# The worker: runs cases read from standard input, one JSON line each, and answers on a pipe.

def _digest(folder: Path) -> dict:
    out = {}
    if not folder.is_dir():
        if folder.exists() or folder.is_symlink():
            folder.unlink()
        folder.mkdir(parents=True)
    for path in sorted(folder.iterdir()):
        if path.is_file():
            out[path.name] = hashlib.sha1(path.read_bytes()).hexdigest()
    return out


def _device_replaced() -> bool:
    """Whether /dev/null (a path the cases write to) is no longer the null device; it is put
    back when this process may (a call that renamed a file over it, as root, replaced the
    device for every process on the machine)."""
    import stat

    try:
        if stat.S_ISCHR(os.stat("/dev/null").st_mode):
            return False
    except OSError:
        pass
    try:
        if os.path.lexists("/dev/null"):
            os.remove("/dev/null")
        os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod("/dev/null", 0o666)
    except OSError:
        pass
    return True


def _names_a_keyword(error: BaseException, case: dict, namespace: dict) -> bool:
    """Whether the error names one of the arguments the case gave a bad value (or a
    singular of its name: ``budget`` for ``budgets``), or quotes a bad text value."""
    if case["free"]:
        return True
    text = str(error)
    keyword = getattr(error, "keyword", None)
    for k in case["bad"]:
        if k in (keyword, keyword and keyword + "s") or k in text:
            return True
        if k.endswith("s") and len(k) > 2 and k[:-1] in text:
            return True
    for code in case["values"]:
        try:
            value = eval(code, namespace)
        except Exception:  # noqa: BLE001 - only texts are looked for
            continue
        if isinstance(value, str) and len(value) >= 3 and value[:40] in text:
            return True
    return False


def worker(work_dir: str, answer_fd: int) -> None:
    answers = os.fdopen(answer_fd, "w", buffering=1)
    # Keep the answers' pipe clean: the library may print.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    namespace: dict = {"REPO_DIR": str(REPO), "WORK_DIR": work_dir}
    exec(SETUP, namespace)
    import scaling_laws as sl

    # Relative paths the calls write land in the scratch folder, not in the checkout.
    os.chdir(namespace["OUT"])

    inputs = Path(work_dir) / "inputs"
    pristine = Path(work_dir) / "pristine"
    if not pristine.exists():
        shutil.copytree(inputs, pristine)
    expected = _digest(pristine)
    out_dir = Path(namespace["OUT"])
    answers.write(json.dumps({"ready": True}) + "\n")
    import warnings

    current = {}

    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
        # Warnings go to the parent at once: an estimate of a long computation's time tells a
        # long call from a hang.
        answers.write(json.dumps({"note": str(message)[:300], "index": current.get("index")}) + "\n")

    warnings.showwarning = show
    for line in sys.stdin:
        case = json.loads(line)
        current["index"] = case["index"]
        warnings.resetwarnings()
        warnings.simplefilter("always")
        result = {"index": case["index"]}
        started = time.perf_counter()
        try:
            function, args, kwargs = _arguments(case["code"], namespace)
        except BaseException as error:  # noqa: BLE001 - a value the case could not build
            result.update(outcome="skipped", message=f"{type(error).__name__}: {error}"[:300])
            answers.write(json.dumps(result) + "\n")
            continue
        try:
            value = function(*args, **kwargs)
            # Touch the result as a user would: its repr.
            repr(value)
            result["outcome"] = "returned"
        except BaseException as error:  # noqa: BLE001 - every exception is classified
            chain = []
            e: BaseException | None = error
            while e is not None and len(chain) < 5:
                chain.append(f"{type(e).__module__}.{type(e).__name__}: {str(e)[:300]}")
                e = e.__cause__ or e.__context__
            is_sle = isinstance(error, sl.ScalingLawsError)
            panic = type(error).__name__ == "PanicException" or (
                is_sle and getattr(error, "kind", "") == "Internal"
            ) or any("PanicException" in c for c in chain)
            result.update(
                outcome="raised",
                type=f"{type(error).__module__}.{type(error).__name__}",
                message=str(error)[:400],
                chain=chain,
                sle=is_sle,
                panic=panic,
                named=is_sle and _names_a_keyword(error, case, namespace),
                trace=traceback.format_exc(limit=6)[-1500:] if not is_sle else "",
            )
            if isinstance(error, KeyboardInterrupt):
                result["type"] = "KeyboardInterrupt"
        result["seconds"] = round(time.perf_counter() - started, 3)
        now = _digest(inputs)
        changed = sorted(n for n in expected if now.get(n) != expected[n])
        read = set()
        for name in case["reads"]:
            value = namespace[name]
            read.update(Path(v).name for v in (value if isinstance(value, list) else [value]))
        lost = [n for n in changed if n in read]
        if _device_replaced():
            lost.append("/dev/null")
        if lost:
            result["lost"] = lost
        # Files the call did not read may be replaced when it names them as outputs; the
        # next case starts from the pristine copies either way.
        for name in changed:
            shutil.copy(pristine / name, inputs / name)
        left = [str(p) for folder in (inputs, out_dir) for p in folder.rglob("*")
                if p.name.startswith(".scaling-laws-") or p.name.endswith((".partial", ".tmp"))]
        if left:
            result["left"] = left
            for p in left:
                Path(p).unlink(missing_ok=True)
        extra = sorted(set(now) - set(expected))
        for name in extra:
            (inputs / name).unlink(missing_ok=True)
        answers.write(json.dumps(result) + "\n")


def _arguments(code: str, namespace: dict):
    """The callee and arguments of the call `code`, each evaluated on its own (so that a value
    the case cannot build is told apart from an error of the call)."""
    import ast

    call = ast.parse(code, mode="eval").body
    assert isinstance(call, ast.Call)
    evaluate = lambda node: eval(compile(ast.Expression(node), "<case>", "eval"), namespace)  # noqa: E731
    function = evaluate(call.func)
    args = [evaluate(a) for a in call.args]
    kwargs = {k.arg: evaluate(k.value) for k in call.keywords}
    return function, args, kwargs


class Worker:
    """A worker process; restarted by its owner after it dies or hangs."""

    def __init__(self, work_dir: str, memory_gb: float) -> None:
        read_fd, write_fd = os.pipe()
        self.stderr_path = Path(work_dir) / "worker.stderr"
        stderr = open(self.stderr_path, "wb")

        def limits() -> None:
            import resource

            os.setsid()
            limit = int(memory_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        env = dict(os.environ, RAYON_NUM_THREADS=os.environ.get("RAYON_NUM_THREADS", "2"),
                   PYTHONFAULTHANDLER="1", RUST_BACKTRACE="0")
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", work_dir, str(write_fd)],
            stdin=subprocess.PIPE, stderr=stderr, pass_fds=(write_fd,), preexec_fn=limits,
            text=True, env=env,
        )
        os.close(write_fd)
        stderr.close()
        self.answers = os.fdopen(read_fd, "r")
        self.buffer = ""
        self.notes = []
        ready = self.read(600)
        if ready is None or not ready.get("ready"):
            raise RuntimeError(f"the worker did not start: {self.stderr_tail()}")

    def stderr_tail(self) -> str:
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""
        return text[-800:]

    def read(self, timeout: float):
        """The next answer, or None after `timeout` seconds or when the worker died. Warnings
        the call issues on the way are collected in ``self.notes``."""
        deadline = time.monotonic() + timeout
        fd = self.answers.fileno()
        while True:
            while "\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    return None
                chunk = os.read(fd, 65536).decode()
                if not chunk:
                    return None
                self.buffer += chunk
            line, self.buffer = self.buffer.split("\n", 1)
            answer = json.loads(line)
            if "note" in answer:
                self.notes.append(answer["note"])
                continue
            return answer

    def run(self, case: dict, timeout: float):
        self.notes: list = []
        self.process.stdin.write(json.dumps(case) + "\n")
        self.process.stdin.flush()
        return self.read(timeout)

    def stop(self) -> int:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        code = self.process.wait()
        self.answers.close()
        return code


def classify(case: dict, answer) -> list:
    """The failure classes of a case's answer (empty when it passed)."""
    out = []
    if answer.get("lost"):
        out.append("input lost")
    if answer.get("left"):
        out.append("files left")
    if answer.get("outcome") == "raised":
        if answer["panic"]:
            out.append("panic")
        elif not answer["sle"]:
            out.append("other error")
        elif not answer["named"]:
            out.append("unnamed")
    return out


def run_cases(indices, seed: int, timeout: float, memory_gb: float, log=print,
              progress_every: int = 500):
    """Run the cases; returns (cases, answers, failures: list of (case, classes, answer))."""
    work_dir = tempfile.mkdtemp(prefix="scaling-laws-pyfuzz-")
    results = []
    failures = []
    worker = None
    started = time.monotonic()
    try:
        for n, index in enumerate(indices):
            case = generate(seed, index)
            if worker is None:
                worker = Worker(work_dir, memory_gb)
            answer = worker.run(case, timeout)
            worker_notes = worker.notes
            if answer is None:
                alive = worker.process.poll() is None
                tail = worker.stderr_tail()
                code = worker.stop()
                worker = None
                if alive:
                    estimates = [n for n in worker_notes if " will take about " in n]
                    answer = {"outcome": "hang", "seconds": timeout, "notes": estimates}
                    # A call the library announced as long, with its estimate, is a long
                    # computation asked for, not a hang.
                    classes = [] if estimates else ["hang"]
                    if estimates:
                        answer["outcome"] = "long, announced"
                else:
                    how = f"signal {-code} ({signal.Signals(-code).name})" if code < 0 else f"exit {code}"
                    panicked = "panicked at" in tail
                    answer = {"outcome": "died", "how": how, "stderr": tail}
                    classes = ["panic" if panicked else "abort"]
            else:
                classes = classify(case, answer)
            results.append((case, answer, classes))
            if classes:
                failures.append((case, classes, answer))
            if progress_every and (n + 1) % progress_every == 0:
                log(f"  {n + 1} cases, {len(failures)} failing, {time.monotonic() - started:.0f} s")
    finally:
        if worker is not None:
            worker.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
    return results, failures


def table(results) -> str:
    by_target = collections.defaultdict(collections.Counter)
    for case, answer, classes in results:
        counts = by_target[case["target"]]
        counts["cases"] += 1
        if answer.get("outcome") == "skipped":
            counts["skipped"] += 1
            continue
        if answer.get("outcome") == "long, announced":
            counts["long, announced"] += 1
        if not classes:
            counts["passed"] += 1
            outcome = answer.get("outcome")
            if outcome in ("raised", "returned"):
                counts["refused" if outcome == "raised" else "returned"] += 1
        for c in classes:
            counts[c] += 1
    columns = ["cases", "skipped", "passed", "returned", "refused", "long, announced"] + CLASSES
    lines = ["| target | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    total = collections.Counter()
    for name in sorted(by_target):
        total.update(by_target[name])
        lines.append(f"| {name} | " + " | ".join(str(by_target[name][c]) for c in columns) + " |")
    lines.append("| **all** | " + " | ".join(f"**{total[c]}**" for c in columns) + " |")
    return "\n".join(lines)


def replay_code(case: dict) -> str:
    return (
        f"# case {case['index']} ({case['target']}); bad: {', '.join(case['bad'])}\n"
        f"{case['code']}"
    )


def describe(case: dict, classes: list, answer: dict) -> str:
    head = f"case {case['index']} [{', '.join(classes)}] {case['target']}: {case['code'][:400]}"
    if answer.get("outcome") == "raised":
        head += f"\n    -> {answer['type']}: {answer['message'][:300]}"
        if answer.get("trace") and "other error" in classes:
            head += "\n    " + answer["trace"].strip().replace("\n", "\n    ")[-700:]
    elif answer.get("outcome") == "died":
        head += f"\n    -> worker died: {answer['how']}\n    {answer['stderr'][-400:]}"
    elif answer.get("outcome") == "hang":
        head += f"\n    -> no answer in {answer['seconds']} s"
    if answer.get("lost"):
        head += f"\n    -> inputs changed or removed: {answer['lost']}"
    if answer.get("left"):
        head += f"\n    -> files left: {answer['left']}"
    return head


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--first", type=int, default=0, help="index of the first case")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per call")
    parser.add_argument("--memory-gb", type=float, default=8.0,
                        help="address-space limit of the worker")
    parser.add_argument("--replay", type=int, help="run case I alone and print its outcome")
    parser.add_argument("--show", type=int, default=60, help="failing cases printed in full")
    parser.add_argument("--json", help="write every case's outcome here (JSON lines)")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return 0
    if args.replay is not None:
        case = generate(args.seed, args.replay)
        print(replay_code(case))
        _, failures = run_cases([args.replay], args.seed, args.timeout, args.memory_gb)
        results, _ = [], None
        print("passed" if not failures else describe(*failures[0]))
        return 1 if failures else 0
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    print(f"python fuzz: {args.cases} cases from {args.first}, seed {args.seed}, timeout "
          f"{args.timeout:g} s, memory {args.memory_gb:g} GB, commit {commit}, "
          f"{sys.executable}")
    started = time.monotonic()
    results, failures = run_cases(range(args.first, args.first + args.cases), args.seed,
                                  args.timeout, args.memory_gb)
    if args.json:
        with open(args.json, "w") as f:
            for case, answer, classes in results:
                f.write(json.dumps({"case": case, "answer": answer, "classes": classes}) + "\n")
    print(table(results))
    kinds = collections.Counter()
    first = {}
    for case, classes, answer in failures:
        key = (classes[0], case["target"], answer.get("type", answer.get("outcome")))
        kinds[key] += 1
        first.setdefault(key, case["index"])
    if kinds:
        print("\nfailure classes (class, target, exception: count, first case):")
        for key, count in kinds.most_common():
            print(f"  {key[0]} / {key[1]} / {key[2]}: {count}, case {first[key]}")
        print(f"\nfailing cases (first {args.show}):")
        for case, classes, answer in failures[: args.show]:
            print(describe(case, classes, answer))
        print(f"\nreplay one: python {Path(__file__).relative_to(REPO)} --seed {args.seed} --replay I")
    skipped = sum(1 for _, answer, _ in results if answer.get("outcome") == "skipped")
    print(f"python fuzz: {len(results)} cases, {skipped} skipped (a value the case could not "
          f"build), {len(results) - skipped - len(failures)} passed, {len(failures)} failed, "
          f"{time.monotonic() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
