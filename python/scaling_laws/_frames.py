"""Data frames in and out: columns of pandas or polars frames (and of mappings of arrays) as
the native module takes them, and tables of results as pandas or polars frames."""

from __future__ import annotations

from typing import Any, Literal, Mapping, Sequence

import numpy as np

from .errors import OptionError

__all__ = ["FrameKind", "is_pandas_frame", "is_polars_frame", "frame_columns", "mapping_columns", "make_frame"]

FrameKind = Literal["pandas", "polars", "dict"]
"""The kind of table a function returns: a pandas DataFrame, a polars DataFrame, or a dict of
numpy arrays."""

# A column as the native module takes it: (name, "float", float64 array, missing flags or
# None), (name, "text", [str | None, ...]) or (name, "unreadable", type name).
NativeColumn = tuple


def _module_of(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def is_pandas_frame(obj: Any) -> bool:
    """True for a pandas DataFrame (checked without importing pandas)."""
    return _module_of(obj) == "pandas" and type(obj).__name__ == "DataFrame"


def is_polars_frame(obj: Any) -> bool:
    """True for a polars DataFrame or LazyFrame (checked without importing polars)."""
    return _module_of(obj) == "polars" and type(obj).__name__ in ("DataFrame", "LazyFrame")


def _text_cells(values: Sequence[Any], missing: Any) -> list:
    return [None if gone else str(v) for v, gone in zip(values, missing)]


def _pandas_column(name: str, series: Any) -> NativeColumn:
    import pandas as pd

    api = pd.api.types
    dtype = series.dtype
    missing = series.isna().to_numpy(dtype=bool)
    if api.is_bool_dtype(dtype) or (api.is_numeric_dtype(dtype) and not api.is_complex_dtype(dtype)):
        # pandas' missing values (NaN, None, pd.NA) are empty cells, as in a CSV file.
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return (name, "float", values, missing if missing.any() else None)
    if api.is_object_dtype(dtype) or api.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return (name, "text", _text_cells(series.tolist(), missing))
    return (name, "unreadable", str(dtype).lower())


def _polars_column(name: str, series: Any) -> NativeColumn:
    import polars as pl

    dtype = series.dtype
    if dtype == pl.Boolean or dtype.is_numeric():
        values = series.cast(pl.Float64).to_numpy()
        missing = series.is_null().to_numpy() if series.null_count() else None
        return (name, "float", np.asarray(values, dtype=np.float64), missing)
    if dtype in (pl.String, pl.Categorical, pl.Enum, pl.Null):
        return (name, "text", series.cast(pl.String).to_list())
    return (name, "unreadable", str(dtype).lower())


def frame_columns(frame: Any) -> list:
    """The columns of a pandas or polars frame as the native module takes them. Numeric
    columns go over as float64 arrays (no Python loop); text columns as lists of strings."""
    if is_pandas_frame(frame):
        return [_pandas_column(str(name), series) for name, series in frame.items()]
    if type(frame).__name__ == "LazyFrame":
        frame = frame.collect()
    return [_polars_column(str(name), frame.get_column(name)) for name in frame.columns]


def _array_column(name: str, values: Any) -> NativeColumn:
    if is_pandas_frame(values) or is_polars_frame(values) or isinstance(values, Mapping):
        raise OptionError(
            f"invalid data: column '{name}' is a {type(values).__name__}; give one value per run "
            "(a 1-d array or sequence) for each column",
            {"kind": "InvalidOption", "flag": "data"},
        )
    if _module_of(values) == "pandas":
        return _pandas_column(name, values)
    if _module_of(values) == "polars":
        return _polars_column(name, values)
    array = np.asarray(values)
    if array.ndim != 1:
        raise OptionError(
            f"invalid data: column '{name}' has shape {array.shape}; give one value per run "
            "(a 1-d array or sequence)",
            {"kind": "InvalidOption", "flag": "data"},
        )
    if array.dtype.kind in "biuf":
        # numpy has no missing value: NaN is NaN, as 'nan' in a CSV file.
        return (name, "float", np.ascontiguousarray(array, dtype=np.float64), None)
    if array.dtype.kind in "OUS":
        cells = array.tolist()
        missing = [v is None or (isinstance(v, float) and v != v) for v in cells]
        return (name, "text", _text_cells(cells, missing))
    return (name, "unreadable", str(array.dtype))


def mapping_columns(columns: Mapping[Any, Any]) -> list:
    """Columns from a mapping of names to arrays, sequences or Series."""
    return [_array_column(str(name), values) for name, values in columns.items()]


def make_frame(columns: Mapping[str, Any], frame: FrameKind) -> Any:
    """A table of equal-length columns as a pandas or polars DataFrame, or the dict itself."""
    if frame == "dict":
        return dict(columns)
    if frame == "pandas":
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "frame='pandas' needs pandas (pip install pandas); or use frame='polars' or "
                "frame='dict'"
            ) from None
        return pd.DataFrame(dict(columns))
    if frame == "polars":
        try:
            import polars as pl
        except ImportError:
            raise ImportError(
                "frame='polars' needs polars (pip install polars); or use frame='pandas' or "
                "frame='dict'"
            ) from None
        return pl.DataFrame(dict(columns))
    raise OptionError(
        f"invalid frame: '{frame}' is not one of pandas, polars, dict",
        {"kind": "InvalidOption", "flag": "frame"},
    )
