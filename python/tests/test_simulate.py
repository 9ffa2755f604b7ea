"""scaling_laws.simulate draws the command line's sweep, deterministically by seed."""

from __future__ import annotations

import io

import numpy as np
import pytest

import scaling_laws as sl
from conftest import SWEEP_CSV

CLI_COLUMNS = ["flops_budget", "n_params", "n_tokens", "flops", "loss"]


def read_csv_text(text: str) -> dict:
    lines = text.strip().splitlines()
    header = lines[0].split(",")
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    return {name: rows[:, j] for j, name in enumerate(header)}


def test_the_default_sweep_is_the_shipped_file():
    runs = sl.simulate(frame="dict")
    shipped = read_csv_text(SWEEP_CSV.read_text())
    assert list(runs)[:5] == CLI_COLUMNS
    for name in CLI_COLUMNS:
        assert np.array_equal(runs[name], shipped[name]), name
    assert np.all(runs["true_loss"] > 0)


def test_same_seed_same_runs_other_seed_other_runs():
    a = sl.simulate(seed=7, noise=0.02, frame="dict")
    b = sl.simulate(seed=7, noise=0.02, frame="dict")
    c = sl.simulate(seed=8, noise=0.02, frame="dict")
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["loss"], c["loss"])
    assert np.array_equal(a["n_params"], c["n_params"])


def test_a_design_equals_the_command_lines(cli):
    law = {"E": 1.8, "A": 500.0, "B": 300.0, "alpha": 0.3, "beta": 0.3}
    runs = sl.simulate(seed=3, noise=0.05, law=law, budgets=[1e19, 1e21], sizes_per_budget=5,
                       span=4.0, flops_per_param_token=8, frame="dict")
    out = cli("simulate", "--seed", "3", "--noise", "0.05", "--law",
              "E=1.8,A=500,B=300,alpha=0.3,beta=0.3", "--budgets", "1e19,1e21",
              "--sizes-per-budget", "5", "--span", "4", "--flops-per-param-token", "8").stdout
    expected = read_csv_text(out)
    for name in CLI_COLUMNS:
        assert np.array_equal(runs[name], expected[name]), name
    noiseless = sl.simulate(law=law, noise=0.0, frame="dict")
    assert np.array_equal(noiseless["loss"], noiseless["true_loss"])


def test_frames():
    pd = pytest.importorskip("pandas")
    frame = sl.simulate()
    assert isinstance(frame, pd.DataFrame) and frame.shape == (108, 6)
    pl = pytest.importorskip("polars", reason="polars is not installed")
    assert sl.simulate(frame="polars").shape == (108, 6)


def test_bad_designs_name_the_flag():
    with pytest.raises(sl.OptionError) as caught:
        sl.simulate(span=0.5)
    assert caught.value.flag == "span=" and caught.value.cli_flag == "--span" and "must lie between 1 and" in str(caught.value)
    with pytest.raises(sl.OptionError, match="invalid budgets: give at least one budget"):
        sl.simulate(budgets=[])
    # A mapping given as law= is the truth, and its errors name law=, the keyword it came from.
    with pytest.raises(sl.OptionError, match="invalid law: unknown parameter 'gamma'"):
        sl.simulate(law={"gamma": 1.7})
    with pytest.raises(sl.OptionError, match="invalid truth: unknown parameter 'gamma'"):
        sl.simulate(truth={"gamma": 1.7})
    with pytest.raises(sl.OptionError, match="frame"):
        sl.simulate(frame="excel")
