"""Exceptions and warnings of ``scaling_laws``.

Every error of the Rust library is raised as a subclass of :class:`ScalingLawsError` (itself a
:class:`ValueError`) carrying the same message as the ``scaling-laws`` command line. Messages
name options by their command-line flags; each flag is a keyword argument with the dashes
turned into underscores (``--loss-col`` is ``loss_col=``, ``--where`` is ``where=``), which
:attr:`ScalingLawsError.keyword` gives.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

__all__ = [
    "ScalingLawsError",
    "InputError",
    "ColumnError",
    "FitFileError",
    "OptionError",
    "OutputError",
    "ConvergenceError",
    "NotFiniteError",
    "DownloadError",
    "ScalingLawsWarning",
]


class ScalingLawsError(ValueError):
    """An error of the scaling-laws library, with the command line's message.

    Attributes:
        kind: the library's error variant, e.g. ``"MissingColumn"``, ``"BadValues"``,
            ``"InvalidOption"``.
        is_bad_input: True when the problem lies in the input or the options (the command line
            exits with status 2), False for a failure of the computation or the system (1).
        path: the file or data the error is about (``"pandas DataFrame"`` for a frame), if any.
        flag: the command-line flag the error names, e.g. ``"--loss-col"``, if any.
        column: the column the error is about, if any.
        rows: the first offending rows (counted from 1, as in a file), for bad values.
    """

    kind: str
    is_bad_input: bool
    path: Optional[str]
    flag: Optional[str]
    column: Optional[str]
    rows: list[int]

    def __init__(self, message: str, details: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(message)
        details = dict(details or {})
        self.kind = str(details.get("kind", "Other"))
        self.is_bad_input = bool(details.get("is_bad_input", True))
        self.path = details.get("path")
        self.flag = details.get("flag")
        self.column = details.get("column")
        self.rows = list(details.get("rows", []))

    @property
    def message(self) -> str:
        """The message, as the command line prints it after ``error:``."""
        return str(self.args[0]) if self.args else ""

    @property
    def keyword(self) -> Optional[str]:
        """The keyword argument that :attr:`flag` stands for (``"loss_col"`` for
        ``--loss-col``), or None when the error names no single flag."""
        flag = self.flag
        if not flag or not flag.startswith("--") or "/" in flag:
            return None
        return flag[2:].replace("-", "_")


class InputError(ScalingLawsError):
    """The data cannot be used: an unreadable file, bad values (naming rows), values that
    cannot be derived, or too few usable runs."""


class ColumnError(InputError):
    """A column needed for a role (N, D, C, L, ...) is missing, unknown, ambiguous, repeated
    or of a type that cannot be read."""


class FitFileError(InputError):
    """A saved fit file is unreadable or of the wrong kind."""


class OptionError(ScalingLawsError):
    """An option is invalid; :attr:`flag` names it (see :attr:`ScalingLawsError.keyword`)."""


class OutputError(ScalingLawsError):
    """An output cannot or must not be written."""


class ConvergenceError(ScalingLawsError):
    """No start of the optimiser converged."""


class NotFiniteError(ScalingLawsError):
    """A result holds a NaN or an infinity (some input lies beyond double precision, or the
    fit is degenerate)."""


class DownloadError(ScalingLawsError):
    """A download failed or delivered the wrong bytes."""


class ScalingLawsWarning(UserWarning):
    """Something about a result to know before trusting it (e.g. a compute column that
    disagrees with 6·N·D).

    Attributes:
        code: a stable name of the kind of problem, e.g. ``"compute_column_inconsistent"``.
        message: what was found.
        action, advice: what to do about it.
        rows: the runs it concerns (counted from 1, as in a file), if any.
    """

    code: str
    action: str
    rows: list[int]

    def __init__(self, message: str, code: str = "", action: str = "", rows: Any = ()) -> None:
        super().__init__(message)
        self.code = code
        self.action = action
        self.rows = list(rows)

    @property
    def message(self) -> str:
        """What was found (the text before the advice)."""
        text = str(self.args[0]) if self.args else ""
        suffix = f"; {self.action}"
        return text[: -len(suffix)] if self.action and text.endswith(suffix) else text

    @property
    def advice(self) -> str:
        """What to do about it (the same as :attr:`action`)."""
        return self.action

    @classmethod
    def from_dict(cls, warning: Mapping[str, Any]) -> "ScalingLawsWarning":
        """A warning from the library's JSON form ``{code, message, action, rows}``."""
        message = str(warning.get("message", ""))
        action = str(warning.get("action", ""))
        line = f"{message}; {action}" if action else message
        return cls(line, str(warning.get("code", "")), action, warning.get("rows", ()))

    def __reduce__(self) -> Any:
        return (type(self), (str(self.args[0]), self.code, self.action, self.rows))
