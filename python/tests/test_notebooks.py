"""The notebooks are committed with their outputs cleared (CI executes them headless)."""

from __future__ import annotations

import json

from conftest import REPO


def test_committed_notebooks_have_no_outputs():
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks in notebooks/"
    for path in notebooks:
        cells = json.loads(path.read_text())["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [], f"{path.name} has outputs"
                assert cell["execution_count"] is None, f"{path.name} has execution counts"
