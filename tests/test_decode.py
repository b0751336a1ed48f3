"""The torch-free decoder: types from hints, every problem at once, Literal checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest

from picojoule.decode import decode, decode_dataclass, literal_problems
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
