"""Network totals of per-layer ``Stats``: the sum by ``Stats.__add__`` (which adds layers
whose bypass choices differ by taking, at each level, the union of the operands kept)."""

from __future__ import annotations

import dataclasses
import functools
import operator

from picojoule.cost.stats import Stats


def total_stats(stats: list[Stats]) -> Stats:
    """The sum of layers: energy, cycles, MACs and counts add; utilization follows."""
    return dataclasses.replace(functools.reduce(operator.add, stats), layer="total")
