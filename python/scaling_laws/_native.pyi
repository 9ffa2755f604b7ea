"""Type stubs of the extension module ``scaling_laws._native`` (built from python/src).

Internal: use the functions of :mod:`scaling_laws`, which wrap these.
"""

from typing import Any, Callable, Optional, Sequence

import numpy as np

__version__: str
DEFAULT_FLOPS_PER_PARAM_TOKEN: float
"""k in C = k·N·D when not given: 6."""
SIMULATION_DEFAULTS: dict[str, Any]
"""The defaults of ``scaling-laws simulate``: seed, noise, budgets, sizes_per_budget, span,
flops_per_param_token, law_json."""
FIT_DEFAULTS: dict[str, Any]
"""Defaults of ``scaling-laws fit`` and ``optimal``: law, max_iters, subsample_rows, delta,
seed, resample, level."""
POLL_SECONDS: float
"""How often long work checks for Ctrl-C and reports progress, in seconds."""

class NativeDataset:
    """A validated table of runs as the Rust library holds it."""

    def arrays(self) -> dict[str, np.ndarray]:
        """n_params, n_tokens, compute, loss, rows, and budget and unique_tokens when present."""
    def meta_json(self) -> str:
        """Source, columns used, k, scale, filter, notes and warnings, as JSON."""
    def to_json(self) -> str:
        """The whole dataset as JSON."""
    def __len__(self) -> int: ...

def load_path(path: str, options: dict[str, Any]) -> NativeDataset:
    """Load the runs of a CSV, Parquet or NDJSON file with the command line's loader."""

def load_columns(columns: Sequence[tuple], label: str, options: dict[str, Any]) -> NativeDataset:
    """Load runs from in-memory columns: ``(name, "float", float64 array, missing flags or
    None)``, ``(name, "text", [str | None, ...])`` or ``(name, "unreadable", type name)``."""

class NativeFit:
    """A fit as the Rust library holds it (a saved fit, with its runs when at hand)."""

    @staticmethod
    def load(path: str) -> "NativeFit":
        """Read and validate a fit file."""
    @staticmethod
    def from_json(text: str, shown: str, path: Optional[str] = None) -> "NativeFit":
        """Read a fit file's text; ``shown`` names it in messages, ``path`` lets its runs be
        reloaded."""
    @staticmethod
    def from_curve_fit(text: str, shown: str) -> "NativeFit":
        """The law of N and D at the runs' ends of a joint curve fit's text, with its
        replicates' laws as draws; ``shown`` names it in messages."""
    def to_json(self) -> str:
        """The command line's fit JSON (``fit --format json``, ``--out``)."""
    def text(self) -> str:
        """The command line's text report."""
    def residuals(self) -> np.ndarray:
        """Log-loss residuals of the runs fitted, in data order."""
    def rows(self) -> np.ndarray:
        """Source rows of the runs fitted (from 1)."""
    def inputs(self) -> list[str]:
        """The law's inputs by symbol."""
    def predict(
        self,
        n: Optional[np.ndarray] = None,
        d: Optional[np.ndarray] = None,
        u: Optional[np.ndarray] = None,
        c: Optional[np.ndarray] = None,
    ) -> np.ndarray:
        """Predicted loss for equal-length float64 arrays of inputs."""
    def bootstrap(
        self,
        n: int,
        seed: int,
        resample: str,
        threads: Optional[int] = None,
        progress: Optional[Callable[[int, Optional[int]], object]] = None,
    ) -> tuple["NativeFit", list[str]]:
        """A copy of the fit with bootstrap draws, and notes."""
    def draws(self) -> Optional[tuple[list[str], np.ndarray]]:
        """Column names and converged draws in natural units, or None."""
    def optimal(
        self, questions: dict[str, Any], decision: dict[str, Any]
    ) -> tuple[str, dict[str, Any], list[str]]:
        """The command's JSON report, the long table of its answers as columns, and notes."""

def fit_runs(
    dataset: NativeDataset,
    args: dict[str, Any],
    progress: Optional[Callable[[int, Optional[int]], object]] = None,
) -> tuple[NativeFit, list[str]]:
    """Fit the runs with the options of ``scaling-laws fit``; the fit and notes."""

def holdout_runs(
    dataset: NativeDataset,
    args: dict[str, Any],
    rule: list[str],
    level: float,
    rows: Optional[list[int]] = None,
) -> tuple[NativeFit, list[str]]:
    """Fit without the runs of the rule and test on them; the fit and notes."""

def design_json(
    args: dict[str, Any], fit: Optional[NativeFit] = None
) -> tuple[str, str, str, list[str]]:
    """The design's JSON, text report, CSV of runs, and notes."""

def suggest_json(args: dict[str, Any], fit: NativeFit) -> tuple[str, str, str, list[str]]:
    """The suggestion's JSON, text report, CSV of runs, and notes."""

DESIGN_DEFAULTS: dict[str, Any]

def plan_json(args: dict[str, Any], fit: Optional[NativeFit] = None) -> tuple[str, str, list[str]]:
    """The command line's JSON report of the plan, its text report, and notes."""

def simulate_runs(args: dict[str, Any]) -> dict[str, np.ndarray]:
    """The columns of a simulated sweep (``unique_tokens`` with epochs)."""

def _progress_probe(
    items: int,
    micros: int,
    progress: Optional[Callable[[int, Optional[int]], object]] = None,
) -> int:
    """Test probe of the long-work machinery: ``items`` units of busy work of ``micros``
    microseconds each, run in parallel with the GIL released; returns the units done."""

# Analyses (python/src/analyses.rs): each returns the command's --format json output and its
# text report.
DEFAULT_SEED: int
"""The seed of the bootstraps when none is given (as the command line's --seed)."""

def isoflop_json(data: NativeDataset, args: dict[str, Any]) -> tuple[str, str]:
    """Approach 2 (``scaling-laws isoflop``) on loaded runs: (JSON, text report)."""

def envelope_json(sources: Sequence[Any], args: dict[str, Any]) -> tuple[str, str]:
    """Approach 1 (``scaling-laws envelope``) on training curves, each a path or ``(label,
    columns)`` with columns as :func:`load_columns` takes them: (JSON, text report)."""

def select_json(
    data: NativeDataset,
    args: dict[str, Any],
    progress: Optional[Callable[[int, Optional[int]], object]] = None,
) -> tuple[str, str]:
    """Laws compared (``scaling-laws select``) with the GIL released: (JSON, text report)."""

DEFAULT_SUBSAMPLE_ROWS: int
"""Runs a fit screens and searches its starts on when there are many (--subsample-rows)."""

def compare_json(
    data: NativeDataset,
    args: dict[str, Any],
    progress: Optional[Callable[[int, Optional[int]], object]] = None,
) -> tuple[str, str, list[str]]:
    """Approaches compared (``scaling-laws compare``) with the GIL released: (JSON, text
    report, notes)."""

# Figures (python/src/figures.rs).
FIGURE_DEFAULTS: dict[str, Any]
"""Defaults of ``scaling-laws plot``: kinds (the figure names), tolerance_dex, compute_range,
level, width, height, models."""

def render_figure(fit: NativeFit, kind: str, args: dict[str, Any]) -> str:
    """The SVG text of figure ``kind`` of the fit, drawn with the GIL released; ``args``:
    budgets, tolerance_dex, compute_range (``"LOW:HIGH"``), level, models (None: the
    defaults), width, height."""

def rasterise_svg(svg: str, width: int, height: int) -> bytes:
    """The PNG bytes of an SVG figure, rasterised at ``width`` x ``height`` pixels."""

def save_svg(svg: str, path: str, width: int, height: int) -> None:
    """Write an SVG figure to ``path`` atomically, as SVG or PNG by its extension."""

def save_figures(fit: NativeFit, folder: str, args: dict[str, Any]) -> list[str]:
    """Every figure of the fit into ``folder`` (PNG and SVG, replaced as a whole), as
    ``scaling-laws plot all``; the paths written. ``args`` as :func:`render_figure`."""

# Training curves (python/src/curve.rs).
CURVE_DEFAULTS: dict[str, Any]
"""Defaults of ``scaling-laws curve``: lam, delta, seed (of the bootstrap), every, noise and
simulate_seed (of ``curve simulate``)."""

def curve_fit_runs(
    paths: list[str],
    frames: list[tuple[str, list[Any]]],
    args: dict[str, Any],
    progress: Optional[Callable[[int, Optional[int]], object]] = None,
) -> str:
    """A curve law fitted to the logs in ``paths`` and ``frames`` (``curve fit``), as JSON,
    with the GIL released."""

def curve_fit_checked(text: str, shown: str) -> str:
    """A curve fit's JSON, checked field by field, as the library serialises it."""

def curve_fit_read(path: str) -> str:
    """A fit saved by ``curve fit --out``, read and checked, as JSON."""

def curve_fit_text(text: str) -> str:
    """The command line's text report of a curve fit."""

def curve_predict(
    text: str,
    schedule: str,
    every: Optional[int] = None,
    target_loss: Optional[float] = None,
    size: Optional[tuple[float, float]] = None,
) -> str:
    """The trajectory a curve fit predicts under a schedule (``curve predict``), as JSON;
    ``size`` is ``(parameters, tokens per step)`` for a joint-law fit."""

def curve_optimal(text: str, budgets: list[float]) -> str:
    """N* and D* at budgets from a joint-law fit (``curve fit --budget``), as JSON."""

def curve_best_schedule(
    text: str, schedule: str, families: list[str], free: bool = False
) -> tuple[str, Optional[list[float]]]:
    """The best schedule of each family (``curve schedule``), as JSON, and with ``free`` the
    free schedule's rate at every step (``--free-out``)."""

def curve_simulate_runs(
    schedules: list[str],
    truth: Optional[list[float]],
    every: int,
    noise: float,
    seed: int,
    law: str = "multi-power",
    params: list[tuple[str, float]] = ...,
    tokens_per_step: Optional[float] = None,
) -> dict[str, Any]:
    """Training curves drawn from the multi-power law (``curve simulate``): columns run, step,
    lr, loss."""

def curve_plot_svg(
    text: str, paths: list[str], frames: list[tuple[str, list[Any]]], args: dict[str, Any]
) -> str:
    """The SVG text of a curve fit's figure (``curve plot``) over the logs in ``paths`` and
    ``frames``, drawn with the GIL released; ``args``: kind (``"curves"`` or
    ``"residuals"``), schedule and predict (lists of ``[NAME=]SPEC``), step_col, loss_col,
    lr_col, run_col, width, height."""

def task_laws_json(paths: list[str], args: dict[str, Any]) -> str:
    """Benchmark accuracy chained from N and D (``scaling-laws task --format json``), as JSON."""

def task_plot_svg(paths: list[str], args: dict[str, Any], width: int, height: int) -> str:
    """The figure of ``scaling-laws task --plot`` as SVG (0 for the default size)."""
