"""Loading runs from every kind of input gives the same dataset as the command line's loader,
with the command line's messages on bad input."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import scaling_laws as sl
from conftest import SWEEP_CSV, cli_error

ROLE_ARRAYS = ("n_params", "n_tokens", "compute", "loss")


def assert_same_runs(a: sl.Dataset, b: sl.Dataset) -> None:
    for name in ROLE_ARRAYS + ("rows",):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y), name


@pytest.fixture(scope="module")
def from_csv() -> sl.Dataset:
    return sl.load(str(SWEEP_CSV))


@pytest.fixture(scope="module")
def sweep_files(cli, tmp_path_factory):
    """The shipped sweep written by the command line as Parquet and NDJSON too."""
    folder = tmp_path_factory.mktemp("sweep")
    paths = {}
    for ext in ("parquet", "ndjson"):
        paths[ext] = folder / f"runs.{ext}"
        cli("simulate", "--out", paths[ext])
    return paths


def test_csv_is_read_by_the_command_lines_loader(from_csv):
    assert len(from_csv) == 108
    assert from_csv.source["format"] == "csv"
    assert from_csv.source["path"] == str(SWEEP_CSV)
    assert from_csv.columns["params"] == "n_params"
    assert from_csv.columns["flops"] == "flops"
    assert from_csv.budget is not None and from_csv.budget[0] == 6e18
    assert from_csv.rows.tolist() == list(range(1, 109))
    # First row of data/simulated_sweep.csv.
    assert from_csv.n_params[0] == 18099272.0
    assert from_csv.loss[0] == 3.4967953233711135
    with pytest.raises(ValueError):
        from_csv.loss[0] = 1.0  # read-only


def test_every_input_kind_gives_identical_arrays(from_csv, sweep_files):
    pd = pytest.importorskip("pandas")
    text = SWEEP_CSV.read_text().splitlines()
    columns = text[0].split(",")
    values = np.array([[float(v) for v in line.split(",")] for line in text[1:]])
    as_dict = {name: values[:, j] for j, name in enumerate(columns)}
    kinds = {
        "parquet": sl.load(sweep_files["parquet"]),
        "ndjson": sl.load(str(sweep_files["ndjson"])),
        "pathlib": sl.load(pathlib.Path(SWEEP_CSV)),
        "pandas": sl.load(pd.read_csv(SWEEP_CSV)),
        "dict of arrays": sl.load(as_dict),
        "dict of lists": sl.load({k: v.tolist() for k, v in as_dict.items()}),
        "keywords": sl.load(N=as_dict["n_params"], D=as_dict["n_tokens"], L=as_dict["loss"]),
        "simulate": sl.load(sl.simulate()),
        "round trip": sl.load(from_csv.to_pandas()),
    }
    for kind, ds in kinds.items():
        try:
            assert_same_runs(ds, from_csv)
        except AssertionError as e:
            raise AssertionError(f"{kind}: {e}") from None
    assert kinds["pandas"].source["format"] == "columns"
    assert kinds["pandas"].source["path"] == "pandas DataFrame"
    assert kinds["parquet"].source["format"] == "parquet"
    assert kinds["keywords"].columns == {
        "params": "N",
        "tokens": "D",
        "flops": None,
        "loss": "L",
        "budget": None,
        "unique_tokens": None,
    }


def test_polars_frames_load_like_files(from_csv):
    pl = pytest.importorskip("polars", reason="polars is not installed")
    assert_same_runs(sl.load(pl.read_csv(SWEEP_CSV)), from_csv)
    assert_same_runs(sl.load(pl.read_csv(SWEEP_CSV).lazy()), from_csv)
    back = from_csv.to_polars()
    assert back.columns == ["n_params", "n_tokens", "compute", "loss", "budget", "row"]
    assert_same_runs(sl.load(back), from_csv)


def test_filters_and_column_options_apply_to_frames_as_to_files(tmp_path):
    pd = pytest.importorskip("pandas")
    csv = tmp_path / "runs.csv"
    csv.write_text(
        "Model Size,Training FLOP,final loss,decay\n"
        "1e8,1.2e18,3.2,cosine\n1e9,1.2e20,2.7,linear\n1e10,1.2e22,2.3,cosine\n"
        "3e9,1.8e21,2.4,\n2e9,1e21,2.5,cosine\n"
    )
    options = dict(where="decay != linear", max_loss=3.0, flops_per_param_token=8)
    from_file = sl.load(csv, **options)
    from_frame = sl.load(pd.read_csv(csv), **options)
    assert_same_runs(from_frame, from_file)
    assert from_file.rows.tolist() == [3, 5]
    assert from_file.n_tokens[0] == 1.2e22 / (8 * 1e10)
    assert from_frame.notes == from_file.notes
    assert any("decay != linear" in note for note in from_file.notes)
    renamed = pd.read_csv(csv).rename(columns={"final loss": "metric"})
    assert_same_runs(sl.load(renamed, loss_col="metric", **options), from_file)


def test_missing_values_are_reported_like_empty_cells(cli, tmp_path):
    pd = pytest.importorskip("pandas")
    csv = tmp_path / "runs.csv"
    csv.write_text("N,D,L\n1e8,2e9,3.2\n1e9,2e10,\n1e10,2e11,2.3\n")
    with pytest.raises(sl.InputError) as caught:
        sl.load(pd.read_csv(csv))
    expected = cli_error(cli("fit", csv, check=False)).replace(str(csv), "pandas DataFrame")
    assert str(caught.value) == expected
    assert caught.value.kind == "BadValues"
    assert caught.value.column == "L"
    assert caught.value.rows == [2]
    # numpy has no missing value: NaN is reported as NaN.
    with pytest.raises(sl.InputError, match="has NaN or infinite values at row 2"):
        sl.load(N=[1e8, 1e9, 1e10], D=[2e9, 2e10, 2e11], L=[3.2, np.nan, 2.3])


def test_errors_carry_the_command_lines_messages(cli, tmp_path):
    csv = tmp_path / "runs.csv"
    csv.write_text("N,D,metric\n1e8,2e9,3.2\n1e9,2e10,2.9\n")
    with pytest.raises(sl.ColumnError) as caught:
        sl.load(csv)
    done = cli("fit", csv, check=False)
    assert done.returncode == 2
    assert str(caught.value) == cli_error(done)
    assert caught.value.kind == "MissingColumn"
    assert caught.value.flag == "loss_col=" and caught.value.keyword == "loss_col"
    assert caught.value.is_bad_input

    with pytest.raises(sl.OptionError) as caught:
        sl.load(csv, loss_col="metric", where="N >> 3")
    done = cli("fit", csv, "--loss-col", "metric", "--where", "N >> 3", check=False)
    assert str(caught.value) == cli_error(done)
    assert caught.value.keyword == "where"

    missing = tmp_path / "absent.csv"
    with pytest.raises(sl.InputError) as caught:
        sl.load(missing)
    assert str(caught.value) == cli_error(cli("fit", missing, check=False))
    assert isinstance(caught.value, ValueError)


def test_bad_arguments_are_refused_in_words():
    with pytest.raises(sl.OptionError, match="not both"):
        sl.load({"N": [1.0]}, L=[1.0])
    with pytest.raises(sl.OptionError, match=r"column 'N' has shape \(2, 2\)"):
        sl.load(N=[[1, 2], [3, 4]], D=[1, 2], L=[1, 2])
    with pytest.raises(TypeError, match="cannot read 'int' objects"):
        sl.load(3)
    with pytest.raises(sl.OptionError, match="give the runs"):
        sl.load()
    with pytest.raises(sl.OptionError, match=r"column 'L' of arrays has 2 values but column 'N' has 3"):
        sl.load(N=[1e8, 1e9, 1e10], D=[1e9, 1e10, 1e11], L=[3.0, 2.0])
    ds = sl.load(N=[1e8, 1e9, 1e10], D=[1e9, 1e10, 1e11], L=[3.0, 2.5, 2.0])
    assert sl.load(ds) is ds
    with pytest.raises(sl.OptionError, match="already loaded"):
        sl.load(ds, max_loss=2.5)


def test_doubts_about_the_data_are_python_warnings(tmp_path):
    csv = tmp_path / "gflops.csv"
    # The compute column is in GFLOPs: C / (6·N·D) = 1e-9.
    csv.write_text("N,D,C,L\n1e8,2e9,1.2e9,3.2\n1e9,2e10,1.2e11,2.7\n1e10,2e11,1.2e13,2.3\n")
    with pytest.warns(sl.ScalingLawsWarning, match="flops_scale=1e9") as caught:
        ds = sl.load(csv)
    assert caught[0].message.code == "compute_column_inconsistent"
    assert [w.code for w in ds.warnings] == ["compute_column_inconsistent"]
    assert "warning:" in repr(ds)


def test_text_and_odd_columns_of_frames():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "N": [1e8, 1e9, 1e10],
            "D": pd.array([2_000_000_000, 20_000_000_000, 200_000_000_000], dtype="Int64"),
            "C": ["1.2e18", "1.2e20", "1.2e22"],
            "L": [3.2, 2.7, 2.3],
            "when": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
        }
    )
    ds = sl.load(frame)
    assert ds.n_tokens.tolist() == [2e9, 2e10, 2e11]
    assert ds.compute.tolist() == [1.2e18, 1.2e20, 1.2e22]
    with pytest.raises(sl.ColumnError, match="column 'when' in pandas DataFrame has type datetime64"):
        sl.load(frame, loss_col="when")
    frame.loc[2, "D"] = pd.NA
    with pytest.raises(sl.InputError, match="column 'D' in pandas DataFrame has empty cells at row 3"):
        sl.load(frame)
    frame.loc[2, "D"] = 200_000_000_000
    frame["C"] = ["1.2e18", "1.2e20", "lots"]
    with pytest.raises(sl.InputError, match="column 'C' in pandas DataFrame has text that is not a number at row 3 \\('lots'\\)"):
        sl.load(frame)


def test_loads_from_several_threads_at_once_agree(from_csv):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: sl.load(SWEEP_CSV, max_loss=3.0), range(8)))
    for ds in results:
        assert_same_runs(ds, results[0])
    assert len(results[0]) == int((from_csv.loss <= 3.0).sum())


def test_a_large_frame_of_numbers(tmp_path):
    rng = np.random.default_rng(5)
    n = 200_000
    n_params = 10 ** rng.uniform(7, 10, n)
    n_tokens = 10 ** rng.uniform(9, 12, n)
    loss = 1.69 + 406.4 / n_params**0.34 + 410.7 / n_tokens**0.28
    ds = sl.load({"params": n_params, "tokens": n_tokens, "loss": loss})
    assert len(ds) == n
    assert np.array_equal(ds.n_params, n_params)
    assert np.array_equal(ds.compute, 6.0 * n_params * n_tokens)


def test_summaries(from_csv):
    text = repr(from_csv)
    assert text.startswith("Dataset: 108 runs from ")
    assert "params 'n_params', tokens 'n_tokens', flops 'flops', loss 'loss'" in text
    assert "<br>" in from_csv._repr_html_()
    saved = json.loads(from_csv.to_json())
    assert saved["loss"][0] == from_csv.loss[0]
    assert saved["source"]["sha256"] == from_csv.source["sha256"]


def test_a_budget_column_of_dates_or_complex_numbers_is_named_with_its_type():
    import pandas as pd

    import scaling_laws as sl

    runs = sl.simulate(seed=1)
    runs["flops_budget"] = runs["flops_budget"].astype(complex)
    with pytest.raises(sl.ColumnError, match="'flops_budget' .* has type complex128"):
        sl.fit(runs)
    runs = sl.simulate(seed=1)
    runs["flops_budget"] = pd.to_datetime(runs["flops_budget"].astype("int64") % 10**9, unit="s")
    with pytest.raises(sl.ColumnError, match="'flops_budget' .* has type datetime64"):
        sl.fit(runs)
