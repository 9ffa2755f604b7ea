"""scaling_laws.plan gives the command line's plan for the same arguments."""

from __future__ import annotations

import pytest

import scaling_laws as sl
from conftest import cli_error

# (keyword arguments, the same as flags)
CASES = [
    (dict(params=70e9, tokens=1.4e12, gpu="a100", gpus=1024), []),
    (dict(model="chinchilla", gpu="h100-sxm", gpus=256, mfu=0.35, price_per_gpu_hour=2.5, watts_per_gpu=700), []),
    (
        dict(layers=32, d_model=4096, heads=32, ffw=11008, gated_ffw=True, tokens=2e12,
             vocab=32000, seq_len=4096, micro_batch=2, recompute="full", optimizer="adam-fp32",
             gpu="a100-40gb", gpus=64, compute_precision="tf32"),
        [],
    ),
    (dict(params=7.5e9, gpus=64), []),
    (dict(params=1e9, tokens=2e10, peak_tflops=100, gpu_memory_gb=24, optimizer="sgd-mixed", recompute="none"), []),
]


def flags(kwargs: dict) -> list:
    out = []
    for key, value in kwargs.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            out.append(flag)
        else:
            out += [flag, str(value)]
    return out


@pytest.mark.parametrize("kwargs", [case[0] for case in CASES])
def test_plan_equals_the_command_lines_json(kwargs, cli_json):
    expected = cli_json("plan", *flags(kwargs), "--format", "json")
    got = sl.plan(**kwargs)
    assert got.to_dict() == expected["plan"]


def test_plan_result_views(cli):
    p = sl.plan(params=70e9, tokens=1.4e12, gpu="a100", gpus=1024, price_per_gpu_hour=2.0)
    assert p.time["days"] == pytest.approx(53.26, abs=0.05)
    assert p.time["cost"] == pytest.approx(p.time["gpu_hours"] * 2.0, rel=1e-12)
    assert p.weights["bf16"] == 140e9
    assert repr(p) == cli("plan", "--params", "70e9", "--tokens", "1.4e12", "--gpu", "a100",
                          "--gpus", "1024", "--price-per-gpu-hour", "2").stdout.rstrip("\n")
    table = p.memory("dict")
    assert table["strategy"] == [s["strategy"] for s in p.strategies]
    assert len(table["strategy"]) == len(p.strategies) >= 4
    assert table["total_per_gpu_gb"][0] == pytest.approx(p.strategies[0]["total_per_gpu"] / 1e9)
    pd = pytest.importorskip("pandas")
    frame = p.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["strategy", "states_per_gpu_gb", "total_per_gpu_gb", "fits", "min_gpus"]


def test_plan_errors_carry_the_command_lines_messages(cli):
    with pytest.raises(sl.OptionError) as caught:
        sl.plan(params=1e9, gpu="abacus")
    assert str(caught.value) == cli_error(cli("plan", "--params", "1e9", "--gpu", "abacus", check=False))
    assert caught.value.keyword == "gpu"
    with pytest.raises(sl.OptionError) as caught:
        sl.plan(params=1e9, tokens=-5)
    assert str(caught.value) == cli_error(cli("plan", "--params", "1e9", "--tokens", "-5", check=False))
    with pytest.raises(sl.OptionError, match="invalid optimizer: 'adagrad' is not one of adam-mixed"):
        sl.plan(params=1e9, optimizer="adagrad")
    with pytest.raises(sl.OptionError, match="describe the model one way"):
        sl.plan("chinchilla", params=1e9)


def test_unused_options_are_warned_about():
    with pytest.warns(sl.ScalingLawsWarning, match="mfu= applies to the time estimate"):
        p = sl.plan(params=1e9, tokens=2e10, mfu=0.5)
    assert p.time is None and len(p.notes) == 1


def test_a_catalogue_model_refuses_another_vocabulary_and_takes_a_sequence_length():
    import scaling_laws as sl

    with pytest.raises(sl.OptionError, match="chinchilla has a vocabulary of 32000"):
        sl.plan(model="chinchilla", gpu="a100", gpus=64, vocab=50000)
    plain = sl.plan(model="chinchilla", gpu="a100", gpus=64)
    same = sl.plan(model="chinchilla", gpu="a100", gpus=64, vocab=32000)
    assert same.to_dict() == plain.to_dict()
    with pytest.warns(Warning, match="sequence length 4096"):
        longer = sl.plan(model="chinchilla", gpu="a100", gpus=64, seq_len=4096)
    assert longer.to_dict() != plain.to_dict()
