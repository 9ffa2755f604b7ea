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

def plan_json(args: dict[str, Any]) -> tuple[str, str, list[str]]:
    """The plan as JSON, the command line's text report of it, and notes."""

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
