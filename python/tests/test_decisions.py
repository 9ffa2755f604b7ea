"""Fit.optimal answers every question ``scaling-laws optimal`` answers, with the same numbers:
budgets in GPU time and money, plans on hardware, shapes, inference-aware sizes and unique-token
limits. Each case runs the command line on the same fit file and compares the whole JSON
report."""

from __future__ import annotations

import warnings

import pytest

import scaling_laws as sl

from conftest import SWEEP_CSV

# Each case: Fit.optimal's keyword arguments, and the flags of `scaling-laws optimal` that ask
# the same question.
CASES = {
    "days on gpus of a catalogue accelerator, with shapes": (
        dict(gpu="h100", gpus=512, days=30, mfu=0.4, shape=True),
        ["--gpu", "h100", "--gpus", "512", "--days", "30", "--mfu", "0.4", "--shape"],
    ),
    "gpu-hours beside a FLOP budget, with price and power": (
        dict(budgets=[1e22], gpu="a100", gpu_hours=1e5, price_per_gpu_hour=2.0,
             watts_per_gpu=400.0),
        ["--budget", "1e22", "--gpu", "a100", "--gpu-hours", "1e5", "--price-per-gpu-hour",
         "2", "--watts-per-gpu", "400"],
    ),
    "money at a price per gpu-hour, fp8 peak, full recomputation": (
        dict(dollars=1e6, gpu="h100", price_per_gpu_hour=2.5, compute_precision="fp8",
             recompute="full", micro_batch=2),
        ["--dollars", "1e6", "--gpu", "h100", "--price-per-gpu-hour", "2.5",
         "--compute-precision", "fp8", "--recompute", "full", "--micro-batch", "2"],
    ),
    "a gpu count alone plans memory per gpu": (
        dict(budgets="1e20:1e22", gpus=8, optimizer="sgd-mixed"),
        ["--budgets", "1e20:1e22", "--gpus", "8", "--optimizer", "sgd-mixed"],
    ),
    "a custom accelerator and three shapes per rule": (
        dict(budgets=[1e21], peak_tflops=300.0, gpu_memory_gb=40.0, shape=True,
             shapes_per_rule=3, vocab=50000, seq_len=4096),
        ["--budget", "1e21", "--peak-tflops", "300", "--gpu-memory-gb", "40", "--shape",
         "--shapes-per-rule", "3", "--vocab", "50000", "--seq-len", "4096"],
    ),
    "shapes split four ways, counted with untied embeddings": (
        dict(budgets=[1e23], shape=True, tp=4, embeddings="untied"),
        ["--budget", "1e23", "--shape", "--tp", "4", "--embeddings", "untied"],
    ),
    "inference tokens and a unique-token limit": (
        dict(budgets=[1e22], target_loss=2.2, inference_tokens=1e13, unique_tokens=1e11),
        ["--budget", "1e22", "--target-loss", "2.2", "--inference-tokens", "1e13",
         "--unique-tokens", "1e11"],
    ),
}


@pytest.fixture(scope="module")
def fit_file(tmp_path_factory):
    """A fit of the shipped sweep with 30 bootstrap draws, saved where the CLI reads it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLawsWarning)
        f = sl.fit(SWEEP_CSV, starts=20).bootstrap(30, seed=11).fit
    path = tmp_path_factory.mktemp("optimal") / "fit.json"
    path.write_text(f.to_json())
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_the_report_equals_the_command_lines_json(case, fit_file, cli_json):
    kwargs, flags = CASES[case]
    f = sl.Fit.load(fit_file)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLawsWarning)
        ours = f.optimal(frame="json", **kwargs)
    theirs = cli_json("optimal", "--fit", fit_file, *flags, "--format", "json")
    assert ours == theirs
    # The questions were asked: not a report of answers alone.
    assert ours.keys() - {"answers", "family", "law", "rows_used", "source"}


def test_the_budget_in_hardware_units_keeps_its_conversion(fit_file):
    f = sl.Fit.load(fit_file)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLawsWarning)
        frame = f.optimal(budgets=[1e22], gpu="h100", gpus=64, days=10)
    decisions = frame.attrs["report"]["decisions"]
    assert [d["budget"]["amount"]["unit"] for d in decisions] == ["flops", "gpu-time"]
    # 64 x 989 TFLOP/s x MFU 0.4 x 10 days
    assert decisions[1]["budget"]["flops"] == pytest.approx(64 * 989e12 * 0.4 * 10 * 86400,
                                                            rel=1e-12)
    assert frame.attrs["answers"] == frame.attrs["report"]["answers"]


def test_unused_hardware_figures_are_noted_and_bad_ones_name_the_keyword(fit_file):
    f = sl.Fit.load(fit_file)
    with pytest.warns(sl.ScalingLawsWarning, match="mfu= applies to the time estimate"):
        f.optimal(budgets=[1e22], mfu=0.5, frame="dict")
    for kwargs, keyword in [
        (dict(days=3), "gpus"),
        (dict(dollars=1e6, gpu="a100"), "price_per_gpu_hour"),
        (dict(gpu="a100", mfu=1.5), "mfu"),
        (dict(gpu="nosuch"), "gpu"),
        (dict(compute_precision="fp4"), "compute_precision"),
        (dict(shape=True, shapes_per_rule=0), "shapes_per_rule"),
        (dict(shape=True, tp=0), "tp"),
        (dict(shape=True, embeddings="shared"), "embeddings"),
        (dict(inference_tokens=-1.0), "inference_tokens"),
        (dict(unique_tokens=0.0), "unique_tokens"),
    ]:
        with pytest.raises(sl.OptionError) as e:
            f.optimal(budgets=[1e22], **kwargs)
        assert e.value.keyword == keyword, (kwargs, e.value)


PLAN_CASES = {
    "a budget in flops with the fit's compute-optimal model": (
        dict(budget=1e23, gpu="h100", gpus=64),
        ["--budget", "1e23", "--gpu", "h100", "--gpus", "64"],
    ),
    "days on gpus, with shapes": (
        dict(days=10, gpu="h100", gpus=64, shape=True),
        ["--days", "10", "--gpu", "h100", "--gpus", "64", "--shape"],
    ),
}


@pytest.mark.parametrize("case", list(PLAN_CASES))
def test_plan_of_a_budget_equals_the_command_lines_json(case, fit_file, cli_json):
    kwargs, flags = PLAN_CASES[case]
    p = sl.plan(fit=sl.Fit.load(fit_file), **kwargs)
    theirs = cli_json("plan", "--fit", fit_file, *flags, "--format", "json")
    assert p.report == theirs
    assert p.to_dict() == theirs["plan"] and p.allocation == theirs["allocation"]
    assert p.budget["flops"] == pytest.approx(p.allocation["compute"]["value"], rel=1e-12)


def test_plan_shapes_equal_the_command_lines(cli_json, cli):
    p = sl.plan(shape=7e9, tokens=2e12)
    theirs = cli_json("plan", "--shape", "7e9", "--tokens", "2e12", "--format", "json")
    assert p.report == theirs and p.shapes == theirs["shapes"] and len(p.shapes) >= 2
    assert repr(p) == cli("plan", "--shape", "7e9", "--tokens", "2e12").stdout.rstrip("\n")
    described = sl.plan(params=7e9, tokens=2e12, shape=True, shapes_per_rule=3)
    assert described.report == cli_json("plan", "--params", "7e9", "--tokens", "2e12", "--shape",
                                         "--shapes-per-rule", "3", "--format", "json")
    with pytest.raises(sl.OptionError) as e:
        sl.plan(budget=1e23)
    assert e.value.keyword == "fit"
    with pytest.raises(sl.OptionError) as e:
        sl.plan(params=7e9, shape=True, shapes_per_rule=0)
    assert e.value.keyword == "shapes_per_rule"


def test_design_equals_the_command_line(fit_file, cli, tmp_path):
    f = sl.Fit.load(fit_file)
    runs = sl.design(f, budgets="1e19:1e21", sizes=5, gpu="a100", gpus=8, shape=True)
    flags = ["--fit", fit_file, "--budgets", "1e19:1e21", "--sizes", "5", "--gpu", "a100",
             "--gpus", "8", "--shape"]
    assert runs.to_json() == cli("design", *flags, "--format", "json").stdout
    assert repr(runs) == cli("design", *flags).stdout.rstrip("\n")
    out = tmp_path / "runs.csv"
    cli("design", *flags, "--out", out)
    assert runs.to_csv() == out.read_text()
    saved = runs.save(tmp_path / "ours.csv")
    assert open(saved).read() == out.read_text()
    table = runs.table("dict")
    # 1e19 to 1e21, two budgets per decade: five budgets of five sizes.
    assert len(table["n_params"]) == 5 * 5 and set(table["gpu"]) == {"a100-80gb"}
    plain = sl.design(budgets=[1e20, 1e21])
    assert plain.to_json() == cli("design", "--budget", "1e20", "--budget", "1e21",
                                  "--format", "json").stdout
    with pytest.raises(sl.OptionError) as e:
        sl.design(f, budgets=[1e21], flops_per_param_token=8)
    assert e.value.keyword == "flops_per_param_token"


def test_suggest_equals_the_command_line(fit_file, cli, tmp_path):
    f = sl.Fit.load(fit_file)
    runs = f.suggest(1e23, 4, target="loss")
    flags = [fit_file, "--target-budget", "1e23", "--runs", "4", "--target", "loss"]
    assert runs.to_json() == cli("suggest", *flags, "--format", "json").stdout
    assert runs.to_csv() == cli("suggest", *flags, "--format", "csv").stdout
    assert len(runs.table("dict")["run"]) == 4
    with pytest.raises(sl.OptionError) as e:
        f.suggest(1e23, 4, target="alpha")
    assert e.value.keyword == "target"


def test_suggest_states_the_fitted_ranges_and_flags_runs_outside_them(fit_file, cli):
    f = sl.Fit.load(fit_file)
    inside = f.suggest(1e23, 4)
    assert set(inside.report["ranges"]) == {"n_params", "tokens_per_param"}
    assert all(r["outside"] is None for r in inside.report["runs"])
    assert inside.table("dict")["outside"] == [None] * 4
    runs = f.suggest(1e23, 4, allow_outside=True)
    flags = [fit_file, "--target-budget", "1e23", "--runs", "4", "--allow-outside"]
    assert runs.to_json() == cli("suggest", *flags, "--format", "json").stdout
    assert runs.table("dict")["outside"] == [r["outside"] for r in runs.report["runs"]]


def test_plan_shapes_take_the_tensor_parallel_degree_and_embeddings_as_the_command_line(cli_json):
    default = sl.plan(shape=70e9)
    # Heads split 8 ways by default, each rule counted with its own embeddings.
    assert all(s["architecture"]["heads"] % 8 == 0 for s in default.shapes)
    assert {s["architecture"]["embeddings"] for s in default.shapes} == {"tied", "untied"}
    free = sl.plan(shape=70e9, tp=1, embeddings="tied")
    assert free.report == cli_json("plan", "--shape", "70e9", "--tp", "1", "--embeddings", "tied",
                                   "--format", "json")
    assert any(s["architecture"]["heads"] % 8 for s in free.shapes)
    llama = next(s for s in free.shapes if "llama" in s["rules"])
    assert {"kind": "embeddings", "rule": "llama", "rule_embeddings": "untied"} in llama["departures"]
    with pytest.raises(sl.OptionError) as e:
        sl.plan(shape=70e9, embeddings="shared")
    assert e.value.keyword == "embeddings"
