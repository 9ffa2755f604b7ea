"""The error contract of the Python API: every bad call raises a ScalingLawsError subclass
whose message names the keyword and what it accepts (never a bare TypeError, OverflowError,
ValueError or AttributeError from inside the package or the binding), and a seeded run of the
API fuzz driver (benches/python_fuzz.py) finds no failure."""

from __future__ import annotations

import importlib.util
import os
import warnings

import numpy as np
import pytest

import scaling_laws as sl
from scaling_laws.errors import guarded

from conftest import REPO, SWEEP_CSV

CURVES_CSV = REPO / "data" / "simulated_curves.csv"


@pytest.fixture(scope="module")
def sweep_fit():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLawsWarning)
        return sl.fit(SWEEP_CSV, starts=3)


def refused(call, keyword, *phrases, kind=sl.OptionError):
    """Call `call`, which must raise `kind` naming `keyword` (as its keyword, and in its
    message unless it is an OutputError, whose message names the path's value) with each of
    `phrases` in its message; returns the error."""
    with pytest.raises(sl.ScalingLawsError) as caught:
        call()
    error = caught.value
    assert isinstance(error, kind), (type(error), error)
    assert error.keyword == keyword, (error.keyword, str(error))
    assert kind is sl.OutputError or keyword in str(error), str(error)
    for phrase in phrases:
        assert phrase in str(error), (phrase, str(error))
    return error


def test_arguments_of_a_type_the_call_does_not_take_name_the_keyword_and_what_it_takes(sweep_fit):
    # Each of these raised AttributeError, TypeError or ValueError from inside the package,
    # most without naming the keyword.
    refused(lambda: sl.fit(SWEEP_CSV, starts=3, grid=1j), "grid", "expected a string, a mapping", "1j (complex)")
    refused(lambda: sl.fit(SWEEP_CSV, starts=3, grid=np.arange(3)), "grid", "expected")
    refused(lambda: sl.simulate(noise="a"), "noise", "expected a number, got 'a' (str)")
    refused(lambda: sl.simulate(law={"E": None}), "law", "mapping of strings to numbers")
    refused(lambda: sl.load(SWEEP_CSV, where=3), "where", "expected a string, a list of strings")
    refused(lambda: sl.select(SWEEP_CSV, laws=-1, bootstrap=0), "laws", "expected")
    refused(lambda: sl.envelope([CURVES_CSV], run_params=sweep_fit), "run_params", "expected")
    refused(lambda: sl.Fit.load(b"fit.json"), "path", "expected a string or a path")
    refused(lambda: sl.CurveFit.load(True), "path", "expected a string or a path")
    refused(lambda: sweep_fit.bootstrap(10, threads=float("inf"), progress=False), "threads", "expected a whole number")
    refused(lambda: sweep_fit.holdout("largest-compute", 3, level={}), "level", "expected a number")
    refused(lambda: sl.load(3), "data", "cannot read 'int' objects")
    # Every such error is also the TypeError Python code may expect.
    with pytest.raises(TypeError):
        sl.simulate(noise="a")


def test_task_options_of_the_wrong_type_name_the_keyword(tmp_path):
    path = tmp_path / "run.csv"
    path.write_text("tokens,acc_quiz,loss_quiz\n1e9,0.5,2.0\n")
    refused(lambda: sl.task([str(path)], target={"3B": (3e9, 6e10)}, average=1e-300), "average", "mapping")
    refused(lambda: sl.task([str(path)], target={"3B": (3e9, 6e10)}, tasks=1.5), "tasks", "expected")


def test_whole_numbers_out_of_range_name_the_keyword_and_the_range(sweep_fit):
    # Was OverflowError "can't convert negative int to unsigned", or a TypeError naming the
    # binding's field (IsoflopArgs.resample).
    error = refused(lambda: sweep_fit.bootstrap(-1), "bootstrap", "at least 2")
    assert not type(error) is OverflowError
    refused(lambda: sl.isoflop(SWEEP_CSV, bootstrap=-1), "bootstrap", "0 or more", "got -1", kind=sl.errors.ArgumentOverflowError)
    refused(lambda: sl.simulate(seed=-1), "seed", "0 or more")
    refused(lambda: sl.fit(SWEEP_CSV, starts=3, max_iters=10**30), "max_iters", "2^64")
    refused(lambda: sl.fit(SWEEP_CSV, starts=3, threads=1e300), "threads", "from 0 to 2^64 - 1")
    refused(lambda: sl.curve_simulate(seed=1e20), "seed", "2^64")
    # Still an OverflowError for code that catches one.
    with pytest.raises(OverflowError):
        sl.simulate(seed=-1)


def test_booleans_are_not_taken_for_counts_and_whole_floats_are(sweep_fit):
    refused(lambda: sweep_fit.bootstrap(10, seed=True, progress=False), "seed", "expected a whole number, got True")
    refused(lambda: sl.holdout(SWEEP_CSV, "largest-compute", False, starts=3), "k", "got False")
    refused(lambda: sl.simulate(noise=True), "noise", "expected a number")
    assert sweep_fit.bootstrap(20.0, progress=False).n_resamples == 20
    assert sl.simulate(sizes_per_budget=np.int64(5), frame="dict")["n_params"].size > 0


def test_holdout_counts_out_of_range_name_k(sweep_fit):
    refused(lambda: sweep_fit.holdout("largest-compute", 0), "k", "cannot hold out 0 of 108 runs")
    refused(lambda: sweep_fit.holdout("largest-compute", 10**12), "k", "choose between 1 and 107")


def test_numbers_and_arrays_are_checked_where_they_are_converted(sweep_fit):
    iso = sl.isoflop(SWEEP_CSV, bootstrap=0)
    # Was TypeError / ValueError from numpy, or "not enough values to unpack".
    refused(lambda: sweep_fit.predict(N=["a"], D=1e10), "N", "expected a number")
    refused(lambda: sweep_fit.predict(N=[1e9, 2e9], D=[1e10, 2e10, 3e10]), "N", "do not broadcast", "D (3,)")
    refused(lambda: sweep_fit.predict(N=1e9, D=2e10, C={1, 2}), "C", "expected")
    refused(lambda: iso.optimal_params(1j), "compute", "expected a number", "1j (complex)")
    refused(lambda: iso.optimal_tokens([1j]), "compute", "a list of numbers")
    refused(lambda: iso.optimal_tokens(np.array([1j])), "compute", "a number or an array of numbers")
    refused(lambda: sweep_fit.plot("residuals", compute_range=[1e20]), "compute_range", "two numbers")
    # Scalars of numpy are numbers wherever a number or a list of them is taken.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLawsWarning)  # one budget: no Approach 2
        assert sl.compare(SWEEP_CSV, bootstrap=0, starts=3, progress=False,
                          isoflop_budgets=np.float64(1e19)) is not None
    assert iso.optimal_params(np.array([[1e21, 1e22]])).shape == (1, 2)


def test_unknown_keywords_name_the_closest_keyword_also_on_inherited_methods():
    error = refused(lambda: sl.fit(SWEEP_CSV, detla=0.1), "detla", "did you mean delta=?")
    assert isinstance(error, TypeError)
    iso = sl.isoflop(SWEEP_CSV, bootstrap=0)
    # optimal_tokens is inherited from a private base class; it raised a bare TypeError.
    refused(lambda: iso.optimal_tokens(1e22, detla=1), "detla", "optimal_tokens() takes no keyword")
    refused(lambda: iso.table(frame=3), "frame", "one of 'pandas', 'polars', 'dict'")


def test_assess_model_errors_name_assess_model(sweep_fit):
    refused(lambda: sweep_fit.optimal(1e22, assess_model="no-such-model", progress=False),
            "assess_model", "unknown model 'no-such-model'")


def test_files_that_cannot_be_written_raise_output_errors_naming_the_path(tmp_path):
    runs = sl.design(budgets=[1e20, 1e21])
    for path in [tmp_path / "missing" / "runs.csv", tmp_path, str(tmp_path / "x") + "\x00", "x" * 5000]:
        # Was FileNotFoundError, IsADirectoryError, ValueError or OSError.
        error = refused(lambda: runs.save(path), "path", "cannot write", kind=sl.OutputError)
        assert repr(str(path))[:40] in str(error)
    curves = sl.curve_fit(CURVES_CSV, law="annealing")
    refused(lambda: curves.save(tmp_path / "missing" / "fit.json"), "path", "no such file", kind=sl.OutputError)
    assert [p for p in os.listdir(tmp_path) if p.startswith(".scaling-laws-")] == []


def test_special_files_are_never_replaced_by_a_saved_file(tmp_path):
    """Runs.save and CurveFit.save renamed their temporary file over the path given: over a
    named pipe (or, as root, over /dev/null: the fuzz driver found the null device replaced by
    a regular file) the special file itself was replaced."""
    import stat

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    runs = sl.design(budgets=[1e20, 1e21])
    refused(lambda: runs.save(pipe), "path", "is a named pipe", kind=sl.OutputError)
    curves = sl.curve_fit(CURVES_CSV, law="annealing")
    refused(lambda: curves.save(pipe), "path", "is a named pipe", kind=sl.OutputError)
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    if os.path.exists("/dev/null") and stat.S_ISCHR(os.stat("/dev/null").st_mode):
        refused(lambda: runs.save("/dev/null"), "path", "is a character device", kind=sl.OutputError)
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_filter_that_leaves_no_runs_names_the_keywords_that_set_it():
    with pytest.raises(sl.InputError, match=r"no runs left after filtering .*max_loss=2"):
        sl.load(SWEEP_CSV, max_loss=2)
    with pytest.raises(sl.InputError, match=r"drop_highest_loss=1000000000"):
        sl.fit(SWEEP_CSV, drop_highest_loss=10**9)


def test_runs_given_twice_name_the_arrays_given():
    error = refused(lambda: sl.load(SWEEP_CSV, U=[1e12]), "data", "N, D, C, L, U arrays", "got data and U=")
    assert error.kind == "InvalidOption"


def test_values_the_library_could_not_use_are_refused_naming_the_keyword(tmp_path):
    # Was a NotFiniteError about '[0].loss (inf)': an sd of 1.8e19 overflowed exp(noise).
    refused(lambda: sl.curve_simulate(noise=1.8e19), "noise", "not an sd from 0 to 10")
    # Was 'the envelope of 4 runs visits fewer than two model sizes': k = 0 put every
    # checkpoint at zero compute.
    files = []
    for i, n in enumerate((1e8, 3e8, 1e9)):
        tokens = 1e8 * 10 ** (np.arange(40) / 15)
        loss = 1.69 + 406.4 / n**0.34 + 410.7 / tokens**0.28
        path = tmp_path / f"run{i}.csv"
        path.write_text("tokens,loss\n" + "".join(f"{t!r},{l!r}\n" for t, l in zip(tokens.tolist(), loss.tolist())))
        files.append(path)
    sizes = {"run0": 1e8, "run1": 3e8, "run2": 1e9}
    refused(lambda: sl.envelope(files, run_params=sizes, bootstrap=10, flops_per_param_token=0.0),
            "flops_per_param_token", "from 0.001 to 1000")
    # Extreme k: were a NaN exponent (isoflop), budgets 'too small for a sweep' (simulate,
    # design) or 'fewer than two model sizes' (envelope).
    for call in (
        lambda: sl.isoflop(SWEEP_CSV, bootstrap=10, flops_per_param_token=1e308),
        lambda: sl.simulate(flops_per_param_token=5e-324),
        lambda: sl.design(budgets=[1e20, 1e21], flops_per_param_token=1e-320),
        lambda: sl.envelope(files, run_params=sizes, bootstrap=10, flops_per_param_token=1.7e308),
    ):
        refused(call, "flops_per_param_token", "6 for a dense transformer")
    # Was silent about run_col: runs named by the loss column have no parameter counts.
    refused(lambda: sl.envelope(files, run_params=sizes, bootstrap=10, run_col="loss"),
            "run_params", "runs named by column 'loss' of run_col=")
    # Was a 309-digit integer that pushed the option's name out of the capped message.
    with pytest.raises(sl.InputError, match=r"× 1e308 \(flops_scale=\)"):
        sl.load(SWEEP_CSV, flops_scale=1e308)


def test_a_curve_fit_is_not_saved_over_the_data_it_was_fitted_from(tmp_path):
    data = tmp_path / "curves.csv"
    data.write_bytes(CURVES_CSV.read_bytes())
    fitted = sl.curve_fit(data, law="annealing")
    for path in (data, tmp_path / "." / "curves.csv"):
        # Was written over the data.
        refused(lambda: fitted.save(path), "path", "the data this was fitted from", kind=sl.OutputError)
    assert data.read_bytes() == CURVES_CSV.read_bytes()
    fitted.save(tmp_path / "fit.json")
    assert sl.CurveFit.load(tmp_path / "fit.json").report == fitted.report


def test_keywords_whose_errors_the_library_gives_another_name_are_named():
    pd = pytest.importorskip("pandas")
    # A frame as a column of a mapping: was AttributeError "'DataFrame' object has no attribute 'dtype'".
    refused(lambda: sl.load({"run0": pd.read_csv(SWEEP_CSV)}), "data", "column 'run0' is a DataFrame")
    # Budgets as a numpy array of infinities: was "only 0-dimensional arrays can be converted".
    error = refused(lambda: sl.design(budgets=np.full(3, np.inf)), "budget", "positive")
    assert "0-dimensional" not in str(error)
    # A mapping given as law= is the truth: was named truth.
    refused(lambda: sl.simulate(law={"alpha": -1}), "law", "alpha = -1 is out of range")
    # A budget of compare's at=: was named budget.
    refused(lambda: sl.compare(SWEEP_CSV, starts=3, bootstrap=0, progress=False, at=np.int64(-1)),
            "at", "positive numbers")
    # A progress callable that cannot take (done, total): was the callable's own TypeError.
    refused(lambda: sl.fit(SWEEP_CSV, starts=3, progress=lambda: None), "progress", "f(done, total)")


def test_a_long_isoflop_bootstrap_announces_its_estimate_and_stops_on_it():
    """Was silent for minutes (no estimate; the issue's 'ignores Ctrl-C'): the estimate is
    issued while the work runs, so a filter that turns it into an error stops the work."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", sl.ScalingLawsWarning)
        with pytest.raises(sl.ScalingLawsWarning, match=r"--bootstrap|bootstrap=.*the IsoFLOP bootstrap will take about"):
            sl.isoflop(SWEEP_CSV, bootstrap=10**7)


def test_requests_beyond_an_address_space_limit_are_refused_up_front():
    """Under ``ulimit -v`` the memory a request needs is compared with the limit, not only with
    the machine's free memory: these aborted the interpreter (a failed allocation) under a
    4 GB limit."""
    import subprocess
    import sys

    code = (
        "import resource, scaling_laws as sl\n"
        "resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))\n"
        "for call in (lambda: sl.curve_simulate(every=1), lambda: sl.simulate(sizes_per_budget=10**7)):\n"
        "    try:\n"
        "        call()\n"
        "    except sl.OptionError as e:\n"
        "        print(e.keyword, '|', e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 2, done.stdout
    assert lines[0].startswith("every |") and "give a larger every=" in lines[0], lines[0]
    assert lines[1].startswith("sizes_per_budget |") and "memory available" in lines[1], lines[1]


def test_suggest_names_a_level_or_a_target_budget_it_cannot_use(sweep_fit):
    # Were a NotFiniteError at interval_now.log_sd (level 1e-300: an interval of no width), and
    # '0 usable bootstrap draws ... bootstrap with more resamples' for a budget of 5e-324 FLOPs.
    refused(lambda: sweep_fit.suggest(1e23, 3, level=1e-300), "level", "[0.01, 1)")
    refused(lambda: sweep_fit.suggest(5e-324, 3), "target_budget", "nearer the fitted runs")


def test_a_panic_of_the_library_becomes_a_scaling_laws_error():
    class PanicException(BaseException):
        """Stands for pyo3's PanicException, which the guard recognises by its name."""

    def panics():
        raise PanicException("index out of bounds: the len is 0 but the index is 0")

    with pytest.raises(sl.ScalingLawsError) as caught:
        guarded(panics)()
    assert caught.value.kind == "Internal" and not caught.value.is_bad_input
    assert "internal error (index out of bounds" in str(caught.value)
    assert "please report it" in str(caught.value)


def test_a_long_computation_announces_its_estimate_while_it_runs(sweep_fit):
    """A bootstrap of 10^7 resamples is accepted (it would take hours); its estimate is a
    warning issued at once, before the first progress report, not after the work."""
    seen = []

    def stop(done, total):
        seen.append([str(w.message) for w in caught])
        raise KeyboardInterrupt

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(KeyboardInterrupt):
            sweep_fit.bootstrap(10**7, progress=stop)
    assert seen and any("will take about" in text and "hours" in text for text in seen[0]), seen


def _fuzz_driver():
    spec = importlib.util.spec_from_file_location("python_fuzz", REPO / "benches" / "python_fuzz.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_seeded_fuzz_of_the_api_finds_no_failure():
    """150 generated calls (wrong types, wrong values, extreme values, odd frames; the seed of
    benches/README.md's table) in a worker process: none panics, aborts, hangs, loses an input,
    leaves a file, raises anything but a ScalingLawsError, or raises one naming none of the
    keywords given bad values."""
    fuzz = _fuzz_driver()
    results, failures = fuzz.run_cases(range(150), fuzz.DEFAULT_SEED, timeout=120, memory_gb=8,
                                       progress_every=0)
    assert len(results) == 150
    assert not failures, "\n".join(fuzz.describe(*f) for f in failures)
