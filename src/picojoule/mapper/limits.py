"""Bounds on one level's factors (``Constraints.limits``) as the mapping space applies them.

A fixed temporal factor and a spatial factor of 1 shrink the space (the factor is preset, or
the dim kept off the fan-out); every other bound filters each dim's factorizations and is
checked again on every mapping a strategy proposes (``MappingSpace.within_limits``).
"""

from __future__ import annotations

import numpy as np

from picojoule.errors import Collector
from picojoule.mapper.constraints import FULL, Constraints
from picojoule.workload.einsum import Layer

TEMPORAL, X, Y = 0, 1, 2


def limit_ok(rows: np.ndarray, mask: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Rows (n, NS) whose product over the ``mask`` slots lies in [lo, hi]."""
    product = rows[:, mask].prod(axis=1)
    return (product >= lo) & (product <= hi)

def slot_mask(slot_level: np.ndarray, slot_kind: np.ndarray, lv: int, kind: str) -> np.ndarray:
    """The slots of level ``lv``: its temporal loop, or its fan-out's X and Y axes."""
    return (slot_level == lv) & ((slot_kind == TEMPORAL) if kind == "temporal"
                                 else (slot_kind != TEMPORAL))


def split_limits(layer: Layer, constraints: Constraints, names: list[str],
            fixed: dict[tuple[int, str], int], c: Collector
            ) -> tuple[list[tuple[str, int, str, int, int]], set[tuple[int, str]]]:
    """The constraints' limits as (dim, level, kind, lo, hi) row filters; a fixed temporal
    factor joins ``fixed`` and a spatial factor of 1 comes back as (level, dim) to keep off
    that level's fan-out (both shrink the space instead of filtering it)."""
    rows: list[tuple[str, int, str, int, int]] = []
    not_unrolled: set[tuple[int, str]] = set()
    for lvname, kind, dim, op, value in constraints.limits:
        if lvname not in names:
            c.add(f"limits.{lvname}", f"a level of the architecture ({', '.join(names)})")
            continue
        if dim not in layer.dims:
            continue
        lv, bound = names.index(lvname), layer.bound[dim]
        if op == "=" and kind == "temporal":
            fixed[(lv, dim)] = value
        elif op == "=" and value == 1:
            not_unrolled.add((lv, dim))
        else:
            exact = bound if value == FULL else value
            lo, hi = {"=": (exact, exact), "<=": (1, value), ">=": (value, 1 << 62)}[op]
            rows.append((dim, lv, kind, lo, hi))
    return rows, not_unrolled

