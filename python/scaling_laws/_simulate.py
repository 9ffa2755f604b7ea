"""Synthetic sweeps: :func:`simulate`."""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

from . import _native
from ._frames import FrameKind, make_frame

__all__ = ["simulate"]

_DEFAULTS = _native.SIMULATION_DEFAULTS


def simulate(
    *,
    seed: int = _DEFAULTS["seed"],
    noise: float = _DEFAULTS["noise"],
    law: Optional[Mapping[str, float]] = None,
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
    ``seed``: the same seed gives the same runs on every machine.

    Args:
        seed: seed of the noise.
        noise: standard deviation of the log-loss noise (0.01 is about 1% multiplicative).
        law: the true law L = E + A/N^alpha + B/D^beta as ``{"E": .., "A": .., "B": ..,
            "alpha": .., "beta": ..}``; by default Hoffmann et al. 2022 (E 1.69, A 406.4,
            B 410.7, alpha 0.34, beta 0.28).
        budgets: compute budgets in FLOPs; by default the nine of Chinchilla's Figure 3
            (6e18 to 3e21).
        sizes_per_budget: model sizes per budget.
        span: sizes run from N*/span to N*·span.
        flops_per_param_token: k in C = k·N·D.
        frame: ``"pandas"`` (default), ``"polars"`` or ``"dict"`` (of numpy arrays).

    Returns:
        The runs, one row each, with columns flops_budget, n_params, n_tokens, flops, loss (the
        columns of the command's CSV) and true_loss (the law's loss without noise).

    Raises:
        OptionError: an invalid design (the message names the flag, e.g. ``--span``).

    Example:
        >>> import scaling_laws as sl
        >>> runs = sl.simulate(frame="dict")
        >>> len(runs["loss"])
        108
    """
    args = {
        "seed": int(seed),
        "noise": float(noise),
        "law_json": None if law is None else json.dumps(dict(law)),
        "budgets": None if budgets is None else [float(b) for b in budgets],
        "sizes_per_budget": int(sizes_per_budget),
        "span": float(span),
        "flops_per_param_token": float(flops_per_param_token),
    }
    return make_frame(_native.simulate_runs(args), frame)
