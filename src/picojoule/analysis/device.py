"""A picojoule accelerator as a ``Device``: an ``Arch`` whose ``run`` is ``analyze``.

Its peaks and memories are read off the architecture: peak operations per second are PEs x
clock x 2 (a MAC is two operations) at every precision the compute supports; each storage
level is a memory whose capacity and bandwidth are the per-instance figures times the
instances, and whose energy per bit is a read of one access word, divided by its width. It
has no links of its own unless given (a system of devices adds them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from picojoule.analysis.network import analyze
from picojoule.arch.spec import Arch
from picojoule.context import Context, resolve
from picojoule.cost.energy import level_energy
from picojoule.device import Link, MemoryLevel
from picojoule.errors import SpecError
from picojoule.mapper.search import SearchOptions
from picojoule.result import Result
from picojoule.workload.network import Network

OPS_PER_MAC = 2


@dataclass(frozen=True)
class AcceleratorDevice:
    """``arch`` run through the mapper and the cost model, layer by layer, in series."""

    arch: Arch
    options: SearchOptions | None = None  # None: analyze's defaults
    context: Context | None = None  # registry, store, executor, seed
    device_links: tuple[Link, ...] = ()

    @property
    def name(self) -> str:
        return self.arch.name

    @property
    def memories(self) -> tuple[MemoryLevel, ...]:
        """Every storage level, outermost first; unbounded figures are ``math.inf``."""
        registry = resolve(self.context).estimators
        out = []
        for level, instances in zip(self.arch.levels, self.arch.instances, strict=True):
            cap = math.inf if level.capacity_bits is None else level.capacity_bits * instances / 8
            bw = math.inf if level.read_bandwidth_bits is None else (
                level.read_bandwidth_bits * instances * self.arch.clock_hz / 8)
            energy = level_energy(self.arch, level, registry)
            out.append(MemoryLevel(level.name, cap, bw, energy.read_pj / energy.width_bits))
        return tuple(out)

    @property
    def links(self) -> tuple[Link, ...]:
        return self.device_links

    def peak_ops_per_s(self, precision: str, sparse: bool = False) -> float:
        """PEs x clock x 2 at a precision the compute supports. ``sparse=True`` gives the
        same figure: skipping zeros saves cycles per layer (in ``run``), not peak rate."""
        if precision not in self.arch.compute.precisions:
            raise SpecError.single(self.arch.name, "compute.precisions",
                                   f"one of {', '.join(self.arch.compute.precisions)}, got "
                                   f"{precision!r}")
        return float(self.arch.num_pes * self.arch.clock_hz * OPS_PER_MAC)

    def run(self, network: Network) -> Result:
        """The network's mapped layers in series on this accelerator."""
        return analyze(network, self.arch, self.options, context=self.context).result
