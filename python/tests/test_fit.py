"""scaling_laws.fit and the Fit object: the same fits as the command line, to the bit."""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

import scaling_laws as sl

from conftest import REPO, SWEEP_CSV, cli_error, seconds_to_interrupt

# The golden values of tests/integration/fit_chinchilla.rs (the SciPy reference of
# benches/reference/README.md).
SHARED_DATA = REPO.parent / "shared" / "data"
REFERENCE_OBJECTIVE = 0.001018274017800598
OBJECTIVE_RTOL = 1e-9
REFERENCE_LAW = {"A": 477.8259, "B": 2143.4173, "E": 1.8172181, "alpha": 0.3473105, "beta": 0.3671724}
PARAM_RTOL = {"A": 2e-5, "B": 2e-5, "E": 1e-6, "alpha": 1e-6, "beta": 1e-6}

# A quick fit of the repository's simulated sweep (108 runs).
QUICK = {"starts": 20}


def shared_csv(name: str) -> Path:
    """A file of ../shared/data: the test skips without it, and fails under CI."""
    path = SHARED_DATA / name
    if not path.exists():
        message = f"{path} is absent (the shared data sit beside the repository)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def quiet_fit(*args, **kwargs) -> sl.Fit:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLawsWarning)
        return sl.fit(*args, **kwargs)


@pytest.fixture(scope="module")
def sweep_fit() -> sl.Fit:
    return quiet_fit(SWEEP_CSV, **QUICK)


def test_chinchilla_golden_values_match_the_command_line_to_the_bit(cli_json):
    path = shared_csv("chinchilla_epoch_svg_extracted.csv")
    f = quiet_fit(path, drop_highest_loss=5)
    assert f.n_runs == 240
    assert abs(f.objective - REFERENCE_OBJECTIVE) <= OBJECTIVE_RTOL * REFERENCE_OBJECTIVE
    for name, want in REFERENCE_LAW.items():
        assert abs(f.params[name] / want - 1) < PARAM_RTOL[name], (name, f.params[name])
    assert abs(f.a - 0.5138995) < 1e-6
    fitted = cli_json("fit", path, "--drop-highest-loss", "5", "--format", "json")["report"]["fitted"]
    assert f.objective == fitted["objective"]
    assert f.params == fitted["law"]
    assert (f.a, f.b) == (fitted["params_exponent"], fitted["tokens_exponent"])
    assert f.residuals.tolist() == fitted["residuals"]


def test_fit_json_is_the_command_lines_apart_from_the_command(sweep_fit, cli_json):
    cli = cli_json("fit", SWEEP_CSV, "--starts", "20", "--format", "json")
    ours = json.loads(sweep_fit.to_json())
    assert " fit " in cli["provenance"].pop("command")
    assert ours["provenance"].pop("command") is None
    assert ours == cli
    assert sweep_fit.to_json().endswith("}\n")


def test_load_reads_a_fit_file_written_by_the_command_line(sweep_fit, cli, tmp_path):
    out = tmp_path / "fit.json"
    cli("fit", SWEEP_CSV, "--starts", "20", "--out", out)
    loaded = sl.Fit.load(out)
    assert loaded.params == sweep_fit.params
    assert loaded.objective == sweep_fit.objective
    assert loaded.to_json() == out.read_text()
    np.testing.assert_array_equal(loaded.residuals, sweep_fit.residuals)
    # Its runs are reloaded from the data file its provenance names, for a bootstrap.
    a = loaded.bootstrap(8, seed=3)
    b = sweep_fit.bootstrap(8, seed=3)
    np.testing.assert_array_equal(a.draws, b.draws)


def test_json_round_trip_is_identical(sweep_fit):
    text = sweep_fit.to_json()
    again = sl.Fit.from_json(text)
    assert again.to_json() == text
    assert again.params == sweep_fit.params and again.law == "chinchilla"
    with pytest.raises(sl.FitFileError, match="not a scaling-laws fit file"):
        sl.Fit.from_json('{"format": "something else"}')
    with pytest.raises(sl.OptionError, match="Fit.load"):
        again.bootstrap(4)


def test_frames_paths_and_arrays_give_the_same_fit(sweep_fit):
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    frame = pd.read_csv(SWEEP_CSV)
    for data in (frame, pl.from_pandas(frame), {c: frame[c].to_numpy() for c in frame.columns},
                 sl.load(SWEEP_CSV)):
        f = quiet_fit(data, **QUICK)
        assert f.objective == sweep_fit.objective
        assert f.params == sweep_fit.params
    # load's options pass through fit.
    f = quiet_fit(frame, max_loss=3.0, **QUICK)
    assert f.n_runs == int((frame["loss"] <= 3.0).sum()) < len(frame)


def test_options_are_those_of_the_command_line(cli_json):
    f = quiet_fit(SWEEP_CSV, fix={"E": 1.7}, tie_exponents=True, loss="mse", starts="all",
                  max_iters=500)
    cli = cli_json("fit", SWEEP_CSV, "--fix", "E=1.7", "--tie-exponents", "--loss", "mse",
                   "--starts", "all", "--max-iters", "500", "--format", "json")
    assert f.params == cli["report"]["fitted"]["law"]
    assert f.params["E"] == 1.7 and f.params["alpha"] == f.params["beta"]
    start = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
    g = quiet_fit(SWEEP_CSV, start=start, grid=None)
    cli = cli_json("fit", SWEEP_CSV, "--start", "E=1.69,A=406.4,B=410.7,alpha=0.34,beta=0.28",
                   "--format", "json")
    assert g.objective == cli["report"]["fitted"]["objective"]


def test_delta_auto_is_the_command_lines(cli_json):
    f = quiet_fit(SWEEP_CSV, delta="auto")
    cli = cli_json("fit", SWEEP_CSV, "--delta", "auto", "--format", "json")
    assert f.objective == cli["report"]["fitted"]["objective"]
    config = json.loads(f.to_json())["report"]["fitted"]["config"]
    assert config["huber_scale"] == 1.345
    # The simulated sweep scatters by 1%: the threshold found is near 1.345 of those.
    assert 0.010 < config["loss"]["delta"] < 0.017
    # A number is passed with all its digits.
    g = quiet_fit(SWEEP_CSV, delta=config["loss"]["delta"])
    assert g.objective == f.objective


@pytest.mark.parametrize(
    "options, keyword, flags",
    [
        ({"delta": -1.0}, "delta", ["--delta", "-1.0"]),
        ({"delta": "often"}, "delta", ["--delta", "often"]),
        ({"loss": "mse", "delta": "auto"}, "delta", ["--loss", "mse", "--delta", "auto"]),
        ({"loss": "mse", "delta": 0.1}, "delta", ["--loss", "mse", "--delta", "0.1"]),
        ({"starts": 0}, "starts", ["--starts", "0"]),
        ({"frontier": "all"}, "frontier", ["--frontier", "all"]),
        ({"max_iters": 0}, "max_iters", ["--max-iters", "0"]),
        ({"fix": "alpha"}, "fix", ["--fix", "alpha"]),
        ({"subsample_rows": 3}, "subsample_rows", ["--subsample-rows", "3"]),
    ],
)
def test_bad_options_name_the_keyword(options, keyword, flags, cli):
    with pytest.raises(sl.OptionError) as e:
        sl.fit(SWEEP_CSV, **options)
    assert e.value.keyword == keyword
    done = cli("fit", SWEEP_CSV, *flags, check=False)
    assert done.returncode == 2
    assert str(e.value) == cli_error(done)


def test_other_bad_arguments():
    with pytest.raises(sl.OptionError) as e:
        sl.fit(SWEEP_CSV, loss="l1")
    assert e.value.keyword == "loss" and "huber, mse" in str(e.value)
    with pytest.raises(sl.OptionError) as e:
        sl.fit(SWEEP_CSV, threads=0)
    assert e.value.keyword == "threads"
    with pytest.raises(TypeError, match="'detla'"):
        sl.fit(SWEEP_CSV, detla=0.1)


def test_fits_from_four_threads_at_once_are_identical(sweep_fit):
    results: list = [None] * 4
    errors: list = []

    def work(i: int) -> None:
        try:
            results[i] = quiet_fit(SWEEP_CSV, threads=1 + i % 2, **QUICK).to_json()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(r == sweep_fit.to_json() for r in results)


def test_warnings_are_issued_and_kept():
    few = sl.load(SWEEP_CSV).to_dict()
    few = {k: v[:12] for k, v in few.items()}
    with pytest.warns(sl.ScalingLawsWarning) as caught:
        f = sl.fit(few, **QUICK)
    codes = {w.code for w in f.warnings}
    assert "few_runs_per_parameter" in codes
    assert codes <= {w.message.code for w in caught}
    w = next(w for w in f.warnings if w.code == "few_runs_per_parameter")
    assert w.message and w.advice and str(w) == f"{w.message}; {w.advice}"


def test_the_datas_warnings_are_the_fits_too():
    ds = sl.load(SWEEP_CSV)
    # A compute column in GFLOPs read as FLOPs.
    runs = {"N": ds.n_params, "D": ds.n_tokens, "C": ds.compute / 1e9, "L": ds.loss}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = sl.fit(runs, **QUICK)
    issued = [w.message.code for w in caught if isinstance(w.message, sl.ScalingLawsWarning)]
    assert issued.count("compute_column_inconsistent") == 1
    assert "compute_column_inconsistent" in {w.code for w in f.warnings}
    assert "compute_column_inconsistent" in {w.code for w in sl.Fit.from_json(f.to_json()).warnings}


def test_predict_is_vectorised_and_equals_the_scalar_law(sweep_fit):
    n = np.array([1e8, 1e9, 7e10])
    d = np.array([2e9, 2e10, 1.4e12])
    many = sweep_fit.predict(n, d)
    assert many.shape == (3,)
    assert many.tolist() == [sweep_fit.predict(a, b) for a, b in zip(n, d)]
    p = sweep_fit.params
    by_hand = p["E"] + p["A"] / n ** p["alpha"] + p["B"] / d ** p["beta"]
    np.testing.assert_allclose(many, by_hand, rtol=1e-14)
    grid = sweep_fit.predict(n[:, None], d[None, :])
    assert grid.shape == (3, 3) and grid[2, 2] == many[2]
    ds = sl.load(SWEEP_CSV)
    fitted = sweep_fit.predict(ds.n_params, ds.n_tokens)
    np.testing.assert_allclose(np.log(ds.loss) - np.log(fitted), sweep_fit.residuals, atol=1e-12)
    with pytest.raises(sl.OptionError) as e:
        sweep_fit.predict(n, -d)
    assert e.value.keyword == "D"
    with pytest.raises(sl.OptionError):
        sweep_fit.predict(n)


def test_repr_is_a_short_parameter_table(sweep_fit):
    text = repr(sweep_fit)
    assert text.splitlines()[0].startswith("Fit: chinchilla law, 108 runs")
    assert "alpha" in text and "<table>" in sweep_fit._repr_html_()
    assert sweep_fit.diagnostics["starts_run"] == 20


def test_bootstrap_table_and_draws_match_the_command_line(sweep_fit, cli):
    boot = sweep_fit.bootstrap(20, seed=5)
    assert boot.draws.shape == (20, 7)
    assert boot.names == ["A", "B", "E", "alpha", "beta", "a", "b"]
    table = boot.table("dict")
    assert table["parameter"] == boot.names
    assert table["estimate"][boot.names.index("alpha")] == sweep_fit.params["alpha"]
    np.testing.assert_allclose(np.percentile(boot.draws[:, 3], 50), np.median(boot.draws[:, 3]))
    frame = sweep_fit.optimal(budgets=[1e21], bootstrap=boot, frame="dict")
    csv = cli("optimal", SWEEP_CSV, "--starts", "20", "--budget", "1e21", "--bootstrap", "20",
              "--seed", "5", "--format", "csv").stdout.strip().splitlines()
    assert len(csv) - 1 == len(frame["question"])
    for i, line in enumerate(csv[1:]):
        question, _, quantity, value, se, lower, upper, _ = line.split(",")
        assert (frame["question"][i], frame["quantity"][i]) == (question, quantity)
        assert frame["estimate"][i] == float(value)
        for got, text in ((frame["std_error"][i], se), (frame["lower"][i], lower),
                          (frame["upper"][i], upper)):
            assert math.isnan(got) if text == "" else got == float(text)
    pd = pytest.importorskip("pandas")
    assert isinstance(boot.to_pandas(), pd.DataFrame)


def test_optimal_without_draws_and_its_errors(sweep_fit):
    with pytest.warns(sl.ScalingLawsWarning, match="beyond 100"):
        frame = sweep_fit.optimal(budgets="1e20:1e22", per_decade=2, params=1e9,
                                  target_loss=2.2, assess=(70e9, 1.4e12), frame="dict")
    questions = set(frame["question"])
    assert questions == {"parameter", "budget", "params", "target_loss", "assess"}
    budgets = sorted({x for q, x in zip(frame["question"], frame["input"]) if q == "budget"})
    assert len(budgets) == 5 and budgets[0] == 1e20
    assert all(math.isnan(x) for x in frame["lower"])
    with pytest.raises(sl.OptionError) as e:
        sweep_fit.optimal(per_decade=2)
    assert e.value.keyword == "per_decade"
    with pytest.raises(sl.OptionError) as e:
        sweep_fit.optimal(target_loss=1.0)
    assert e.value.cli_flag == "--target-loss" or "target" in str(e.value)


def test_holdout_matches_the_command_line(sweep_fit, cli_json):
    h = sweep_fit.holdout("largest-compute", 5)
    cli = cli_json("fit", SWEEP_CSV, "--starts", "20", "--holdout", "largest-compute", "5",
                   "--format", "json")
    assert h.report == cli["holdout"]
    runs = h.runs("dict")
    assert runs["predicted"].tolist() == [r["predicted"] for r in cli["holdout"]["runs"]]
    w = sl.holdout(SWEEP_CSV, "where", "N > 2e10", **QUICK)
    cli = cli_json("fit", SWEEP_CSV, "--starts", "20", "--holdout", "where", "N > 2e10",
                   "--format", "json")
    assert w.report == cli["holdout"]
    with pytest.raises(sl.OptionError) as e:
        sweep_fit.holdout("largest-loss", 3)
    # The rule is Fit.holdout's `rule`; the message names the method, not `fit --holdout`.
    assert e.value.keyword == "rule" and e.value.cli_flag == "--holdout"
    assert str(e.value).startswith("invalid holdout rule: unknown rule 'largest-loss 3'")
    assert 'Fit.holdout("largest-compute", 5)' in str(e.value)


INTERRUPTED = r"""
import sys, time
import scaling_laws as sl
runs = sl.simulate(seed=2, sizes_per_budget=40, frame="dict")
f = sl.fit(runs, starts=10)
print("ready", flush=True)
try:
    f.bootstrap(4000, progress=False)
    print("finished", flush=True)
except KeyboardInterrupt:
    print("interrupted", time.monotonic(), flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_stops_a_long_bootstrap_within_a_second():
    delay = seconds_to_interrupt(INTERRUPTED, wait=1.0)
    print(f"KeyboardInterrupt {delay:.3f} s after SIGINT")
    assert delay < 1.0, f"KeyboardInterrupt {delay:.2f} s after SIGINT"


def test_a_law_of_compute_reads_c(cli_json):
    f = quiet_fit(SWEEP_CSV, law="compute", frontier="envelope")
    cli = cli_json("fit", SWEEP_CSV, "--law", "compute", "--frontier", "envelope", "--format",
                   "json")
    assert f.objective == cli["report"]["fitted"]["objective"]
    assert f.law == "compute" and f.inputs == ["C"] and f.a is None and f.b is None
    assert len(f.residuals) == len(f.rows) == f.n_runs < 108
    n, d = np.array([1e9, 1e10]), np.array([2e10, 2e11])
    assert f.predict(C=6 * n * d).tolist() == f.predict(n, d).tolist()
    with pytest.raises(sl.OptionError) as e:
        f.predict(n)
    assert e.value.flag == "C"


@pytest.mark.skipif(sys.platform == "win32", reason="device files and FIFOs")
def test_load_refuses_what_is_not_a_fit_file_without_reading_it(tmp_path):
    fifo = tmp_path / "fit.fifo"
    os.mkfifo(fifo)
    for path in ("/dev/zero", fifo, tmp_path):
        with pytest.raises(sl.ScalingLawsError, match="not a regular file|regular file"):
            sl.Fit.load(path)
