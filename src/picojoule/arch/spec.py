"""An accelerator: storage levels from DRAM inward, spatial fan-outs, compute, technology.

The hierarchy is a chain (Timeloop's view): each level keeps some operands, the rest bypass
it; a level's ``fanout`` is the array of instances of everything below it. Frozen and
validated once by ``picojoule.arch.loader``; nothing here does work at construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from picojoule.arch.sparse import LevelSparse


@dataclass(frozen=True)
class Fanout:
    """Spatial instances of the next level down: an X x Y array and what its network can do."""

    x: int = 1
    y: int = 1
    multicast: bool = True  # one parent read feeds every child that needs the same data
    reduction: bool = True  # partial sums of children are added in the network
    window_multicast: bool = False  # share overlapping windows (Eyeriss diagonal reuse)
    pe_pitch_um: float = 0.0  # distance between neighbours; 0 means network energy is ignored
    # partial sums read back to children that are reduced spatially: "single" (default) fills
    # one child per read (the others restart from zero); "multicast" (Timeloop) multicasts the
    # read and every child counts a fill
    psum_refill: str = field(default="single", metadata={"omit_default": True})
    # an axis may hold flattened output pixels (N*P*Q as one dim)
    im2col: bool = field(default=False, metadata={"omit_default": True})

    @property
    def size(self) -> int:
        return self.x * self.y


@dataclass(frozen=True)
class StorageLevel:
    name: str
    kind: str  # regfile, sram, dram, lpddr4, hbm2, ... (see picojoule.tech.components)
    keeps: frozenset[str]
    width_bits: int  # bits moved per access (energy per access is per this vector)
    capacity_bits: int | None = None  # per instance; None means unbounded (off-chip)
    read_bandwidth_bits: float | None = None  # per cycle per instance; None = unlimited
    write_bandwidth_bits: float | None = None  # None: writes share the read port
    fanout: Fanout = Fanout()
    read_energy_pj: float | None = None  # per access, overriding the estimator
    write_energy_pj: float | None = None
    area_um2: float | None = None  # per instance, overriding the estimator
    estimator: str | None = None  # ask this estimator first
    sparse_format: str = "none"  # none | bitmask | rle | coordinate: stores only non-zeros
    metadata_bits: int = 4  # rle run length / coordinate index bits per stored non-zero
    # bits of every word stored here, whatever the operand (Timeloop's ``datawidth``); None
    # (default): each operand at its own precision, outputs at psum_bits until final
    word_bits: int | None = field(default=None, metadata={"omit_default": True})
    # per-rank formats, metadata and gate/skip actions (picojoule.arch.sparse); None: off
    sparse: LevelSparse | None = field(default=None, metadata={"omit_default": True})


SPARSE_FORMATS = ("none", "bitmask", "rle", "coordinate")
SPARSE_ACTIONS = ("none", "gate", "skip")
PSUM_REFILLS = ("single", "multicast")
# The mapper's named dataflows and their short names (``picojoule.mapper.constraints``; a test
# keeps the two lists equal, since arch sits below mapper).
DATAFLOW_NAMES = ("any", "weight-stationary", "output-stationary", "input-stationary",
                  "row-stationary", "ws", "os", "is", "rs", "none")


@dataclass(frozen=True)
class Compute:
    name: str = "mac"
    precisions: tuple[str, ...] = ("int8", "int16")  # e.g. int8, int16, fp16, fp8
    mac_energy_pj: float | None = None  # overrides the estimator (all precisions)
    area_um2: float | None = None
    estimator: str | None = None
    sparse_action: str = "none"  # gate: zero operands cost no MAC energy; skip: nor cycles


@dataclass(frozen=True)
class Arch:
    name: str
    levels: tuple[StorageLevel, ...]  # outermost (DRAM) first
    compute: Compute
    clock_hz: float
    voltage_v: float
    node_nm: float
    dataflow: str | None = None  # the design's natural dataflow, for the mapper
    systolic: bool = False
    wire_energy_pj_per_bit_mm: float | None = None
    static_power_mw: float = 0.0  # idle power (clock tree + leakage), charged per second
    sources: tuple[str, ...] = ()
    description: str = ""

    def dense_twin(self) -> Arch:
        """The same design with every sparse feature off (no ``sparse:`` entries, no
        first-order formats or compute actions): what sparsity saves is measured against it."""
        levels = tuple(replace(lv, sparse=None, sparse_format="none") for lv in self.levels)
        return replace(self, levels=levels, compute=replace(self.compute, sparse_action="none"))

    def level(self, name: str) -> StorageLevel:
        for lvl in self.levels:
            if lvl.name == name:
                return lvl
        raise KeyError(name)

    def level_index(self, name: str) -> int:
        return [lvl.name for lvl in self.levels].index(name)

    @property
    def instances(self) -> tuple[int, ...]:
        """Physical instances of each level: the product of every fan-out above it."""
        out, count = [], 1
        for lvl in self.levels:
            out.append(count)
            count *= lvl.fanout.size
        return tuple(out)

    @property
    def compute_instances(self) -> int:
        return math.prod(lvl.fanout.size for lvl in self.levels)

    @property
    def num_pes(self) -> int:
        return self.compute_instances
