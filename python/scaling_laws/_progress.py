"""Progress display for long work (multi-start fits, bootstraps).

The Rust side calls ``callback(done, total)`` on the calling thread, about every 50 ms while
units of work finish, and once at the end. ``progress`` arguments accept:

* ``None`` (default): a tqdm bar when tqdm is installed and the session is interactive (standard
  error is a terminal, or a Jupyter kernel runs the code); otherwise nothing;
* ``True``: a tqdm bar even when not interactive (tqdm must be installed);
* ``False``: nothing;
* a callable ``f(done, total)``: called as above; an exception it raises stops the work and is
  raised by the call that started it.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Callable, Iterator, Optional, Union

__all__ = ["ProgressArg", "ProgressCallback", "progress_callback", "is_interactive"]

ProgressCallback = Callable[[int, Optional[int]], object]
"""``f(done, total)``: units done so far and the total, when known."""

ProgressArg = Union[None, bool, ProgressCallback]
"""What a ``progress=`` argument accepts (see the module docs)."""


def is_interactive() -> bool:
    """True when a person is likely watching: standard error is a terminal, or the code runs
    in a Jupyter (IPython) kernel."""
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def _check_callback(progress: Callable[..., Any]) -> None:
    """An OptionError naming ``progress`` when the callable cannot be called as f(done, total)."""
    import inspect

    try:
        signature = inspect.signature(progress)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(0, None)
    except TypeError:
        from .errors import OptionError

        raise OptionError(
            f"invalid progress: expected True, False, None or a function f(done, total), got "
            f"{getattr(progress, '__name__', type(progress).__name__)}{signature}",
            {"kind": "InvalidOption", "flag": "progress"},
        ) from None


@contextlib.contextmanager
def progress_callback(progress: ProgressArg, desc: str) -> Iterator[Optional[ProgressCallback]]:
    """The callback to hand to the native module for ``progress`` (see the module docs), as a
    context manager that closes a bar it opened."""
    if progress is False:
        yield None
        return
    if callable(progress) and not isinstance(progress, bool):
        _check_callback(progress)
        yield progress
        return
    if progress is None and not is_interactive():
        yield None
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress is True:
            from .errors import OptionError

            raise OptionError(
                "invalid progress: True draws a tqdm bar; install tqdm (pip install tqdm), "
                "or pass a callable f(done, total)",
                {"kind": "InvalidOption", "flag": "progress"},
            ) from None
        yield None
        return
    bar = tqdm(total=None, desc=desc, leave=False, dynamic_ncols=True)

    def update(done: int, total: Optional[int]) -> None:
        if total is not None and bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


def announce(estimates: list) -> None:
    """Issue the library's estimates of a long computation's time as warnings while it runs
    (called by the binding's worker loop)."""
    import warnings

    from .errors import ScalingLawsWarning

    for text in estimates:
        warnings.warn(ScalingLawsWarning(text, "note"), stacklevel=3)
