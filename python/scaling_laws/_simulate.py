"""Synthetic sweeps: :func:`simulate`."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Union

from . import _native
from ._frames import FrameKind, make_frame
from .errors import OptionError

__all__ = ["simulate"]

_DEFAULTS = _native.SIMULATION_DEFAULTS


def _truth(truth: Union[None, str, Mapping[str, float]]) -> Optional[str]:
    """Parameter values as ``--truth`` takes them: ``NAME=VALUE,...`` (values written exactly)."""
    if truth is None or isinstance(truth, str):
        return truth
    if isinstance(truth, Mapping):
        return ",".join(f"{name}={float(value)!r}" for name, value in truth.items())
    raise OptionError(
        "invalid --truth: give the true law's parameters as a mapping, e.g. "
        "{'E': 1.69, 'A': 406.4}, or as 'E=1.69,A=406.4'",
        {"kind": "InvalidOption", "flag": "--truth"},
    )


def simulate(
    *,
    seed: int = _DEFAULTS["seed"],
    noise: float = _DEFAULTS["noise"],
    law: Union[None, str, Mapping[str, float]] = None,
    truth: Union[None, str, Mapping[str, float]] = None,
    epochs: Optional[Sequence[float]] = None,
    budgets: Optional[Sequence[float]] = None,
    sizes_per_budget: int = _DEFAULTS["sizes_per_budget"],
    span: float = _DEFAULTS["span"],
    flops_per_param_token: float = _DEFAULTS["flops_per_param_token"],
    frame: FrameKind = "pandas",
) -> Any:
    """A synthetic IsoFLOP sweep drawn from a known law with seeded noise, as
    ``scaling-laws simulate`` writes it.

    For each compute budget C, ``sizes_per_budget`` model sizes log-spaced from N*(C)/span to
    N*(C)·span around the law's compute-optimal size, tokens D = C / (k·N), and loss
    L = L(N, D) · exp(noise · z) with z standard normal from a ChaCha8 stream seeded with
    ``seed``: the same seed gives the same runs on every machine. With ``epochs``, each run is
    repeated for each number of epochs on U = D / epochs unique tokens (a ``unique_tokens``
    column), for the data-constrained law.

    Args:
        seed: seed of the noise.
        noise: standard deviation of the log-loss noise (0.01 is about 1% multiplicative).
        law: the family of the true law (``"chinchilla"``, ``"kaplan"``,
            ``"data-constrained"``, ``"compute"``), as ``--law``; chinchilla by default. A
            mapping of Chinchilla parameters is taken as ``truth`` of the Chinchilla law.
        truth: the true law's parameters by natural name, ``{"E": 1.69, "A": 406.4, ...}`` (or
            ``"E=1.69,A=406.4"``); those left out take the family's published values
            (chinchilla: Hoffmann et al. 2022, E 1.69, A 406.4, B 410.7, alpha 0.34,
            beta 0.28).
        epochs: numbers of epochs each run is repeated for, e.g. ``[1, 4, 16, 64]``
            (the data-constrained law only).
        budgets: compute budgets in FLOPs; by default the nine of Chinchilla's Figure 3
            (6e18 to 3e21).
        sizes_per_budget: model sizes per budget.
        span: sizes run from N*/span to N*·span.
        flops_per_param_token: k in C = k·N·D.
        frame: ``"pandas"`` (default), ``"polars"`` or ``"dict"`` (of numpy arrays).

    Returns:
        The runs, one row each, with columns flops_budget, n_params, n_tokens,
        unique_tokens (with ``epochs``), flops, loss (the columns of the command's CSV) and
        true_loss (the law's loss without noise).

    Raises:
        OptionError: an invalid design (the message names the flag, e.g. ``--span``,
            ``--truth``, ``--epochs``).

    Example:
        >>> import scaling_laws as sl
        >>> runs = sl.simulate(frame="dict")
        >>> len(runs["loss"])
        108
    """
    if isinstance(law, Mapping) and truth is not None:
        raise OptionError(
            "invalid --law: it gives parameter values, which truth= gives; law= names the "
            "family (e.g. law='chinchilla')",
            {"kind": "InvalidOption", "flag": "--law"},
        )
    args = {
        "seed": int(seed),
        "noise": float(noise),
        "law": law if law is None or isinstance(law, str) else None,
        "truth": _truth(law if isinstance(law, Mapping) else truth),
        "epochs": [] if epochs is None else [float(e) for e in epochs],
        "budgets": None if budgets is None else [float(b) for b in budgets],
        "sizes_per_budget": int(sizes_per_budget),
        "span": float(span),
        "flops_per_param_token": float(flops_per_param_token),
    }
    try:
        columns = _native.simulate_runs(args)
    except OptionError as error:
        # A mapping given as law= is the truth: name the keyword it came from.
        if not (isinstance(law, Mapping) and error.cli_flag == "--truth"):
            raise
        raise OptionError(
            str(error).replace("invalid truth:", "invalid law:", 1),
            {"kind": error.kind, "flag": "law"},
        ) from None
    return make_frame(columns, frame)
