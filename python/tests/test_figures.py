"""Fit.plot and the Figure object: the command line's figures, drawn into memory."""

from __future__ import annotations

import struct
import warnings

import pytest

import scaling_laws as sl

from conftest import SWEEP_CSV

QUICK = {"starts": 20}
# 2.2 x 1.6 inches at 300 pixels to the inch, as the command line's --width 2.2 --height 1.6.
SIZE = {"width": 660, "height": 480}


def quiet(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.ScalingLawsWarning)
        return call(*args, **kwargs)


@pytest.fixture(scope="module")
def sweep_fit() -> sl.Fit:
    return quiet(sl.fit, SWEEP_CSV, **QUICK)


@pytest.fixture(scope="module")
def boot_fit(sweep_fit) -> sl.Fit:
    return quiet(sweep_fit.bootstrap, 20, progress=False).fit


def png_size(png: bytes) -> tuple:
    """Width and height from a PNG's IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_png_and_svg_of_a_figure(sweep_fit):
    fig = sweep_fit.plot("residuals", **SIZE)
    assert isinstance(fig, sl.Figure)
    assert fig.kind == "residuals"
    assert fig.svg.startswith("<svg")
    assert 'width="2.2in"' in fig.svg and 'height="1.6in"' in fig.svg
    assert 'viewBox="0 0 660 480"' in fig.svg
    assert png_size(fig.png) == (660, 480)
    # Jupyter's rich display uses the same images.
    assert fig._repr_svg_() == fig.svg
    assert fig._repr_png_() == fig.png
    assert "residuals" in repr(fig)


@pytest.mark.parametrize("kind", ["contours", "isoflop", "optimal", "residuals"])
def test_every_kind_draws_without_draws(sweep_fit, kind):
    fig = sweep_fit.plot(kind, **SIZE)
    assert fig.svg.startswith("<svg") and fig.svg.rstrip().endswith("</svg>")
    assert len(fig.svg) > 5000


def test_bootstrap_figure_needs_draws(sweep_fit, boot_fit):
    with pytest.raises(sl.OptionError) as e:
        sweep_fit.plot("bootstrap", **SIZE)
    assert e.value.keyword == "bootstrap"
    assert boot_fit.plot("bootstrap", **SIZE).svg.startswith("<svg")
    # A number of resamples bootstraps first, as `plot --bootstrap N`.
    fig = quiet(sweep_fit.plot, "bootstrap", bootstrap=10, progress=False, **SIZE)
    assert fig.svg.startswith("<svg")


def test_save_writes_the_format_of_the_extension(sweep_fit, tmp_path):
    fig = sweep_fit.plot("contours", **SIZE)
    svg, png = tmp_path / "c.svg", tmp_path / "C.PNG"
    assert fig.save(svg) == str(svg)
    fig.save(png)
    assert svg.read_text() == fig.svg
    assert png.read_bytes() == fig.png
    # path= saves too.
    other = tmp_path / "r.png"
    sweep_fit.plot("residuals", other, **SIZE)
    assert png_size(other.read_bytes()) == (660, 480)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["C.PNG", "c.svg", "r.png"]


def test_save_refuses_other_formats_and_leaves_no_file(sweep_fit, tmp_path):
    fig = sweep_fit.plot("contours", **SIZE)
    with pytest.raises(sl.OptionError) as e:
        fig.save(tmp_path / "c.jpg")
    assert e.value.keyword == "path"
    assert ".png, .svg or .pdf" in str(e.value)
    with pytest.raises(sl.OutputError):
        fig.save(tmp_path / "missing" / "c.svg")
    assert list(tmp_path.iterdir()) == []


def test_bad_kind_and_options_name_the_keyword(sweep_fit):
    with pytest.raises(sl.ScalingLawsError) as e:
        sweep_fit.plot("pie")
    assert e.value.keyword == "kind"
    assert "contours, isoflop, optimal, residuals, bootstrap" in str(e.value)
    with pytest.raises(sl.OptionError) as e:
        sweep_fit.plot("optimal", compute_range=(1e24, 1e20))
    assert e.value.keyword == "compute_range"
    with pytest.raises(sl.OptionError) as e:
        sweep_fit.plot("residuals", width=100)
    assert e.value.keyword == "width"
    with pytest.raises(sl.OptionError) as e:
        sweep_fit.plot("optimal", models=["no-such-model"])
    assert e.value.keyword == "models" and "no-such-model" in str(e.value)


@pytest.mark.parametrize(
    "kind, options, flags",
    [
        ("residuals", {}, []),
        ("contours", {}, []),
        ("isoflop", {"budgets": [1e19, 1e20], "tolerance_dex": 0.05},
         ["--budgets", "1e19,1e20", "--tolerance-dex", "0.05"]),
        ("optimal", {"compute_range": (1e19, 1e25), "models": ["gpt-3", "chinchilla"]},
         ["--compute-range", "1e19:1e25", "--models", "gpt-3,chinchilla"]),
    ],
)
def test_svg_equals_the_command_lines(sweep_fit, cli, tmp_path, kind, options, flags):
    out = tmp_path / f"{kind}.svg"
    cli("plot", kind, SWEEP_CSV, "--starts", "20", "--width", "2.2", "--height", "1.6",
        *flags, "--out", out, "--quiet")
    assert sweep_fit.plot(kind, **SIZE, **options).svg == out.read_text()


def test_bootstrap_figures_equal_the_command_lines(sweep_fit, cli, tmp_path):
    fit = quiet(sweep_fit.bootstrap, 20, progress=False).fit
    for kind in ("bootstrap", "optimal"):
        out = tmp_path / f"{kind}.png"
        cli("plot", kind, SWEEP_CSV, "--starts", "20", "--bootstrap", "20", "--width", "2.2",
            "--height", "1.6", "--out", out, "--quiet")
        assert fit.plot(kind, **SIZE).png == out.read_bytes(), kind


def test_save_figures_is_plot_all(sweep_fit, cli, tmp_path):
    ours = tmp_path / "ours"
    written = quiet(sweep_fit.save_figures, ours, bootstrap=10, progress=False, **SIZE)
    names = sorted(p.split("/")[-1] for p in written)
    assert len(names) == 15 and "bootstrap_distributions.pdf" in names
    assert sorted(p.name for p in ours.iterdir()) == names
    theirs = tmp_path / "theirs"
    cli("plot", "all", SWEEP_CSV, "--starts", "20", "--bootstrap", "10", "--width", "2.2",
        "--height", "1.6", "--out", theirs, "--quiet")
    for name in names:
        mine, cli_s = (ours / name).read_bytes(), (theirs / name).read_bytes()
        if name.endswith(".pdf"):
            # svg2pdf orders resource dictionaries by a randomly seeded hash map.
            assert len(mine) == len(cli_s) and mine.startswith(b"%PDF-"), name
        else:
            assert mine == cli_s, name
    # Without draws there is no bootstrap figure; the folder is replaced as a whole.
    again = sweep_fit.save_figures(ours, **SIZE)
    assert len(again) == 12
    assert sorted(p.name for p in ours.iterdir()) == sorted(p.split("/")[-1] for p in again)


def test_save_figures_leaves_a_folder_of_other_files_alone(sweep_fit, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(sl.OutputError):
        sweep_fit.save_figures(tmp_path, **SIZE)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_plot_all_points_to_save_figures(sweep_fit):
    with pytest.raises(sl.OptionError) as e:
        sweep_fit.plot("all")
    assert e.value.keyword == "kind" and "save_figures" in str(e.value)
