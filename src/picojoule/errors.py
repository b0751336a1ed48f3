"""One error type for bad user input, carrying every problem found at once.

Specs are validated once, where they enter; a validator collects all problems and raises one
``SpecError`` so a user fixes a file in one pass rather than one field per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class PicojouleError(Exception):
    """Base class of every error picojoule raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is, which field, and what was expected."""

    where: str  # a file name, "<text>", a CLI flag, or a Python argument name
    field: str  # dotted path inside it, e.g. "levels[2].capacity_bits"; "" for the whole input
    expected: str  # what would have been accepted, phrased for the user

    def __str__(self) -> str:
        location = f"{self.where}: {self.field}" if self.field else self.where
        return f"{location}: {self.expected}"


class SpecError(PicojouleError, ValueError):
    """A user input is invalid. ``str()`` gives one line per problem."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("SpecError needs at least one problem")
        super().__init__("; ".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, where: str, field: str, expected: str) -> SpecError:
        return cls([Problem(where, field, expected)])


class Collector:
    """Accumulates problems during validation; ``raise_if_any`` ends the pass."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[Problem] = []

    def add(self, field: str, expected: str) -> None:
        self.problems.append(Problem(self.where, field, expected))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise SpecError(self.problems)
