"""What every device shares: a picojoule accelerator, a datasheet GPU/TPU, a system of them.

A ``Device`` states its peaks and memories as data and runs a network into a ``Result``. How
it runs is its own business: a picojoule accelerator searches a mapping per layer through the
cost model (``analysis``), a datasheet device uses a calibrated roofline (``system``), a system
of devices splits the network over them and adds the collectives. Callers see one protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
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
