"""Planning a training run: :func:`plan` and :class:`Plan`."""

from __future__ import annotations

import json
import warnings
from typing import TYPE_CHECKING, Any, Literal, Optional, Union

from . import _native
from ._frames import FrameKind, make_frame
from .errors import ScalingLawsWarning

if TYPE_CHECKING:
    from ._fit import Fit

__all__ = ["Plan", "plan"]

Optimizer = Literal["adam-mixed", "adam-fp32", "sgd-mixed", "sgd-fp32"]
Recompute = Literal["none", "selective", "full"]
ComputePrecision = Literal["fp32", "tf32", "bf16", "fp16", "fp8", "int8"]


class Plan:
    """What training a model takes, as worked out by the planner.

    Attributes:
        model: ``name``, ``n_params``, ``n_tokens`` and ``architecture`` of the model.
        flops: training FLOPs by ``six_nd`` (6·N·D) and ``appendix_f`` (Hoffmann et al. 2022,
            appendix F, when the architecture is known), or None without tokens.
        weights: bytes of the weights for inference, by precision (``{"fp32": ..., ...}``).
        setup: optimizer, micro-batch, recomputation and GPU count.
        state_bytes: bytes per parameter of weights, gradients and optimizer state.
        activations_per_gpu: activation bytes per GPU, when the architecture is known.
        strategies: memory per GPU under DDP, ZeRO-1/2/3 (FSDP): one dict per strategy with
            ``states_per_gpu``, ``total_per_gpu`` (bytes), ``fits`` and ``min_gpus``.
        hardware: the accelerator, GPU count, peak FLOP/s and MFU, when given.
        time: ``days``, ``gpu_hours``, ``cost``, ``energy_mwh``, ..., when hardware and tokens
            are given.
        notes: notes of the planner (e.g. options that went unused).
        allocation: with a budget and a fit, the compute-optimal N*, D*, D*/N* and L* of the
            budget (with intervals when the fit has bootstrap draws); else None.
        budget: with a budget, the budget as given and in FLOPs, with the conversion in words.
        shapes: the shapes proposed (layers, width, heads, FFN; ranked), when asked for.
        report: the whole of ``scaling-laws plan --format json``.
    """

    def __init__(self, report_json: str, text: str, notes: list) -> None:
        self.report: dict = json.loads(report_json)
        self._dict = self.report["plan"]
        self._text = text
        self.allocation: Optional[dict] = self.report.get("allocation")
        self.budget: Optional[dict] = self.report.get("budget")
        self.shapes: Optional[list] = self.report.get("shapes")
        d = self._dict
        self.model: dict = d["model"]
        self.flops: Optional[dict] = d["flops"]
        self.weights: dict = {precision: size for precision, size in d["weights"]}
        self.setup: dict = d["setup"]
        self.state_bytes: dict = d["state_bytes"]
        self.activations_per_gpu: Optional[float] = d["activations_per_gpu"]
        self.strategies: list = d["strategies"]
        self.hardware: Optional[dict] = d["hardware"]
        self.time: Optional[dict] = d["time"]
        self.notes: list = list(notes)

    def to_dict(self) -> dict:
        """The plan as the ``plan`` entry of ``scaling-laws plan --format json``."""
        return json.loads(json.dumps(self._dict))

    def memory(self, frame: FrameKind = "pandas") -> Any:
        """Memory by strategy as a table: strategy, states_per_gpu_gb, total_per_gpu_gb,
        fits and min_gpus (GB are 10^9 bytes; None where the GPU count is not given)."""
        rows = self.strategies

        def gb(value: Optional[float]) -> Optional[float]:
            return None if value is None else value / 1e9

        columns = {
            "strategy": [r["strategy"] for r in rows],
            "states_per_gpu_gb": [gb(r["states_per_gpu"]) for r in rows],
            "total_per_gpu_gb": [gb(r["total_per_gpu"]) for r in rows],
            "fits": [r["fits"] for r in rows],
            "min_gpus": [r["min_gpus"] for r in rows],
        }
        return make_frame(columns, frame)

    def to_pandas(self) -> Any:
        """Memory by strategy as a pandas DataFrame (see :meth:`memory`)."""
        return self.memory("pandas")

    def to_polars(self) -> Any:
        """Memory by strategy as a polars DataFrame (see :meth:`memory`)."""
        return self.memory("polars")

    def __repr__(self) -> str:
        return self._text.rstrip("\n")

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self._text)}</pre>"


def plan(
    model: Optional[str] = None,
    *,
    params: Optional[float] = None,
    tokens: Optional[float] = None,
    layers: Optional[int] = None,
    d_model: Optional[int] = None,
    heads: Optional[int] = None,
    key_size: Optional[int] = None,
    ffw: Optional[int] = None,
    vocab: Optional[int] = None,
    seq_len: Optional[int] = None,
    gated_ffw: bool = False,
    optimizer: Optimizer = "adam-mixed",
    micro_batch: int = 1,
    recompute: Recompute = "selective",
    gpu: Optional[str] = None,
    gpus: Optional[int] = None,
    compute_precision: ComputePrecision = "bf16",
    peak_tflops: Optional[float] = None,
    gpu_memory_gb: Optional[float] = None,
    mfu: Optional[float] = None,
    price_per_gpu_hour: Optional[float] = None,
    watts_per_gpu: Optional[float] = None,
    shape: Union[None, bool, float] = None,
    shapes_per_rule: int = 2,
    tp: int = 8,
    embeddings: Optional[str] = None,
    budget: Optional[float] = None,
    days: Optional[float] = None,
    gpu_hours: Optional[float] = None,
    dollars: Optional[float] = None,
    fit: Optional["Fit"] = None,
) -> Plan:
    """What training a model takes: FLOPs, memory by precision, per-GPU memory under DDP and
    ZeRO/FSDP, and time on given hardware. The same planner as ``scaling-laws plan``, with its
    options as keyword arguments and the same defaults.

    Args:
        model: a well-known model from the built-in catalogue (e.g. ``"chinchilla"``,
            ``"gpt-3"``, ``"llama-3-405b"``): its parameters, tokens and architecture.
        params: parameters N (instead of ``model``).
        tokens: training tokens D (needed for FLOPs and time).
        layers, d_model, heads: the architecture (all three), for the parameter count,
            appendix-F FLOPs and activation memory; ``key_size`` defaults to
            d_model / heads, ``ffw`` to 4·d_model.
        vocab, seq_len: vocabulary size and training sequence length (32000 and 2048 when not
            given; a catalogue model's own with ``model``, where a given ``seq_len`` replaces
            its own with a note and a ``vocab`` other than its own is refused).
        gated_ffw: a gated feed-forward block (SwiGLU, as in LLaMA).
        optimizer: ``"adam-mixed"`` (16 bytes/param), ``"adam-fp32"``, ``"sgd-mixed"``,
            ``"sgd-fp32"``.
        micro_batch: sequences per GPU per step.
        recompute: activation recomputation, ``"none"``, ``"selective"`` or ``"full"``.
        gpu: an accelerator from the built-in catalogue (e.g. ``"a100-80gb"``, ``"h100-sxm"``,
            ``"tpu-v5p"``).
        gpus: number of accelerators (memory per GPU is shown on them; 1 with ``gpu``).
        compute_precision: the precision whose peak throughput applies.
        peak_tflops, gpu_memory_gb: override the catalogue's figures (or describe an
            accelerator without ``gpu``: give both).
        mfu: model FLOPs utilisation, achieved / peak (0.4 when not given).
        price_per_gpu_hour, watts_per_gpu: for cost and energy estimates.
        shape: propose shapes (layers, width, heads, FFN) within 1% of N from published
            families' rules: ``True`` for the model described otherwise, or a size N alone
            (``--shape N``); the plan then uses the top-ranked shape.
        shapes_per_rule: shapes proposed per rule.
        tp: tensor-parallel degree: proposed shapes have heads (and key/value heads)
            divisible by it (8, one 8-GPU node, by default; 1 lifts the constraint).
        embeddings: ``"tied"`` or ``"untied"``: the parameter count's embedding convention;
            by default each shape rule's own (llama and olmo untied, chinchilla tied), and
            tied for an architecture given by hand.
        budget: a compute budget in FLOPs: plan the compute-optimal model of ``fit`` for it.
        days, gpu_hours, dollars: the budget in GPU time (days on ``gpus`` accelerators of
            ``gpu``), accelerator-hours or money (at ``price_per_gpu_hour``) instead.
        fit: the :class:`Fit` whose compute-optimal model a budget asks for.

    Returns:
        A :class:`Plan`; ``repr`` shows the command line's text report, :meth:`Plan.memory`
        the memory table, :meth:`Plan.to_dict` the command line's JSON.

    Raises:
        OptionError: an invalid or contradictory option, an unknown model or accelerator;
            the message names the flag (``--gpu`` is ``gpu=``).

    Example:
        >>> import scaling_laws as sl
        >>> p = sl.plan(params=70e9, tokens=1.4e12, gpu="a100", gpus=1024)
        >>> round(p.time["days"], 1)
        53.3
    """
    args = {
        "model": model,
        "params": params,
        "tokens": tokens,
        "layers": layers,
        "d_model": d_model,
        "heads": heads,
        "key_size": key_size,
        "ffw": ffw,
        "vocab": vocab,
        "seq_len": seq_len,
        "gated_ffw": gated_ffw,
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
        "shape": shape is not None and shape is not False,
        "shape_size": None if isinstance(shape, bool) or shape is None else float(shape),
        "shapes_per_rule": shapes_per_rule,
        "tp": tp,
        "embeddings": embeddings,
        "budget": budget,
        "days": days,
        "gpu_hours": gpu_hours,
        "dollars": dollars,
    }
    report_json, text, notes = _native.plan_json(args, None if fit is None else fit._native)
    for note in notes:
        warnings.warn(ScalingLawsWarning(note, "unused_option"), stacklevel=2)
    return Plan(report_json, text, notes)
