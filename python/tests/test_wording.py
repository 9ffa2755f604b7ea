"""Errors and warnings name options as the package takes them: keyword arguments (``params_col=``,
``fix=``, ``lam=``) and methods (``Fit.holdout(...)``), not the command line's flags
(``--params-col``, ``--fix``, ``--lambda``, ``fit --holdout``); the flag stays available as
``cli_flag``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import scaling_laws as sl
from scaling_laws.errors import python_wording

from conftest import SWEEP_CSV


def test_a_missing_column_names_the_keyword_argument_not_the_flag():
    with pytest.raises(sl.ColumnError) as caught:
        sl.load({"D": [1e10, 2e10], "loss": [2.0, 1.9]})
    message = str(caught.value)
    assert "params_col=" in message and "--params-col" not in message, message
    assert (caught.value.flag, caught.value.cli_flag) == ("params_col=", "--params-col")
    assert caught.value.keyword == "params_col"


def test_an_unknown_fixed_parameter_names_fix():
    with pytest.raises(sl.OptionError) as caught:
        sl.fit(SWEEP_CSV, fix={"Q": 1.0})
    message = str(caught.value)
    assert caught.value.keyword == "fix" and caught.value.cli_flag == "--fix"
    assert "--" not in message and "fix" in message, message


def test_the_curve_law_s_momentum_is_named_lam():
    runs = sl.curve_simulate(every=1000, frame="pandas")
    with pytest.raises(sl.OptionError) as caught:
        sl.curve_fit(runs, law="annealing", lam=1.5)
    message = str(caught.value)
    assert message.startswith("invalid lam: 1.5 is not in [0, 1)"), message
    assert "--lambda" not in message
    assert caught.value.keyword == "lam" and caught.value.flag == "lam="


def test_the_few_runs_warning_advises_fix_as_a_keyword():
    rng = np.random.default_rng(7)
    n = np.geomspace(1e8, 1e10, 8)
    d = 20 * n
    loss = 1.69 + 406.4 / n**0.34 + 410.7 / d**0.28
    loss *= 1 + 0.01 * rng.standard_normal(8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sl.fit({"N": n, "D": d, "loss": loss}, starts=5)
    few = [w.message for w in caught if getattr(w.message, "code", "") == "few_runs_per_parameter"]
    assert few, [str(w.message) for w in caught]
    advice = few[0].advice
    assert 'fix={"NAME": VALUE}' in advice and "--fix" not in advice, advice
    assert "--" not in str(few[0])


@pytest.mark.parametrize(
    "cli, python",
    [
        ("check the law on held-out larger runs (fit --holdout)",
         "check the law on held-out larger runs (Fit.holdout(...))"),
        ("e.g. --holdout largest-compute 5", 'e.g. Fit.holdout("largest-compute", 5)'),
        ("a fit saved by scaling-laws fit --out FIT.json", "a fit saved by Fit.save(path)"),
        ("--layers/--d-model/--heads", "layers=/d_model=/heads="),
        ("invalid --lambda: 2 is not in [0, 1)", "invalid lam: 2 is not in [0, 1)"),
        ("use --format json", 'use frame="json"'),
        ("no flag here — just words", "no flag here — just words"),
    ],
)
def test_command_line_phrases_become_the_package_s(cli, python):
    assert python_wording(cli) == python
    # Already worded for Python: unchanged.
    assert python_wording(python) == python
