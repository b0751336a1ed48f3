"""One torch-free decoder from JSON/YAML data to frozen dataclasses, driven by type hints.

``decode(tp, value, where, field)`` turns parsed data into a value of type ``tp``: bool, int,
float, str, None, ``X | None`` and other unions, ``tuple[X, ...]`` and fixed tuples,
``Literal[...]`` and nested frozen dataclasses. ``decode_dataclass`` reports unknown and
missing fields and every bad value at once as one ``SpecError`` whose problems name the
dotted field path. A ``special`` hook decodes types the caller owns (e.g. tagged configs).

``literal_problems(obj, c, prefix)`` checks a constructed dataclass's ``Literal`` fields, so
``__post_init__`` rejects in Python exactly what decoding rejects in a file.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable
from dataclasses import MISSING, fields, is_dataclass
from typing import Any

from picojoule.errors import Collector, Problem, SpecError

#: ``special(tp, value, where, field)`` returns a decoded value, or ``NotImplemented`` to let
#: the generic rules decode ``tp``.
Special = Callable[[Any, Any, str, str], Any]


def join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    return f"{prefix}.{name}" if name else prefix


def decode_dataclass(cls: type, data: Any, where: str, field: str,
                     special: Special | None = None) -> Any:
    """An instance of dataclass ``cls`` from a mapping; every problem at once."""
    if not isinstance(data, dict):
        raise SpecError.single(where, field, f"an object ({cls.__name__})")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls) if f.init}
    c = Collector(where)
    for key in data:
        if key not in known:
            c.add(join(field, str(key)), f"no such field; known fields: {sorted(known)}")
    kwargs: dict[str, Any] = {}
    for name, f in known.items():
        if name in data:
            try:
                kwargs[name] = decode(hints[name], data[name], where, join(field, name), special)
            except SpecError as exc:
                c.extend(exc.problems)
        elif f.default is MISSING and f.default_factory is MISSING:
            c.add(join(field, name), "a value (this field is required)")
    c.raise_if_any()
    try:
        return cls(**kwargs)
    except SpecError as exc:  # re-anchor problems found by __post_init__ to the data's place
        raise SpecError(
            Problem(where, join(field, p.field), p.expected) for p in exc.problems
        ) from None


def decode(tp: Any, value: Any, where: str, field: str, special: Special | None = None) -> Any:
    """``value`` as type ``tp``, or a ``SpecError`` naming ``field`` and what was expected."""
    if special is not None:
        got = special(tp, value, where, field)
        if got is not NotImplemented:
            return got
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        problems: list[Problem] = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return decode(arg, value, where, field, special)
            except SpecError as exc:
                problems.extend(exc.problems)
        raise SpecError(problems or [Problem(where, field, f"a value of type {tp}")])
    if origin is typing.Literal:
        if not isinstance(value, bool) and _hashable(value) and value in args:
            return value
        raise SpecError.single(where, field, f"one of {list(args)}")
    if origin is tuple:
        if not isinstance(value, list):
            raise SpecError.single(where, field, "a list")
        item = args[0] if len(args) == 2 and args[1] is Ellipsis else None
        if item is None:
            if len(value) != len(args):
                raise SpecError.single(where, field, f"a list of {len(args)} items")
            return tuple(decode(a, v, where, f"{field}[{i}]", special) for i, (a, v) in
                         enumerate(zip(args, value, strict=True)))
        return tuple(decode(item, v, where, f"{field}[{i}]", special)
                     for i, v in enumerate(value))
    if isinstance(tp, type) and is_dataclass(tp):
        return decode_dataclass(tp, value, where, field, special)
    return _scalar(tp, value, where, field)


def _scalar(tp: Any, value: Any, where: str, field: str) -> Any:
    if tp is type(None):
        if value is None:
            return None
        raise SpecError.single(where, field, "null")
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise SpecError.single(where, field, "true or false")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise SpecError.single(where, field, "an integer")
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool) and (
                not isinstance(value, float) or math.isfinite(value)):
            return float(value)
        raise SpecError.single(where, field, "a finite number")
    if tp is str:
        if isinstance(value, str):
            return value
        raise SpecError.single(where, field, "a string")
    raise SpecError.single(where, field, f"a value of type {tp}")


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def literal_problems(obj: Any, c: Collector, prefix: str = "") -> None:
    """Add a problem for each ``Literal``-typed field of dataclass ``obj`` holding a value
    outside its literal set (what ``decode`` would have refused)."""
    hints = typing.get_type_hints(type(obj))
    for f in fields(obj):
        tp = hints[f.name]
        if typing.get_origin(tp) is typing.Literal:
            value = getattr(obj, f.name)
            allowed = typing.get_args(tp)
            if isinstance(value, bool) or not _hashable(value) or value not in allowed:
                c.add(join(prefix, f.name), f"one of {list(allowed)}, got {value!r:.60}")
