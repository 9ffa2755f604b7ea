"""The Python examples of the documentation run, and print what their comments say.

Each ```python block of `docs/python.md`, `docs/curves.md` and `python/README.md` is run in a fresh folder that
holds the repository's `data/`; every `print(...)  # TEXT` line must print TEXT, in order.
"""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from conftest import REPO

PAGES = ["docs/python.md", "docs/curves.md", "python/README.md"]


def _blocks(page: str) -> list[str]:
    text = (REPO / page).read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def _expected(block: str) -> list[str]:
    return [
        line.split("#", 1)[1].strip()
        for line in block.splitlines()
        if line.startswith("print(") and "#" in line.rsplit(")", 1)[-1]
    ]


@pytest.mark.parametrize("page", PAGES)
def test_examples_print_what_their_comments_say(page, tmp_path, monkeypatch):
    blocks = _blocks(page)
    assert blocks, f"{page} has no Python example"
    (tmp_path / "data").symlink_to(REPO / "data")
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        expected = _expected(block)
        assert expected, f"an example of {page} prints nothing to check"
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(block, page, "exec"), {})
        assert printed.getvalue().splitlines() == expected, (
            f"{page}: the example's output is not what its comments say"
        )


def test_a_changed_comment_is_noticed():
    assert _expected('print(1 + 1)  # 2\nx = 1  # not printed\n') == ["2"]
