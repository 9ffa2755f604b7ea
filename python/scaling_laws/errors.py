"""Exceptions and warnings of ``scaling_laws``.

Every error of the Rust library is raised as a subclass of :class:`ScalingLawsError` (itself a
:class:`ValueError`) carrying the command line's message with its options named as this
package names them: a flag becomes its keyword argument (``--loss-col`` is ``loss_col=``,
``--lambda`` is ``lam=``, ``--fix E=1.69`` is ``fix={"E": 1.69}``) and a command the package
spells as a method becomes that method (``fit --holdout`` is ``Fit.holdout(...)``, ``fit --out``
is ``Fit.save(path)``). Warnings are worded the same way. :attr:`ScalingLawsError.keyword`
gives the keyword, :attr:`ScalingLawsError.cli_flag` the command line's flag, and
:func:`python_wording` the translation.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Callable, Mapping, Optional

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
    "ArgumentTypeError",
    "ArgumentOverflowError",
    "ScalingLawsWarning",
    "python_wording",
]

# Flags whose keyword argument is not the flag with its dashes turned into underscores: the
# keyword (None when there is none) and how messages spell it.
_SPECIAL_FLAGS = {
    "--lambda": ("lam", "lam="),
    "--family": ("families", "families="),
    "--format": ("frame", "frame="),
    "--out": (None, "save(path)"),
    "--plot": (None, "plot(...)"),
    "--holdout": ("rule", "Fit.holdout(...)"),
    "--quiet": ("progress", "progress=False"),
    "--help": (None, "help(...)"),
}

# Phrases naming a command and its flag, as the package spells them; applied before the flags.
_PHRASES = [
    (re.compile(r"(?:scaling-laws )?curve fit --out(?: [\w./-]+\.json)?"), "CurveFit.save(path)"),
    (re.compile(r"(?:scaling-laws )?(?:fit|optimal) --out(?: [\w./-]+\.json)?"), "Fit.save(path)"),
    (re.compile(r"(?:scaling-laws )?fit --holdout"), "Fit.holdout(...)"),
    (re.compile(r"--holdout (largest-compute|largest-params) (\d+)"), r'Fit.holdout("\1", \2)'),
    (re.compile(r"(?:scaling-laws )?plot (\w+) --fit(?: [\w./-]+\.json)?"), r'Fit.plot("\1")'),
    (re.compile(r"(?:scaling-laws )?optimal --fit(?: [\w./-]+\.json)?"), "Fit.optimal(...)"),
    (re.compile(r"(?:scaling-laws )?optimal --assess"), "Fit.optimal(assess=...)"),
    (re.compile(r"(?:scaling-laws )?fit --law"), "fit(law=...)"),
    (re.compile(r"--law ([a-z][\w-]*)"), r'law="\1"'),
    (re.compile(r"--fix ([A-Za-z_]\w*)=([^\s,;)]+)"), r'fix={"\1": \2}'),
    (re.compile(r"--format (\w+)"), r'frame="\1"'),
]

# `invalid --flag:`, the library's opening of an invalid option, and what it says for flags
# whose keyword alone would not tell.
_INVALID = re.compile(r"invalid --([a-z][a-z0-9]*(?:-[a-z0-9]+)*):")
_INVALID_NAMES = {"--holdout": "holdout rule", "--out": "path", "--plot": "plot path"}

# A flag, and a value after it that starts with a capital, a digit or a quote (`--shape N`,
# `--bootstrap 100`, `--where 'N > 1e9'`), written as `keyword=value`.
_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?: ([A-Z0-9'\"][^\s,;)]*))?")


def _keyword_of_flag(flag: str) -> Optional[str]:
    """The keyword argument of a command-line flag (``loss_col`` for ``--loss-col``)."""
    if flag in _SPECIAL_FLAGS:
        return _SPECIAL_FLAGS[flag][0]
    return flag[2:].replace("-", "_")


def _spell_flag(match: "re.Match[str]") -> str:
    flag = "--" + match.group(1)
    value = match.group(2)
    if flag in _SPECIAL_FLAGS:
        spelled = _SPECIAL_FLAGS[flag][1]
        return spelled + (f" {value}" if value else "")
    return f"{match.group(1).replace('-', '_')}={value or ''}"


def python_wording(text: str) -> str:
    """`text` (a message of the library) with its command-line flags and commands named as
    this package names them.

    Example:
        >>> python_wording("invalid --params-col: give a column, or hold E with --fix E=1.69")
        'invalid params_col: give a column, or hold E with fix={"E": 1.69}'
        >>> python_wording("check the law on held-out larger runs (fit --holdout)")
        'check the law on held-out larger runs (Fit.holdout(...))'
        >>> python_wording("--mfu applies to the time estimate; --lambda must be positive")
        'mfu= applies to the time estimate; lam= must be positive'
    """
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    def invalid(match: "re.Match[str]") -> str:
        flag = "--" + match.group(1)
        return f"invalid {_INVALID_NAMES.get(flag) or _keyword_of_flag(flag)}:"

    text = _INVALID.sub(invalid, text)
    return _FLAG.sub(_spell_flag, text)


class ScalingLawsError(ValueError):
    """An error of the scaling-laws library, with the command line's message.

    Attributes:
        kind: the library's error variant, e.g. ``"MissingColumn"``, ``"BadValues"``,
            ``"InvalidOption"``.
        is_bad_input: True when the problem lies in the input or the options (the command line
            exits with status 2), False for a failure of the computation or the system (1).
        path: the file or data the error is about (``"pandas DataFrame"`` for a frame), if any.
        flag: the option the error names as this package spells it, e.g. ``"loss_col="``
            for the command line's ``--loss-col``, if any.
        cli_flag: the command line's flag, e.g. ``"--loss-col"``, if any.
        column: the column the error is about, if any.
        rows: the first offending rows (counted from 1, as in a file), for bad values.
    """

    kind: str
    is_bad_input: bool
    path: Optional[str]
    flag: Optional[str]
    cli_flag: Optional[str]
    column: Optional[str]
    rows: list[int]

    def __init__(self, message: str, details: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(python_wording(message))
        details = dict(details or {})
        self.kind = str(details.get("kind", "Other"))
        self.is_bad_input = bool(details.get("is_bad_input", True))
        self.path = details.get("path")
        self.cli_flag = details.get("flag")
        self.flag = None if self.cli_flag is None else python_wording(self.cli_flag)
        self.column = details.get("column")
        self.rows = list(details.get("rows", []))

    @property
    def message(self) -> str:
        """The message, as the command line prints it after ``error:``."""
        return str(self.args[0]) if self.args else ""

    @property
    def keyword(self) -> Optional[str]:
        """The keyword argument that :attr:`cli_flag` stands for (``"loss_col"`` for
        ``--loss-col``, ``"lam"`` for ``--lambda``; ``"N"`` for ``N``), or None when the error
        names no single keyword."""
        flag = self.cli_flag
        if flag and flag.isidentifier():
            # Arguments the package checks itself name the keyword (``data``, ``N``).
            return flag
        if not flag or not flag.startswith("--") or "/" in flag:
            return None
        return _keyword_of_flag(flag)


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
        super().__init__(python_wording(message))
        self.code = code
        self.action = python_wording(action)
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


# The binding's own argument conversion (pyo3) raises TypeError or OverflowError naming a field
# of its argument structs, e.g. "failed to extract field FitArgs.subsample_rows: ..."; the
# innermost field is the keyword.
_FIELD = re.compile(
    r"(?:field [A-Za-z]+\.|keyword argument '|argument ')([a-z_][a-z_0-9]*)"
)


class ArgumentTypeError(OptionError, TypeError):
    """An argument of a type the call does not take (also a :class:`TypeError`)."""


class ArgumentOverflowError(OptionError, OverflowError):
    """A number too large for the argument (also an :class:`OverflowError`)."""


def _chain(error: BaseException) -> list:
    """`error` and the causes behind it, outermost first (the binding nests a field's error
    in its struct's)."""
    out = [error]
    while out[-1].__cause__ is not None and len(out) < 20:
        out.append(out[-1].__cause__)
    return out


# pyo3 names the argument it failed to convert in a note of the exception (Python 3.11's
# ``__notes__``): "while processing 'seed'".
_NOTE = re.compile(r"while processing '([A-Za-z_][A-Za-z_0-9]*)'")


def _keyword_of(chain: list) -> Optional[str]:
    """The innermost field named (a field of a struct of arguments is the keyword), else the
    argument a note names."""
    fields = [k for e in chain for k in _FIELD.findall(str(e))]
    if fields:
        return fields[-1]
    noted = [k for e in chain for n in getattr(e, "__notes__", None) or [] for k in _NOTE.findall(str(n))]
    return noted[-1] if noted else None


# What the binding's conversions say, in the words of what the argument accepts.
_REASONS = [
    (re.compile(r"can't convert negative int to unsigned|negative"), "expected a whole number 0 or more"),
    (re.compile(r"too (big|large) to convert|out of range integral|int too large"),
     "expected a smaller whole number (at most 2^64 - 1, or the argument's own limit)"),
    (re.compile(r"cannot be interpreted as an integer"), "expected a whole number"),
    (re.compile(r"to 'PyString'|instance of 'str'|to `str`"), "expected a string"),
    (re.compile(r"real number|to float|instance of 'float'"), "expected a number"),
    (re.compile(r"not iterable|to `Vec`|instance of 'Sequence'"), "expected a list"),
    (re.compile(r"instance of 'PyDict'|instance of 'dict'|to 'PyDict'"), "expected a mapping"),
]


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _as_scaling_laws_error(
    error: BaseException,
    arguments: Optional[Mapping[str, Any]] = None,
    function: Optional[Callable[..., Any]] = None,
) -> Optional[ScalingLawsError]:
    """The exception a public call raises in place of `error`, or None to let it pass.
    `arguments`: the call's arguments by keyword, to show the value a message is about."""
    if isinstance(error, ScalingLawsError):
        return None
    if type(error).__name__ == "PanicException":
        return ScalingLawsError(
            f"scaling-laws stopped on an internal error ({error}); please report it",
            {"kind": "Internal", "is_bad_input": False},
        )
    if isinstance(error, (TypeError, OverflowError, ValueError)):
        chain = _chain(error)
        innermost = chain[-1]
        cls = (
            ArgumentOverflowError
            if isinstance(innermost, OverflowError) or isinstance(error, OverflowError)
            else ArgumentTypeError
            if isinstance(error, TypeError)
            else OptionError
        )
        keyword = _keyword_of(chain)
        text = str(error)
        if keyword is None:
            return cls(text, {"kind": "InvalidOption", "flag": None})
        reason = str(innermost).rsplit(": ", 1)[-1]
        if function is not None and "unexpected keyword argument" in text:
            import difflib
            import inspect

            try:
                known = [p for p in inspect.signature(function).parameters if p not in ("self", "cls")]
            except (TypeError, ValueError):
                known = []
            close = difflib.get_close_matches(keyword, known, n=1)
            reason = f"{function.__name__}() takes no keyword {keyword!r}" + (
                f"; did you mean {close[0]}=?" if close else ""
            )
            return cls(
                f"invalid {keyword}: {reason}",
                {"kind": "InvalidOption", "flag": "--" + keyword.replace("_", "-")},
            )
        for pattern, words in _REASONS:
            if pattern.search(reason):
                reason = words
                if arguments is not None and keyword in arguments:
                    reason += f", got {_shown(arguments[keyword])}"
                break
        return cls(
            f"invalid {keyword}: {reason}",
            {"kind": "InvalidOption", "flag": "--" + keyword.replace("_", "-")},
        )
    return None


def guarded(
    function: Callable[..., Any],
    namespace: Optional[Mapping[str, Any]] = None,
    extra: Optional[Callable[..., Any]] = None,
) -> Callable[..., Any]:
    """`function` raising only :class:`ScalingLawsError` subclasses for bad arguments and
    internal errors: an argument of a type its annotation does not take raises an
    :class:`ArgumentTypeError` naming the keyword and what it accepts (checked before the call;
    `namespace` resolves the annotations' names, `extra` is the function a ``**options``
    parameter passes its keywords to); a wrong value caught by the binding becomes an
    :class:`OptionError` naming the keyword, an internal panic a :class:`ScalingLawsError`.
    Interrupts and other exceptions pass unchanged."""
    from ._arguments import checker

    state: dict = {}

    def check(args: tuple, kwargs: dict) -> tuple:
        if "run" not in state:
            state["run"] = checker(function, dict(namespace or {}), extra)
        run = state["run"]
        return (args, kwargs) if run is None else run(args, kwargs)

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:  # noqa: D401 - the guarded function
        try:
            args, kwargs = check(args, kwargs)
            return function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - translated or re-raised as is
            replacement = _as_scaling_laws_error(error, _arguments_of(function, args, kwargs), function)
            if replacement is None:
                raise
            raise replacement from error

    call.__scaling_laws_guarded__ = True  # type: ignore[attr-defined]
    return call


def _arguments_of(function: Callable[..., Any], args: tuple, kwargs: dict) -> dict:
    """The call's arguments by keyword (those of ``**options`` among them), or {}."""
    import inspect

    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return dict(kwargs)
    out = {}
    for name, value in bound.arguments.items():
        if inspect.signature(function).parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        else:
            out[name] = value
    return out


def guard_public_api(namespace: Mapping[str, Any], names: Any) -> dict:
    """The public functions of `names` guarded, and the public methods of its classes
    guarded in place (see :func:`guarded`)."""
    out = {}
    classes = {n: v for n, v in namespace.items() if isinstance(v, type)}
    load = namespace.get("load")

    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        extra = None
        code = getattr(function, "__code__", None)
        if code is not None and "load_options" in code.co_varnames:
            extra = load
        return guarded(function, classes, extra)

    for name in names:
        value = namespace[name]
        if isinstance(value, type) and not issubclass(value, BaseException):
            # Its own methods and those it inherits from the package's base classes.
            members = {}
            for base in reversed(value.__mro__[:-1]):
                if base.__module__.startswith("scaling_laws"):
                    members.update(vars(base))
            for attr, member in members.items():
                if attr.startswith("_") or getattr(member, "__scaling_laws_guarded__", False):
                    continue
                if isinstance(member, staticmethod):
                    setattr(value, attr, staticmethod(wrap(member.__func__)))
                elif isinstance(member, classmethod):
                    setattr(value, attr, classmethod(wrap(member.__func__)))
                elif callable(member):
                    setattr(value, attr, wrap(member))
        elif callable(value) and not isinstance(value, type):
            out[name] = wrap(value)
    return out
