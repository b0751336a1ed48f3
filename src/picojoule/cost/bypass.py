"""Mappings of one batch under different bypass choices, costed in one pass.

Everything the model computes of a mapping but its storage chain (the levels that keep each
operand) is independent of the bypass choice. A batch that mixes choices groups its rows by
the chain each operand gets; the terms of one chain (a level's usage, the traffic between
two kept levels) are computed for the whole batch and added only to the rows whose chain
has them (``np.add`` with ``where``: other rows are left untouched, so every row gets
exactly the additions, in the same order, that a batch of its choice alone gives it).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from typing import TypeVar

import numpy as np

Keeps = tuple[frozenset[str], ...]
Mask = np.ndarray | None  # (B,) bool rows, or None: every row
K = TypeVar("K", bound=Hashable)


def either(a: Mask, b: Mask) -> Mask:
    return None if a is None or b is None else a | b


def add(out: np.ndarray, value: np.ndarray, mask: Mask) -> None:
    """``out += value`` in place, on the rows of ``mask`` only."""
    if mask is None:
        out += value
    else:
        np.add(out, value, out=out, where=mask)


def _merge(into: dict[K, Mask], key: K, mask: Mask) -> None:
    into[key] = either(into[key], mask) if key in into else mask


def groups(bypass: np.ndarray, choices: tuple[Keeps, ...]) -> tuple[tuple[Keeps, Mask], ...]:
    """(keeps, rows) of every choice present in ``bypass`` (B,); rows None if all share it."""
    present = np.unique(bypass)
    if len(present) == 1:
        return ((choices[int(present[0])], None),)
    return tuple((choices[int(b)], bypass == b) for b in present)


def chain_terms(name: str, rows: tuple[tuple[Keeps, Mask], ...], n_levels: int) -> tuple[
        list[tuple[int, Mask]], list[tuple[int, Mask]], list[tuple[tuple[int, int], Mask]]]:
    """For operand ``name``: the levels that keep it, its innermost keeping levels, and the
    (parent, child) pairs of consecutive keeping levels, each with the rows it applies to,
    sorted (so each row meets its own terms in its chain's order)."""
    levels: dict[int, Mask] = {}
    lasts: dict[int, Mask] = {}
    pairs: dict[tuple[int, int], Mask] = {}
    for keeps, mask in rows:
        chain = [lv for lv in range(n_levels) if name in keeps[lv]]
        for lv in chain:
            _merge(levels, lv, mask)
        _merge(lasts, chain[-1], mask)
        for pc in itertools.pairwise(chain):
            _merge(pairs, pc, mask)
    return sorted(levels.items()), sorted(lasts.items()), sorted(pairs.items())
