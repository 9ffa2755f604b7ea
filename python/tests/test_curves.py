"""Training curves from Python: the same fits, trajectories, bands and schedules as
``scaling-laws curve``, from files and data frames."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import scaling_laws as sl

from conftest import REPO, cli_error

CURVES_CSV = REPO / "data" / "simulated_curves.csv"
LONGER = "wsd:warmup=2000,peak=3e-4,final=3e-5,decay=30000,steps=36000,cooldown=linear"
BASE = "cosine:warmup=2000,peak=3e-4,final=3e-5,steps=24000"


@pytest.fixture(scope="module")
def banded():
    return sl.curve_fit(CURVES_CSV, law="annealing", bootstrap=20, seed=5)


def test_a_curve_fit_is_the_command_lines_from_a_file_and_from_a_data_frame(banded, cli_json):
    cli = cli_json(
        "curve", "fit", CURVES_CSV, "--law", "annealing", "--bootstrap", "20", "--seed", "5",
        "--format", "json", "-q",
    )
    assert banded.report == cli
    # The same rows as a data frame give the same fit (runs found by the run column).
    frame = pd.read_csv(CURVES_CSV)
    again = sl.curve_fit(frame, law="annealing", bootstrap=20, seed=5)
    assert again.params == banded.params
    assert again.intervals == banded.intervals
    lo, hi = banded.intervals["alpha"]
    assert lo < banded.params["alpha"] < hi


def test_trajectories_bands_and_schedules_are_the_command_lines(banded, cli_json, tmp_path):
    path = tmp_path / "fit.json"
    banded.save(path)
    cli = cli_json(
        "curve", "predict", "--fit", path, "--schedule", LONGER, "--every", "500",
        "--target-loss", "2.7", "--format", "json",
    )
    ours = banded.predict(LONGER, every=500, frame="dict")
    assert list(ours["loss"]) == cli["loss"]
    assert list(ours["lower"]) == cli["lower"] and list(ours["upper"]) == cli["upper"]
    assert all(lo <= m <= hi for lo, m, hi in zip(ours["lower"], ours["loss"], ours["upper"]))
    assert banded.reach(LONGER, 2.7, every=500) == cli["target"]

    table = banded.best_schedule(BASE, frame="dict")
    cli = cli_json("curve", "schedule", "--fit", path, "--schedule", BASE, "--format", "json")
    assert list(table["schedule"]) == [s["schedule"] for s in cli["schedules"]]
    assert list(table["gain_lower"]) == [s["gain_interval"][0] for s in cli["schedules"]]
    assert table["role"][3] == "wsd" and table["gain"][3] > 0.01


def test_a_fit_saved_by_the_command_line_loads_and_a_broken_one_is_refused(cli, tmp_path):
    path = tmp_path / "fit.json"
    cli("curve", "fit", CURVES_CSV, "--law", "blind", "--out", path, "-q")
    fit = sl.CurveFit.load(path)
    assert fit.law == "blind" and fit.intervals is None
    assert json.loads(path.read_text()) == fit.report
    broken = json.loads(path.read_text())
    broken["params"][0]["value"] = -1.0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken))
    with pytest.raises(sl.FitFileError, match="params: L0 is -1"):
        sl.CurveFit.load(bad)
    done = cli("curve", "predict", "--fit", bad, "--schedule", BASE, check=False)
    assert "params: L0 is -1" in cli_error(done)


def test_bad_curves_and_options_raise_the_package_s_errors_naming_run_flag_and_step():
    runs = sl.curve_simulate(every=1000, frame="pandas")
    with pytest.raises(sl.OptionError, match="law"):
        sl.curve_fit(runs, law="cosine")
    backwards = runs.copy()
    backwards.loc[3, "step"] = 1000
    with pytest.raises(sl.InputError, match="cosine.*step 1000"):
        sl.curve_fit(backwards, law="blind")
    with pytest.raises(sl.OptionError, match="schedule"):
        sl.curve_fit(runs, schedule="cosine:peak=3e-4")
    with pytest.raises(sl.OptionError, match="data"):
        sl.curve_fit(42)


def test_simulated_curves_are_the_command_lines(cli):
    ours = sl.curve_simulate(every=500, seed=3, frame="dict")
    text = cli("curve", "simulate", "--every", "500", "--seed", "3").stdout.splitlines()
    assert len(text) - 1 == len(ours["loss"])
    first = text[1].split(",")
    assert first[0] == ours["run"][0] and int(first[1]) == ours["step"][0]
    assert float(first[3]) == pytest.approx(ours["loss"][0], abs=5e-6)


def test_a_curve_figure_names_each_run_and_shades_the_band_of_a_bootstrapped_prediction(banded, cli, tmp_path):
    figure = banded.plot(CURVES_CSV, predict={"longer": LONGER})
    assert isinstance(figure, sl.Figure) and figure.kind == "curves"
    for run in ("cosine", "constant", "wsd", "longer (predicted, 95% band)", "Learning rate"):
        assert f">\n{run}\n</text>" in figure.svg, run
    assert figure.svg.count("<polygon") == 1
    assert figure._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    # The command line draws the same figure from the saved fit.
    fit_path, svg_path = tmp_path / "fit.json", tmp_path / "curves.svg"
    banded.save(fit_path)
    cli("curve", "plot", "--fit", fit_path, CURVES_CSV, "--predict", f"longer={LONGER}", "--out", svg_path)
    assert svg_path.read_text() == figure.svg

    residuals = banded.plot(pd.read_csv(CURVES_CSV), kind="residuals", width=800, height=600)
    assert "Relative residuals of the annealing law" in residuals.svg
    assert residuals.width == 800 and residuals.svg.count("<polygon") == 0


def test_a_curve_figure_of_runs_the_fit_was_not_made_from_is_refused_naming_the_run(banded):
    other = sl.curve_simulate({"other": BASE}, every=1000)
    with pytest.raises(sl.OptionError, match="'other' is not one of the fit's runs"):
        banded.plot(other)
    with pytest.raises(sl.OptionError, match="invalid kind: no curve figure"):
        banded.plot(CURVES_CSV, kind="contours")
    with pytest.raises(sl.OptionError, match="invalid predict: a cosine schedule needs"):
        banded.plot(CURVES_CSV, predict="cosine:peak=3e-4")


SWEEP_CSV = REPO / "data" / "simulated_sweep_curves.csv"


def test_a_joint_fit_of_a_sweep_answers_budgets_as_the_command_line(cli_json):
    fit = sl.curve_fit(SWEEP_CSV, law="joint", bootstrap=20, seed=5, budget=[1e20, 1e21])
    cli = cli_json(
        "curve", "fit", SWEEP_CSV, "--law", "joint", "--bootstrap", "20", "--seed", "5",
        "--budget", "1e20,1e21", "--format", "json", "-q",
    )
    assert fit.report == cli
    table = fit.optimal([1e20, 1e21])
    for row, saved in zip(table.itertuples(), cli["sweep"]["optimal"]):
        assert row.n_params == saved["n_params"]
        assert (row.n_lower, row.n_upper) == tuple(saved["n_interval"])
        assert row.n_lower < row.n_params < row.n_upper
    # The truth's N* at 1e21 FLOPs (docs/curves.md) lies inside the interval.
    assert table.n_lower[1] < 1.641e9 < table.n_upper[1]
    assert fit.end_law["alpha"] == pytest.approx(fit.params["alpha"])
    # A larger model's trajectory needs its size; given it, the last loss lies below the
    # 800M runs' (a bigger model, more tokens).
    with pytest.raises(sl.OptionError, match="params="):
        fit.predict("cosine:warmup=1000,peak=1e-3,final=1e-4,steps=100000")
    curve = fit.predict(
        "cosine:warmup=1000,peak=1e-3,final=1e-4,steps=600000", params=1.6e9, tokens_per_step=65536
    )
    runs = pd.read_csv(SWEEP_CSV)
    assert curve["loss"].iloc[-1] < runs[runs.run == "800M-40x"]["loss"].iloc[-1]
    # The bootstrapped fit gives the trajectory a band, twice the largest size past the data.
    assert (curve["lower"] < curve["loss"]).all() and (curve["loss"] < curve["upper"]).all()
    assert curve["past_data"].iloc[-1] == pytest.approx(math.log(2.0), rel=1e-9)


def test_optimal_from_a_joint_curve_fit_is_the_command_lines_optimal_fit(cli, cli_json, tmp_path):
    saved = tmp_path / "joint.json"
    cli("curve", "fit", SWEEP_CSV, "--law", "joint", "--bootstrap", "20", "--seed", "5",
        "--out", saved, "-q")
    questions = ["--budget", "1e20", "--budget", "1e21", "--params", "1e9", "--target-loss", "3.0",
                 "--gpu", "h100", "--gpus", "64", "--days", "10", "--unique-tokens", "5e10"]
    ours = sl.Fit.load(saved).optimal(
        budgets=[1e20, 1e21], params=1e9, target_loss=3.0, gpu="h100", gpus=64, days=10,
        unique_tokens=5e10, frame="json",
    )
    theirs = cli_json("optimal", "--fit", saved, *questions, "--format", "json", "-q")
    assert ours == theirs
    assert ours["sweep"]["runs"] == 15 and ours["sweep"]["replicates"] == 20
    budgets = ours["answers"]["budgets"]
    # The truth's N* at 1e20 and 1e21 FLOPs (docs/curves.md) lies inside the intervals.
    for answer, truth in zip(budgets, [4.70e8, 1.64e9]):
        assert answer["n_params"]["lower"] < truth < answer["n_params"]["upper"]
    # The same N* and intervals as the curve fit's own answer, and from the CurveFit in memory.
    curve = sl.CurveFit.load(saved)
    table = curve.optimal([1e20, 1e21])
    for answer, row in zip(budgets, table.itertuples()):
        assert answer["n_params"]["value"] == row.n_params
        assert (answer["n_params"]["lower"], answer["n_params"]["upper"]) == (row.n_lower, row.n_upper)
    in_memory = curve.end_fit().optimal(budgets=[1e20, 1e21], frame="json")
    assert in_memory["answers"]["budgets"] == theirs["answers"]["budgets"][:2]
    # What needs the runs as a table is refused, naming the keyword and what to do.
    with pytest.raises(sl.OptionError, match="bootstrap") as refused:
        curve.end_fit().optimal(budgets=1e21, bootstrap=50)
    assert 'law="joint"' in str(refused.value) and "bootstrap=" in str(refused.value)
    with pytest.raises(sl.OptionError, match="invalid assess: .*table of \\(N, D, loss\\)"):
        sl.Fit.load(saved).optimal(budgets=1e21, assess=(1e9, 2e10))
    annealing = sl.curve_fit(sl.curve_simulate(every=1000), law="annealing")
    with pytest.raises(sl.OptionError, match="annealing law.*no model size N"):
        annealing.end_fit()


def test_joint_law_sizes_given_by_keyword_and_its_refusals_name_keywords():
    runs = pd.read_csv(SWEEP_CSV).drop(columns=["params"])
    with pytest.raises(sl.InputError, match="run_params="):
        sl.curve_fit(runs, law="joint")
    sizes = {"50M": 5e7, "100M": 1e8, "200M": 2e8, "400M": 4e8, "800M": 8e8}
    fit = sl.curve_fit(runs, law="joint", run_params=sizes)
    assert fit.params["alpha"] == pytest.approx(0.193, rel=0.05)
    with pytest.raises(sl.OptionError, match='law="joint"') as refused:
        sl.curve_fit(sl.curve_simulate(every=1000), law="annealing", budget=1e21)
    assert "--" not in str(refused.value)
    with pytest.raises(sl.OptionError, match="no run is named '9Z'"):
        sl.curve_fit(runs, law="joint", run_params={"9Z": 1e9})
    annealing = sl.curve_fit(sl.curve_simulate(every=1000), law="annealing")
    with pytest.raises(sl.OptionError, match="invalid budget: the annealing law"):
        annealing.optimal(1e21)


def test_simulated_sweeps_are_the_command_lines(cli):
    ours = sl.curve_simulate(law="joint", frame="dict")
    text = cli("curve", "simulate", "--law", "joint").stdout.splitlines()
    assert text[0] == "run,step,lr,loss,params,tokens_per_step"
    assert len(text) - 1 == len(ours["loss"])
    first = text[1].split(",")
    assert first[0] == ours["run"][0] and float(first[4]) == ours["params"][0]


def test_the_free_schedule_and_its_rates_are_the_command_lines(banded, cli, cli_json, tmp_path):
    path = tmp_path / "fit.json"
    banded.save(path)
    out = tmp_path / "free.csv"
    cli_report = cli_json(
        "curve", "schedule", "--fit", path, "--schedule", BASE, "--free", "--free-out", out,
        "--format", "json",
    )
    table = banded.best_schedule(BASE, free=True, frame="dict")
    assert list(table["role"]) == ["given", "baseline", "cosine", "wsd", "free"]
    assert list(table["final_loss"]) == [s["final_loss"] for s in cli_report["schedules"]]
    assert list(table["gain_upper"]) == [s["gain_interval"][1] for s in cli_report["schedules"]]
    # The free schedule ends below the best WSD of the grid under the fitted law.
    assert table["gain"][4] > table["gain"][3] + 0.01
    rates = banded.free_schedule(BASE)
    written = pd.read_csv(out)
    assert list(rates.columns) == ["step", "lr"] and len(rates) == 24000
    assert rates["step"].tolist() == written["step"].tolist()
    assert rates["lr"].tolist() == written["lr"].tolist()
    after = rates["lr"].iloc[2000:]
    assert (after.diff().dropna() <= 0).all() and after.iloc[0] == 3e-4
    assert after.iloc[-1] == pytest.approx(cli_report["free"]["lowest_lr"], rel=1e-12)
