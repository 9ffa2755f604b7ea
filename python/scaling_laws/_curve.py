"""Training curves: :func:`curve_fit`, :class:`CurveFit` and :func:`curve_simulate`, the
``scaling-laws curve`` commands from Python."""

from __future__ import annotations

import json
import os
from typing import Any, Mapping, Optional, Sequence, Union

from . import _native
from ._arguments import numbers_list
from ._files import write_text_atomically
from ._frames import FrameKind, frame_columns, is_pandas_frame, is_polars_frame, make_frame, mapping_columns
from ._figures import FIGURE_DEFAULTS, Figure
from ._fit import Fit
from ._progress import ProgressArg, progress_callback
from .errors import OptionError

__all__ = ["CurveFit", "curve_fit", "curve_simulate"]

_DEFAULTS = _native.CURVE_DEFAULTS

ScheduleArg = Union[None, str, Mapping[str, str], Sequence[str]]


def _schedules(schedule: ScheduleArg) -> list:
    """Schedules as ``--schedule`` takes them: ``SPEC`` for every run, ``RUN=SPEC`` for one."""
    if schedule is None:
        return []
    if isinstance(schedule, str):
        return [schedule]
    if isinstance(schedule, Mapping):
        return [f"{run}={spec}" for run, spec in schedule.items()]
    return [str(s) for s in schedule]


def _sources(data: Any) -> tuple:
    """Paths and in-memory frames of training logs."""
    items = data if isinstance(data, (list, tuple)) else [data]
    paths, frames = [], []
    for item in items:
        if isinstance(item, (str, os.PathLike)):
            paths.append(os.fspath(item))
        elif is_pandas_frame(item):
            frames.append(("pandas DataFrame", frame_columns(item)))
        elif is_polars_frame(item):
            frames.append(("polars DataFrame", frame_columns(item)))
        elif isinstance(item, Mapping):
            frames.append(("arrays", mapping_columns(item)))
        else:
            raise OptionError(
                f"invalid data: cannot read a {type(item).__name__}; give a path, a pandas or "
                "polars DataFrame, a mapping of column names to arrays, or a list of these",
                {"kind": "InvalidOption", "flag": "data"},
            )
    if not paths and not frames:
        raise OptionError(
            "invalid data: no training logs given",
            {"kind": "InvalidOption", "flag": "data"},
        )
    return paths, frames


class CurveFit:
    """A curve law fitted to every checkpoint of some runs (what ``scaling-laws curve fit``
    reports and saves).

    Attributes:
        report: the fit as a dict, exactly the command line's ``--format json``.
        law: the law's name.
        params: the fitted parameters by name.
        intervals: each parameter's bootstrap interval ``(lower, upper)`` by name, or None
            without ``bootstrap``.
    """

    def __init__(self, text: str) -> None:
        self._json = text
        self._inputs: dict = {}
        self.report: dict = json.loads(text)
        self.law: str = self.report["law"]
        self.params: dict = {p["name"]: p["value"] for p in self.report["params"]}
        u = self.report.get("uncertainty")
        self.intervals: Optional[dict] = (
            None if u is None else {p["name"]: (p["lower"], p["upper"]) for p in u["params"]}
        )

    def predict(
        self,
        schedule: str,
        *,
        every: Optional[int] = None,
        params: Optional[float] = None,
        tokens_per_step: Optional[float] = None,
        frame: FrameKind = "pandas",
    ) -> Any:
        """The loss trajectory under ``schedule`` (as ``curve predict``).

        Args:
            schedule: the schedule, ``FAMILY:key=value,...``, e.g.
                ``"wsd:warmup=2000,peak=3e-4,final=3e-5,decay=40000,steps=48000"``.
            every: predict every this many steps (and at the last); 1/100 of the horizon by
                default.
            params, tokens_per_step: the model's parameter count and tokens per step, for a
                fit of the joint law across sizes.
            frame: ``"pandas"``, ``"polars"`` or ``"dict"``.

        Returns:
            Columns step, lr, loss, and with a bootstrapped fit lower, upper (the band) and
            past_data (how far past the fitted runs, 0 inside: ``ln(S1 / S1_max)``; for the
            joint law the larger of ``ln(N / N_max)`` and ``ln(D_eta / D_eta_max)``).
        """
        size = _size(params, tokens_per_step)
        p = json.loads(_native.curve_predict(self._json, str(schedule), every, None, size))
        columns = {"step": p["step"], "lr": p["lr"], "loss": p["loss"]}
        for key in ("lower", "upper", "past_data"):
            if key in p:
                columns[key] = p[key]
        return make_frame(columns, frame)

    def reach(self, schedule: str, target_loss: float, *, every: Optional[int] = None) -> dict:
        """When the trajectory under ``schedule`` first reaches ``target_loss`` (as ``curve
        predict --target-loss``), on the steps of :meth:`predict` with ``every``: a dict with
        ``loss``, ``step`` and, with a bootstrapped fit, the band's ``earliest`` and
        ``latest`` steps; None where it is not reached within the schedule (for ``latest``:
        cannot tell)."""
        p = json.loads(_native.curve_predict(self._json, str(schedule), every, float(target_loss), None))
        return p["target"]

    @property
    def end_law(self) -> Optional[dict]:
        """For a fit of the joint law across sizes, its law of N and D at the runs' ends
        (``E``, ``A``, ``alpha``, ``B``, ``beta``; loss = E + A/N^alpha + B/D^beta); None for
        the other laws."""
        sweep = self.report.get("sweep")
        return None if sweep is None else dict(sweep["law"])

    def optimal(self, budgets: Union[float, Sequence[float]], *, frame: FrameKind = "pandas") -> Any:
        """The compute-optimal N* and D* at each budget (FLOPs, C = 6·N·D) of runs like the
        sweep's, trained to their end, from a fit of the joint law (as ``curve fit
        --budget``), with percentile intervals from its bootstrap.

        Returns:
            Columns compute, n_params, n_tokens, loss and, with a bootstrapped fit, n_lower,
            n_upper, d_lower, d_upper.

        Raises:
            OptionError: a fit of another law, or a budget that is not a positive number.
        """
        values = numbers_list(budgets, "budgets")
        rows = json.loads(_native.curve_optimal(self._json, values))
        columns = {key: [r[key] for r in rows] for key in ("compute", "n_params", "n_tokens", "loss")}
        if rows and all("n_interval" in r for r in rows):
            columns["n_lower"] = [r["n_interval"][0] for r in rows]
            columns["n_upper"] = [r["n_interval"][1] for r in rows]
            columns["d_lower"] = [r["d_interval"][0] for r in rows]
            columns["d_upper"] = [r["d_interval"][1] for r in rows]
        return make_frame(columns, frame)

    def end_fit(self) -> Fit:
        """For a fit of the joint law across sizes, its law at the runs' ends as a
        :class:`Fit` of N and D (for runs of the sweep's schedule shape trained to their end),
        with each bootstrap replicate's law of the ends as a draw: its :meth:`Fit.optimal`
        answers as ``scaling-laws optimal --fit`` on this fit's file (budgets, sizes, target
        losses, hardware budgets, shapes, inference tokens and unique tokens; the report's
        ``sweep`` says where the law came from).

        Raises:
            OptionError: a fit of another law (no model size N).
        """
        return Fit(_native.NativeFit.from_curve_fit(self._json, "the curve fit"))

    def best_schedule(
        self,
        schedule: str,
        *,
        families: Sequence[str] = ("cosine", "wsd"),
        free: bool = False,
        frame: FrameKind = "pandas",
    ) -> Any:
        """The best schedule of each family at the warmup, peak and horizon of ``schedule``
        (as ``curve schedule``).

        Args:
            schedule: the schedule whose warmup, peak rate and horizon every candidate keeps.
            families: the families to search.
            free: also the best free schedule (``--free``): after the warmup, any
                non-increasing rate between the grid's lowest final rate and the peak;
                :meth:`free_schedule` gives its rate at every step.
            frame: ``"pandas"``, ``"polars"`` or ``"dict"``.

        Returns:
            One row per schedule (``given``, ``baseline``: cosine to 10% of the peak, then each
            family's best, then ``free`` with ``free=True``) with columns role, schedule,
            final_loss, gain (the baseline's final loss minus this one's) and, with a
            bootstrapped fit, gain_lower, gain_upper.
        """
        text, _ = _native.curve_best_schedule(
            self._json, str(schedule), [str(f) for f in families], bool(free)
        )
        r = json.loads(text)
        rows = r["schedules"]
        columns = {
            "role": [s["role"] for s in rows],
            "schedule": [s["schedule"] for s in rows],
            "final_loss": [s["final_loss"] for s in rows],
            "gain": [s["gain"] for s in rows],
        }
        if r.get("level") is not None:
            columns["gain_lower"] = [s["gain_interval"][0] for s in rows]
            columns["gain_upper"] = [s["gain_interval"][1] for s in rows]
        return make_frame(columns, frame)

    def free_schedule(
        self,
        schedule: str,
        *,
        families: Sequence[str] = ("cosine", "wsd"),
        frame: FrameKind = "pandas",
    ) -> Any:
        """The best free schedule's learning rate at every step (as ``curve schedule --free
        --free-out FILE`` writes it): the warmup of ``schedule``, then the non-increasing rate
        that the law predicts to end lowest, started from the best schedule of ``families``.

        Returns:
            Columns step (0 to the horizon - 1) and lr.

        Example:
            >>> import scaling_laws as sl
            >>> fit = sl.curve_fit(sl.curve_simulate(frame="dict"), law="blind")
            >>> rates = fit.free_schedule("cosine:warmup=2000,peak=3e-4,final=3e-5,steps=24000")
            >>> float(rates["lr"].iloc[-1])  # the summed rate alone: the peak to the end
            0.0003
        """
        _, lrs = _native.curve_best_schedule(
            self._json, str(schedule), [str(f) for f in families], True
        )
        lrs = list(lrs or [])
        return make_frame({"step": list(range(len(lrs))), "lr": lrs}, frame)

    def plot(
        self,
        data: Any,
        kind: str = "curves",
        *,
        predict: ScheduleArg = None,
        schedule: ScheduleArg = None,
        step_col: Optional[str] = None,
        loss_col: Optional[str] = None,
        lr_col: Optional[str] = None,
        run_col: Optional[str] = None,
        width: int = FIGURE_DEFAULTS["width"],
        height: int = FIGURE_DEFAULTS["height"],
    ) -> Figure:
        """Draw the fit over the runs it was fitted to (as ``curve plot``).

        Args:
            data: the training logs the fit was made from, as :func:`curve_fit` takes them.
            kind: ``"curves"``: each run's loss (points) and the law's trajectory (line), the
                ``predict`` schedules (dashed, with their band when the fit was
                bootstrapped) and the learning rates in a panel beneath; ``"residuals"``:
                ``observed / fitted - 1`` in percent against step.
            predict: schedules to predict under: ``"FAMILY:key=value,..."``, a list of them,
                or a mapping of legend names to schedules.
            schedule: the schedules given to :func:`curve_fit` (by default those it was given
                when it made this fit).
            step_col, loss_col, lr_col, run_col: the columns, as given to :func:`curve_fit`
                (by default those it was given when it made this fit).
            width, height: the size in pixels.

        Returns:
            A :class:`Figure`, shown inline in Jupyter; ``.save("curves.png")`` writes it.

        Raises:
            OptionError: a run that is not one of the fit's, or has other checkpoints than
                it was fitted with (``FILE``); a bad schedule (``--predict``, ``--schedule``)
                or kind (``--kind``).

        Example:
            >>> import scaling_laws as sl
            >>> runs = sl.curve_simulate(frame="dict")
            >>> fit = sl.curve_fit(runs, law="blind")
            >>> figure = fit.plot(runs, predict={"longer": "constant:warmup=2000,peak=3e-4,steps=30000"})
            >>> "longer (predicted)" in figure.svg
            True
        """
        given = self._inputs
        columns = {
            "step_col": step_col,
            "loss_col": loss_col,
            "lr_col": lr_col,
            "run_col": run_col,
        }
        for key, value in columns.items():
            if value is None:
                columns[key] = given.get(key)
        paths, frames = _sources(data)
        args = {
            "kind": str(kind),
            "schedule": _schedules(schedule) if schedule is not None else given.get("schedule", []),
            "predict": _schedules(predict),
            "width": int(width),
            "height": int(height),
            **columns,
        }
        svg = _native.curve_plot_svg(self._json, paths, frames, args)
        return Figure(str(kind), svg, int(width), int(height))

    def text(self) -> str:
        """The command line's text report."""
        return _native.curve_fit_text(self._json)

    def to_json(self) -> str:
        """The fit as JSON, as ``curve fit --out`` saves it."""
        return self._json

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Save the fit as ``curve fit --out`` does, for the command line or :meth:`load`.

        Raises:
            OutputError: the path is a file the fit was fitted from (as ``curve fit --out``
                refuses to replace its input), or cannot be written.
        """
        write_text_atomically(
            path,
            json.dumps(self.report, indent=2, ensure_ascii=False) + "\n",
            inputs=getattr(self, "_source_paths", ()),
        )

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "CurveFit":
        """Read a fit saved by ``curve fit --out`` or :meth:`save`, checked field by field."""
        return cls(_native.curve_fit_read(os.fspath(path)))

    def __repr__(self) -> str:
        return self.text()


def _params(params: Union[None, float, Mapping[str, float]]) -> list:
    """Parameter counts as the library takes them: ``(run, N)`` pairs, ``""`` for every run."""
    if params is None:
        return []
    if isinstance(params, Mapping):
        return [(str(run), float(n)) for run, n in params.items()]
    return [("", float(params))]


def _size(params: Optional[float], tokens_per_step: Optional[float]) -> Optional[tuple]:
    """``(parameters, tokens per step)`` when both are given; an error when one is."""
    if params is None and tokens_per_step is None:
        return None
    if params is None or tokens_per_step is None:
        raise OptionError(
            "invalid --params: give both --params and --tokens-per-step for a joint-law fit",
            {"kind": "InvalidOption", "flag": "--params"},
        )
    return (float(params), float(tokens_per_step))


def curve_fit(
    data: Any,
    *,
    law: str = "multi-power",
    schedule: ScheduleArg = None,
    lam: float = _DEFAULTS["lam"],
    delta: float = _DEFAULTS["delta"],
    bootstrap: int = 0,
    seed: int = _DEFAULTS["seed"],
    level: float = 0.95,
    step_col: Optional[str] = None,
    loss_col: Optional[str] = None,
    lr_col: Optional[str] = None,
    run_col: Optional[str] = None,
    run_params: Union[None, float, Mapping[str, float]] = None,
    tokens_per_step: Optional[float] = None,
    params_col: Optional[str] = None,
    tokens_col: Optional[str] = None,
    budget: Union[None, float, Sequence[float]] = None,
    progress: ProgressArg = None,
) -> CurveFit:
    """Fit a training-curve law to every checkpoint of one or more runs, as
    ``scaling-laws curve fit`` does.

    Args:
        data: training logs: a path (CSV, Parquet, NDJSON), a pandas or polars DataFrame, a
            mapping of column names to arrays, or a list of these. One run per source, or a
            long table with a run column.
        law: ``"multi-power"`` (Luo et al. 2025), ``"annealing"`` (Tissue et al. 2024),
            ``"blind"`` (the schedule-blind baseline) or ``"joint"`` (runs of several model
            sizes: needs each run's parameter count and tokens per step).
        schedule: the learning-rate schedule, ``"FAMILY:key=value,..."`` for every run, or a
            mapping of run names to schedules; without it the logged learning rate is
            interpolated.
        lam: the annealing law's momentum λ (``--lambda``).
        delta: Huber threshold on log-loss residuals.
        bootstrap: replicates for parameter intervals and prediction bands (0: none; 200 is
            usual).
        seed: seed of the bootstrap.
        level: confidence level of the intervals.
        step_col, loss_col, lr_col, run_col: the columns, found by name by default
            (``lr_col="none"``: read no learning rate; ``run_col="none"``: one run per source).
        run_params: for the joint law, the parameter count of every run, or a mapping of run
            names (or their start before ``-``, ``_`` or ``.``: ``{"190M": 190354176}`` for
            ``190M-1xC``) to counts; by default from a column (``params``, ``n_params``, …).
        tokens_per_step: for the joint law, the tokens per step of runs without a column
            (``tokens_per_step``, ``batch_size_in_tokens``, …, or cumulative ``tokens``).
        params_col, tokens_col: those columns by name (``"none"``: read none).
        budget: for the joint law, budgets in FLOPs at which :meth:`CurveFit.optimal` is
            computed into the report (it can be asked later too).
        progress: a progress bar or callback (see :mod:`scaling_laws._progress`).

    Returns:
        A :class:`CurveFit`.

    Raises:
        InputError: a run that cannot be fitted (steps going backwards, a NaN loss, no
            learning rate), naming the run and step.
        OptionError: an invalid option, naming its flag.

    Example:
        >>> import scaling_laws as sl
        >>> runs = sl.curve_simulate(frame="dict")
        >>> fit = sl.curve_fit(runs, law="annealing")
        >>> round(fit.params["L0"], 1)
        2.3
    """
    paths, frames = _sources(data)
    args = {
        "law": str(law),
        "schedule": _schedules(schedule),
        "lam": float(lam),
        "delta": float(delta),
        "bootstrap": int(bootstrap),
        "seed": int(seed),
        "level": float(level),
        "step_col": step_col,
        "loss_col": loss_col,
        "lr_col": lr_col,
        "run_col": run_col,
        "params_col": params_col,
        "tokens_col": tokens_col,
        "params": _params(run_params),
        "tokens_per_step": None if tokens_per_step is None else float(tokens_per_step),
        "budget": [] if budget is None else numbers_list(budget, "budget"),
    }
    with progress_callback(progress, "curve fit") as callback:
        text = _native.curve_fit_runs(paths, frames, args, callback)
    fit = CurveFit(text)
    # The files it was fitted from, which save() must not replace.
    fit._source_paths = [os.path.abspath(p) for p in paths]
    # How the logs were read, for CurveFit.plot on the same logs.
    fit._inputs = {key: args[key] for key in ("schedule", "step_col", "loss_col", "lr_col", "run_col")}
    return fit


def curve_simulate(
    schedules: Union[None, Mapping[str, str], Sequence[str]] = None,
    *,
    truth: Optional[Sequence[float]] = None,
    every: int = _DEFAULTS["every"],
    noise: float = _DEFAULTS["noise"],
    seed: int = _DEFAULTS["simulate_seed"],
    law: str = "multi-power",
    run_params: Union[None, float, Mapping[str, float]] = None,
    tokens_per_step: Optional[float] = None,
    frame: FrameKind = "pandas",
) -> Any:
    """Training curves drawn from a law under given schedules with seeded noise, as
    ``scaling-laws curve simulate`` writes them.

    Args:
        schedules: each run's schedule, ``{"name": "FAMILY:key=value,..."}``; by default
            cosine, constant and WSD runs of 24,000 steps (for ``law="joint"``: a ladder of
            five sizes from 50M to 800M at 10, 20 and 40 tokens per parameter).
        truth: the law's parameters: ``[L0, A, alpha, B, C, beta, gamma]`` of the multi-power
            law (by default the published 400M fit of Luo et al. 2025), or ``[E, A, alpha, B,
            beta, C]`` of the joint law (by default its fit to the OLMo ladder).
        law: ``"multi-power"`` (one model size) or ``"joint"`` (a sweep of sizes).
        run_params: for the joint law with ``schedules``, each run's parameter count, a mapping
            of run names (or their start before ``-``, ``_`` or ``.``) to counts.
        tokens_per_step: for the joint law, tokens per step of every run (65,536 by
            default).
        every: a checkpoint every this many steps.
        noise: standard deviation of the log-loss noise.
        seed: seed of the noise.
        frame: ``"pandas"``, ``"polars"`` or ``"dict"``.

    Returns:
        Columns run, step, lr, loss, and for the joint law params and tokens_per_step.
    """
    if isinstance(schedules, Mapping):
        specs = [f"{name}={spec}" for name, spec in schedules.items()]
    else:
        specs = [] if schedules is None else [str(s) for s in schedules]
    columns = _native.curve_simulate_runs(
        specs,
        None if truth is None else [float(t) for t in truth],
        int(every),
        float(noise),
        int(seed),
        str(law),
        _params(run_params),
        None if tokens_per_step is None else float(tokens_per_step),
    )
    return make_frame(columns, frame)
