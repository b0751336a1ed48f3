"""The torch-free decoder: types from hints, every problem at once, Literal checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

import pytest

from picojoule.decode import (
    NonEmpty,
    NonNegative,
    OneOf,
    Positive,
    Range,
    decode,
    decode_dataclass,
    field_problems,
    literal_problems,
)
from picojoule.errors import Collector, SpecError


@dataclass(frozen=True)
class Inner:
    mode: Literal["a", "b"] = "a"


@dataclass(frozen=True)
class Outer:
    size: int
    ratio: float = 1.0
    inner: Inner = Inner()
    tags: tuple[str, ...] = ()
    note: str | None = None


def test_decodes_nested_values() -> None:
    got = decode_dataclass(Outer, {"size": 3, "ratio": 2, "inner": {"mode": "b"},
                                   "tags": ["x", "y"]}, "f.json", "")
    assert got == Outer(3, 2.0, Inner("b"), ("x", "y"))


def test_every_problem_at_once() -> None:
    with pytest.raises(SpecError) as caught:
        decode_dataclass(Outer, {"ratio": float("inf"), "inner": {"mode": ["a"]}, "zzz": 1,
                                 "tags": [1]}, "f.json", "")
    fields = [p.field for p in caught.value.problems]
    assert fields == ["zzz", "size", "ratio", "inner.mode", "tags[0]"]


def test_literal_refuses_unhashable_and_bool() -> None:
    with pytest.raises(SpecError):
        decode(Literal[1, 2], True, "w", "f")
    with pytest.raises(SpecError):
        decode(Literal["a"], {"a": 1}, "w", "f")


def test_literal_problems_checks_a_built_object() -> None:
    c = Collector("X")
    literal_problems(Inner("zzz"), c, "spec")  # type: ignore[arg-type]
    assert [str(p) for p in c.problems] == ["X: spec.mode: one of ['a', 'b'], got 'zzz'"]


@dataclass(frozen=True)
class Ranged:
    """Constraints declared once, as Annotated metadata (picojoule.decode)."""

    width: Annotated[int, Positive, Range(1, 64)]
    keeps: frozenset[Annotated[str, OneOf(("a", "b"))]] = field(
        metadata={"file_default": ["a", "b"]})
    scale: Annotated[float, NonNegative] = 0.0
    name: Annotated[str, NonEmpty] = "x"
    table: dict[str, int] = field(default_factory=dict)


def test_constraints_and_file_defaults() -> None:
    got = decode_dataclass(Ranged, {"width": 8, "scale": 2, "table": {"k": 3}}, "f", "")
    # keeps left out: the file default, as a frozenset; scale an int read as a float
    assert got == Ranged(8, frozenset({"a", "b"}), 2.0, "x", {"k": 3})
    # a null for a field that does not admit None counts as left out
    assert decode_dataclass(Ranged, {"width": 8, "scale": None}, "f", "").scale == 0.0


def test_constraint_messages_name_field_expected_and_got() -> None:
    with pytest.raises(SpecError) as caught:
        decode_dataclass(Ranged, {"width": 65, "keeps": ["a", "c"], "scale": -1, "name": "",
                                  "table": {"k": "v"}}, "f.yaml", "")
    assert [str(p) for p in caught.value.problems] == [
        "f.yaml: width: a value between 1 and 64, got 65",
        "f.yaml: keeps[1]: one of a, b, got 'c'",
        "f.yaml: scale: a non-negative number, got -1",
        "f.yaml: name: a non-empty string, got ''",
        "f.yaml: table.k: an integer, got 'v'"]
    with pytest.raises(SpecError) as caught:
        decode_dataclass(Ranged, {"width": 2**60}, "f", "")
    # above 2**53 a count stops being exact in a float64
    assert str(caught.value) == "f: width: a positive int (finite, up to 2**53), got " \
                                "1152921504606846976"
    with pytest.raises(SpecError, match=r"^f: width: required \(positive int\)$"):
        decode_dataclass(Ranged, {}, "f", "")


def test_field_problems_checks_a_built_object() -> None:
    c = Collector("Ranged")
    field_problems(Ranged(0, frozenset(), -0.5), c, "r")
    assert [p.field for p in c.problems] == ["r.width", "r.scale"]
