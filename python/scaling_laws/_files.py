"""Writing files as the command line's ``--out`` does: atomically."""

from __future__ import annotations

import os
import tempfile
from typing import Union


def write_text_atomically(path: Union[str, "os.PathLike[str]"], text: str) -> str:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then renamed, so
    that a failure leaves the old file (or none) and no partial one; returns the path."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".scaling-laws-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path
