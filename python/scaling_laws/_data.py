"""Loading a sweep of training runs: :func:`load` and :class:`Dataset`."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from . import _native
from ._frames import frame_columns, is_pandas_frame, is_polars_frame, make_frame, mapping_columns
from .errors import OptionError, ScalingLawsWarning

__all__ = ["Dataset", "load", "DataLike"]

DataLike = Union[str, "os.PathLike[str]", "Dataset", Mapping[str, Any], Any]
"""What :func:`load` reads: a path, a pandas or polars DataFrame, a mapping of column names to
arrays, or a :class:`Dataset`."""

_ARRAY_NAMES = ("n_params", "n_tokens", "compute", "loss", "budget", "unique_tokens", "rows")


class Dataset:
    """A validated table of runs: every N, D, C and L positive and finite.

    Made by :func:`load`. Columns are read-only numpy arrays of equal length, one value per run
    that survived the filters, in data order.

    Attributes:
        n_params: model parameters N.
        n_tokens: training tokens D (derived as C / (k·N) when the data has no tokens column).
        compute: training compute C in FLOPs (derived as k·N·D when the data has none).
        loss: final loss L.
        budget: each run's nominal IsoFLOP budget, or None when the data has no budget column.
        unique_tokens: unique tokens U each run's data was drawn from, or None.
        rows: the source row of each run, counted from 1 (the first data row is 1).
        source: where the data came from: ``path``, ``format``, ``sha256``, ``rows_in_file``.
        columns: the source columns used for ``params``, ``tokens``, ``flops``, ``loss``,
            ``budget``, ``unique_tokens`` (None where derived or absent).
        flops_per_param_token: k in C = k·N·D.
        flops_scale: the factor applied to the compute column.
        filter: the row filter applied (conditions and ``drop_highest_loss``).
        notes: how values were derived and rows excluded.
        warnings: doubts about the data (also issued through :mod:`warnings` when loaded).
    """

    n_params: np.ndarray
    n_tokens: np.ndarray
    compute: np.ndarray
    loss: np.ndarray
    budget: Optional[np.ndarray]
    unique_tokens: Optional[np.ndarray]
    rows: np.ndarray
    source: dict
    columns: dict
    flops_per_param_token: float
    flops_scale: float
    filter: dict
    notes: list
    warnings: list

    def __init__(self, native: "_native.NativeDataset") -> None:
        self._native = native
        arrays = native.arrays()
        for name in _ARRAY_NAMES:
            array = arrays.get(name)
            if array is not None:
                array.flags.writeable = False
            setattr(self, name, array)
        meta = json.loads(native.meta_json())
        self.source = meta["source"]
        self.columns = meta["columns"]
        self.flops_per_param_token = meta["flops_per_param_token"]
        self.flops_scale = meta["flops_scale"]
        self.filter = meta["filter"]
        self.notes = list(meta["notes"])
        self.warnings = [ScalingLawsWarning.from_dict(w) for w in meta["warnings"]]

    def __len__(self) -> int:
        return len(self.loss)

    def to_dict(self) -> dict:
        """The columns as a dict of numpy arrays (``budget`` and ``unique_tokens`` only when
        present), named so that :func:`load` detects them again."""
        out = {}
        for name in _ARRAY_NAMES:
            array = getattr(self, name)
            if array is not None:
                out["row" if name == "rows" else name] = array
        return out

    def to_pandas(self) -> Any:
        """The runs as a pandas DataFrame: n_params, n_tokens, compute, loss (budget,
        unique_tokens when present) and row. ``load(ds.to_pandas())`` gives the same runs."""
        return make_frame(self.to_dict(), "pandas")

    def to_polars(self) -> Any:
        """The runs as a polars DataFrame (columns as :meth:`to_pandas`)."""
        return make_frame(self.to_dict(), "polars")

    def to_json(self) -> str:
        """The whole dataset in the library's JSON form (as saved in a fit's provenance)."""
        return self._native.to_json()

    def _summary_lines(self) -> list:
        src = self.source
        lines = [
            f"Dataset: {len(self)} runs from {src['path']} "
            f"({src['format']}; {src['rows_in_file']} rows)"
        ]
        roles = ("params", "tokens", "flops", "loss", "budget", "unique_tokens")
        used = ", ".join(
            f"{role} '{self.columns[role]}'" if self.columns.get(role) else f"{role} derived"
            for role in roles
            if self.columns.get(role) or role in ("params", "tokens", "flops")
        )
        lines.append(f"  columns: {used}")
        for label, values in (
            ("N", self.n_params),
            ("D", self.n_tokens),
            ("C", self.compute),
            ("L", self.loss),
        ):
            lines.append(f"  {label}  {values.min():.4g} .. {values.max():.4g}")
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  warning: {w}" for w in self.warnings]
        return lines

    def __repr__(self) -> str:
        return "\n".join(self._summary_lines())

    def _repr_html_(self) -> str:
        import html

        lines = self._summary_lines()
        body = "<br>".join(html.escape(line).replace("  ", "&nbsp;&nbsp;") for line in lines)
        return f"<div style='font-family: monospace'>{body}</div>"


def _options(
    params_col: Optional[str],
    tokens_col: Optional[str],
    flops_col: Optional[str],
    loss_col: Optional[str],
    budget_col: Optional[str],
    unique_tokens_col: Optional[str],
    flops_per_param_token: float,
    flops_scale: float,
    where: Union[None, str, Sequence[str]],
    max_loss: Optional[float],
    drop_highest_loss: int,
) -> dict:
    if where is None:
        conditions: list = []
    elif isinstance(where, str):
        conditions = [where]
    else:
        conditions = [str(w) for w in where]
    return {
        "params_col": params_col,
        "tokens_col": tokens_col,
        "flops_col": flops_col,
        "loss_col": loss_col,
        "budget_col": budget_col,
        "unique_tokens_col": unique_tokens_col,
        "flops_per_param_token": float(flops_per_param_token),
        "flops_scale": float(flops_scale),
        "conditions": conditions,
        "max_loss": None if max_loss is None else float(max_loss),
        "drop_highest_loss": int(drop_highest_loss),
    }


def _filtered(read: Any, where: Any, max_loss: Any, drop_highest_loss: Any) -> Any:
    """`read()`, with an error that no runs are left after filtering naming the keywords that
    set the filter."""
    from .errors import InputError

    try:
        return read()
    except InputError as error:
        if "no runs left after filtering" not in str(error):
            raise
        given = [
            f"{name}={value!r}"
            for name, value, unset in (
                ("where", where, None), ("max_loss", max_loss, None), ("drop_highest_loss", drop_highest_loss, 0)
            )
            if value is not unset and value != unset
        ]
        if not given:
            raise
        shown = ", ".join(given)
        shown = shown if len(shown) <= 200 else shown[:197] + "..."
        raise type(error)(
            f"{error} (the filter of {shown})",
            {"kind": error.kind, "is_bad_input": error.is_bad_input, "path": error.path,
             "flag": error.cli_flag, "column": error.column},
        ) from None


def load(
    data: DataLike = None,
    *,
    N: Any = None,
    D: Any = None,
    C: Any = None,
    L: Any = None,
    U: Any = None,
    params_col: Optional[str] = None,
    tokens_col: Optional[str] = None,
    flops_col: Optional[str] = None,
    loss_col: Optional[str] = None,
    budget_col: Optional[str] = None,
    unique_tokens_col: Optional[str] = None,
    flops_per_param_token: float = _native.DEFAULT_FLOPS_PER_PARAM_TOKEN,
    flops_scale: float = 1.0,
    where: Union[None, str, Sequence[str]] = None,
    max_loss: Optional[float] = None,
    drop_highest_loss: int = 0,
) -> Dataset:
    """Load and validate a sweep of training runs, exactly as the ``scaling-laws`` command line
    does (same column detection, filters, derivations, checks and messages).

    Args:
        data: where the runs are:

            * a path (``str`` or ``os.PathLike``) to a ``.csv``, ``.parquet`` or
              ``.ndjson``/``.jsonl`` file, read by the command line's own loader;
            * a pandas or polars DataFrame (numeric columns are handed over as numpy arrays,
              text columns as strings; pandas' missing values count as empty cells);
            * a mapping of column names to arrays or sequences, e.g.
              ``{"params": n, "tokens": d, "loss": l}`` (NaN in a numpy array is NaN, not
              an empty cell);
            * a :class:`Dataset`, returned as it is (no options may be given then);
            * None, with the columns given as ``N``, ``D``, ``C``, ``L`` (and ``U``).
        N, D, C, L, U: arrays or sequences of model parameters, training tokens, compute in
            FLOPs, loss and unique tokens, when ``data`` is None. Give L and two of N, D, C.
        params_col, tokens_col, flops_col, loss_col, budget_col, unique_tokens_col: the
            column holding each role. By default each is detected by name: N from ``N``,
            ``params``, ``n_params``, ``Model Size``, ...; D from ``D``, ``tokens``,
            ``n_tokens``, ...; C from ``C``, ``flops``, ``compute``, ``Training FLOP``, ...;
            L from ``L``, ``loss``, ``final_loss``, ``val_loss``, ...; the budget from
            ``flops_budget``, ``budget``; U from ``U``, ``unique_tokens``. Names are compared
            ignoring case, spaces and punctuation. The one of N, D, C that is missing is
            derived from the other two with C = k·N·D.
        flops_per_param_token: k in C = k·N·D (6 by default: forward 2, backward 4).
        flops_scale: FLOPs per unit of the compute column (1e9 for GFLOPs, 8.64e19 for
            PFLOP/s-days).
        where: conditions rows must meet, one string or several (all must hold), e.g.
            ``"decay = cosine or decay = linear"``, ``"optimizer in (adam, adamw)"``,
            ``"name ~ 410m"``, ``"L < 4"``. A condition names a column of the data, or N, D,
            C, L for the values used. Operators: ``< <= > >= = !=``, ``~`` (contains),
            ``!~``, ``in (...)``.
        max_loss: keep only runs with loss at most this (same as ``where="L <= X"``).
        drop_highest_loss: drop this many highest-loss runs after the other filters (the
            Epoch AI replication of Chinchilla drops 5).

    Returns:
        A :class:`Dataset`. Doubts about the data (for instance a compute column that
        disagrees with 6·N·D) are issued as :class:`ScalingLawsWarning` and kept in
        ``Dataset.warnings``; notes on derivations and filters are in ``Dataset.notes``.

    Raises:
        ColumnError: a role's column is missing, unknown, ambiguous, repeated or unreadable.
        InputError: bad values (the message names the column, rows and values), values that
            cannot be derived, an unreadable file, or no rows left after filtering.
        OptionError: an invalid option (the message names its flag, e.g. ``--where``).

    Example:
        >>> import scaling_laws as sl
        >>> ds = sl.load(N=[1e8, 1e9, 1e10], D=[2e9, 2e10, 2e11], L=[3.2, 2.7, 2.3])
        >>> ds.compute.tolist()
        [1.2e+18, 1.2e+20, 1.2e+22]
    """
    options = _options(
        params_col,
        tokens_col,
        flops_col,
        loss_col,
        budget_col,
        unique_tokens_col,
        flops_per_param_token,
        flops_scale,
        where,
        max_loss,
        drop_highest_loss,
    )
    arrays = {name: values for name, values in (("N", N), ("D", D), ("C", C), ("L", L), ("U", U)) if values is not None}
    if arrays and data is not None:
        raise OptionError(
            "invalid data: give the runs one way, as data or as N, D, C, L, U arrays, not both "
            f"(got data and {', '.join(f'{name}=' for name in arrays)})",
            {"kind": "InvalidOption", "flag": "data"},
        )
    if isinstance(data, Dataset):
        defaults = _options(None, None, None, None, None, None, _native.DEFAULT_FLOPS_PER_PARAM_TOKEN, 1.0, None, None, 0)
        if options != defaults:
            raise OptionError(
                "invalid data: a Dataset is already loaded and filtered; load the source again "
                "to apply options",
                {"kind": "InvalidOption", "flag": "data"},
            )
        native = data._native
    elif data is None and arrays:
        native = _filtered(lambda: _native.load_columns(mapping_columns(arrays), "arrays", options), where, max_loss, drop_highest_loss)
    elif isinstance(data, (str, os.PathLike)):
        native = _filtered(lambda: _native.load_path(os.fspath(data), options), where, max_loss, drop_highest_loss)
    elif is_pandas_frame(data):
        native = _filtered(lambda: _native.load_columns(frame_columns(data), "pandas DataFrame", options), where, max_loss, drop_highest_loss)
    elif is_polars_frame(data):
        native = _filtered(lambda: _native.load_columns(frame_columns(data), "polars DataFrame", options), where, max_loss, drop_highest_loss)
    elif isinstance(data, Mapping):
        native = _filtered(lambda: _native.load_columns(mapping_columns(data), "arrays", options), where, max_loss, drop_highest_loss)
    elif data is None:
        raise OptionError(
            "invalid data: give the runs: a path, a pandas or polars DataFrame, a mapping of "
            "column names to arrays, or N=, D= (or C=) and L= arrays",
            {"kind": "InvalidOption", "flag": "data"},
        )
    else:
        from .errors import ArgumentTypeError

        raise ArgumentTypeError(
            f"invalid data: cannot read {type(data).__name__!r} objects; give a path, a pandas or "
            "polars DataFrame, a mapping of column names to arrays, or N=, D= (or C=) and L= "
            "arrays",
            {"kind": "InvalidOption", "flag": "data"},
        )
    if isinstance(data, Dataset):
        return data
    dataset = Dataset(native)
    for warning in dataset.warnings:
        warnings.warn(warning, stacklevel=2)
    return dataset
