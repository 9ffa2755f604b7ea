"""The runs to train: :func:`design` (a sweep around the compute-optimal sizes) and
:meth:`Fit.suggest` (the next runs that narrow an interval the most), with :class:`Runs`, the
result of both."""

from __future__ import annotations

import csv
import io
import json
import os
import warnings
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

from . import _native
from ._arguments import numbers_list
from ._files import write_text_atomically
from ._frames import FrameKind, make_frame
from .errors import ScalingLawsWarning

if TYPE_CHECKING:
    from ._fit import Fit

__all__ = ["Runs", "design"]

_DEFAULTS = _native.DESIGN_DEFAULTS


def _cell(text: str) -> Any:
    """A CSV cell as a number where it is one, None where empty, else the text."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


class Runs:
    """Runs to train, as ``scaling-laws design`` or ``suggest`` proposes them.

    Attributes:
        report: the command line's ``--format json`` output as a dict.
        notes: notes of the command (e.g. options that went unused).
    """

    def __init__(self, json_text: str, text: str, csv_text: str, notes: Sequence[str]) -> None:
        self._json = json_text
        self.report: dict = json.loads(json_text)
        self._text = text
        self._csv = csv_text
        self.notes: list = list(notes)

    def to_json(self) -> str:
        """The command line's ``--format json`` output."""
        return self._json

    def to_csv(self) -> str:
        """The runs as CSV, one row per run: what the command line's ``--out`` writes."""
        return self._csv

    def table(self, frame: FrameKind = "pandas") -> Any:
        """The runs (the columns of :meth:`to_csv`) as a data frame or a dict of lists."""
        rows = list(csv.reader(io.StringIO(self._csv)))
        header, body = rows[0], rows[1:]
        columns = {name: [_cell(row[i]) for row in body] for i, name in enumerate(header)}
        return make_frame(columns, frame)

    def to_pandas(self) -> Any:
        """The runs as a pandas DataFrame (see :meth:`table`)."""
        return self.table("pandas")

    def to_polars(self) -> Any:
        """The runs as a polars DataFrame (see :meth:`table`)."""
        return self.table("polars")

    def save(self, path: Union[str, "os.PathLike[str]"]) -> str:
        """Write the runs as CSV to ``path`` (atomically: a temporary file in the same folder,
        then renamed), as ``--out`` does; returns the path."""
        return write_text_atomically(path, self._csv)

    def __repr__(self) -> str:
        return self._text.rstrip("\n")

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self._text)}</pre>"


def _runs(result: tuple, stacklevel: int) -> Runs:
    json_text, text, csv_text, notes = result
    for note in notes:
        warnings.warn(ScalingLawsWarning(note, "note"), stacklevel=stacklevel + 1)
    return Runs(json_text, text, csv_text, notes)


def design(
    fit: Optional["Fit"] = None,
    *,
    budgets: Union[None, float, str, Sequence[float]] = None,
    per_decade: int = 2,
    sizes: int = _DEFAULTS["sizes"],
    span: float = _DEFAULTS["span"],
    tokens_per_param: float = _DEFAULTS["tokens_per_param"],
    flops_per_param_token: Optional[float] = None,
    level: float = 0.95,
    shape: bool = False,
    vocab: int = 32000,
    seq_len: int = 2048,
    shapes_per_rule: int = 2,
    tp: int = 8,
    embeddings: Optional[str] = None,
    optimizer: str = "adam-mixed",
    micro_batch: int = 1,
    recompute: str = "selective",
    gpu: Optional[str] = None,
    gpus: Optional[int] = None,
    compute_precision: str = "bf16",
    peak_tflops: Optional[float] = None,
    gpu_memory_gb: Optional[float] = None,
    mfu: Optional[float] = None,
    price_per_gpu_hour: Optional[float] = None,
    watts_per_gpu: Optional[float] = None,
) -> Runs:
    """The runs of an IsoFLOP sweep, as ``scaling-laws design``: for each budget, ``sizes``
    model sizes log-spaced around its centre (the fit's N*(C), reaching past the interval of
    N* when the fit has bootstrap draws; without a fit, N_c = sqrt(C / (k·tokens_per_param))),
    each with its tokens, predicted loss, shape and plan on the hardware given.

    Args:
        fit: a :class:`Fit` to centre each budget on.
        budgets: budgets in FLOPs (a number or a list), or a range ``"LOW:HIGH"`` stepped by
            ``per_decade``.
        sizes: model sizes per budget; span: sizes from N_c/span to span·N_c at least.
        tokens_per_param: the centre without a fit.
        flops_per_param_token: k in C = k·N·D (the fit's, or 6).
        level: confidence level of the intervals.
        shape, vocab, seq_len, shapes_per_rule, tp, embeddings: give each run its top-ranked
            shape (``tp`` and ``embeddings`` as :func:`plan`).
        optimizer, micro_batch, recompute, gpu, gpus, compute_precision, peak_tflops,
            gpu_memory_gb, mfu, price_per_gpu_hour, watts_per_gpu: the plan, as :func:`plan`.

    Returns:
        :class:`Runs`: ``repr`` is the command's text report, :meth:`Runs.table` the runs,
        :meth:`Runs.save` writes them as CSV (``--out``).

    Raises:
        OptionError: an invalid option; the message names the flag (``--sizes`` is ``sizes=``).
    """
    budget_list: list = []
    budget_range: Optional[str] = None
    if isinstance(budgets, str):
        budget_range = budgets
    elif budgets is not None:
        budget_list = numbers_list(budgets, "budgets")
    args = {
        "budget": budget_list,
        "budgets": budget_range,
        "per_decade": per_decade,
        "sizes": sizes,
        "span": span,
        "tokens_per_param": tokens_per_param,
        "flops_per_param_token": flops_per_param_token,
        "level": level,
        "shape": shape,
        "vocab": vocab,
        "seq_len": seq_len,
        "shapes_per_rule": shapes_per_rule,
        "tp": tp,
        "embeddings": embeddings,
        "optimizer": optimizer,
        "micro_batch": micro_batch,
        "recompute": recompute,
        "gpu": gpu,
        "gpus": gpus,
        "compute_precision": compute_precision,
        "peak_tflops": peak_tflops,
        "gpu_memory_gb": gpu_memory_gb,
        "mfu": mfu,
        "price_per_gpu_hour": price_per_gpu_hour,
        "watts_per_gpu": watts_per_gpu,
    }
    native_fit = None if fit is None else fit._native
    return _runs(_native.design_json(args, native_fit), 2)


def suggest(
    fit: "Fit",
    target_budget: float,
    runs: int,
    *,
    target: str = "params",
    compute_limit: Optional[float] = None,
    total_compute: Optional[float] = None,
    level: float = 0.95,
    allow_outside: bool = False,
    bootstrap: Optional[int] = None,
    seed: int = 240410102,
) -> Runs:
    """The body of :meth:`Fit.suggest`."""
    args = {
        "target_budget": target_budget,
        "target": target,
        "runs": runs,
        "compute_limit": compute_limit,
        "total_compute": total_compute,
        "level": level,
        "allow_outside": allow_outside,
        "bootstrap": bootstrap,
        "seed": seed,
    }
    return _runs(_native.suggest_json(args, fit._native), 3)
