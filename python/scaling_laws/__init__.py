"""Fit neural scaling laws, find compute-optimal model sizes and plan training runs.

``scaling_laws`` is the Python face of the ``scaling-laws`` Rust library and command line: every
computation is the Rust library's, with the same results and the same error messages as the
command line.

Functions:
    load: read and validate a sweep of training runs (a CSV, Parquet or NDJSON file, a pandas
        or polars DataFrame, or arrays) into a :class:`Dataset`.
    fit: fit a scaling law to runs (a :class:`Fit`: parameters, predictions, residuals,
        bootstrap intervals, compute-optimal allocation, the command line's fit files, and
        its figures with :meth:`Fit.plot`, a :class:`Figure` shown inline in Jupyter).
    holdout: fit without some runs and test the predictions on them.
    plan: what training a model takes: FLOPs, memory under DDP and ZeRO/FSDP, days on GPUs.
    simulate: a synthetic IsoFLOP sweep drawn from a known law, seeded.
    curve_fit: a training-curve law (multi-power, annealing, blind) fitted to every
        checkpoint; its CurveFit predicts trajectories with bands and the best schedule.
    curve_simulate: training curves drawn from the multi-power law, seeded.
    isoflop: Approach 2 (IsoFLOP profiles): N* = k·C^a through each budget's minimum.
    envelope: Approach 1 (the lower envelope of training curves).
    compare: Approaches 1, 2 and 3 side by side, with whether they agree.
    select: which law extrapolates best (laws fitted side by side, largest runs held out).
    task: benchmark accuracy chained from N and D through the task loss, per task, with a
        verdict on whether each task is predictable.

Errors are :class:`ScalingLawsError` subclasses (``ValueError``); doubts about data or results
are issued as :class:`ScalingLawsWarning` through :mod:`warnings`.

Example:
    >>> import scaling_laws as sl
    >>> runs = sl.simulate(seed=1, frame="dict")
    >>> ds = sl.load(runs)
    >>> len(ds)
    108
"""

from . import _native
from ._analyses import (
    Analysis,
    Comparison,
    Envelope,
    Isoflop,
    Selection,
    compare,
    envelope,
    isoflop,
    select,
)
from ._curve import CurveFit, curve_fit, curve_simulate
from ._data import Dataset, load
from ._decide import Runs, design
from ._figures import Figure
from ._fit import Bootstrap, Fit, Holdout, fit, holdout
from ._plan import Plan, plan
from ._simulate import simulate
from ._task import TaskLaws, task
from .errors import guard_public_api
from .errors import (
    ColumnError,
    ConvergenceError,
    DownloadError,
    FitFileError,
    InputError,
    NotFiniteError,
    OptionError,
    OutputError,
    ScalingLawsError,
    ScalingLawsWarning,
)

__version__: str = _native.__version__

__all__ = [
    "Analysis",
    "Isoflop",
    "Envelope",
    "Selection",
    "Comparison",
    "compare",
    "isoflop",
    "envelope",
    "select",
    "Bootstrap",
    "CurveFit",
    "curve_fit",
    "curve_simulate",
    "Dataset",
    "Fit",
    "Figure",
    "Holdout",
    "Plan",
    "Runs",
    "design",
    "fit",
    "holdout",
    "load",
    "plan",
    "simulate",
    "TaskLaws",
    "task",
    "ScalingLawsError",
    "InputError",
    "ColumnError",
    "FitFileError",
    "OptionError",
    "OutputError",
    "ConvergenceError",
    "NotFiniteError",
    "DownloadError",
    "ScalingLawsWarning",
    "__version__",
]

# Every public call raises ScalingLawsError subclasses only, for bad arguments as for bad data.
globals().update(guard_public_api(globals(), [n for n in __all__ if n != "__version__"]))
del guard_public_api
