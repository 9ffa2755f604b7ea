"""Fitting a law: :func:`fit`, :func:`holdout`, and the :class:`Fit`, :class:`Bootstrap` and
:class:`Holdout` they return."""

from __future__ import annotations

import html
import json
import os
import warnings
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

import numpy as np

from . import _native
from ._arguments import number_array
from ._data import DataLike, Dataset, load
from ._figures import FIGURE_DEFAULTS as _FIGURES
from ._figures import Figure
from ._figures import render as render_figure
from ._figures import save_all as save_all_figures
from ._frames import FrameKind, make_frame
from ._progress import ProgressArg, progress_callback

if TYPE_CHECKING:
    from ._decide import Runs
from .errors import OptionError, ScalingLawsWarning

__all__ = ["Fit", "Bootstrap", "Holdout", "fit", "holdout"]

_DEFAULTS = _native.FIT_DEFAULTS

Numbers = Union[None, float, Sequence[float], np.ndarray]
"""A number or an array of numbers."""

Assignments = Union[None, str, Mapping[str, float], Sequence[Union[str, Mapping[str, float]]]]
"""``NAME=VALUE`` assignments: a string ``"E=1.8,alpha=0.34"``, a mapping ``{"E": 1.8}``, or
a list of either."""

_LOAD_KEYWORDS = (
    "N",
    "D",
    "C",
    "L",
    "U",
    "params_col",
    "tokens_col",
    "flops_col",
    "loss_col",
    "budget_col",
    "unique_tokens_col",
    "flops_per_param_token",
    "flops_scale",
    "where",
    "max_loss",
    "drop_highest_loss",
)


def _integer(value: Any, keyword: str) -> int:
    """`value` as an int, or an OptionError naming `keyword`."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise OptionError(
            f"invalid --{keyword.replace('_', '-')}: expected a whole number, got {value!r}",
            {"kind": "InvalidOption", "flag": "--" + keyword.replace("_", "-")},
        ) from None


def _assignments(value: Assignments) -> list:
    """``fix=`` or ``start=`` as the binding takes them: each item ``NAME=VALUE,...`` text as
    given, or a mapping's items as (name, value) pairs."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [[(str(name), float(v)) for name, v in value.items()]]
    out: list = []
    for item in value:
        out += _assignments(item)
    return out


def _grid(value: Union[None, str, Mapping[str, Sequence[float]]]) -> Any:
    """``grid=`` as the binding takes it: the spec text as given, or (axis, values) pairs."""
    if value is None or isinstance(value, str):
        return value
    return [(str(axis), [float(v) for v in values]) for axis, values in value.items()]


def _fit_args(
    law: str,
    frontier: Optional[str],
    loss: str,
    delta: Union[None, float, str],
    fix: Assignments,
    tie_exponents: bool,
    starts: Union[None, int, str],
    grid: Union[None, str, Mapping[str, Sequence[float]]],
    start: Assignments,
    max_iters: int,
    subsample_rows: int,
    threads: Optional[int],
) -> dict:
    if isinstance(start, Mapping):
        start = [start]
    return {
        "law": str(law),
        "frontier": frontier,
        "loss": str(loss),
        "delta": delta,
        "fix": _assignments(fix),
        "tie_exponents": bool(tie_exponents),
        "starts": starts,
        "grid": _grid(grid),
        "start": _assignments(start),
        "max_iters": _integer(max_iters, "max_iters"),
        "subsample_rows": _integer(subsample_rows, "subsample_rows"),
        "threads": None if threads is None else _integer(threads, "threads"),
    }


def _figure_options(
    budgets: Union[None, float, Sequence[float]],
    tolerance_dex: float,
    compute_range: Union[None, str, Sequence[float]],
    level: float,
    models: Union[None, str, Sequence[str]],
    width: int,
    height: int,
) -> dict:
    return {
        "budgets": None if budgets is None else list(np.atleast_1d(np.asarray(budgets, dtype=np.float64))),
        "tolerance_dex": tolerance_dex,
        "compute_range": compute_range if compute_range is None or isinstance(compute_range, str) else tuple(compute_range),
        "level": level,
        "models": models if models is None or isinstance(models, str) else list(models),
        "width": width,
        "height": height,
    }


def _warn_all(items: Sequence[ScalingLawsWarning], stacklevel: int) -> None:
    for w in items:
        warnings.warn(w, stacklevel=stacklevel + 1)


# The options of Fit.optimal that turn answers into training runs, as the binding takes them.
_DECISION_KEYWORDS = (
    "gpu", "gpus", "compute_precision", "peak_tflops", "gpu_memory_gb", "mfu",
    "price_per_gpu_hour", "watts_per_gpu", "days", "gpu_hours", "dollars", "optimizer",
    "micro_batch", "recompute", "shape", "vocab", "seq_len", "shapes_per_rule", "tp",
    "embeddings", "inference_tokens", "unique_tokens",
)


def _decision_defaults() -> dict:
    """The decision options at their defaults: those of :meth:`Fit.optimal`'s signature."""
    import inspect

    parameters = inspect.signature(Fit.optimal).parameters
    return {name: parameters[name].default for name in _DECISION_KEYWORDS}


def _notes(notes: Sequence[str], stacklevel: int) -> None:
    for note in notes:
        warnings.warn(ScalingLawsWarning(note, "note"), stacklevel=stacklevel + 1)


class Fit:
    """A law fitted to runs: the library's fit with its provenance, the same object the
    command line saves with ``scaling-laws fit --out``.

    Made by :func:`fit`, :meth:`Fit.load` or :meth:`Fit.from_json`; :meth:`plot` draws its
    figures.

    Attributes:
        law: the law's family name, e.g. ``"chinchilla"``.
        params: the fitted parameters by name, in natural units (for Chinchilla ``E``, ``A``,
            ``B``, ``alpha``, ``beta``).
        a, b: the allocation exponents of ``N* ∝ C^a`` and ``D* ∝ C^b``; None for a law that
            has none.
        objective: the objective at the optimum.
        n_runs: the number of runs fitted.
        diagnostics: how the search went (starts run, converged, reached the best, ...).
        warnings: doubts about the data and the fit (:class:`ScalingLawsWarning`, with
            ``code``, ``message`` and ``advice``), also issued through :mod:`warnings` when
            the data are loaded and the fit is made.
        provenance: what the fit was made from (source, columns, filter, rows used, ...).
    """

    law: str
    params: dict
    a: Optional[float]
    b: Optional[float]
    objective: float
    n_runs: int
    diagnostics: dict
    warnings: list
    provenance: dict

    def __init__(self, native: "_native.NativeFit", _source: Optional[tuple] = None) -> None:
        self._native = native
        # (dataset, fit arguments) of a fit made here, for holdout().
        self._source = _source
        self._dict = json.loads(native.to_json())
        fitted = self._dict["report"]["fitted"]
        self.law = str(fitted["family"])
        self.params = dict(fitted["law"])
        self.a = fitted["params_exponent"]
        self.b = fitted["tokens_exponent"]
        self.objective = float(fitted["objective"])
        self.n_runs = int(fitted["n_runs"])
        diagnostics = dict(self._dict["report"]["diagnostics"])
        self._fit_warnings = [
            ScalingLawsWarning.from_dict(w) for w in diagnostics.pop("warnings", [])
        ]
        data_warnings = self._dict["provenance"].get("warnings", [])
        self.warnings = [ScalingLawsWarning.from_dict(w) for w in data_warnings] + self._fit_warnings
        self.diagnostics = diagnostics
        self.provenance = self._dict["provenance"]

    @property
    def residuals(self) -> np.ndarray:
        """Log-loss residuals ``log L - log L̂`` of the runs fitted, in the order of the
        dataset's rows (see :attr:`rows`)."""
        r = self._native.residuals()
        r.flags.writeable = False
        return r

    @property
    def rows(self) -> np.ndarray:
        """The source row of each run fitted, counted from 1."""
        r = self._native.rows()
        r.flags.writeable = False
        return r

    @property
    def inputs(self) -> list:
        """What the law reads: ``["N", "D"]``, ``["N", "D", "U"]`` or ``["C"]``."""
        return list(self._native.inputs())

    def predict(self, N: Numbers = None, D: Numbers = None, *, U: Numbers = None, C: Numbers = None) -> Any:
        """The predicted loss for the law's inputs (see :attr:`inputs`): scalars or arrays,
        broadcast together (``C`` defaults to k·N·D). Returns a float for scalar inputs and
        a numpy array otherwise.

        Example:
            >>> import scaling_laws as sl
            >>> f = sl.fit(sl.simulate(seed=1, frame="dict"), starts=20)
            >>> round(float(f.predict(70e9, 1.4e12)), 2)
            1.93
        """
        given = {k: v for k, v in (("n", N), ("d", D), ("u", U), ("c", C)) if v is not None}
        arrays = [number_array(v, k.upper()) for k, v in given.items()]
        try:
            shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        except ValueError:
            shapes = ", ".join(f"{k.upper()} {a.shape}" for k, a in zip(given, arrays))
            raise OptionError(
                f"invalid {next(iter(given)).upper()}: the shapes of the arrays given do not "
                f"broadcast together ({shapes})",
                {"kind": "InvalidOption", "flag": next(iter(given)).upper()},
            ) from None
        flat = {
            k: np.ascontiguousarray(np.broadcast_to(a, shape).ravel())
            for k, a in zip(given, arrays)
        }
        out = self._native.predict(**flat)
        if shape == ():
            return float(out[0])
        return out.reshape(shape)

    def bootstrap(
        self,
        n: int = 1000,
        *,
        seed: int = _DEFAULTS["seed"],
        level: float = _DEFAULTS["level"],
        resample: str = _DEFAULTS["resample"],
        threads: Optional[int] = None,
        progress: ProgressArg = None,
    ) -> "Bootstrap":
        """Bootstrap the fit: refit ``n`` replicates of the runs, as ``scaling-laws optimal
        --bootstrap N``.

        Args:
            n: the number of resamples.
            seed: seed of the random streams (each resample is the same whatever the thread
                count).
            level: confidence level of the intervals.
            resample: what each replicate resamples: ``"weights"`` (every run with an
                Exponential(1) weight), ``"runs"``, ``"params"`` (whole model sizes),
                ``"budgets"`` (whole compute groups), ``"residuals"`` or ``"wild"``.
            threads: worker threads (default: one per core).
            progress: a progress bar or callback (see :mod:`scaling_laws._progress`).

        Returns:
            A :class:`Bootstrap`. Ctrl-C stops it within about a second
            (``KeyboardInterrupt``).
        """
        n = _integer(n, "bootstrap")
        if n >= 2**63:
            raise OptionError(
                f"invalid --bootstrap: expected a whole number from 2 to 2^63 - 1, got {n}",
                {"kind": "InvalidOption", "flag": "--bootstrap"},
            )
        with progress_callback(progress, "bootstrap") as callback:
            native, notes = self._native.bootstrap(
                n, _integer(seed, "seed"), str(resample), threads, callback
            )
        _notes(notes, 2)
        return Bootstrap(Fit(native, self._source), float(level))

    def optimal(
        self,
        budgets: Union[None, float, str, Sequence[float]] = None,
        *,
        per_decade: Optional[int] = None,
        params: Union[None, float, Sequence[float]] = None,
        target_loss: Union[None, float, Sequence[float]] = None,
        assess: Union[None, Sequence[float], Sequence[Sequence[float]]] = None,
        assess_model: Union[None, str, Sequence[str]] = None,
        level: float = _DEFAULTS["level"],
        bootstrap: Union[None, int, "Bootstrap"] = None,
        seed: int = _DEFAULTS["seed"],
        resample: str = _DEFAULTS["resample"],
        gpu: Optional[str] = None,
        gpus: Optional[int] = None,
        compute_precision: str = "bf16",
        peak_tflops: Optional[float] = None,
        gpu_memory_gb: Optional[float] = None,
        mfu: Optional[float] = None,
        price_per_gpu_hour: Optional[float] = None,
        watts_per_gpu: Optional[float] = None,
        days: Optional[float] = None,
        gpu_hours: Optional[float] = None,
        dollars: Optional[float] = None,
        optimizer: str = "adam-mixed",
        micro_batch: int = 1,
        recompute: str = "selective",
        shape: bool = False,
        vocab: int = 32000,
        seq_len: int = 2048,
        shapes_per_rule: int = 2,
        tp: int = 8,
        embeddings: Optional[str] = None,
        inference_tokens: Optional[float] = None,
        unique_tokens: Optional[float] = None,
        frame: Union[FrameKind, str] = "pandas",
        progress: ProgressArg = None,
    ) -> Any:
        """Compute-optimal allocation, as ``scaling-laws optimal``: N*, D*, D*/N* and L* for
        each budget, the budget at which a model size is optimal, the least compute reaching a
        target loss, and how a given model compares with the optimal ones; with the plan and
        shapes of each budget's model, a budget in GPU time or money, inference-aware sizes
        and allocations under a unique-token limit, as the command's flags of the same names.

        Args:
            budgets: compute budgets in FLOPs (a number or a list), or a range ``"LOW:HIGH"``
                stepped by ``per_decade`` (1 by default). With no question at all, budgets
                1e18 to 1e26, one per decade.
            params: model sizes.
            target_loss: target losses.
            assess: a given model ``(N, D)`` or a list of them.
            assess_model: well-known models of the built-in catalogue (e.g. ``"gpt-3"``).
            level: confidence level of intervals.
            bootstrap: resamples for intervals (a number: bootstrap now with ``seed`` and
                ``resample``), or a :class:`Bootstrap` of this fit. Without it, the draws
                the fit holds (a fit file saved with them) are used if any.
            gpu, gpus, compute_precision, peak_tflops, gpu_memory_gb, mfu,
                price_per_gpu_hour, watts_per_gpu: the accelerator the answers are planned on
                (as :func:`plan`); with ``gpu`` or ``gpus``, each budget's model is planned.
            days, gpu_hours, dollars: a budget in GPU time (days on ``gpus`` accelerators),
                accelerator-hours or money (at ``price_per_gpu_hour``), answered after the
                budgets in FLOPs and planned with its conversion.
            optimizer, micro_batch, recompute: the training set-up of the plans.
            shape: propose shapes for each budget's N* (``vocab``, ``seq_len``,
                ``shapes_per_rule``, ``tp`` and ``embeddings`` as :func:`plan`'s).
            inference_tokens: tokens the model will serve: inference-aware sizes.
            unique_tokens: unique tokens available: allocations under that limit.
            frame: ``"pandas"``, ``"polars"`` or ``"dict"`` for the table, or ``"json"`` for
                the whole report as a dict, the command line's ``--format json`` output
                (``answers``, and ``decisions``, ``inference`` and ``data_limit`` when asked
                for).

        Returns:
            The command line's long table (``--format csv``) as a frame: ``question``
            (``parameter``, ``budget``, ``params``, ``target_loss``, ``assess``), ``input``
            (the budget, size or target; the assessed model's N), ``input_tokens`` (the
            assessed model's D), ``quantity``, ``estimate``, ``std_error``, ``lower`` and
            ``upper`` (NaN without draws; ``std_error`` NaN for heavy-tailed draws). The
            answers as the library's JSON dict are in the frame's ``attrs["answers"]`` for
            pandas, and the whole report in ``attrs["report"]``; warnings are issued. With
            ``frame="json"``, the report.
        """
        native = self._native
        if isinstance(bootstrap, Bootstrap):
            native = bootstrap.fit._native
        elif bootstrap is not None:
            native = self.bootstrap(
                int(bootstrap), seed=seed, resample=resample, progress=progress
            ).fit._native
        budget_list: list = []
        budget_range: Optional[str] = None
        if isinstance(budgets, str):
            budget_range = budgets
        elif budgets is not None:
            budget_list = [float(x) for x in np.atleast_1d(np.asarray(budgets, dtype=np.float64))]
        if assess is None:
            pairs: list = []
        else:
            array = np.asarray(assess, dtype=np.float64)
            if array.ndim == 1:
                array = array.reshape(1, -1)
            if array.ndim != 2 or array.shape[1] != 2:
                raise OptionError(
                    "invalid --assess: give a model as (N, D), or a list of (N, D) pairs",
                    {"kind": "InvalidOption", "flag": "--assess"},
                )
            pairs = [(float(n), float(d)) for n, d in array]
        questions = {
            "budget": budget_list,
            "budgets": budget_range,
            "per_decade": per_decade,
            "params": [float(x) for x in np.atleast_1d(params)] if params is not None else [],
            "target_loss": [float(x) for x in np.atleast_1d(target_loss)] if target_loss is not None else [],
            "assess": pairs,
            "assess_model": [assess_model] if isinstance(assess_model, str) else list(assess_model or []),
            "level": float(level),
        }
        given = locals()
        decision = {name: given[name] for name in _DECISION_KEYWORDS}
        report_json, columns, notes = native.optimal(questions, decision)
        report = json.loads(report_json)
        answers = report["answers"]
        _notes(notes, 2)
        _warn_all([ScalingLawsWarning.from_dict(w) for w in answers.get("warnings", [])], 2)
        if frame == "json":
            return report
        table = make_frame(columns, frame)
        if frame == "pandas":
            table.attrs["answers"] = answers
            table.attrs["report"] = report
        return table

    def suggest(
        self,
        target_budget: float,
        runs: int,
        *,
        target: str = "params",
        compute_limit: Optional[float] = None,
        total_compute: Optional[float] = None,
        level: float = _DEFAULTS["level"],
        allow_outside: bool = False,
        bootstrap: Optional[int] = None,
        seed: int = _DEFAULTS["seed"],
    ) -> "Runs":
        """The next runs to train, as ``scaling-laws suggest``: chosen by how much each
        narrows the bootstrap interval of N* (or L*) at ``target_budget`` per FLOP, given the
        runs fitted (the fit's runs must be at hand: fitted now, or a fit file whose data file
        is unchanged). Runs stay inside the fitted ranges of N and tokens per parameter
        (``report["ranges"]``) unless ``allow_outside``; each run outside is flagged in the
        ``outside`` column and in ``report["runs"][i]["outside"]``.

        Args:
            target_budget: the budget whose N* (or L*) should be known better, FLOPs.
            runs: runs to suggest.
            target: ``"params"`` (N*) or ``"loss"`` (L*).
            compute_limit: largest compute of one run, FLOPs (10 times the largest fitted run
                when not given).
            total_compute: most compute all the runs together may spend, FLOPs.
            level: confidence level of the intervals.
            allow_outside: also offer runs outside the fitted ranges (``--allow-outside``).
            bootstrap: resamples to draw now for the intervals (default: the draws the fit
                holds, or 400 drawn now when it holds none).
            seed: seed of a bootstrap drawn now.

        Returns:
            :class:`Runs`: ``repr`` is the command's text report, :meth:`Runs.table` the runs,
            :meth:`Runs.save` writes them as CSV (``--out``).
        """
        from ._decide import suggest

        return suggest(self, target_budget, runs, target=target, compute_limit=compute_limit,
                       total_compute=total_compute, level=level, allow_outside=allow_outside,
                       bootstrap=bootstrap, seed=seed)

    def plot(
        self,
        kind: str,
        path: Union[None, str, "os.PathLike[str]"] = None,
        *,
        bootstrap: Union[None, int, "Bootstrap"] = None,
        seed: int = _DEFAULTS["seed"],
        resample: str = _DEFAULTS["resample"],
        budgets: Union[None, float, Sequence[float]] = None,
        tolerance_dex: float = _FIGURES["tolerance_dex"],
        compute_range: Union[None, str, Sequence[float]] = _FIGURES["compute_range"],
        level: float = _FIGURES["level"],
        models: Union[None, str, Sequence[str]] = None,
        width: int = _FIGURES["width"],
        height: int = _FIGURES["height"],
        progress: ProgressArg = None,
    ) -> Figure:
        """Draw a figure of the fit, as ``scaling-laws plot KIND`` (same figure, same
        options): shown inline in Jupyter, saved with :meth:`Figure.save` or ``path=``.

        Args:
            kind: ``"contours"`` (isoloss contours and the efficient frontier, Chinchilla
                Figure 4 left), ``"isoflop"`` (IsoFLOP slices with the law's curves),
                ``"optimal"`` (N* and D* against compute, Figure 1), ``"residuals"``
                (residuals and predicted against observed) or ``"bootstrap"`` (the
                distributions of the parameters; needs draws).
            path: also write the figure here, ``.svg`` or ``.png`` (atomically).
            bootstrap: draws for bands and distributions: a number of resamples (bootstrap
                now with ``seed`` and ``resample``) or a :class:`Bootstrap` of this fit.
                Without it, the draws the fit holds, if any.
            budgets: budgets of the IsoFLOP slices (default: the data's budget column, or
                two per decade across its compute).
            tolerance_dex: half-width of an IsoFLOP slice in log10 C.
            compute_range: compute range of the allocation figure, ``(low, high)`` or
                ``"LOW:HIGH"``; ``None``: the decades of the data and the models.
            level: confidence level of bands.
            models: well-known models marked on the allocation figure (catalogue names).
            width, height: size in pixels at 300 to the inch (default: each figure its own
                size, 3.25 x 2.5 inches per panel).

        Returns:
            A :class:`Figure` (``.svg``, ``.png``, ``.save(path)``).

        Raises:
            OptionError: an unknown ``kind`` (:attr:`ScalingLawsError.keyword` is
                ``"kind"``; for every figure in a folder, the command line's ``all``, use
                :meth:`save_figures`), an invalid option, or the bootstrap figure without
                draws.

        Example:
            >>> import scaling_laws as sl
            >>> f = sl.fit(sl.simulate(seed=1, frame="dict"), starts=20)
            >>> f.plot("residuals", width=600, height=450).svg.startswith("<svg")
            True
        """
        native = self._with_draws(bootstrap, seed, resample, progress)
        options = _figure_options(budgets, tolerance_dex, compute_range, level, models, width, height)
        figure = render_figure(native, kind, **options)
        if path is not None:
            figure.save(path)
        return figure

    def save_figures(
        self,
        folder: Union[str, "os.PathLike[str]"],
        *,
        bootstrap: Union[None, int, "Bootstrap"] = None,
        seed: int = _DEFAULTS["seed"],
        resample: str = _DEFAULTS["resample"],
        budgets: Union[None, float, Sequence[float]] = None,
        tolerance_dex: float = _FIGURES["tolerance_dex"],
        compute_range: Union[None, str, Sequence[float]] = _FIGURES["compute_range"],
        level: float = _FIGURES["level"],
        models: Union[None, str, Sequence[str]] = None,
        width: int = _FIGURES["width"],
        height: int = _FIGURES["height"],
        progress: ProgressArg = None,
    ) -> list:
        """Draw every figure of the fit into ``folder``, PNG and SVG, as ``scaling-laws plot
        all --out FOLDER`` (the bootstrap figure only with draws; the contours and the
        allocation only for a law with an allocation). The folder is replaced as a whole; it
        must be new, or hold only such figures. Options as :meth:`plot`.

        Returns:
            The paths written.
        """
        native = self._with_draws(bootstrap, seed, resample, progress)
        options = _figure_options(budgets, tolerance_dex, compute_range, level, models, width, height)
        return save_all_figures(native, os.fspath(folder), **options)

    def _with_draws(
        self,
        bootstrap: Union[None, int, "Bootstrap"],
        seed: int,
        resample: str,
        progress: ProgressArg,
    ) -> "_native.NativeFit":
        """The native fit with the draws asked for: a Bootstrap's, new ones, or its own."""
        if isinstance(bootstrap, Bootstrap):
            return bootstrap.fit._native
        if bootstrap is not None:
            return self.bootstrap(
                int(bootstrap), seed=seed, resample=resample, progress=progress
            ).fit._native
        return self._native

    def holdout(
        self,
        rule: Union[str, Sequence[Any]],
        k: Optional[Union[int, str]] = None,
        *,
        level: float = 0.95,
    ) -> "Holdout":
        """Refit this fit's runs without those ``rule`` holds out and test the predictions on
        them, as ``scaling-laws fit --holdout RULE [ARG]``, with the same options. See
        :func:`holdout` for the rules. Only for a fit made by :func:`fit`."""
        if self._source is None:
            raise OptionError(
                "invalid data: holdout refits the runs with the fit's options; this fit was "
                "read from a file, so call scaling_laws.holdout(data, rule, ...) instead",
                {"kind": "InvalidOption", "flag": "data"},
            )
        dataset, args, load_args = self._source
        return _holdout(dataset, args, load_args, rule, k, level, 2)

    def to_json(self) -> str:
        """The fit as ``scaling-laws fit --format json`` prints it and ``--out`` saves it."""
        return self._native.to_json()

    def to_dict(self) -> dict:
        """The fit as a dict (the JSON of :meth:`to_json`)."""
        return json.loads(self._native.to_json())

    @classmethod
    def from_json(cls, text: str) -> "Fit":
        """Read a fit from the text of a fit file (``scaling-laws fit --out``)."""
        return cls(_native.NativeFit.from_json(text, "the JSON text"))

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "Fit":
        """Read a fit file written by ``scaling-laws fit --out`` (or saved from
        :meth:`to_json`). Later bootstraps reload its runs from the data file its provenance
        names, checking that the file is unchanged.

        A joint curve fit (``scaling-laws curve fit --law joint --out``) is read as
        ``scaling-laws optimal --fit`` reads it: its law at the runs' ends, for runs of the
        sweep's schedule shape trained to their end, with its bootstrap replicates' laws as
        the draws (as :meth:`CurveFit.end_fit`); :meth:`optimal` answers from it (the report's
        ``sweep`` says where the law came from), and what needs the runs as a table (a new
        bootstrap, ``assess``) is refused."""
        return cls(_native.NativeFit.load(os.fspath(path)))

    def text(self) -> str:
        """The command line's text report of the fit."""
        return self._native.text()

    def _table(self) -> list:
        rows = [(name, value) for name, value in self.params.items()]
        if self.a is not None:
            rows += [("a", self.a), ("b", self.b)]
        return rows

    def __repr__(self) -> str:
        lines = [f"Fit: {self.law} law, {self.n_runs} runs, objective {self.objective:.6g}"]
        lines += [f"  {name:<8} {value:>12.6g}" for name, value in self._table()]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td>{html.escape(name)}</td><td style='text-align:right'>{value:.6g}</td></tr>"
            for name, value in self._table()
        )
        notes = "".join(f"<li>{html.escape(str(w))}</li>" for w in self.warnings)
        caption = html.escape(f"{self.law} law, {self.n_runs} runs, objective {self.objective:.6g}")
        out = f"<table><caption>{caption}</caption>{cells}</table>"
        if notes:
            out += f"<ul>{notes}</ul>"
        return out


class Bootstrap:
    """Bootstrap draws of a fit's parameters, made by :meth:`Fit.bootstrap`.

    Attributes:
        fit: the fit, holding its draws (its :meth:`Fit.to_json` saves them as
            ``scaling-laws optimal --out`` does).
        level: the confidence level of :meth:`table`.
        names: the columns of :attr:`draws`: the law's parameters, then a and b when the law
            has them.
        draws: converged draws in natural units, one row per draw (draws x parameters).
        n_resamples, failed: resamples drawn, and those whose refit did not converge (left
            out of the draws).
    """

    def __init__(self, fit: Fit, level: float) -> None:
        self.fit = fit
        self.level = level
        names, draws = fit._native.draws()
        draws.flags.writeable = False
        self.names: list = list(names)
        self.draws: np.ndarray = draws
        boot = fit._dict["bootstrap"]
        self.n_resamples: int = len(boot["converged"])
        self.failed: int = sum(1 for c in boot["converged"] if not c)
        report_json, self._columns, _ = fit._native.optimal(
            _parameter_questions(level), _decision_defaults()
        )
        self._answers = json.loads(report_json)["answers"]
        _warn_all([ScalingLawsWarning.from_dict(w) for w in self._answers.get("warnings", [])], 3)

    def table(self, frame: FrameKind = "pandas") -> Any:
        """Per parameter (and a, b): ``parameter``, ``estimate`` (the full-data fit),
        ``std_error`` (NaN when the draws are heavy-tailed), ``lower`` and ``upper`` (the
        percentile interval at :attr:`level`)."""
        c = self._columns
        keep = [i for i, q in enumerate(c["question"]) if q == "parameter"]
        columns = {"parameter": [c["quantity"][i] for i in keep]}
        for name in ("estimate", "std_error", "lower", "upper"):
            columns[name] = np.asarray(c[name])[keep]
        return make_frame(columns, frame)

    def to_pandas(self) -> Any:
        """:meth:`table` as a pandas DataFrame."""
        return self.table("pandas")

    def to_polars(self) -> Any:
        """:meth:`table` as a polars DataFrame."""
        return self.table("polars")

    def __repr__(self) -> str:
        c = self.table("dict")
        lines = [
            f"Bootstrap: {self.n_resamples} resamples ({self.failed} failed), "
            f"{self.level:g} intervals"
        ]
        for i, name in enumerate(c["parameter"]):
            lines.append(
                f"  {name:<8} {c['estimate'][i]:>12.6g}  se {c['std_error'][i]:<10.4g} "
                f"[{c['lower'][i]:.6g}, {c['upper'][i]:.6g}]"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(repr(self))}</pre>"


def _parameter_questions(level: float) -> dict:
    # A budget must be asked for the library to answer; only the parameter rows are used.
    return {
        "budget": [1e20],
        "budgets": None,
        "per_decade": None,
        "params": [],
        "target_loss": [],
        "assess": [],
        "assess_model": [],
        "level": float(level),
    }


class Holdout:
    """A held-out check, as ``scaling-laws fit --holdout``: the law fitted without some runs
    and its predictions for them.

    Attributes:
        fit: the fit to the training runs (for rolling origin, the fold with the most).
        rule: the rule as the library describes it.
        report: the whole held-out report as a dict (folds, summary figures).
    """

    def __init__(self, fit: Fit) -> None:
        self.fit = fit
        self.report: dict = fit._dict["holdout"]
        self.rule = self.report.get("rule")

    def runs(self, frame: FrameKind = "pandas") -> Any:
        """The held-out runs: ``row``, ``n_params``, ``n_tokens``, ``compute``,
        ``observed``, ``predicted``, ``log_error``, ``relative_error``, ``lower``, ``upper``
        (the prediction interval, NaN where it cannot be told), ``extrapolation_decades`` and
        ``fold``."""
        runs = self.report["runs"]
        columns: dict = {}
        for name in ("row", "n_params", "n_tokens", "compute", "observed", "predicted",
                     "log_error", "relative_error"):
            columns[name] = np.asarray([r[name] for r in runs])
        interval = [r["prediction_interval"] or (float("nan"), float("nan")) for r in runs]
        columns["lower"] = np.asarray([i[0] for i in interval], dtype=np.float64)
        columns["upper"] = np.asarray([i[1] for i in interval], dtype=np.float64)
        columns["extrapolation_decades"] = np.asarray([r["extrapolation_decades"] for r in runs])
        columns["fold"] = np.asarray([r["fold"] for r in runs])
        return make_frame(columns, frame)

    def to_json(self) -> str:
        """The fit with its held-out report, as ``scaling-laws fit --holdout ... --format
        json`` prints it."""
        return self.fit.to_json()

    def __repr__(self) -> str:
        return self.fit.text().rstrip("\n")

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(repr(self))}</pre>"


def _split_load_options(options: dict) -> tuple:
    load_args = {k: options.pop(k) for k in list(options) if k in _LOAD_KEYWORDS}
    if options:
        name = sorted(options)[0]
        raise TypeError(f"fit() got an unexpected keyword argument '{name}'")
    return load_args


def _dataset(data: DataLike, load_args: dict) -> Dataset:
    if isinstance(data, Dataset) and not load_args:
        return data
    # Issues the data's warnings, as the command line prints them before fitting.
    return load(data, **load_args)


def fit(
    data: DataLike = None,
    *,
    law: str = _DEFAULTS["law"],
    frontier: Optional[str] = None,
    loss: str = "huber",
    delta: Union[None, float, str] = None,
    fix: Assignments = None,
    tie_exponents: bool = False,
    starts: Union[None, int, str] = None,
    grid: Union[None, str, Mapping[str, Sequence[float]]] = None,
    start: Assignments = None,
    max_iters: int = _DEFAULTS["max_iters"],
    subsample_rows: int = _DEFAULTS["subsample_rows"],
    threads: Optional[int] = None,
    progress: ProgressArg = None,
    **load_options: Any,
) -> Fit:
    """Fit a scaling law to runs, as ``scaling-laws fit`` does (same options, defaults,
    results to the bit, and messages).

    Args:
        data: the runs: anything :func:`load` reads (a path, a pandas or polars DataFrame, a
            mapping of column names to arrays, a :class:`Dataset`); with ``load``'s keyword
            options (``where``, ``drop_highest_loss``, ``loss_col``, ``N=``, ``L=``, ...).
        law: the law: ``"chinchilla"`` (E + A/N^alpha + B/D^beta) or another family of the
            library (see docs/laws.md), e.g. ``"data-constrained"`` or ``"compute"``.
        frontier: with ``law="compute"``, the runs fitted: ``"all"``, ``"lowest"`` (default)
            or ``"envelope"``.
        loss: penalty on log-loss residuals, ``"huber"`` or ``"mse"``.
        delta: the Huber threshold (1e-3 by default, Hoffmann et al.'s), or ``"auto"``: 1.345
            robust standard deviations of the residuals, found by refitting (``--delta auto``).
        fix: parameters held fixed, e.g. ``{"E": 1.69}`` or ``"alpha=0.34,beta=0.28"``.
        tie_exponents: fit one exponent for both terms (alpha = beta).
        starts: how many grid starts get a full L-BFGS run (100 by default), or ``"all"``.
        grid: axes of the start grid replaced, by solver-space name, e.g.
            ``{"alpha": [0, 0.5, 1]}`` or ``"alpha=0,0.5,1;e=-1,0,1"``.
        start: starting points instead of the grid, every parameter by name, e.g.
            ``{"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}`` (a list for
            several).
        max_iters: iteration limit of each L-BFGS run.
        subsample_rows: with more than twice this many runs, search the starts on a random
            subsample of this many, then refine on all runs; 0 searches on all runs.
        threads: worker threads (default: one per core); results do not depend on it.
        progress: a progress bar or callback (see :mod:`scaling_laws._progress`).

    Returns:
        A :class:`Fit`. Its warnings (and the data's) are issued as
        :class:`ScalingLawsWarning`.

    Raises:
        OptionError: an invalid option; the message names it by its command-line flag
            (``--delta`` for ``delta=``; :attr:`ScalingLawsError.keyword` gives the keyword).
        InputError, ColumnError: as :func:`load`; too few runs for the free parameters.
        ConvergenceError: no start converged.

    Example:
        >>> import scaling_laws as sl
        >>> f = sl.fit(sl.simulate(seed=1, frame="dict"), starts=20)
        >>> round(f.params["alpha"], 2), round(f.a, 2)
        (0.32, 0.47)
    """
    load_args = _split_load_options(dict(load_options))
    args = _fit_args(law, frontier, loss, delta, fix, tie_exponents, starts, grid, start,
                     max_iters, subsample_rows, threads)
    dataset = _dataset(data, load_args)
    with progress_callback(progress, "fitting") as callback:
        native, notes = _native.fit_runs(dataset._native, args, callback)
    result = Fit(native, (data, args, load_args))
    _notes(notes, 2)
    _warn_all(result._fit_warnings, 2)
    return result


def _holdout(
    data: DataLike,
    args: dict,
    load_args: Optional[dict],
    rule: Union[str, Sequence[Any]],
    k: Optional[Union[int, str]],
    level: float,
    stacklevel: int,
) -> Holdout:
    if isinstance(rule, str):
        values = rule.split(None, 1) if k is None else [rule, str(k)]
    else:
        values = [str(v) for v in rule]
    load_args = dict(load_args or {})
    dataset = _dataset(data, load_args)
    rows = None
    if len(values) == 2 and values[0] == "where":
        rows = _matching_rows(data, load_args, values[1])
    try:
        native, notes = _native.holdout_runs(dataset._native, args, values, float(level), rows)
    except OptionError as error:
        # The count or condition is k's when k is given: name it.
        if k is None or error.cli_flag != "--holdout" or not ("hold out" in str(error) or "K " in str(error)):
            raise
        raise OptionError(
            str(error).replace("invalid holdout rule:", "invalid k:", 1),
            {"kind": error.kind, "flag": "k"},
        ) from None
    result = Holdout(Fit(native))
    _notes(notes, stacklevel + 1)
    _warn_all(result.fit._fit_warnings, stacklevel + 1)
    return result


def _matching_rows(data: DataLike, load_args: dict, expr: str) -> list:
    """The source rows matching ``expr`` besides the data's own filters (without
    ``drop_highest_loss``), as ``--holdout where EXPR`` selects them."""
    if isinstance(data, Dataset):
        raise OptionError(
            "invalid --holdout: the rule where reads the data again with its condition; give "
            "the data (a path, a frame or arrays) rather than a loaded Dataset",
            {"kind": "InvalidOption", "flag": "--holdout"},
        )
    options = dict(load_args)
    where = options.get("where")
    conditions = [] if where is None else ([where] if isinstance(where, str) else list(where))
    options["where"] = conditions + [expr]
    options["drop_highest_loss"] = 0
    from .errors import ScalingLawsError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScalingLawsWarning)
            matching = load(data, **options)
    except ScalingLawsError as e:
        raise OptionError(
            f"invalid --holdout: where '{expr}': {e}",
            {"kind": "InvalidOption", "flag": "--holdout"},
        ) from None
    return [int(r) for r in matching.rows]


def holdout(
    data: DataLike,
    rule: Union[str, Sequence[Any]],
    k: Optional[Union[int, str]] = None,
    *,
    level: float = 0.95,
    law: str = _DEFAULTS["law"],
    frontier: Optional[str] = None,
    loss: str = "huber",
    delta: Union[None, float, str] = None,
    fix: Assignments = None,
    tie_exponents: bool = False,
    starts: Union[None, int, str] = None,
    grid: Union[None, str, Mapping[str, Sequence[float]]] = None,
    start: Assignments = None,
    max_iters: int = _DEFAULTS["max_iters"],
    subsample_rows: int = _DEFAULTS["subsample_rows"],
    threads: Optional[int] = None,
    **load_options: Any,
) -> Holdout:
    """Fit without some runs and test the predictions on them, as ``scaling-laws fit
    --holdout RULE [ARG]``.

    Args:
        data: the runs, with :func:`load`'s keyword options, as :func:`fit`.
        rule: ``"largest-compute"`` (the ``k`` runs with the most compute; ties go with
            them), ``"largest-params"``, ``"rolling-origin"`` (each compute decade from the
            decades below), or ``"where"`` with a condition as ``k`` (same syntax as
            ``where=``); also the command line's words in one string,
            ``"largest-compute 5"``.
        k: the count, or the condition of ``where``.
        level: confidence level of the prediction intervals.
        law, ...: the options of :func:`fit`.

    Returns:
        A :class:`Holdout`.
    """
    load_args = _split_load_options(dict(load_options))
    args = _fit_args(law, frontier, loss, delta, fix, tie_exponents, starts, grid, start,
                     max_iters, subsample_rows, threads)
    return _holdout(data, args, load_args, rule, k, level, 2)
