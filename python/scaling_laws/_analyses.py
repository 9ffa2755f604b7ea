"""Analyses of a sweep besides the parametric fit: :func:`isoflop` (Approach 2),
:func:`envelope` (Approach 1), :func:`compare` (Approaches 1, 2 and 3 side by side) and
:func:`select` (laws compared by how well they extrapolate)."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from . import _native
from ._data import DataLike, load
from ._fit import _fit_args
from ._frames import FrameKind, frame_columns, is_pandas_frame, is_polars_frame, make_frame
from ._progress import ProgressArg, progress_callback
from ._arguments import number_array, numbers_list
from .errors import OptionError, ScalingLawsWarning

__all__ = [
    "Analysis",
    "Isoflop",
    "Envelope",
    "Selection",
    "Comparison",
    "isoflop",
    "envelope",
    "select",
    "compare",
]

# The seed of every bootstrap when none is given (as the command line's --seed).
_DEFAULT_SEED: int = _native.DEFAULT_SEED


def _interval(estimate: Mapping[str, Any]) -> Optional[tuple]:
    lower, upper = estimate.get("lower"), estimate.get("upper")
    if lower is None or upper is None:
        return None
    return (lower, upper)


def _check_frame(frame: FrameKind) -> FrameKind:
    if frame not in ("pandas", "polars", "dict"):
        raise OptionError(
            f"invalid frame: '{frame}' is not one of pandas, polars, dict",
            {"kind": "InvalidOption", "flag": "frame"},
        )
    return frame


class Analysis:
    """What the analyses share: the command line's JSON (:meth:`to_json`), its text report
    (``repr``), the warnings, and tables as data frames.

    Attributes:
        warnings: doubts about the result, as :class:`ScalingLawsWarning` (also issued through
            :mod:`warnings` when the analysis is made).
    """

    def __init__(self, json_text: str, text: str, frame: FrameKind = "pandas") -> None:
        self._json = json_text
        self._text = text
        self._dict = json.loads(json_text)
        self._frame = _check_frame(frame)
        self.warnings: list = []

    def to_json(self) -> str:
        """The result exactly as the command prints it with ``--format json``."""
        return self._json

    def to_dict(self) -> dict:
        """The result as a dict (the parsed :meth:`to_json`)."""
        return json.loads(self._json)

    def _columns(self) -> dict:
        raise NotImplementedError

    def table(self, frame: Optional[FrameKind] = None) -> Any:
        """The result's main table as a pandas or polars DataFrame, or a dict of lists
        (``frame`` defaults to the one the analysis was made with)."""
        return make_frame(self._columns(), _check_frame(frame or self._frame))

    def to_pandas(self) -> Any:
        """The main table (see :meth:`table`) as a pandas DataFrame."""
        return self.table("pandas")

    def to_polars(self) -> Any:
        """The main table (see :meth:`table`) as a polars DataFrame."""
        return self.table("polars")

    def _issue(self, stacklevel: int) -> None:
        for warning in self.warnings:
            warnings.warn(warning, stacklevel=stacklevel + 1)

    def __repr__(self) -> str:
        return self._text.rstrip("\n")

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self._text)}</pre>"


class _PowerLaws(Analysis):
    """N* = k·C^a and D* = k·C^b, fitted by Approach 1 or 2."""

    a: float
    b: float
    a_interval: Optional[tuple]
    b_interval: Optional[tuple]
    a_std_error: Optional[float]
    b_std_error: Optional[float]
    params_coefficient: float
    tokens_coefficient: float
    failed_resamples: int
    config: dict

    def __init__(self, json_text: str, text: str, frame: FrameKind = "pandas") -> None:
        super().__init__(json_text, text, frame)
        d = self._dict
        params, tokens = d["params"], d["tokens"]
        self.a = params["exponent"]["value"]
        self.b = tokens["exponent"]["value"]
        self.a_interval = _interval(params["exponent"])
        self.b_interval = _interval(tokens["exponent"])
        self.a_std_error = params["exponent"].get("std_error")
        self.b_std_error = tokens["exponent"].get("std_error")
        self.params_coefficient = params["coefficient"]
        self.tokens_coefficient = tokens["coefficient"]
        self.failed_resamples = d["failed_resamples"]
        self.config = d["config"]

    def optimal_params(self, compute: Union[float, Sequence[float], "np.ndarray"]) -> Any:
        """N* = k·C^a at compute ``C`` (a number or a numpy array), from the fitted line."""
        import numpy as np

        return self.params_coefficient * number_array(compute, "compute") ** self.a

    def optimal_tokens(self, compute: Union[float, Sequence[float], "np.ndarray"]) -> Any:
        """D* = k·C^b at compute ``C`` (a number or a numpy array), from the fitted line."""
        import numpy as np

        return self.tokens_coefficient * number_array(compute, "compute") ** self.b


class Isoflop(_PowerLaws):
    """Approach 2 (IsoFLOP profiles): a parabola of loss in log N per budget, then
    N* = k·C^a and D* = k·C^b through the profiles' minima.

    Attributes:
        a, b: the exponents of N* and D*; ``a_interval``, ``b_interval`` their percentile
            intervals and ``a_std_error``, ``b_std_error`` their bootstrap standard errors
            (None without a bootstrap).
        params_coefficient, tokens_coefficient: k of N* = k·C^a and of D* = k·C^b.
        profiles: one row per budget (see :meth:`table`): budget, runs, n_params, n_tokens,
            loss (N*, D*, L* of the profile, None where it has no usable minimum), issue
            (``"no_minimum"``, ``"outside_sampled_sizes"`` or None), c0, c1, c2 (the parabola
            L = c0 + c1·x + c2·x², x = log10 N), min_params, max_params (the sizes sampled).
        dropped_groups: groups left out (too few runs or sizes): budget, rows, distinct_sizes.
        unassigned_rows: source rows within no budget's tolerance.
        failed_resamples: resamples without two usable profiles.
        is_sweep: False when the table does not look like an IsoFLOP sweep (then the
            exponents are not to be relied on; a warning says why).
        warnings: the analysis's warnings, as :class:`ScalingLawsWarning`.
    """

    def __init__(self, json_text: str, text: str, frame: FrameKind = "pandas") -> None:
        super().__init__(json_text, text, frame)
        d = self._dict
        self.dropped_groups: list = d["dropped_groups"]
        self.unassigned_rows: list = d["unassigned_rows"]
        self.warnings = [ScalingLawsWarning.from_dict(w) for w in d["warnings"]]
        self.is_sweep: bool = not any(w.code == "not_an_isoflop_sweep" for w in self.warnings)
        self.profiles = self.table()

    def _columns(self) -> dict:
        rows = self._dict["profiles"]
        return {
            "budget": [p["budget"] for p in rows],
            "runs": [len(p["runs"]) for p in rows],
            "n_params": [p["n_params"] for p in rows],
            "n_tokens": [p["n_tokens"] for p in rows],
            "loss": [p["loss"] for p in rows],
            "issue": [p["issue"] for p in rows],
            "c0": [p["coefficients"][0] for p in rows],
            "c1": [p["coefficients"][1] for p in rows],
            "c2": [p["coefficients"][2] for p in rows],
            "min_params": [p["sampled_params"][0] for p in rows],
            "max_params": [p["sampled_params"][1] for p in rows],
        }


class Envelope(_PowerLaws):
    """Approach 1 (the lower envelope of training curves): the run with the lowest loss at
    each compute, then N* = k·C^a and D* = k·C^b through the envelope.

    Attributes:
        a, b, a_interval, b_interval, a_std_error, b_std_error, params_coefficient,
            tokens_coefficient: as for :class:`Isoflop`.
        points: the envelope, one row per budget (see :meth:`table`): compute, loss, run,
            n_params, n_tokens.
        runs: curves used; sizes: distinct model sizes among them.
        failed_resamples: resamples with fewer than two sizes on the envelope.
    """

    def __init__(self, json_text: str, text: str, frame: FrameKind = "pandas") -> None:
        super().__init__(json_text, text, frame)
        d = self._dict
        self.runs: int = d["runs"]
        self.sizes: int = d["sizes"]
        self.points = self.table()

    def _columns(self) -> dict:
        rows = self._dict["points"]
        names = ("compute", "loss", "run", "n_params", "n_tokens")
        return {name: [p[name] for p in rows] for name in names}


def _resample(bootstrap: int, seed: int, level: float) -> dict:
    return {"bootstrap": int(bootstrap), "seed": int(seed), "level": float(level)}


def _budgets_at(at: Union[float, Sequence[float]]) -> list:
    """``at=`` of :func:`compare`: positive budgets in FLOPs, or an OptionError naming ``at``."""
    values = _floats(at, "at")
    bad = [v for v in values if not (np.isfinite(v) and v > 0)]
    if not values or bad:
        raise OptionError(
            f"invalid at: expected budgets in FLOPs, positive numbers, got {values[:5]!r}",
            {"kind": "InvalidOption", "flag": "at"},
        )
    return values


def _floats(values: Union[None, float, Sequence[float]], keyword: str = "budgets") -> list:
    if values is None:
        return []
    return numbers_list(values, keyword)


def isoflop(
    data: DataLike = None,
    *,
    budgets: Union[None, float, Sequence[float]] = None,
    tolerance_dex: float = 0.03,
    min_runs: int = 5,
    bootstrap: int = 1000,
    seed: int = _DEFAULT_SEED,
    level: float = 0.95,
    frame: FrameKind = "pandas",
    **load_options: Any,
) -> Isoflop:
    """Approach 2 of Hoffmann et al. 2022 (IsoFLOP profiles), as ``scaling-laws isoflop``:
    runs grouped by compute budget, a parabola of loss in log10 N per group locating N*, and
    N* = k·C^a, D* = k·C^b fitted through the minima, with bootstrap intervals (runs
    resampled within each budget).

    Args:
        data: the runs, anything :func:`load` takes (a path, a pandas or polars DataFrame, a
            mapping of columns, a :class:`Dataset`).
        budgets: budgets (FLOPs) to group runs around; by default the budget column, or
            clusters of log10 C.
        tolerance_dex: a run belongs to a budget when |log10 C − log10 budget| is at most this.
        min_runs: fewest runs in a group (groups also need 3 distinct sizes).
        bootstrap: bootstrap resamples for the intervals (0: none).
        seed: seed of the bootstrap.
        level: confidence level of the intervals.
        frame: the kind of :attr:`Isoflop.profiles`: ``"pandas"``, ``"polars"`` or ``"dict"``.
        **load_options: options of :func:`load` (``params_col=``, ``where=``, ...).

    Returns:
        An :class:`Isoflop`; ``repr`` shows the command's text report, :meth:`Isoflop.to_json`
        gives its ``--format json`` output. Its warnings are issued as
        :class:`ScalingLawsWarning`.

    Raises:
        OptionError: an invalid option (the message names the flag, e.g. ``--min-runs``
            for ``min_runs=``).
        InputError: fewer than two budgets with a minimum inside the sampled sizes, or data
            that cannot be loaded.

    Example:
        >>> import scaling_laws as sl
        >>> iso = sl.isoflop(sl.simulate(frame="dict"), bootstrap=0, frame="dict")
        >>> round(iso.a, 2), len(iso.profiles["budget"])
        (0.45, 9)
    """
    _check_frame(frame)
    dataset = load(data, **load_options)
    args = {
        "budgets": _floats(budgets, "budgets"),
        "tolerance_dex": float(tolerance_dex),
        "min_runs": int(min_runs),
        "resample": _resample(bootstrap, seed, level),
    }
    result = Isoflop(*_native.isoflop_json(dataset._native, args), frame)
    result._issue(stacklevel=2)
    return result


CurvesLike = Union[str, "os.PathLike[str]", Any, Mapping[str, Any], Sequence[Any]]
"""Training curves: a path, a pandas or polars DataFrame, a mapping of run names to data frames,
or a list of paths and data frames."""


def _curve_source(item: Any, label: Optional[str]) -> Any:
    if isinstance(item, (str, os.PathLike)):
        return os.fspath(item)
    if is_pandas_frame(item):
        return (label or "pandas DataFrame", frame_columns(item))
    if is_polars_frame(item):
        return (label or "polars DataFrame", frame_columns(item))
    return None


def _curve_sources(data: Any, keyword: str) -> list:
    """Training curves as the native module takes them: paths, and ``(label, columns)`` for
    data frames (a frame in a mapping is labelled, and its run named, by its key)."""
    if isinstance(data, Mapping):
        items = [(str(name), frame) for name, frame in data.items()]
    elif isinstance(data, Sequence) and not isinstance(data, str):
        items = [(None, item) for item in data]
    else:
        items = [(None, data)]
    sources = [_curve_source(item, label) for label, item in items]
    if not sources or any(source is None for source in sources):
        raise OptionError(
            f"invalid {keyword}: give the training curves: a path or a list of paths (.csv, "
            ".parquet or .ndjson: one file per run, or long tables with run_col=), a pandas or "
            "polars DataFrame, or a mapping of run names to DataFrames",
            {"kind": "InvalidOption", "flag": keyword},
        )
    return sources


def _run_params(run_params: Union[None, Mapping[str, float], Sequence[str]]) -> list:
    if run_params is None:
        return []
    if isinstance(run_params, Mapping):
        return [f"{prefix}={float(n)!r}" for prefix, n in run_params.items()]
    if isinstance(run_params, str):
        return [run_params]
    return [str(item) for item in run_params]


def _curve_options(
    tokens_col: str,
    loss_col: str,
    params_col: Optional[str],
    run_col: Optional[str],
    run_params: Any,
    flops_col: Optional[str],
    flops_scale: float,
) -> dict:
    return {
        "tokens_col": tokens_col,
        "loss_col": loss_col,
        "params_col": params_col,
        "run_col": run_col,
        "run_params": _run_params(run_params),
        "flops_col": flops_col,
        "flops_scale": float(flops_scale),
    }


def envelope(
    data: CurvesLike,
    *,
    tokens_col: str = "tokens",
    loss_col: str = "loss",
    params_col: Optional[str] = None,
    run_col: Optional[str] = None,
    run_params: Union[None, Mapping[str, float], Sequence[str]] = None,
    flops_col: Optional[str] = None,
    flops_scale: float = 1.0,
    flops_per_param_token: float = _native.DEFAULT_FLOPS_PER_PARAM_TOKEN,
    final_only: bool = False,
    min_sizes: int = 2,
    per_decade: int = 20,
    bootstrap: int = 1000,
    seed: int = _DEFAULT_SEED,
    level: float = 0.95,
    frame: FrameKind = "pandas",
) -> Envelope:
    """Approach 1 of Hoffmann et al. 2022 (the lower envelope of training curves), as
    ``scaling-laws envelope``: the lowest loss any run reaches at each compute, the N of that
    run as N*, and N* = k·C^a, D* = k·C^b fitted through the envelope, with bootstrap
    intervals (whole runs resampled).

    Args:
        data: the training curves: a path or a list of paths of .csv, .parquet or .ndjson
            files, one per run (named after the file) or long tables with several runs and
            ``run_col``; or a pandas or polars DataFrame (a long table with ``run_col``), or a
            mapping of run names to DataFrames (one run each), read by the same reader.
        tokens_col, loss_col: columns of tokens seen so far and of the loss.
        params_col: column of each run's parameter count N.
        run_col: column naming the run, in a long table.
        run_params: N of the runs whose name starts with a prefix, ``{"190M": 190354176}``
            (or ``["190M=190354176"]``); the longest prefix wins.
        flops_col: column of compute used so far, read per row instead of k·N·tokens;
            ``flops_scale``: FLOPs per unit of that column.
        flops_per_param_token: k in C = k·N·D.
        final_only: use only each run's final (fully decayed) point.
        min_sizes: read a budget only where runs of at least this many sizes cover it.
        per_decade: budgets per decade at which the envelope is read.
        bootstrap, seed, level: resamples of the intervals (0: none), their seed and level.
        frame: the kind of :attr:`Envelope.points`: ``"pandas"``, ``"polars"`` or ``"dict"``.

    Returns:
        An :class:`Envelope`; ``repr`` shows the command's text report,
        :meth:`Envelope.to_json` its ``--format json`` output.

    Raises:
        OptionError: an invalid option (the message names the flag, e.g. ``--run-params``).
        InputError, ColumnError: a file that cannot be read, a missing column, bad values.
    """
    _check_frame(frame)
    args = {
        "curves": _curve_options(
            tokens_col, loss_col, params_col, run_col, run_params, flops_col, flops_scale
        ),
        "flops_per_param_token": float(flops_per_param_token),
        "final_only": bool(final_only),
        "min_sizes": int(min_sizes),
        "per_decade": int(per_decade),
        "resample": _resample(bootstrap, seed, level),
    }
    result = Envelope(*_native.envelope_json(_curve_sources(data, "data"), args), frame)
    result._issue(stacklevel=2)
    return result


class Selection(Analysis):
    """Laws compared by how well they extrapolate (``scaling-laws select``).

    Attributes:
        laws: one row per law (see :meth:`table`): law, formula, free_params, objective,
            objective_per_run, residual_sd; the largest-compute check (largest_k_held_out,
            largest_k_median_error, largest_k_max_error, largest_k_coverage) and the
            rolling-origin check (rolling_held_out, rolling_median_error, rolling_max_error,
            rolling_coverage; None where the runs allow none), errors being
            |predicted − observed| / observed of held-out runs; a, a_lower, a_upper (the
            allocation exponent, None for a law without one); rank (1 is best) and
            mean_abs_log_error (the pooled error the ranking is on).
        verdict: the verdict in one or two plain sentences.
        best: the law that extrapolates best.
        separated: whether the data tell the best law from the runner-up.
        basis: the check the ranking is on (``"rolling_origin"`` or ``"largest_compute"``).
        parameters: the fitted parameters of each law (natural values), by law.
        skipped: laws left out, with the reason (``{"law": .., "reason": ..}``).
        runs: runs fitted.
    """

    def __init__(self, json_text: str, text: str, frame: FrameKind = "pandas") -> None:
        super().__init__(json_text, text, frame)
        d = self._dict
        v = d["verdict"]
        self.verdict: str = v["statement"]
        self.best: str = v["best"]
        self.separated: bool = v["separated"]
        self.basis: str = v["basis"]
        self.runs: int = d["runs"]
        self.skipped: list = d["skipped"]
        self.parameters: dict = {law["law"]: law["parameters"] for law in d["laws"]}
        self.laws = self.table()

    def _columns(self) -> dict:
        laws = self._dict["laws"]
        ranking = {r["law"]: (i + 1, r) for i, r in enumerate(self._dict["verdict"]["ranking"])}

        def check(law: dict, name: str, field: str) -> Any:
            summary = law[name]
            return None if summary is None else summary[field]

        def exponent(law: dict, field: str) -> Any:
            e = law["params_exponent"]
            return None if e is None else e.get(field)

        columns: dict = {
            "law": [law["law"] for law in laws],
            "formula": [law["formula"] for law in laws],
            "free_params": [law["free_params"] for law in laws],
            "objective": [law["objective"] for law in laws],
            "objective_per_run": [law["objective_per_run"] for law in laws],
            "residual_sd": [law["residual_sd"] for law in laws],
        }
        for prefix, name in (("largest_k", "largest_compute"), ("rolling", "rolling_origin")):
            columns[f"{prefix}_held_out"] = [check(law, name, "held_out") for law in laws]
            columns[f"{prefix}_median_error"] = [check(law, name, "median_relative_error") for law in laws]
            columns[f"{prefix}_max_error"] = [check(law, name, "max_relative_error") for law in laws]
            columns[f"{prefix}_coverage"] = [check(law, name, "coverage") for law in laws]
        columns["a"] = [exponent(law, "value") for law in laws]
        columns["a_lower"] = [exponent(law, "lower") for law in laws]
        columns["a_upper"] = [exponent(law, "upper") for law in laws]
        columns["rank"] = [ranking.get(law["law"], (None, {}))[0] for law in laws]
        columns["mean_abs_log_error"] = [
            ranking.get(law["law"], (None, {}))[1].get("mean_abs_log_error") for law in laws
        ]
        return columns


def select(
    data: DataLike = None,
    laws: Union[None, str, Sequence[str]] = None,
    *,
    holdout_k: int = 5,
    level: float = 0.95,
    bootstrap: int = 200,
    seed: int = _DEFAULT_SEED,
    loss: str = "huber",
    delta: Union[None, float, str] = None,
    starts: Union[None, int, str] = None,
    max_iters: int = 1000,
    progress: ProgressArg = None,
    frame: FrameKind = "pandas",
    **load_options: Any,
) -> Selection:
    """Which law extrapolates best, as ``scaling-laws select``: every law fitted to the same
    runs, the runs with the most compute held out (and rolling origin: each compute decade
    predicted from the decades below), the errors side by side, and a verdict from a paired
    test of the best law against the runner-up.

    Args:
        data: the runs, anything :func:`load` takes.
        laws: the laws to compare (``"chinchilla"``, ``"kaplan"``, ``"data-constrained"``,
            ``"compute"``), a list or a comma-separated string; by default every law whose
            inputs the data has.
        holdout_k: runs with the most compute held out by the largest-compute check.
        level: confidence level of the prediction intervals, of the interval of a and of the
            verdict's paired test.
        bootstrap: bootstrap resamples for the interval of a (0: no interval).
        seed: seed of the bootstrap and of the paired test.
        loss: penalty on residuals of log loss, ``"huber"`` or ``"mse"``; ``delta``: the Huber
            threshold, or ``"auto"`` (as for :func:`fit`).
        starts: how many grid starts of each law get a full L-BFGS run (a number, or
            ``"all"``); ``max_iters``: the iteration limit of each run.
        progress: progress of the laws fitted (see :mod:`scaling_laws._progress`: None shows
            a bar when interactive, False nothing, a callable ``f(done, total)``).
        frame: the kind of :attr:`Selection.laws`: ``"pandas"``, ``"polars"`` or ``"dict"``.
        **load_options: options of :func:`load`.

    Returns:
        A :class:`Selection`; ``repr`` shows the command's text report,
        :meth:`Selection.to_json` its ``--format json`` output, :attr:`Selection.verdict` the
        verdict.

    Raises:
        OptionError: an invalid option, e.g. a law the data lack the inputs of (the message
            names the flag: ``--laws`` for ``laws=``).
    """
    _check_frame(frame)
    dataset = load(data, **load_options)
    if laws is None:
        names: list = []
    elif isinstance(laws, str):
        names = [name.strip() for name in laws.split(",")]
    else:
        names = [str(name) for name in laws]
    args = {
        "laws": names,
        "holdout_k": int(holdout_k),
        "level": float(level),
        "bootstrap": int(bootstrap),
        "seed": int(seed),
        "loss": str(loss),
        "delta": delta,
        "starts": starts,
        "max_iters": int(max_iters),
    }
    with progress_callback(progress, "fitting laws") as callback:
        result = Selection(*_native.select_json(dataset._native, args, callback), frame)
    result._issue(stacklevel=2)
    return result


class Comparison(Analysis):
    """Approaches 1, 2 and 3 side by side (``scaling-laws compare``), with the verdict.

    Attributes:
        approaches: one row per approach (see :meth:`table`): approach, a, a_lower, a_upper,
            b, b_lower, b_upper, caveat (why the approach is not to be relied on, or None).
        n_params: N* of each approach at each budget of ``at``, one row each (see
            :meth:`n_params_table`): approach, budget, n_params, lower, upper.
        pairs: every pair of approaches (see :meth:`pairs_table`): first, second, verdict
            (``"agree"``, ``"disagree"``, ``"cannot_tell"``), paired, a_difference (a of the
            first minus a of the second) with a_difference_lower, a_difference_upper, reason.
        verdict: the verdict, a sentence.
        disagreements: pairs of approaches that disagree.
        budgets: the budgets N* is compared at, FLOPs.
        tolerance: what counts as agreement (``n_params_factor``, ``exponent``).
        compute_definition: the compute definition every approach uses.
        warnings: Approach 2's warnings, or why it was skipped.
    """

    def __init__(self, json_text: str, text: str, notes: Sequence[str], frame: FrameKind = "pandas") -> None:
        super().__init__(json_text, text, frame)
        d = self._dict
        self.verdict: str = d["verdict"]
        self.disagreements: list = [tuple(pair) for pair in d["disagreements"]]
        self.budgets: list = d["budgets"]
        self.tolerance: dict = d["tolerance"]
        self.compute_definition: str = d["compute_definition"]
        self.level: float = d["level"]
        self.warnings = [ScalingLawsWarning(note, "approach_2") for note in notes]
        self.approaches = self.table()
        self.n_params = self.n_params_table()
        self.pairs = self.pairs_table()

    def _columns(self) -> dict:
        rows = self._dict["approaches"]
        columns: dict = {"approach": [r["approach"] for r in rows]}
        for name in ("a", "b"):
            columns[name] = [r[name]["value"] for r in rows]
            columns[f"{name}_lower"] = [r[name].get("lower") for r in rows]
            columns[f"{name}_upper"] = [r[name].get("upper") for r in rows]
        columns["caveat"] = [r.get("caveat") for r in rows]
        return columns

    def n_params_table(self, frame: Optional[FrameKind] = None) -> Any:
        """N* of each approach at each budget, one row each: approach, budget, n_params,
        lower, upper (``frame`` as :meth:`table`)."""
        columns: dict = {"approach": [], "budget": [], "n_params": [], "lower": [], "upper": []}
        for r in self._dict["approaches"]:
            for budget, estimate in zip(self.budgets, r["n_params"]):
                columns["approach"].append(r["approach"])
                columns["budget"].append(budget)
                columns["n_params"].append(estimate["value"])
                columns["lower"].append(estimate.get("lower"))
                columns["upper"].append(estimate.get("upper"))
        return make_frame(columns, _check_frame(frame or self._frame))

    def pairs_table(self, frame: Optional[FrameKind] = None) -> Any:
        """Every pair of approaches: first, second, verdict, paired, a_difference,
        a_difference_lower, a_difference_upper, reason (``frame`` as :meth:`table`)."""
        rows = self._dict["pairs"]

        def difference(r: dict, field: str) -> Any:
            e = r["exponent_difference"]
            return None if e is None else e.get(field)

        columns = {
            "first": [r["first"] for r in rows],
            "second": [r["second"] for r in rows],
            "verdict": [r["verdict"] for r in rows],
            "paired": [r["paired"] for r in rows],
            "a_difference": [difference(r, "value") for r in rows],
            "a_difference_lower": [difference(r, "lower") for r in rows],
            "a_difference_upper": [difference(r, "upper") for r in rows],
            "reason": [r["reason"] for r in rows],
        }
        return make_frame(columns, _check_frame(frame or self._frame))


def compare(
    data: DataLike = None,
    *,
    at: Union[float, Sequence[float]] = (1e21, 1e23, 1e25),
    tolerance_factor: float = 1.5,
    isoflop_budgets: Union[None, float, Sequence[float]] = None,
    tolerance_dex: float = 0.03,
    curves: Optional[CurvesLike] = None,
    curve_tokens_col: str = "tokens",
    curve_loss_col: str = "loss",
    curve_run_params: Union[None, Mapping[str, float], Sequence[str]] = None,
    curve_run_col: Optional[str] = None,
    curve_params_col: Optional[str] = None,
    law: str = "chinchilla",
    frontier: Optional[str] = None,
    loss: str = "huber",
    delta: Union[None, float, str] = None,
    fix: Union[None, str, Mapping[str, float], Sequence[str]] = None,
    tie_exponents: bool = False,
    starts: Union[None, int, str] = None,
    grid: Optional[str] = None,
    start: Union[None, str, Sequence[str]] = None,
    max_iters: int = 1000,
    subsample_rows: int = _native.DEFAULT_SUBSAMPLE_ROWS,
    bootstrap: int = 1000,
    seed: int = _DEFAULT_SEED,
    level: float = 0.95,
    progress: ProgressArg = None,
    frame: FrameKind = "pandas",
    **load_options: Any,
) -> Comparison:
    """Approaches 1, 2 and 3 of Hoffmann et al. 2022 side by side, as ``scaling-laws
    compare``: the exponents a and b, N* at the budgets of ``at``, and whether the approaches
    agree, judged on the bootstrap distribution of their differences.

    Approach 3 is the law fitted to the runs; Approach 2 the IsoFLOP profiles of the same runs
    (resampled alike, so that their draws pair); Approach 1 the envelope of training curves,
    when ``curves`` are given.

    Args:
        data: the runs, anything :func:`load` takes.
        at: budgets (FLOPs) at which N* is compared.
        tolerance_factor: approaches agree when their N* lie within this factor at every
            budget (and their exponents a within the difference that moves N* by it).
        isoflop_budgets, tolerance_dex: Approach 2's budgets and group half-width in log10 C
            (see :func:`isoflop`).
        curves: training-curve files for Approach 1 (see :func:`envelope`), with
            ``curve_tokens_col``, ``curve_loss_col``, ``curve_run_params``, ``curve_run_col``,
            ``curve_params_col`` as its ``tokens_col``, ... .
        law, frontier, loss, delta, fix, tie_exponents, starts, grid, start, max_iters,
            subsample_rows: how Approach 3 is fitted, as the options of ``scaling-laws fit``
            (``fix`` as ``{"alpha": 0.34}`` or ``"alpha=0.34"``; ``start`` one point or a
            list, each ``"E=1.69,A=406.4,..."``).
        bootstrap, seed, level: resamples of every approach, their seed, the confidence level.
        progress: progress of the fit and the bootstrap (see :mod:`scaling_laws._progress`).
        frame: the kind of the tables: ``"pandas"``, ``"polars"`` or ``"dict"``.
        **load_options: options of :func:`load`.

    Returns:
        A :class:`Comparison`; ``repr`` shows the command's text report,
        :meth:`Comparison.to_json` its ``--format json`` output,
        :attr:`Comparison.verdict` the verdict.

    Raises:
        OptionError: an invalid option (the message names the flag, e.g.
            ``--tolerance-factor`` for ``tolerance_factor=``), or a law without a constant
            allocation exponent (``--law``).
    """
    _check_frame(frame)
    dataset = load(data, **load_options)
    args = {
        "fit": _fit_args(law, frontier, loss, delta, fix, tie_exponents, starts, grid, start,
                         max_iters, subsample_rows, None),
        "at": _budgets_at(at),
        "tolerance_factor": float(tolerance_factor),
        "isoflop_budgets": _floats(isoflop_budgets, "isoflop_budgets"),
        "tolerance_dex": float(tolerance_dex),
        "curve_sources": [] if curves is None else _curve_sources(curves, "--curves"),
        "curves": _curve_options(
            curve_tokens_col, curve_loss_col, curve_params_col, curve_run_col, curve_run_params, None, 1.0
        ),
        "resample": _resample(bootstrap, seed, level),
    }
    with progress_callback(progress, "comparing") as callback:
        json_text, text, notes = _native.compare_json(dataset._native, args, callback)
    result = Comparison(json_text, text, notes, frame)
    result._issue(stacklevel=2)
    return result
