#!/usr/bin/env python3
"""Independent SciPy reference fit of the Chinchilla law L(N, D) = E + A/N^alpha + B/D^beta.

This is the reference that the `scaling-laws` benchmarks and golden-value tests compare
against. It shares no code with the Rust tool: it follows Hoffmann et al. 2022 (Approach 3) and
the Epoch AI replication (Besiroglu et al. 2024) directly.

Parameterisation: theta = (a, b, e, alpha, beta) with A = exp(a), B = exp(b), E = exp(e), and

    log L^(N, D) = logsumexp(a - alpha log N, b - beta log D, e)
    objective    = sum over runs of huber(delta, log L - log L^),   delta = 1e-3

where huber(delta, r) = r^2/2 for |r| <= delta and delta (|r| - delta/2) outside
(scipy.special.huber). The gradient is analytic: with w the softmax weights of the three terms,
d objective / d theta = -sum clip(r, -delta, delta) * d log L^ / d theta, where
d log L^ / d(a, b, e, alpha, beta) = (w0, w1, w2, -w0 log N, -w1 log D).

Modes:
    fit        L-BFGS-B from every point of the 4500-point Chinchilla grid, keep the best
    single     one L-BFGS-B run from given natural values (default: Hoffmann et al.'s law)
    bootstrap  resample runs with replacement, refit each from the full-data optimum

Every mode prints one JSON document on standard output. The computation is deterministic:
starts run in a fixed order on one thread, and the bootstrap draws from
numpy.random.default_rng(seed). BLAS is limited to one thread (OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS and MKL_NUM_THREADS default to 1, set before numpy is imported): L-BFGS-B's
vectors are 5 long, and OpenBLAS's idle threads otherwise more than double the wall time on a
2-core machine. A value already set in the environment is kept.
"""

from __future__ import annotations

import os

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_blas_threads() -> None:
    """Default the BLAS thread counts to 1; must run before numpy is first imported."""
    for variable in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")


limit_blas_threads()

import argparse  # noqa: E402  (imports follow the thread settings on purpose)
import hashlib  # noqa: E402
import inspect  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
from collections import Counter  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy  # noqa: E402
import scipy.optimize  # noqa: E402
import scipy.special  # noqa: E402

HUBER_DELTA = 1e-3
PARAM_NAMES = ("A", "B", "E", "alpha", "beta")
DEFAULT_DATA = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "chinchilla_epoch_svg_extracted.csv"
)
DEFAULT_COMPUTE_COLUMNS = "Model Size,Training FLOP,loss"
HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
TIGHT_OPTIONS = {"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000}


@dataclass(frozen=True)
class Runs:
    """The runs a fit uses: log N, log D and log L as float64 arrays, plus provenance."""

    log_n: np.ndarray
    log_d: np.ndarray
    log_loss: np.ndarray
    provenance: dict


@dataclass(frozen=True)
class StartResult:
    """The outcome of one L-BFGS-B run."""

    theta: np.ndarray
    objective: float
    success: bool
    iterations: int
    evaluations: int
    message: str


# --------------------------------------------------------------------------------------------
# Data


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def split_columns(spec: str) -> tuple[str, str, str]:
    """Split an 'X,Y,loss' column specification into three non-empty names."""
    names = [name.strip() for name in spec.split(",")]
    if len(names) != 3 or not all(names):
        raise ValueError(f"expected three comma-separated column names, got {spec!r}")
    return names[0], names[1], names[2]


def keep_below_highest_losses(loss: np.ndarray, drop: int) -> np.ndarray:
    """Boolean mask keeping rows whose loss is below the `drop`-th largest loss.

    With drop = 0 every row is kept. Rows tied with the threshold are dropped too.
    """
    if drop <= 0:
        return np.ones(loss.shape, dtype=bool)
    if drop > loss.size:
        raise ValueError(f"cannot drop {drop} of {loss.size} rows")
    threshold = np.sort(loss)[-drop]
    return loss < threshold


def load_runs(path: Path, columns: str | None, compute_columns: str,
              drop_highest_loss: int) -> Runs:
    """Read a CSV of runs and return log N, log D and log L for the rows kept.

    With `columns` ('N,D,loss' names) tokens are read directly; otherwise `compute_columns`
    ('N,C,loss' names) is used and tokens are derived as D = C / (6 N).
    """
    table = pd.read_csv(path)
    if columns is not None:
        n_col, d_col, loss_col = split_columns(columns)
        n = table[n_col].to_numpy(dtype=np.float64)
        d = table[d_col].to_numpy(dtype=np.float64)
        tokens = f"column {d_col!r}"
    else:
        n_col, c_col, loss_col = split_columns(compute_columns)
        n = table[n_col].to_numpy(dtype=np.float64)
        d = table[c_col].to_numpy(dtype=np.float64) / (6.0 * n)
        tokens = f"derived as C / (6 N) from column {c_col!r}"
    loss = table[loss_col].to_numpy(dtype=np.float64)
    if not (np.all(np.isfinite(n)) and np.all(np.isfinite(d)) and np.all(np.isfinite(loss))):
        raise ValueError("N, D and loss must all be finite")
    if np.any(n <= 0) or np.any(d <= 0) or np.any(loss <= 0):
        raise ValueError("N, D and loss must all be positive")
    keep = keep_below_highest_losses(loss, drop_highest_loss)
    provenance = {
        "path": str(path),
        "sha256": sha256_of(path),
        "rows_in_file": int(loss.size),
        "rows": int(keep.sum()),
        "drop_highest_loss": drop_highest_loss,
        "n_column": n_col,
        "tokens": tokens,
        "loss_column": loss_col,
    }
    return Runs(np.log(n[keep]), np.log(d[keep]), np.log(loss[keep]), provenance)


def resample(runs: Runs, index: np.ndarray) -> Runs:
    """Return the runs at `index` (with repetition), for the bootstrap."""
    return Runs(runs.log_n[index], runs.log_d[index], runs.log_loss[index], runs.provenance)


# --------------------------------------------------------------------------------------------
# Objective


def objective_and_gradient(theta: np.ndarray, runs: Runs, delta: float) -> tuple[float, np.ndarray]:
    """Summed Huber loss of log residuals and its analytic gradient with respect to theta.

    theta = (a, b, e, alpha, beta). log L^ is a numerically stable log-sum-exp of the three
    terms; its partial derivatives are the softmax weights of those terms.
    """
    a, b, e, alpha, beta = theta
    terms = np.empty((3, runs.log_n.size))
    terms[0] = a - alpha * runs.log_n
    terms[1] = b - beta * runs.log_d
    terms[2] = e
    peak = terms.max(axis=0)
    exps = np.exp(terms - peak)
    total = exps.sum(axis=0)
    log_pred = peak + np.log(total)
    weights = exps / total
    residual = runs.log_loss - log_pred
    value = float(scipy.special.huber(delta, residual).sum())
    slope = np.clip(residual, -delta, delta)  # d huber / d residual
    w0_slope = weights[0] * slope
    w1_slope = weights[1] * slope
    gradient = -np.array(
        [
            w0_slope.sum(),
            w1_slope.sum(),
            (weights[2] * slope).sum(),
            -(w0_slope * runs.log_n).sum(),
            -(w1_slope * runs.log_d).sum(),
        ]
    )
    return value, gradient


def natural_params(theta: np.ndarray) -> dict:
    """Map theta = (a, b, e, alpha, beta) to A, B, E, alpha, beta and a_alloc.

    a_alloc = beta / (alpha + beta) is the exponent of the compute-optimal N* ∝ C^a_alloc.
    """
    a, b, e, alpha, beta = (float(x) for x in theta)
    return {
        "A": float(np.exp(a)),
        "B": float(np.exp(b)),
        "E": float(np.exp(e)),
        "alpha": alpha,
        "beta": beta,
        "a_alloc": beta / (alpha + beta),
    }


def theta_from_natural(E: float, A: float, B: float, alpha: float, beta: float) -> np.ndarray:
    """Map natural parameter values to theta = (log A, log B, log E, alpha, beta)."""
    return np.array([np.log(A), np.log(B), np.log(E), alpha, beta], dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Optimisation


def lbfgsb_defaults() -> dict:
    """The default options of scipy's L-BFGS-B, read from the installed scipy."""
    signature = inspect.signature(scipy.optimize._lbfgsb_py._minimize_lbfgsb)
    wanted = ("maxcor", "ftol", "gtol", "eps", "maxfun", "maxiter", "maxls")
    return {name: signature.parameters[name].default for name in wanted}


def solver_options(tight: bool) -> dict:
    """The options passed to scipy.optimize.minimize: none by default, or the tight set."""
    return dict(TIGHT_OPTIONS) if tight else {}


def run_start(theta0: np.ndarray, runs: Runs, delta: float, options: dict) -> StartResult:
    """Run L-BFGS-B (jac=True, no bounds) from theta0."""
    result = scipy.optimize.minimize(
        objective_and_gradient,
        np.asarray(theta0, dtype=np.float64),
        args=(runs, delta),
        method="L-BFGS-B",
        jac=True,
        options=options or None,
    )
    return StartResult(
        theta=np.asarray(result.x, dtype=np.float64),
        objective=float(result.fun),
        success=bool(result.success),
        iterations=int(result.nit),
        evaluations=int(result.nfev),
        message=str(result.message),
    )


def chinchilla_grid() -> list[np.ndarray]:
    """The 4500 starts of Hoffmann et al. as theta vectors, in a fixed order.

    alpha, beta in {0, 0.5, 1, 1.5, 2}; e in {-1, -0.5, 0, 0.5, 1}; a, b in {0, 5, ..., 25}.
    """
    exponents = (0.0, 0.5, 1.0, 1.5, 2.0)
    e_values = (-1.0, -0.5, 0.0, 0.5, 1.0)
    ab_values = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)
    return [
        np.array([a, b, e, alpha, beta])
        for alpha, beta, e, a, b in itertools.product(
            exponents, exponents, e_values, ab_values, ab_values
        )
    ]


def reaches(objective: float, best: float, rel: float = 1e-6) -> bool:
    """Whether an objective is within `rel` (relative) of the best one."""
    return objective - best <= rel * abs(best)


def fit_grid(runs: Runs, delta: float, options: dict) -> dict:
    """Fit from every grid start and summarise: the best fit and how many starts reached it."""
    starts = chinchilla_grid()
    began = time.perf_counter()
    results = [run_start(theta0, runs, delta, options) for theta0 in starts]
    wall = time.perf_counter() - began
    best_index = min(range(len(results)), key=lambda i: results[i].objective)
    best = results[best_index]
    iterations = np.array([r.iterations for r in results])
    return {
        **fit_summary(best, runs),
        "starts": len(starts),
        "starts_converged": sum(r.success for r in results),
        "starts_reaching_best": sum(reaches(r.objective, best.objective) for r in results),
        "starts_non_finite": sum(not np.isfinite(r.objective) for r in results),
        "best_start": natural_params(starts[best_index]) | {"theta": starts[best_index].tolist()},
        "terminations": dict(Counter(r.message for r in results).most_common()),
        "iterations_min_median_max": [
            int(iterations.min()),
            float(np.median(iterations)),
            int(iterations.max()),
        ],
        "wall_seconds": wall,
    }


def fit_summary(result: StartResult, runs: Runs) -> dict:
    """The JSON fields that describe one fitted point."""
    return {
        "objective": result.objective,
        **natural_params(result.theta),
        "theta": result.theta.tolist(),
        "rows": int(runs.log_n.size),
        "best_run": {
            "success": result.success,
            "iterations": result.iterations,
            "evaluations": result.evaluations,
            "message": result.message,
        },
    }


def fit_single(runs: Runs, theta0: np.ndarray, delta: float, options: dict) -> dict:
    """Fit from one start and summarise in the same form as the grid fit."""
    began = time.perf_counter()
    result = run_start(theta0, runs, delta, options)
    wall = time.perf_counter() - began
    return {
        **fit_summary(result, runs),
        "starts": 1,
        "starts_converged": int(result.success),
        "starts_reaching_best": 1,
        "start": natural_params(theta0) | {"theta": theta0.tolist()},
        "wall_seconds": wall,
    }


def bootstrap(runs: Runs, theta_full: np.ndarray, resamples: int, seed: int, delta: float,
              options: dict) -> dict:
    """Refit `resamples` resamples of the runs (with replacement) from the full-data optimum.

    Returns standard errors (sample standard deviation, ddof = 1) and 2.5/97.5 percentiles
    (numpy's default linear interpolation) of A, B, E, alpha, beta and a_alloc.
    """
    rng = np.random.default_rng(seed)
    count = runs.log_n.size
    names = PARAM_NAMES + ("a_alloc",)
    draws = np.empty((resamples, len(names)))
    converged = 0
    terminations: Counter = Counter()
    began = time.perf_counter()
    for i in range(resamples):
        index = rng.integers(0, count, size=count)
        result = run_start(theta_full, resample(runs, index), delta, options)
        params = natural_params(result.theta)
        draws[i] = [params[name] for name in names]
        converged += result.success
        terminations[result.message] += 1
    wall = time.perf_counter() - began
    lower, upper = np.percentile(draws, [2.5, 97.5], axis=0)
    return {
        "resamples": resamples,
        "seed": seed,
        "resamples_converged": converged,
        "terminations": dict(terminations.most_common()),
        "std_error": dict(zip(names, draws.std(axis=0, ddof=1).tolist())),
        "percentile_2.5": dict(zip(names, lower.tolist())),
        "percentile_97.5": dict(zip(names, upper.tolist())),
        "mean": dict(zip(names, draws.mean(axis=0).tolist())),
        "wall_seconds": wall,
    }


# --------------------------------------------------------------------------------------------
# Command line


def environment(options: dict, delta: float, tight: bool) -> dict:
    """Versions and the solver settings, for the JSON output."""
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "method": "L-BFGS-B",
        "jac": "analytic",
        "huber_delta": delta,
        "options_passed": options,
        "options_preset": "tight" if tight else "scipy defaults",
        "options_effective": lbfgsb_defaults() | options,
        "blas_threads": {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES},
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse the command line."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA,
                        help="CSV of runs (default: %(default)s)")
    source = common.add_mutually_exclusive_group()
    source.add_argument("--columns", metavar="N,D,LOSS",
                        help="names of the parameter, token and loss columns, e.g. "
                             "n_params,n_tokens,loss")
    source.add_argument("--compute-columns", metavar="N,C,LOSS", default=DEFAULT_COMPUTE_COLUMNS,
                        help="names of the parameter, compute and loss columns; tokens are "
                             "derived as D = C/(6N) (default: %(default)r)")
    common.add_argument("--drop-highest-loss", type=int, default=0, metavar="K",
                        help="keep only rows whose loss is below the K-th largest (default 0)")
    common.add_argument("--tight", action="store_true",
                        help=f"L-BFGS-B options {TIGHT_OPTIONS} instead of scipy's defaults")
    common.add_argument("--delta", type=float, default=HUBER_DELTA,
                        help="Huber delta (default: %(default)g)")

    natural = argparse.ArgumentParser(add_help=False)
    for name, value in HOFFMANN.items():
        natural.add_argument(f"--{name}", type=float, default=value,
                             help=f"start value of {name} (default: %(default)g)")

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    modes.add_parser("fit", parents=[common], help="best of the 4500-point grid")
    modes.add_parser("single", parents=[common, natural], help="one start from natural values")
    boot = modes.add_parser("bootstrap", parents=[common], help="bootstrap standard errors")
    boot.add_argument("--resamples", type=int, default=4000,
                      help="number of bootstrap resamples (default: %(default)s)")
    boot.add_argument("--seed", type=int, default=0,
                      help="seed of numpy.random.default_rng (default: %(default)s)")
    boot.add_argument("--start", metavar="E,A,B,ALPHA,BETA",
                      help="the full-data optimum to refit from; without it the grid fit is run "
                           "first to find it")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Run the chosen mode and print its JSON."""
    args = parse_args(argv)
    runs = load_runs(args.data, args.columns, args.compute_columns, args.drop_highest_loss)
    options = solver_options(args.tight)
    output = {"mode": args.mode, "data": runs.provenance,
              "environment": environment(options, args.delta, args.tight)}
    if args.mode == "fit":
        output |= fit_grid(runs, args.delta, options)
    elif args.mode == "single":
        theta0 = theta_from_natural(args.E, args.A, args.B, args.alpha, args.beta)
        output |= fit_single(runs, theta0, args.delta, options)
    else:
        if args.start is not None:
            values = [float(x) for x in args.start.split(",")]
            if len(values) != 5:
                raise ValueError("--start takes E,A,B,alpha,beta")
            full = fit_single(runs, theta_from_natural(*values), args.delta, options)
        else:
            full = fit_grid(runs, args.delta, options)
        theta_full = np.array(full["theta"])
        output["full_data_fit"] = full
        output["bootstrap"] = bootstrap(runs, theta_full, args.resamples, args.seed,
                                        args.delta, options)
    print(json.dumps(output, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
