"""isoflop, envelope, compare and select give the command line's results for the same
options; simulate takes the command's law, truth and epochs."""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np
import pytest

import scaling_laws as sl
from conftest import SWEEP_CSV, cli_error, seconds_to_interrupt
from test_simulate import read_csv_text

ISOFLOP_COLUMNS = [
    "budget", "runs", "n_params", "n_tokens", "loss", "issue", "c0", "c1", "c2", "min_params", "max_params",
]


def test_isoflop_equals_the_command_lines_json(cli):
    iso = sl.isoflop(SWEEP_CSV)
    assert iso.to_json() == cli("isoflop", SWEEP_CSV, "--format", "json").stdout
    assert repr(iso) == cli("isoflop", SWEEP_CSV).stdout.rstrip("\n")
    # The sweep is drawn from Hoffmann et al.'s law, whose a is 0.4516.
    assert iso.a == pytest.approx(0.4503, abs=5e-4)
    assert iso.b == pytest.approx(1 - iso.a, abs=1e-9)
    lower, upper = iso.a_interval
    assert lower < iso.a < upper and upper - lower < 0.15
    assert iso.params_coefficient * 1e21**iso.a == pytest.approx(iso.optimal_params(1e21))
    assert iso.is_sweep and iso.warnings == [] and iso.failed_resamples == 0


def test_isoflop_options_equal_the_flags(cli):
    with pytest.warns(sl.ScalingLawsWarning, match="60 of 108 runs are not used"):
        iso = sl.isoflop(SWEEP_CSV, budgets=[1e19, 1e20, 1e21, 3e21], tolerance_dex=0.05,
                         min_runs=6, bootstrap=300, seed=9, level=0.9, frame="dict")
    expected = cli("isoflop", SWEEP_CSV, "--budgets", "1e19,1e20,1e21,3e21", "--tolerance-dex", "0.05",
                   "--min-runs", "6", "--bootstrap", "300", "--seed", "9", "--level", "0.9",
                   "--format", "json").stdout
    assert iso.to_json() == expected
    assert iso.profiles["budget"] == [1e19, 1e20, 1e21, 3e21]
    assert iso.config["seed"] == 9 and iso.config["level"] == 0.9
    # The runs at the other five budgets are within none of these: counted, and warned about.
    assert len(iso.unassigned_rows) == 5 * 12
    assert [w.code for w in iso.warnings] == ["runs_dropped"]


def test_isoflop_of_a_frame_is_that_of_the_file():
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(SWEEP_CSV)
    from_frame = sl.isoflop(frame, bootstrap=100)
    assert from_frame.to_json() == sl.isoflop(SWEEP_CSV, bootstrap=100).to_json()
    assert "pandas DataFrame (108 runs)" in repr(from_frame)
    table = from_frame.profiles
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ISOFLOP_COLUMNS and table.shape == (9, 11)
    assert table["runs"].sum() == 108 and table["issue"].isna().all()
    # A row of the table: the parabola's vertex is N*.
    row = table.iloc[4]
    assert 10 ** (-row["c1"] / (2 * row["c2"])) == pytest.approx(row["n_params"], rel=1e-9)
    pl = pytest.importorskip("polars")
    assert isinstance(from_frame.to_polars(), pl.DataFrame)
    assert from_frame.to_polars().shape == (9, 11)


def test_isoflop_warnings_are_issued():
    with pytest.warns(sl.ScalingLawsWarning, match="within no budget") as caught:
        sl.isoflop(SWEEP_CSV, budgets=[1e19, 1e20, 1e21], bootstrap=0)
    assert caught[0].message.code == "runs_dropped"


def test_isoflop_errors_name_the_keyword(cli):
    with pytest.raises(sl.OptionError) as caught:
        sl.isoflop(SWEEP_CSV, min_runs=2)
    assert caught.value.keyword == "min_runs"
    assert str(caught.value) == cli_error(cli("isoflop", SWEEP_CSV, "--min-runs", "2", check=False))
    with pytest.raises(sl.OptionError) as caught:
        sl.isoflop(SWEEP_CSV, tolerance_dex=-1)
    assert caught.value.keyword == "tolerance_dex"
    with pytest.raises(sl.OptionError) as caught:
        sl.isoflop(SWEEP_CSV, level=1.5)
    assert caught.value.keyword == "level"
    with pytest.raises(sl.InputError, match="Approach 2 needs at least 2"):
        sl.isoflop(SWEEP_CSV, budgets=[1e19], bootstrap=0)
    with pytest.raises(sl.OptionError, match="frame"):
        sl.isoflop(SWEEP_CSV, frame="excel")


def write_curves(folder, sizes=(1e8, 3e8, 1e9, 3e9)):
    """One training-curve file per run of Hoffmann et al.'s law, as if every point were a
    fully trained run, with a little deterministic wiggle."""
    law = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
    files = []
    for i, n in enumerate(sizes):
        tokens = 1e8 * 10 ** (np.arange(120) / 30)
        loss = law["E"] + law["A"] / n ** law["alpha"] + law["B"] / tokens ** law["beta"]
        loss = loss * (1 + 0.002 * np.sin(np.arange(120) + i))
        path = folder / f"run{i}.csv"
        lines = ["tokens,loss"] + [f"{float(t)!r},{float(l)!r}" for t, l in zip(tokens, loss)]
        path.write_text("\n".join(lines) + "\n")
        files.append(path)
    return files


def test_envelope_equals_the_command_lines_json(cli, tmp_path):
    files = write_curves(tmp_path)
    sizes = {"run0": 1e8, "run1": 3e8, "run2": 1e9, "run3": 3e9}
    env = sl.envelope(files, run_params=sizes, bootstrap=200, per_decade=10)
    flags = [f for prefix, n in sizes.items() for f in ("--run-params", f"{prefix}={n!r}")]
    expected = cli("envelope", *files, *flags, "--bootstrap", "200", "--per-decade", "10",
                   "--format", "json").stdout
    assert env.to_json() == expected
    assert repr(env) == cli("envelope", *files, *flags, "--bootstrap", "200", "--per-decade",
                            "10").stdout.rstrip("\n")
    assert env.runs == 4 and env.sizes == 4
    assert 0.3 < env.a < 0.6 and env.a + env.b == pytest.approx(1.0, abs=1e-9)
    points = env.table("dict")
    assert list(points) == ["compute", "loss", "run", "n_params", "n_tokens"]
    assert set(points["run"]) <= set(sizes) and len(points["compute"]) >= 5
    assert np.all(np.diff(points["compute"]) > 0)


def test_envelope_of_frames_is_that_of_the_files(tmp_path):
    pd = pytest.importorskip("pandas")
    files = write_curves(tmp_path)
    sizes = {"run0": 1e8, "run1": 3e8, "run2": 1e9, "run3": 3e9}
    from_files = sl.envelope(files, run_params=sizes, bootstrap=50)
    # A mapping of run names to frames: each frame one run, named by its key.
    frames = {f.stem: pd.read_csv(f) for f in files}
    assert sl.envelope(frames, run_params=sizes, bootstrap=50).to_json() == from_files.to_json()
    # One long table with a run column and a size column.
    long = pd.concat([frame.assign(run=name, N=sizes[name]) for name, frame in frames.items()])
    from_long = sl.envelope(long, run_col="run", params_col="N", bootstrap=50)
    assert from_long.to_json() == from_files.to_json()
    pl = pytest.importorskip("polars")
    polars_long = pl.DataFrame(long.to_dict("list"))
    assert sl.envelope(polars_long, run_col="run", params_col="N", bootstrap=50).to_json() == from_files.to_json()
    with pytest.raises(sl.InputError, match="column 'loss' in pandas DataFrame has a value that is not a positive number"):
        sl.envelope(long.assign(loss=-1.0), run_col="run", params_col="N", bootstrap=0)


def test_envelope_errors_name_the_keyword(cli, tmp_path):
    files = write_curves(tmp_path, sizes=(1e8, 1e9))
    with pytest.raises(sl.OptionError) as caught:
        sl.envelope(files, run_params={"run": -5})
    assert caught.value.keyword == "run_params"
    assert str(caught.value) == cli_error(cli("envelope", *files, "--run-params", "run=-5.0", check=False))
    with pytest.raises(sl.ColumnError) as caught:
        sl.envelope(files, run_params={"run": 1e9}, loss_col="val_loss")
    assert caught.value.keyword == "loss_col"
    with pytest.raises(sl.OptionError, match="give the training curves") as caught:
        sl.envelope(42)
    assert caught.value.flag == "data"
    with pytest.raises(sl.OptionError) as caught:
        sl.compare(SWEEP_CSV, curves=[3.5])
    assert caught.value.keyword == "curves"


def test_select_equals_the_command_lines_json(cli):
    calls = []
    chosen = sl.select(SWEEP_CSV, laws=["chinchilla", "kaplan"], bootstrap=20, starts=20,
                       progress=lambda done, total: calls.append((done, total)))
    expected = cli("select", SWEEP_CSV, "--laws", "chinchilla,kaplan", "--bootstrap", "20",
                   "--starts", "20", "--format", "json").stdout
    assert chosen.to_json() == expected
    assert repr(chosen) == cli("select", SWEEP_CSV, "--laws", "chinchilla,kaplan", "--bootstrap",
                               "20", "--starts", "20").stdout.rstrip("\n")
    assert calls[-1] == (2, 2)
    d = json.loads(expected)
    assert chosen.verdict == d["verdict"]["statement"] and chosen.best == d["verdict"]["best"]
    assert chosen.best in ("chinchilla", "kaplan") and chosen.verdict
    table = chosen.laws
    pd = pytest.importorskip("pandas")
    assert isinstance(table, pd.DataFrame) and table.shape[0] == 2
    assert list(table["law"]) == ["chinchilla", "kaplan"]
    assert {"objective", "largest_k_median_error", "rolling_coverage", "a", "a_lower", "rank"} <= set(table.columns)
    assert sorted(table["rank"]) == [1, 2]
    assert table.loc[table["rank"] == 1, "law"].item() == chosen.best
    assert chosen.parameters["chinchilla"]["E"] == pytest.approx(1.69, abs=0.1)


def test_select_errors_name_the_keyword(cli):
    with pytest.raises(sl.OptionError) as caught:
        sl.select(SWEEP_CSV, laws=["chinchilla", "data-constrained"])
    assert caught.value.keyword == "laws"
    assert str(caught.value) == cli_error(cli("select", SWEEP_CSV, "--laws", "chinchilla,data-constrained", check=False))
    with pytest.raises(sl.OptionError) as caught:
        sl.select(SWEEP_CSV, laws="chinchilla", loss="mse", delta=0.01)
    assert caught.value.keyword == "delta"
    with pytest.raises(sl.OptionError, match="invalid loss: 'l1' is not one of huber, mse") as caught:
        sl.select(SWEEP_CSV, loss="l1")
    assert caught.value.keyword == "loss"
    with pytest.raises(sl.OptionError) as caught:
        sl.select(SWEEP_CSV, holdout_k=500)
    assert caught.value.keyword == "holdout_k"


def test_compare_equals_the_command_lines_json(cli):
    calls = []
    comparison = sl.compare(SWEEP_CSV, bootstrap=40, starts=10, at=[1e21, 1e23],
                            progress=lambda done, total: calls.append((done, total)))
    args = ["compare", SWEEP_CSV, "--bootstrap", "40", "--starts", "10", "--at", "1e21,1e23"]
    assert comparison.to_json() == cli(*args, "--format", "json").stdout
    assert repr(comparison) == cli(*args).stdout.rstrip("\n")
    assert calls[-1] == (10 + 40, 10 + 40)
    table = comparison.table("dict")
    assert table["approach"] == ["Approach 2 (IsoFLOP)", "Approach 3 (parametric fit)"]
    assert all(abs(a - 0.45) < 0.05 for a in table["a"])
    assert comparison.n_params_table("dict")["budget"] == [1e21, 1e23, 1e21, 1e23]
    pairs = comparison.pairs_table("dict")
    assert pairs["verdict"][0] in ("agree", "disagree", "cannot_tell") and pairs["paired"] == [True]
    assert comparison.verdict == json.loads(comparison.to_json())["verdict"]
    pd = pytest.importorskip("pandas")
    assert isinstance(comparison.approaches, pd.DataFrame) and comparison.approaches.shape == (2, 8)


def test_compare_with_curves_adds_approach_one(cli, tmp_path):
    files = write_curves(tmp_path)
    sizes = {"run0": 1e8, "run1": 3e8, "run2": 1e9, "run3": 3e9}
    comparison = sl.compare(SWEEP_CSV, curves=files, curve_run_params=sizes, bootstrap=0,
                            starts=5, frame="dict")
    flags = [f for prefix, n in sizes.items() for f in ("--curve-run-params", f"{prefix}={n!r}")]
    expected = cli("compare", SWEEP_CSV, "--curves", *files, *flags, "--bootstrap", "0", "--starts",
                   "5", "--format", "json").stdout
    assert comparison.to_json() == expected
    assert comparison.approaches["approach"][0] == "Approach 1 (envelope)"


def test_compare_errors_name_the_keyword(cli):
    with pytest.raises(sl.OptionError) as caught:
        sl.compare(SWEEP_CSV, tolerance_factor=0.5)
    assert caught.value.keyword == "tolerance_factor"
    assert str(caught.value) == cli_error(cli("compare", SWEEP_CSV, "--tolerance-factor", "0.5", check=False))
    with pytest.raises(sl.OptionError) as caught:
        sl.compare(SWEEP_CSV, starts="many")
    assert caught.value.keyword == "starts"
    with pytest.raises(sl.OptionError) as caught:
        sl.compare(SWEEP_CSV, fix="alpha")
    assert caught.value.keyword == "fix"


def test_simulate_law_truth_and_epochs_equal_the_command_lines(cli):
    truth = {"E": 1.8, "A": 500.0, "B": 300.0, "alpha": 0.3, "beta": 0.3, "R_D_star": 15.0, "R_N_star": 5.0}
    runs = sl.simulate(law="data-constrained", truth=truth, epochs=[1, 4, 16], budgets=[1e19, 1e20],
                       sizes_per_budget=4, frame="dict")
    out = cli("simulate", "--law", "data-constrained", "--truth", "E=1.8,A=500,B=300,alpha=0.3,beta=0.3,R_D_star=15,R_N_star=5",
              "--epochs", "1,4,16", "--budgets", "1e19,1e20", "--sizes-per-budget", "4").stdout
    expected = read_csv_text(out)
    assert list(expected) == ["flops_budget", "n_params", "n_tokens", "unique_tokens", "flops", "loss"]
    assert list(runs)[:6] == list(expected)
    for name in expected:
        assert np.array_equal(runs[name], expected[name]), name
    assert len(runs["loss"]) == 2 * 4 * 3
    assert set(np.round(runs["n_tokens"] / runs["unique_tokens"], 9)) == {1.0, 4.0, 16.0}


def test_the_data_constrained_round_trip():
    runs = sl.simulate(law="data-constrained", epochs=[1, 4, 16, 64], noise=0.0, frame="dict")
    assert "unique_tokens" in runs
    ds = sl.load(runs)
    assert ds.unique_tokens is not None
    assert np.array_equal(ds.unique_tokens, runs["unique_tokens"])
    assert ds.columns["unique_tokens"] == "unique_tokens"
    # Without epochs the column is absent, and the data-constrained law cannot be selected.
    plain = sl.simulate(frame="dict")
    assert "unique_tokens" not in plain and sl.load(plain).unique_tokens is None
    chosen = sl.select(plain, bootstrap=0, starts=5, progress=False, frame="dict")
    assert [s["law"] for s in chosen.skipped] == ["data-constrained"]
    assert "unique-tokens column" in chosen.skipped[0]["reason"]


def test_select_finds_the_data_constrained_law_it_was_simulated_from():
    runs = sl.simulate(law="data-constrained", epochs=[1, 4, 16, 64], budgets=[1e19, 1e20, 1e21],
                       sizes_per_budget=6, seed=3, frame="dict")
    chosen = sl.select(runs, laws=["chinchilla", "data-constrained"], bootstrap=0, starts=10,
                       progress=False, frame="dict")
    # The Chinchilla law ignores repetition: repeated tokens count as fresh, and it extrapolates
    # worse.
    assert chosen.best == "data-constrained" and chosen.separated
    assert chosen.laws["rank"] == [2, 1]
    assert chosen.laws["objective_per_run"][1] < chosen.laws["objective_per_run"][0] / 5


def test_simulate_errors_name_the_keyword(cli):
    with pytest.raises(sl.OptionError) as caught:
        sl.simulate(law="data-constrained", epochs=[0.5])
    assert caught.value.keyword == "epochs"
    with pytest.raises(sl.OptionError) as caught:
        sl.simulate(law="chinchilla", truth={"gamma": 1.0})
    assert caught.value.keyword == "truth"
    assert str(caught.value) == cli_error(cli("simulate", "--law", "chinchilla", "--truth", "gamma=1.0", check=False))
    with pytest.raises(sl.OptionError) as caught:
        sl.simulate(law="galactic")
    assert caught.value.keyword == "law"
    with pytest.raises(sl.OptionError, match="law="):
        sl.simulate(law={"E": 1.7}, truth={"A": 400.0})
    # A mapping as law= is the Chinchilla law's truth, the rest published values.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one = sl.simulate(law={"E": 1.8}, frame="dict")
    two = sl.simulate(law="chinchilla", truth="E=1.8", frame="dict")
    assert np.array_equal(one["loss"], two["loss"])


INTERRUPTED = r"""
import sys, time
import scaling_laws as sl
SWEEP = sys.argv[2]
runs = sl.simulate(seed=2, sizes_per_budget=40, frame="dict")
print("ready", flush=True)
try:
    if sys.argv[1] == "compare":
        sl.compare(runs, bootstrap=100000, progress=False)
    elif sys.argv[1] == "isoflop":
        sl.isoflop(runs, bootstrap=10**7)
    elif sys.argv[1] == "envelope":
        sl.envelope(SWEEP, run_col="n_params", params_col="n_params", tokens_col="n_tokens",
                    final_only=True, bootstrap=10**7)
    else:
        sl.select(runs, bootstrap=100000, progress=False)
    print("finished", flush=True)
except KeyboardInterrupt:
    print("interrupted", time.monotonic(), flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
@pytest.mark.parametrize("command", ["compare", "select", "isoflop", "envelope"])
def test_ctrl_c_stops_the_analyses_within_a_second(command):
    delay = seconds_to_interrupt(INTERRUPTED, command, str(SWEEP_CSV), wait=1.5)
    assert delay < 1.0, f"{command}: KeyboardInterrupt {delay:.2f} s after SIGINT"


def test_bootstraps_that_cannot_fit_in_memory_are_refused_up_front(tmp_path):
    for call in (
        lambda: sl.isoflop(SWEEP_CSV, bootstrap=10**15),
        lambda: sl.compare(SWEEP_CSV, bootstrap=10**15, starts=5),
        lambda: sl.envelope(SWEEP_CSV, run_col="n_params", params_col="n_params",
                            tokens_col="n_tokens", final_only=True, bootstrap=10**15),
    ):
        with pytest.raises(sl.OptionError, match="needs about") as caught:
            call()
        assert caught.value.keyword == "bootstrap"
    with pytest.raises(sl.OptionError, match="at most 1000") as caught:
        sl.envelope(SWEEP_CSV, run_col="n_params", params_col="n_params", tokens_col="n_tokens",
                    per_decade=4294967295)
    assert caught.value.keyword == "per_decade"
