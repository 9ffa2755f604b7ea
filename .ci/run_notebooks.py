"""Execute every notebook in a folder headless (nbclient), failing on the first cell error.

Usage: python .ci/run_notebooks.py NOTEBOOKS_DIR OUTPUT_DIR

Each notebook runs in a fresh kernel of the current interpreter with its own folder as the
working directory; the executed copy (with outputs) is written to OUTPUT_DIR for tests and
inspection. The committed notebooks keep their outputs cleared.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# A cell that runs longer than this fails the run.
CELL_TIMEOUT_SECONDS = 600


def main(folder: Path, out: Path) -> int:
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        print(f"no notebooks in {folder}")
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for path in notebooks:
        started = time.monotonic()
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT_SECONDS,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
        nbformat.write(notebook, out / path.name)
        print(f"{path.name}: ok ({time.monotonic() - started:.1f} s)")
    print(f"{len(notebooks)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
