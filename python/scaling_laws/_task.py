"""Benchmark accuracy chained from N and D through the task loss (``scaling-laws task``)."""

from __future__ import annotations

import json
import os
import re
from typing import Any, Mapping, Optional, Sequence, Union

from . import _native
from ._figures import Figure
from ._frames import FrameKind, make_frame
from .errors import OptionError

__all__ = ["TaskLaws", "task"]


class TaskLaws:
    """Per task: the two steps fitted, the task's noise, its verdict and its predictions (what
    ``scaling-laws task --format json`` reports).

    Attributes:
        report: the report as a dict, exactly the command line's JSON.
        tasks: one dict per task (``task``, ``verdict``, ``noise``, ``step1``, ``step2``,
            ``predictions``, …).
    """

    def __init__(self, text: str, paths: Optional[list] = None, args: Optional[dict] = None) -> None:
        self.report: dict = json.loads(text)
        self.tasks: list = self.report["tasks"]
        self._paths = paths
        self._args = args

    def plot(self, *, width: Optional[int] = None, height: Optional[int] = None) -> Figure:
        """The figure of ``scaling-laws task --plot``: a row per task (at most 12) with step 1
        (task loss against compute: each size's law, the compute-optimal frontier, the
        targets), step 2 (accuracy against task loss: the evaluations fitted, the fitted
        curve, the random-guess floor, the targets' intervals) and the chain along the
        frontier. The laws are fitted again for it, with the same seeds (the same numbers).

        Args:
            width, height: the size in pixels at 300 to the inch; by default 6.75 inches wide
                and 2.2 inches a task.

        Returns:
            A :class:`Figure`, shown inline in Jupyter; ``.save("tasks.png")`` writes it.
        """
        if self._paths is None or self._args is None:
            raise OptionError("this report was not made by task(); call task() to draw it", {"kind": "InvalidOption", "flag": "--plot"})
        svg = _native.task_plot_svg(self._paths, self._args, int(width or 0), int(height or 0))
        found = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
        w, h = (int(found.group(1)), int(found.group(2))) if found else (int(width or 0), int(height or 0))
        return Figure("tasks", svg, w, h)

    def predictions(self, *, frame: FrameKind = "pandas") -> Any:
        """One row per task and target (the targets, then the budgets): task, target, params,
        tokens (a budget's compute-optimal N* and D*), budget (None for a target), verdict,
        task_loss, accuracy, lower, upper (None where withheld or without a bootstrap) and
        withheld (why, or None)."""
        rows = [(t, p) for t in self.tasks for p in t["predictions"]]
        interval = [p.get("interval") for _, p in rows]
        columns = {
            "task": [t["task"] for t, _ in rows],
            "target": [p["target"] for _, p in rows],
            "params": [p.get("params") for _, p in rows],
            "tokens": [p.get("tokens") for _, p in rows],
            "budget": [p.get("budget") for _, p in rows],
            "verdict": [t["verdict"] for t, _ in rows],
            "task_loss": [p.get("task_loss") for _, p in rows],
            "accuracy": [p.get("accuracy") for _, p in rows],
            "lower": [None if i is None else i[0] for i in interval],
            "upper": [None if i is None else i[1] for i in interval],
            "withheld": [p.get("withheld") for _, p in rows],
        }
        return make_frame(columns, frame)

    def accuracy_goals(self, *, frame: FrameKind = "pandas") -> Any:
        """One row per task and accuracy asked for (``target_accuracy``): task, accuracy,
        task_loss (where step 2 reaches it), compute (the least FLOPs), params, tokens (N* and
        D* there), lower, upper (the compute's interval; upper None when too many refits never
        reach the accuracy), unreached (refits that never do) and withheld (why no number, or
        None)."""
        rows = [(t, g) for t in self.tasks for g in t.get("accuracy_goals", [])]
        interval = [g.get("interval") for _, g in rows]
        columns = {
            "task": [t["task"] for t, _ in rows],
            "accuracy": [g["accuracy"] for _, g in rows],
            "task_loss": [g.get("task_loss") for _, g in rows],
            "compute": [g.get("compute") for _, g in rows],
            "params": [g.get("params") for _, g in rows],
            "tokens": [g.get("tokens") for _, g in rows],
            "lower": [None if i is None else i[0] for i in interval],
            "upper": [None if i is None else i[1] for i in interval],
            "unreached": [g.get("unreached", 0) for _, g in rows],
            "withheld": [g.get("withheld") for _, g in rows],
        }
        return make_frame(columns, frame)

    def __repr__(self) -> str:
        verdicts = ", ".join(f"{t['task']}: {t['verdict'].split(':')[0]}" for t in self.tasks)
        return f"TaskLaws({verdicts})"


def _pairs(values: Union[None, Mapping[str, float]], what: str) -> list:
    if values is None:
        return []
    if not isinstance(values, Mapping):
        raise OptionError(f"invalid --{what}: give a mapping of names to numbers", {"kind": "InvalidOption", "flag": f"--{what}"})
    return [(str(k), float(v)) for k, v in values.items()]


def _numbers(values: Union[None, float, Sequence[float]]) -> list:
    if values is None:
        return []
    if isinstance(values, (int, float)):
        return [float(values)]
    return [float(v) for v in values]


def task(
    files: Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]],
    *,
    target: Optional[Mapping[str, Sequence[float]]] = None,
    budget: Union[None, float, Sequence[float]] = None,
    target_accuracy: Union[None, float, Sequence[float]] = None,
    run_params: Optional[Mapping[str, float]] = None,
    tasks: Optional[Sequence[str]] = None,
    average: Optional[Mapping[str, Mapping[str, float]]] = None,
    floor: Optional[Mapping[str, float]] = None,
    template: Optional[Sequence[Sequence[str]]] = None,
    step2: str = "sigmoid",
    bootstrap: int = 100,
    level: float = 0.95,
) -> TaskLaws:
    """Benchmark accuracy chained from N and D through the task loss, per task, as
    ``scaling-laws task`` computes it (Bhagia et al. 2024): step 1 the Chinchilla form on each
    run's final task loss, step 2 a sigmoid of accuracy against task loss, intervals from runs
    resampled within sizes plus the task's noise, and a verdict per task; a prediction that
    cannot be trusted is withheld ("cannot tell").

    Args:
        files: the ladder's evaluation logs, one run per file or many in a long table
            with a run column (``run``, ``run_id``, ``run_name``).
        target: the models to predict, ``{"7B": (N, D)}``.
        budget: compute budgets (FLOPs) to predict at, each at the compute-optimal N*, D* of
            the task's step 1 law (C = 6·N·D).
        target_accuracy: accuracies (fractions) to reach: the least compute, N* and D* for
            each, with intervals (:meth:`TaskLaws.accuracy_goals`). At least one of
            ``target``, ``budget`` and ``target_accuracy`` is needed.
        run_params: each run's parameter count, by run name or its start before ``-``, ``_``
            or ``.`` (``{"190M": 190354176}`` for ``190M-1xC``; the longest name wins).
        tasks: task names or globs; every task found by default.
        average: tasks averaged from others, ``{"mmlu": {"mmlu_stem_test_rc_5shot": 0.215, ...}}``.
        floor: random-guess accuracies, ``{"task": 0.25}``.
        template: column templates ``[(ACC, LOSS), ...]`` with ``{task}`` in ACC, and in LOSS
            unless one loss column serves every task (the language model's loss).
        step2: ``"sigmoid"`` (the OLMo ladder's) or ``"exponential"`` (Gadre et al.'s
            ``1 − ε + k·e^(−γL)``).
        bootstrap: replicates for the intervals (0: none).
        level: confidence level of the intervals.

    Returns:
        A :class:`TaskLaws`.

    Raises:
        InputError, OptionError: accuracies in percent or outside [0, 1], a missing loss
            column, a task pattern matching nothing, a run without a parameter count.
    """
    paths = [os.fspath(files)] if isinstance(files, (str, os.PathLike)) else [os.fspath(f) for f in files]
    if target is not None and not isinstance(target, Mapping):
        raise OptionError("invalid --target: give {name: (N, D)}", {"kind": "InvalidOption", "flag": "--target"})
    args = {
        "params": _pairs(run_params, "run-params"),
        "target": [(str(name), float(nd[0]), float(nd[1])) for name, nd in (target or {}).items()],
        "budget": _numbers(budget),
        "target_accuracy": _numbers(target_accuracy),
        "step2": str(step2),
        "task": [] if tasks is None else [str(t) for t in ([tasks] if isinstance(tasks, str) else tasks)],
        "average": [] if average is None else [(str(n), _pairs(parts, "average")) for n, parts in average.items()],
        "floor": _pairs(floor, "floor"),
        "template": [] if template is None else [(str(a), str(l)) for a, l in template],
        "bootstrap": int(bootstrap),
        "level": float(level),
    }
    return TaskLaws(_native.task_laws_json(paths, args), paths, args)
