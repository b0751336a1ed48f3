"""What every device shares: a picojoule accelerator, a datasheet GPU/TPU, a system of them.

A ``Device`` states its peaks and memories as data and runs a network into a ``Result``. How
it runs is its own business: a picojoule accelerator searches a mapping per layer through the
cost model (``analysis``), a datasheet device uses a calibrated roofline (``system``), a system
of devices splits the network over them and adds the collectives. Callers see one protocol.

A picojoule architecture's peak and memories are derived here, once, for every device built
on one (the cost-model ``AcceleratorDevice`` and the roofline ``system.arch_device``):
``arch_peak_ops_per_s`` and ``arch_memories``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from picojoule.arch.spec import Arch
    from picojoule.result import Result
    from picojoule.workload.network import Network


@dataclass(frozen=True)
class MemoryLevel:
    """One memory of a device, outermost first (HBM, L2 ...; DRAM, GLB ... for an arch)."""

    name: str
    capacity_bytes: float
    bandwidth_bytes_per_s: float
    energy_pj_per_bit: float = 0.0


@dataclass(frozen=True)
class Link:
    """A way out of the device to its peers (NVLink, PCIe, ICI, a chiplet interconnect)."""

    name: str
    bandwidth_bytes_per_s: float  # per direction, per device
    latency_s: float = 0.0
    energy_pj_per_bit: float = 0.0


@runtime_checkable
class Device(Protocol):
    """A thing that runs networks: peaks and memories as data, ``run`` into a Result."""

    @property
    def name(self) -> str: ...

    @property
    def memories(self) -> tuple[MemoryLevel, ...]: ...

    @property
    def links(self) -> tuple[Link, ...]: ...

    def peak_ops_per_s(self, precision: str, sparse: bool = False) -> float:
        """Dense peak (``sparse=False``) in operations/s at a precision ("int8", "fp16" ...);
        a MAC is two operations. Raises ``SpecError`` for a precision it lacks."""
        ...

    def run(self, network: Network) -> Result: ...


OPS_PER_MAC = 2


def arch_peak_ops_per_s(arch: Arch) -> float:
    """An architecture's dense peak: MAC units x clock x 2 operations per MAC, the same at
    every precision its compute lists."""
    return float(arch.compute_instances * arch.clock_hz * OPS_PER_MAC)


def arch_memories(arch: Arch,
                  energies_pj_per_bit: Sequence[float] | None = None) -> tuple[MemoryLevel, ...]:
    """Every storage level of ``arch`` as a memory, outermost first: capacity and bandwidth are
    the per-instance figures times the instances (capacity ``math.inf`` when unbounded). A level
    without ``read_bandwidth_bits`` is given one access word (``width_bits``) per cycle per
    instance: the cost model does not limit it, and this is the port it has. Energies per bit,
    one per level, come from the caller (0 when not given)."""
    energies = energies_pj_per_bit or [0.0] * len(arch.levels)
    out = []
    for lv, count, energy in zip(arch.levels, arch.instances, energies, strict=True):
        per_instance = (lv.read_bandwidth_bits if lv.read_bandwidth_bits is not None
                        else lv.width_bits)
        cap = lv.capacity_bits * count / 8 if lv.capacity_bits is not None else math.inf
        out.append(MemoryLevel(lv.name, cap, per_instance * count * arch.clock_hz / 8, energy))
    return tuple(out)
