"""Every public name is documented and typed; the stubs cover the native module."""

from __future__ import annotations

import ast
import inspect
import pickle
import pydoc
from pathlib import Path

import pytest

import scaling_laws as sl
from scaling_laws import _native

from conftest import SWEEP_CSV

PACKAGE = Path(sl.__file__).parent


def test_every_public_name_has_a_docstring():
    assert sl.__doc__ and "load" in sl.__doc__
    for name in sl.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(sl, name)
        assert inspect.getdoc(obj), name
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(member):
                    assert inspect.getdoc(member), f"{name}.{attr}"


def test_help_of_load_stands_on_its_own():
    text = pydoc.render_doc(sl.load, renderer=pydoc.plaintext)
    for needed in ("pandas or polars DataFrame", "where", "flops_per_param_token", "Raises",
                   "ColumnError", "Example", "drop_highest_loss", "Training FLOP"):
        assert needed in text, needed
    signature = inspect.signature(sl.load)
    assert signature.parameters["flops_per_param_token"].default == 6.0


def test_the_stubs_name_everything_the_native_module_has():
    stub = ast.parse((PACKAGE / "_native.pyi").read_text())
    declared = set()
    for node in stub.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            declared.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            declared.add(node.target.id)
    public = {name for name in dir(_native) if not name.startswith("__")}
    declared.discard("__version__")
    assert public == declared
    assert (PACKAGE / "py.typed").exists()


def test_exceptions_keep_their_details_through_pickle():
    try:
        sl.load({"N": [1e9, 2e9], "D": [1e10, 2e10], "score": [2.0, 1.9]})
    except sl.ColumnError as e:
        copy = pickle.loads(pickle.dumps(e))
        assert str(copy) == str(e)
        assert (copy.kind, copy.flag, copy.path) == ("MissingColumn", "loss_col=", "arrays")
        assert copy.cli_flag == "--loss-col"
    else:
        raise AssertionError("a table without a loss column was accepted")
    w = sl.ScalingLawsWarning("m; a", "code", "a", [3])
    assert pickle.loads(pickle.dumps(w)).rows == [3]


def test_wrong_types_and_values_raise_option_errors_naming_the_keyword():
    """The binding's own conversions (a string for a number, a negative count, a number too
    large, an unknown keyword) raise ScalingLawsError subclasses naming the keyword, still
    TypeError or OverflowError where Python would raise those."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLawsWarning)
        fit = sl.fit(SWEEP_CSV, starts=5)
    cases = [
        (lambda: sl.fit(SWEEP_CSV, subsample_rows="x"), "subsample_rows"),
        (lambda: sl.fit(SWEEP_CSV, max_iters=10**30), "max_iters"),
        (lambda: sl.isoflop(SWEEP_CSV, bootstrap=-1), "bootstrap"),
        (lambda: fit.bootstrap(-1), "bootstrap"),
        (lambda: sl.plan(params="big"), "params"),
        (lambda: sl.fit(SWEEP_CSV, detla=0.1), "detla"),
    ]
    for call, keyword in cases:
        with pytest.raises(sl.OptionError) as caught:
            call()
        assert caught.value.keyword == keyword, (keyword, caught.value)
    with pytest.raises(TypeError):
        sl.fit(SWEEP_CSV, detla=0.1)
