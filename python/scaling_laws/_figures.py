"""Figures of a fit: :class:`Figure`, what :meth:`Fit.plot` returns."""

from __future__ import annotations

import os
from typing import Any, Optional, Union

from . import _native
from ._arguments import number_pair, numbers_list
from .errors import OptionError

__all__ = ["Figure"]

FIGURE_DEFAULTS = _native.FIGURE_DEFAULTS


class Figure:
    """A figure drawn by the library, held as SVG: shown inline in Jupyter (SVG or PNG),
    saved with :meth:`save`.

    Made by :meth:`Fit.plot`; the SVG is the same as ``scaling-laws plot KIND --out F.svg``
    writes for the same fit and options, and the PNG the same as ``--out F.png``.

    Attributes:
        kind: the figure, e.g. ``"isoflop"``.
        width, height: its size in pixels at 300 to the inch (the SVG states it in inches).
    """

    kind: str
    width: int
    height: int

    def __init__(self, kind: str, svg: str, width: int, height: int) -> None:
        self.kind = kind
        self._svg = svg
        self.width = int(width)
        self.height = int(height)
        self._png: Optional[bytes] = None

    @property
    def svg(self) -> str:
        """The figure as the text of an SVG document."""
        return self._svg

    @property
    def png(self) -> bytes:
        """The figure as the bytes of a PNG file (the SVG rasterised, anti-aliased; made on
        first use)."""
        if self._png is None:
            self._png = _native.rasterise_svg(self._svg, self.width, self.height)
        return self._png

    def save(self, path: Union[str, "os.PathLike[str]"]) -> str:
        """Write the figure to ``path``, SVG, PNG or PDF by its extension (``.svg``, ``.png``,
        ``.pdf``), atomically: the file is whole or untouched. Returns the path.

        Raises:
            OptionError: another extension (:attr:`ScalingLawsError.keyword` is ``"path"``).
            OutputError: the file cannot be written.
        """
        path = os.fspath(path)
        _native.save_svg(self._svg, path, self.width, self.height)
        return path

    def _repr_svg_(self) -> str:
        return self._svg

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return f"<Figure {self.kind} {self.width}x{self.height}>"


def _args(
    budgets: Union[None, float, list],
    tolerance_dex: float,
    compute_range: Union[None, str, tuple],
    level: float,
    models: Union[None, str, list],
    width: int,
    height: int,
) -> dict:
    if budgets is None:
        budget_list: list = []
    else:
        budget_list = numbers_list(budgets, "budgets")
    if compute_range is not None and not isinstance(compute_range, str):
        low, high = number_pair(compute_range, "compute_range")
        compute_range = f"{float(low)!r}:{float(high)!r}"
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",")]
    return {
        "budgets": budget_list,
        "tolerance_dex": float(tolerance_dex),
        "compute_range": compute_range,
        "level": float(level),
        "models": None if models is None else [str(m) for m in models],
        "width": int(width),
        "height": int(height),
    }


def save_all(native_fit: "_native.NativeFit", folder: str, **options: Any) -> list:
    """Draw every figure of a fit into ``folder`` (see :meth:`Fit.save_figures`)."""
    return list(_native.save_figures(native_fit, folder, _args(**options)))


def render(
    native_fit: "_native.NativeFit",
    kind: str,
    budgets: Union[None, float, list] = None,
    tolerance_dex: float = FIGURE_DEFAULTS["tolerance_dex"],
    compute_range: Union[None, str, tuple] = FIGURE_DEFAULTS["compute_range"],
    level: float = FIGURE_DEFAULTS["level"],
    models: Union[None, str, list] = None,
    width: int = FIGURE_DEFAULTS["width"],
    height: int = FIGURE_DEFAULTS["height"],
) -> Figure:
    """Draw figure ``kind`` of a fit (see :meth:`Fit.plot`)."""
    if kind == "all":
        raise OptionError(
            "invalid --kind: 'all' draws every figure into a folder; use "
            "Fit.save_figures(folder), or one of " + ", ".join(FIGURE_DEFAULTS["kinds"]),
            {"kind": "InvalidOption", "flag": "--kind"},
        )
    args = _args(budgets, tolerance_dex, compute_range, level, models, width, height)
    svg = _native.render_figure(native_fit, str(kind), args)
    return Figure(str(kind), svg, int(width), int(height))
