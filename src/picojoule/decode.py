"""One torch-free decoder from JSON/YAML data to frozen dataclasses, driven by type hints.

``decode(tp, value, where, field)`` turns parsed data into a value of type ``tp``: bool, int,
float, str, None, ``X | None`` and other unions, ``tuple[X, ...]`` and fixed tuples,
``frozenset[X]`` (from a list), ``dict[K, V]`` (a mapping), ``Literal[...]`` and nested frozen
dataclasses. ``decode_dataclass`` reports unknown and missing fields and every bad value at
once as one ``SpecError`` whose problems name the dotted field path. A ``special`` hook decodes
types the caller owns (e.g. tagged configs, a file form with its own shorthand).

A field's ``metadata={"expected": phrase}`` names what a missing value should be, e.g. ``"a
non-empty list of storage levels"``.

Constraints ride on the type as ``Annotated[...]`` metadata, declared once on the spec's field:
``Positive``/``NonNegative`` (a number's sign, at most 2**53 in magnitude), ``Range(low, high)``
(inclusive), ``OneOf(values)`` (a closed set known only at run time) and ``NonEmpty`` (a string
or list). A field's ``metadata={"file_default": value}`` is what a file that leaves the field out
gets (for fields the Python constructor requires). A ``null`` for a field that does not admit
None counts as leaving it out.

``literal_problems(obj, c, prefix)`` checks a constructed dataclass's ``Literal`` fields, and
``field_problems`` every scalar field with its ``Annotated`` constraints, so ``__post_init__``
rejects in Python exactly what decoding rejects in a file.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields, is_dataclass
from typing import Annotated, Any

from picojoule.errors import Collector, Problem, SpecError
from picojoule.fileio import shown

MAX_EXACT = 2**53  # every count stays exact in a float64


@dataclass(frozen=True)
class Sign:
    """``Annotated`` metadata: the number is positive (> 0) or non-negative (>= 0)."""

    strict: bool


Positive = Sign(strict=True)
NonNegative = Sign(strict=False)


@dataclass(frozen=True)
class Range:
    """``Annotated`` metadata: the value lies in ``[low, high]``."""

    low: float
    high: float


@dataclass(frozen=True)
class OneOf:
    """``Annotated`` metadata: the value is one of ``values`` (a set known at run time)."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class _NonEmpty:
    """``Annotated`` metadata: a string or list with at least one item."""


NonEmpty = _NonEmpty()

#: ``special(tp, value, where, field)`` returns a decoded value, or ``NotImplemented`` to let
#: the generic rules decode ``tp``.
Special = Callable[[Any, Any, str, str], Any]


def join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    return f"{prefix}.{name}" if name else prefix


def decode_dataclass(cls: type, data: Any, where: str, field: str,
                     special: Special | None = None, also: tuple[str, ...] = ()) -> Any:
    """An instance of dataclass ``cls`` from a mapping; every problem at once. ``also`` names
    keys the caller took out of ``data`` and decoded itself (listed among the known fields)."""
    if not isinstance(data, dict):
        names = [f.name for f in fields(cls) if f.init]
        listed = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        raise SpecError.single(where, field, f"a mapping with {listed} "
                                             f"({cls.__name__.lstrip('_')}), got {shown(data)}")
    hints = typing.get_type_hints(cls, include_extras=True)
    known = {f.name: f for f in fields(cls) if f.init}
    c = Collector(where)
    for key in data:
        if key not in known:
            c.add(join(field, str(key)), f"no such field; known fields: "
                                         f"{sorted([*known, *also])}")
    kwargs: dict[str, Any] = {}
    for name, f in known.items():
        value = data.get(name)
        if value is None and not _admits_none(hints[name]):
            if "file_default" in f.metadata:
                value = f.metadata["file_default"]
            elif f.default is MISSING and f.default_factory is MISSING:
                c.add(join(field, name),
                      f"required ({f.metadata.get('expected') or describe(hints[name])})")
                continue
            else:
                continue
        elif name not in data:
            continue
        try:
            kwargs[name] = decode(hints[name], value, where, join(field, name), special)
        except SpecError as exc:
            c.extend(exc.problems)
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
    if tp is Any:
        return value
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Annotated:
        return _annotated(args[0], tp.__metadata__, value, where, field, special)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        problems: list[Problem] = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return decode(arg, value, where, field, special)
            except SpecError as exc:
                problems.extend(exc.problems)
        if len(problems) > 1 and all(p.field == field and ", got " in p.expected
                                     for p in problems):  # one line: "A or B, got X"
            either = " or ".join(p.expected.rsplit(", got ", 1)[0] for p in problems)
            raise SpecError.single(where, field, f"{either}, got {shown(value)}")
        raise SpecError(problems or [Problem(where, field, f"a value of type {tp}")])
    if origin is typing.Literal:
        if not isinstance(value, bool) and _hashable(value) and value in args:
            return value
        raise SpecError.single(where, field, f"one of {list(args)}, got {shown(value)}")
    if origin is dict:
        if not isinstance(value, dict):
            raise SpecError.single(where, field, f"a mapping, got {shown(value)}")
        c, out = Collector(where), {}
        for key, item in value.items():
            try:
                out[decode(args[0], key, where, join(field, str(key)), special)] = decode(
                    args[1], item, where, join(field, str(key)), special)
            except SpecError as exc:
                c.extend(exc.problems)
        c.raise_if_any()
        return out
    if origin is frozenset:
        if not isinstance(value, list):
            raise SpecError.single(where, field, f"a list, got {shown(value)}")
        return frozenset(_items(args[0], value, where, field, special))
    if origin is tuple:
        if not isinstance(value, list):
            raise SpecError.single(where, field, f"a list, got {shown(value)}")
        item = args[0] if len(args) == 2 and args[1] is Ellipsis else None
        if item is None:
            if len(value) != len(args):
                raise SpecError.single(where, field, f"a list of {len(args)} items")
            return tuple(decode(a, v, where, f"{field}[{i}]", special) for i, (a, v) in
                         enumerate(zip(args, value, strict=True)))
        return tuple(_items(item, value, where, field, special))
    if isinstance(tp, type) and is_dataclass(tp):
        return decode_dataclass(tp, value, where, field, special)
    return _scalar(tp, value, where, field)


def _items(tp: Any, value: list[Any], where: str, field: str,
           special: Special | None) -> list[Any]:
    """Every item of a list decoded, every bad item reported at once."""
    c, out = Collector(where), []
    for i, v in enumerate(value):
        try:
            out.append(decode(tp, v, where, f"{field}[{i}]", special))
        except SpecError as exc:
            c.extend(exc.problems)
    c.raise_if_any()
    return out


def _annotated(base: Any, marks: tuple[Any, ...], value: Any, where: str, field: str,
               special: Special | None) -> Any:
    sign = next((m for m in marks if isinstance(m, Sign)), None)
    if sign is not None and base in (int, float):
        got = _signed(base, sign, value, where, field)
    else:
        got = decode(base, value, where, field, special)
    for mark in marks:
        if isinstance(mark, Range) and not mark.low <= got <= mark.high:
            raise SpecError.single(where, field, f"a value between {mark.low:g} and "
                                                 f"{mark.high:g}, got {shown(got)}")
        if isinstance(mark, OneOf) and got not in mark.values:
            raise SpecError.single(where, field, f"one of {', '.join(map(str, mark.values))}, "
                                                 f"got {shown(got)}")
        if isinstance(mark, _NonEmpty) and not got:
            raise SpecError.single(where, field, f"a non-empty {_kind(base)}, got "
                                                 f"{shown(value)}")
    return got


def _signed(base: type, sign: Sign, value: Any, where: str, field: str) -> Any:
    """An int or a number with a sign rule, at most 2**53 in magnitude."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if base is int:
        ok = number and isinstance(value, int) and value <= MAX_EXACT
    else:
        ok = number and (math.isfinite(value) if isinstance(value, float)
                         else abs(value) <= MAX_EXACT)
    if ok and (value > 0 if sign.strict else value >= 0):
        return float(value) if base is float else value
    huge = (isinstance(value, float) and not math.isfinite(value)) or (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_EXACT)
    raise SpecError.single(where, field, f"a {_kind(base, sign)}"
                           f"{' (finite, up to 2**53)' if huge else ''}, got {shown(value)}")


def _kind(tp: Any, sign: Sign | None = None) -> str:
    words = {int: "int", float: "number", str: "string", bool: "bool", tuple: "list",
             frozenset: "list", dict: "mapping"}.get(typing.get_origin(tp) or tp, "value")
    if sign is None:
        return words
    return f"{'positive' if sign.strict else 'non-negative'} {words}"


def describe(tp: Any) -> str:
    """A short name of what type ``tp`` accepts, e.g. ``positive number`` or ``string``."""
    if typing.get_origin(tp) is Annotated:
        sign = next((m for m in tp.__metadata__ if isinstance(m, Sign)), None)
        return _kind(typing.get_args(tp)[0], sign)
    if isinstance(tp, type) and is_dataclass(tp):
        return f"an object ({tp.__name__})"
    return _kind(tp)


def _admits_none(tp: Any) -> bool:
    if typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp is type(None) or (typing.get_origin(tp) in (typing.Union, types.UnionType)
                                and type(None) in typing.get_args(tp))


def _scalar(tp: Any, value: Any, where: str, field: str) -> Any:
    if tp is type(None):
        if value is None:
            return None
        raise SpecError.single(where, field, f"null, got {shown(value)}")
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise SpecError.single(where, field, f"true or false, got {shown(value)}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise SpecError.single(where, field, f"an integer, got {shown(value)}")
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool) and (
                not isinstance(value, float) or math.isfinite(value)):
            return float(value)
        raise SpecError.single(where, field, f"a finite number, got {shown(value)}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise SpecError.single(where, field, f"a string, got {shown(value)}")
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


def field_problems(obj: Any, c: Collector, prefix: str = "") -> None:
    """Add a problem for each scalar field of dataclass ``obj`` (bool, int, float, str, None,
    ``Literal`` and ``Annotated`` constraints on them, and unions of these) holding a value its
    type refuses: what ``decode`` would have refused in a file, refused in Python too."""
    hints = typing.get_type_hints(type(obj), include_extras=True)
    for f in fields(obj):
        if _is_scalar(hints[f.name]):
            try:
                decode(hints[f.name], getattr(obj, f.name), c.where, join(prefix, f.name))
            except SpecError as exc:
                c.extend(exc.problems)


def _is_scalar(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _is_scalar(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return all(_is_scalar(a) for a in typing.get_args(tp))
    return origin is typing.Literal or tp in (bool, int, float, str, type(None))
