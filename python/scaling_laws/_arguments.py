"""Checking a public call's arguments against its signature's annotations, before any work:
an argument of a type the call does not take raises :class:`~scaling_laws.errors.ArgumentTypeError`
naming the keyword, what it accepts and what it got (``invalid level: expected a number, got
'high' (str)``), instead of a ``TypeError`` or ``AttributeError`` from deep inside the package.

Values of the right type are the library's to judge (a negative count, an unknown law), with
its messages. Whole numbers given as floats (``bootstrap=1e3``) and numpy scalars are passed
on as Python ints."""

from __future__ import annotations

import collections.abc
import inspect
import math
import numbers
import os
import sys
import typing
from typing import Any, Callable, Optional

import numpy as np

__all__ = ["checker"]

_NOTHING = object()

# The whole numbers the binding can take (i64 to u64).
_INT_LOW = -(2**63)
_INT_HIGH = 2**64 - 1


def _resolve(function: Callable[..., Any], namespace: dict) -> dict:
    """The annotations of `function`'s parameters as typing objects (Any where unresolvable)."""
    module = sys.modules.get(function.__module__)
    globalns = dict(vars(module)) if module else {}
    globalns.update(namespace)
    out = {}
    for name, annotation in getattr(function, "__annotations__", {}).items():
        if name == "return":
            continue
        out[name] = _deep(annotation, globalns)
    return out


def _deep(hint: Any, globalns: dict) -> Any:
    """`hint` with its forward references (strings) evaluated, recursively; Any where one
    cannot be read."""
    if isinstance(hint, typing.ForwardRef):
        hint = hint.__forward_arg__
    if isinstance(hint, str):
        try:
            hint = eval(hint, globalns)  # noqa: S307 - the package's own annotations
        except Exception:  # noqa: BLE001 - an annotation we cannot read checks nothing
            return Any
        return _deep(hint, globalns)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union:
        return typing.Union[tuple(_deep(a, globalns) for a in args)]
    if origin in (collections.abc.Sequence, collections.abc.Mapping, list, tuple, dict) and args:
        try:
            return origin[tuple(_deep(a, globalns) for a in args)]
        except TypeError:
            return hint
    return hint


def _forward(hint: Any, namespace: dict) -> Any:
    if isinstance(hint, typing.ForwardRef):
        return namespace.get(hint.__forward_arg__.split("[")[0].split(".")[-1], Any)
    if isinstance(hint, str):
        return namespace.get(hint.split("[")[0].split(".")[-1], Any)
    return hint


def _is_whole(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer()


def _sequence(value: Any) -> bool:
    if isinstance(value, (str, bytes, bytearray, collections.abc.Mapping)):
        return False
    if isinstance(value, np.ndarray):
        return value.ndim == 1
    if isinstance(value, collections.abc.Sequence):
        return True
    # pandas and polars Series, and other one-dimensional array-likes.
    return hasattr(value, "__array__") and hasattr(value, "__len__") and getattr(value, "ndim", 1) == 1


class _Check:
    """Whether values fit one annotation, and how to say what it accepts."""

    def __init__(self, namespace: dict) -> None:
        self.namespace = namespace

    def accepts(self, hint: Any, value: Any) -> bool:
        hint = _forward(hint, self.namespace)
        if hint is Any or hint is object or isinstance(hint, typing.TypeVar):
            return True
        if hint is None or hint is type(None):
            return value is None
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin is typing.Union:
            return any(self.accepts(a, value) for a in args)
        if origin is typing.Literal:
            return isinstance(value, str) if all(isinstance(a, str) for a in args) else value in args
        if hint is bool:
            return isinstance(value, (bool, np.bool_))
        if isinstance(value, (bool, np.bool_)):
            # True is an int to Python, but a count or a number given as True is a mistake.
            return False
        if hint is int:
            return _is_whole(value) and _INT_LOW <= int(value) <= _INT_HIGH
        if hint is float:
            if not isinstance(value, numbers.Real) or isinstance(value, np.timedelta64):
                return False
            try:
                float(value)
            except (OverflowError, TypeError, ValueError):
                return False
            return True
        if hint is str:
            return isinstance(value, str)
        if hint is os.PathLike or origin is os.PathLike:
            return isinstance(value, os.PathLike)
        if origin in (collections.abc.Callable,) or hint is collections.abc.Callable:
            return callable(value)
        if origin in (collections.abc.Sequence, list, tuple):
            if not _sequence(value):
                return False
            item = args[0] if args else Any
            return self._items(item, value)
        if origin in (collections.abc.Mapping, dict):
            if not isinstance(value, collections.abc.Mapping):
                return False
            key, item = args if len(args) == 2 else (Any, Any)
            return all(self.accepts(key, k) and self.accepts(item, v) for k, v in value.items())
        if isinstance(hint, type):
            return isinstance(value, hint)
        return True

    def _items(self, item: Any, value: Any) -> bool:
        item = _forward(item, self.namespace)
        if isinstance(value, np.ndarray) or (not isinstance(value, (list, tuple, range)) and hasattr(value, "__array__")):
            array = np.asarray(value)
            if array.dtype.kind in "biuf" and array.ndim == 1:
                return self.accepts(item, 0.0) or self.accepts(item, 0)
            if array.dtype.kind in "biuf":
                return False
            value = array.tolist()
        return all(self.accepts(item, v) for v in value)

    def describe(self, hint: Any, plural: bool = False) -> str:
        hint = _forward(hint, self.namespace)
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin is typing.Union:
            parts = [self.describe(a, plural) for a in args if a is not type(None)]
            if type(None) in args:
                parts.append("None")
            return _or(list(dict.fromkeys(parts)))
        if origin is typing.Literal:
            return "one of " + ", ".join(repr(a) for a in args)
        if hint is None or hint is type(None):
            return "None"
        words = {
            bool: ("True or False", "True or False values"),
            int: ("a whole number", "whole numbers"),
            float: ("a number", "numbers"),
            str: ("a string", "strings"),
        }
        if hint in words:
            return words[hint][plural]
        if hint is os.PathLike or origin is os.PathLike:
            return "paths" if plural else "a path"
        if origin is collections.abc.Callable or hint is collections.abc.Callable:
            return "functions" if plural else "a function"
        if origin in (collections.abc.Sequence, list, tuple):
            inner = self.describe(args[0], True) if args else "values"
            return f"lists of {inner}" if plural else f"a list of {inner}"
        if origin in (collections.abc.Mapping, dict):
            key, item = args if len(args) == 2 else (Any, Any)
            text = f"mapping{'s' if plural else ''} of {self.describe(key, True)} to {self.describe(item, True)}"
            return text if plural else "a " + text
        if hint is np.ndarray:
            return "numpy arrays" if plural else "a numpy array"
        if isinstance(hint, type):
            return f"{hint.__name__} objects" if plural else f"a {hint.__name__}"
        return "values" if plural else "a value"

    def convert(self, hint: Any, value: Any) -> Any:
        """`value` as the binding takes it: a whole number given as a float or a numpy scalar
        becomes an int where the annotation takes ints and no floats."""
        hint = _forward(hint, self.namespace)
        members = typing.get_args(hint) if typing.get_origin(hint) is typing.Union else (hint,)
        if int in members and float not in members and not isinstance(value, (int, bool)):
            if _is_whole(value) and not self.accepts_other_than_int(members, value):
                return int(value)
        return value

    def accepts_other_than_int(self, members: tuple, value: Any) -> bool:
        return any(m is not int and self.accepts(m, value) for m in members)


def _or(parts: list) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _shown(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - any object can be shown by its type
        text = "?"
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def checker(function: Callable[..., Any], namespace: dict, extra: Optional[Callable[..., Any]] = None):
    """A function that checks and converts the arguments of a call of `function` (given as
    ``(args, kwargs)``) and returns them, or raises ArgumentTypeError naming the keyword.
    `extra`: the function whose keywords a ``**options`` parameter passes on (``load``)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    hints_cache: dict = {}
    check = _Check(namespace)

    def hints() -> dict:
        if not hints_cache:
            hints_cache.update(_resolve(function, namespace))
            if extra is not None:
                hints_cache["**"] = _resolve(extra, namespace)
        return hints_cache

    def run(args: tuple, kwargs: dict) -> tuple:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            # Too many arguments or an unknown keyword: Python's own message, translated by
            # the guard.
            return args, kwargs
        known = hints()
        changed = False
        for name, value in list(bound.arguments.items()):
            parameter = signature.parameters[name]
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                options = known.get("**", {})
                for key, item in value.items():
                    if key in options:
                        _check_one(check, key, options[key], item)
                continue
            if parameter.kind is inspect.Parameter.VAR_POSITIONAL or name not in known:
                continue
            if value is parameter.default and value is not _NOTHING:
                continue
            hint = known[name]
            _check_one(check, name, hint, value)
            converted = check.convert(hint, value)
            if converted is not value:
                bound.arguments[name] = converted
                changed = True
        return (bound.args, bound.kwargs) if changed else (args, kwargs)

    return run


def _check_one(check: _Check, name: str, hint: Any, value: Any) -> None:
    if check.accepts(hint, value):
        return
    from .errors import ArgumentOverflowError, ArgumentTypeError

    if (
        not isinstance(value, (bool, np.bool_))
        and _is_whole(value)
        and not _INT_LOW <= int(value) <= _INT_HIGH
        and check.accepts(hint, 0)
    ):
        raise ArgumentOverflowError(
            f"invalid {name}: expected a whole number from 0 to 2^64 - 1, got {_shown(value)}",
            {"kind": "InvalidOption", "flag": name},
        )

    raise ArgumentTypeError(
        f"invalid {name}: expected {check.describe(hint)}, got {_shown(value)}",
        {"kind": "InvalidOption", "flag": name},
    )


def _invalid(keyword: str, expected: str, value: Any) -> Exception:
    from .errors import OptionError

    return OptionError(
        f"invalid {keyword}: expected {expected}, got {_shown(value)}",
        {"kind": "InvalidOption", "flag": keyword},
    )


def numbers_list(value: Any, keyword: str) -> list:
    """A number or a sequence of numbers (a list, a tuple, a one-dimensional array) as a list
    of floats, or an OptionError naming `keyword`."""
    try:
        array = np.asarray(value)
        if array.ndim > 1 or array.dtype.kind not in "biuf":
            raise TypeError
        return [float(v) for v in np.atleast_1d(array.astype(np.float64))]
    except (TypeError, ValueError, OverflowError):
        raise _invalid(keyword, "a number or a list of numbers", value) from None


def number_array(value: Any, keyword: str) -> np.ndarray:
    """A number or an array of numbers (any shape) as a float array, or an OptionError naming
    `keyword`."""
    try:
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError
        return array.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        raise _invalid(keyword, "a number or an array of numbers", value) from None


def number_pair(value: Any, keyword: str) -> tuple:
    """Two numbers (low, high), or an OptionError naming `keyword`."""
    values = numbers_list(value, keyword)
    if len(values) != 2:
        raise _invalid(keyword, "two numbers (low, high) or text LOW:HIGH", value)
    return values[0], values[1]
