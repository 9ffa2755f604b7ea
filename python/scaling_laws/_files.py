"""Writing files as the command line's ``--out`` does: atomically."""

from __future__ import annotations

import os
import tempfile
from typing import Sequence, Union

from .errors import OutputError


def write_text_atomically(
    path: Union[str, "os.PathLike[str]"], text: str, inputs: Sequence[str] = ()
) -> str:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then renamed, so
    that a failure leaves the old file (or none) and no partial one; returns the path.
    `inputs`: files the text was made from, which ``path`` must not be (an OutputError)."""
    path = os.fspath(path)
    temporary = None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    for source in inputs:
        if _same_file(path, source):
            raise OutputError(
                f"will not write {path}: it is the data this was fitted from, which it would "
                "replace; give another path",
                {"kind": "Destination", "is_bad_input": True, "path": str(path)[:200], "flag": "path"},
            )
    _refuse_special(path)
    try:
        if os.path.isdir(path):
            raise IsADirectoryError(21, "is a folder; give a file name")
        folder = os.path.dirname(os.path.abspath(path))
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".scaling-laws-", suffix=".tmp")
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
        temporary = None
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        shown = repr(path) if len(repr(path)) <= 80 else repr(path)[:77] + "..."
        raise OutputError(
            f"cannot write {shown}: {reason[:1].lower() + reason[1:]}",
            {"kind": "Io", "is_bad_input": True, "path": str(path)[:200], "flag": "path"},
        ) from None
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
    return path


def _same_file(path: str, other: str) -> bool:
    """Whether `path` names the file `other` (the same inode, or the same absolute path)."""
    try:
        return os.path.samefile(path, other)
    except (OSError, ValueError):
        try:
            return os.path.abspath(path) == os.path.abspath(other)
        except ValueError:
            return False


def _refuse_special(path: str) -> None:
    """An OutputError when `path` is a device, a pipe or a socket (``/dev/null``): renaming a
    file over it would replace the device itself, as the library refuses to."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return
    kinds = [
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    ]
    for test, kind in kinds:
        if test(mode):
            raise OutputError(
                f"will not write {path}: it is {kind}, which a file written in its place would "
                "replace; give the path of a file",
                {"kind": "Destination", "is_bad_input": True, "path": str(path)[:200], "flag": "path"},
            )
