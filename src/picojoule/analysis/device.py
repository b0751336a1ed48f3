"""A picojoule accelerator as a ``Device``: an ``Arch`` whose ``run`` is ``analyze``.

Its peaks and memories are read off the architecture by ``picojoule.device.arch_peak_ops_per_s``
and ``arch_memories`` (shared with the roofline's ``system.arch_device``): peak operations per
second are PEs x clock x 2 (a MAC is two operations) at every precision the compute supports;
each storage level is a memory whose capacity and bandwidth are the per-instance figures times
the instances, and whose energy per bit is a read of one access word, divided by its width. It
has no links of its own unless given (a system of devices adds them).
"""

from __future__ import annotations

from dataclasses import dataclass

from picojoule.analysis.network import analyze
from picojoule.arch.spec import Arch
from picojoule.context import Context, resolve
from picojoule.cost.energy import level_energy
from picojoule.device import Link, MemoryLevel, arch_memories, arch_peak_ops_per_s
from picojoule.errors import SpecError
from picojoule.mapper.search import SearchOptions
from picojoule.result import Result
from picojoule.workload.network import Network


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
        """Every storage level, outermost first; an unbounded capacity is ``math.inf``."""
        registry = resolve(self.context).estimators
        energies = [level_energy(self.arch, level, registry) for level in self.arch.levels]
        return arch_memories(self.arch, [e.read_pj / e.width_bits for e in energies])

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
        return arch_peak_ops_per_s(self.arch)

    def run(self, network: Network) -> Result:
        """The network's mapped layers in series on this accelerator."""
        return analyze(network, self.arch, self.options, context=self.context).result
