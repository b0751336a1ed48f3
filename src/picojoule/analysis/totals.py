"""Network totals of per-layer ``Stats`` whose bypass choices may differ.

``Stats.__add__`` needs the same operands at every level; layers mapped with different
bypass choices keep different operands, so totals merge the per-level dicts by union.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from picojoule.cost.stats import OperandCounts, Stats


def total_stats(stats: list[Stats]) -> Stats:
    """The sum of layers: energy, cycles, MACs and counts add; utilization follows."""
    first = stats[0]
    levels: dict[str, dict[str, OperandCounts]] = {lv: {} for lv in first.levels}
    for s in stats:
        for lv, ops in s.levels.items():
            into = levels.setdefault(lv, {})
            for op, c in ops.items():
                into[op] = into.get(op, OperandCounts()) + c
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Stats):
        if f.name in _SHARED:
            values[f.name] = getattr(first, f.name)
        elif f.name == "used_pes":
            values[f.name] = max(s.used_pes for s in stats)
        elif f.name != "levels":  # energies, MACs, cycles: additive
            values[f.name] = sum(getattr(s, f.name) for s in stats)
    return Stats(**{**values, "layer": "total", "levels": levels})


_SHARED = {"arch", "layer", "num_pes", "area_um2", "clock_hz"}
