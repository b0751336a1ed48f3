"""Timing models: bounds on cycles from effects the analytical model does not see.

The cost model counts cycles as the throughput bound (one MAC per PE per cycle, or the
slowest level's bandwidth). A ``TimingModel`` adds a lower bound of its own per mapping, and
declares which architectures it applies to; ``select_timing`` picks the first registered
model that supports an architecture (the way hwcomponents' models declare their component
and a selector picks). The one built in: ``SystolicFillDrain`` (SCALE-Sim's fill and drain
per fold) for architectures that say ``systolic: true``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from picojoule.arch.spec import Arch
from picojoule.cost.systolic import systolic_cycles
from picojoule.mapping.batch import MappingBatch
from picojoule.workload.einsum import Layer


@runtime_checkable
class TimingModel(Protocol):
    """A per-mapping lower bound on cycles, for the architectures it ``supports``."""

    name: ClassVar[str]

    def supports(self, arch: Arch) -> bool: ...

    def min_cycles(self, batch: MappingBatch, layer: Layer, arch: Arch) -> np.ndarray:
        """(B,) cycles each mapping of ``batch`` takes at least."""
        ...


@dataclass(frozen=True)
class SystolicFillDrain:
    """Fill and drain of a systolic array per fold, for the given stationary operand (or,
    with none, the operand that streams longest per fold)."""

    name: ClassVar[str] = "systolic-fill-drain"
    stationary: str | None = None

    def supports(self, arch: Arch) -> bool:
        return arch.systolic

    def min_cycles(self, batch: MappingBatch, layer: Layer, arch: Arch) -> np.ndarray:
        return systolic_cycles(batch, layer, arch, self.stationary)


# Registered timing models, most specific first: each is built with the mapping's stationary
# operand (None: not constrained) and asked whether it supports the architecture.
TIMING_MODELS: list[Callable[[str | None], TimingModel]] = [SystolicFillDrain]


def select_timing(arch: Arch, stationary: str | None = None) -> TimingModel | None:
    """The first registered timing model that supports ``arch``, or None (throughput only)."""
    for make in TIMING_MODELS:
        model = make(stationary)
        if model.supports(arch):
            return model
    return None
