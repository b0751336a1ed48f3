"""An accelerator: storage levels from DRAM inward, spatial fan-outs, compute, technology.

The hierarchy is a chain (Timeloop's view): each level keeps some operands, the rest bypass
it; a level's ``fanout`` is the array of instances of everything below it. Frozen and
validated once by ``picojoule.arch.loader``; nothing here does work at construction.

Each field declares its type and its accepted range once, as ``Annotated`` metadata that the
spec decoder (``picojoule.decode``) checks; the ranges are policy bounds that catch typos and
unit slips, wide enough for any real design (``docs/errors.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Annotated

from picojoule.arch.sparse import LevelSparse
from picojoule.decode import NonEmpty, NonNegative, OneOf, Positive, Range
from picojoule.tech.components import MEMORY_KINDS
from picojoule.workload.einsum import OPERAND_NAMES

SPARSE_FORMATS = ("none", "bitmask", "rle", "coordinate")
SPARSE_ACTIONS = ("none", "gate", "skip")
# operands a MAC can hold at its input between reads (``Compute.operand_latch``)
LATCHABLE = ("inputs", "weights")
PSUM_REFILLS = ("single", "multicast")
# The mapper's named dataflows and their short names (``picojoule.mapper.constraints``; a test
# keeps the two lists equal, since arch sits below mapper).
DATAFLOW_NAMES = ("any", "weight-stationary", "output-stationary", "input-stationary",
                  "row-stationary", "ws", "os", "is", "rs", "none")
PRECISIONS = ("int2", "int3", "int4", "int5", "int6", "int7", "int8", "int16", "int32",
              "fp8", "fp16", "bf16", "fp32")

Name = Annotated[str, NonEmpty]
FanoutAxis = Annotated[int, Positive, Range(1, 2**16)]  # fan-out per axis
BandwidthBits = Annotated[float, Positive, Range(1e-3, 1e12)]  # bits per cycle per instance
EnergyPj = Annotated[float, NonNegative, Range(0.0, 1e7)]  # per access: up to 10 uJ
AreaUm2 = Annotated[float, NonNegative, Range(0.0, 1e12)]  # up to 1 m^2
Operand = Annotated[str, OneOf(OPERAND_NAMES)]
Bits = Annotated[int, Positive]  # a size or a depth, at most 2**53


@dataclass(frozen=True)
class Fanout:
    """Spatial instances of the next level down: an X x Y array and what its network can do."""

    x: FanoutAxis = 1
    y: FanoutAxis = 1
    multicast: bool = True  # one parent read feeds every child that needs the same data
    reduction: bool = True  # partial sums of children are added in the network
    window_multicast: bool = False  # share overlapping windows (Eyeriss diagonal reuse)
    # distance between neighbours (up to 10 cm); 0 means network energy is ignored
    pe_pitch_um: Annotated[float, NonNegative, Range(0.0, 1e5)] = 0.0
    # partial sums read back to children that are reduced spatially: "single" (default) fills
    # one child per read (the others restart from zero); "multicast" (Timeloop) multicasts the
    # read and every child counts a fill
    psum_refill: Annotated[str, OneOf(PSUM_REFILLS)] = field(
        default="single", metadata={"omit_default": True})
    # an axis may hold flattened output pixels (N*P*Q as one dim)
    im2col: bool = field(default=False, metadata={"omit_default": True})

    @property
    def size(self) -> int:
        return self.x * self.y


@dataclass(frozen=True)
class StorageLevel:
    name: Name
    # regfile, sram, dram, lpddr4, hbm2, ... (see picojoule.tech.components)
    kind: Annotated[str, OneOf(MEMORY_KINDS)]
    # a file that leaves ``keeps`` out keeps every operand here
    keeps: frozenset[Operand] = field(metadata={"file_default": list(OPERAND_NAMES)})
    # bits moved per access (energy per access is per this vector)
    width_bits: Annotated[int, Positive, Range(1, 2**20)]
    # per instance; None means unbounded (off-chip)
    capacity_bits: Bits | None = None
    read_bandwidth_bits: BandwidthBits | None = None  # None = unlimited
    write_bandwidth_bits: BandwidthBits | None = None  # None: writes share the read port
    fanout: Fanout = Fanout()
    read_energy_pj: EnergyPj | None = None  # per access, overriding the estimator
    write_energy_pj: EnergyPj | None = None
    area_um2: AreaUm2 | None = None  # per instance, overriding the estimator
    estimator: Name | None = None  # ask this estimator first
    # none | bitmask | rle | coordinate: stores only non-zeros
    sparse_format: Annotated[str, OneOf(SPARSE_FORMATS)] = "none"
    # rle run length / coordinate index bits per stored non-zero
    metadata_bits: Annotated[int, Positive, Range(1, 64)] = 4
    # bits of every word stored here, whatever the operand (Timeloop's ``datawidth``); None
    # (default): each operand at its own precision, outputs at psum_bits until final
    word_bits: Bits | None = field(default=None, metadata={"omit_default": True})
    # per-rank formats, metadata and gate/skip actions (picojoule.arch.sparse); None: off
    sparse: LevelSparse | None = field(default=None, metadata={"omit_default": True})


@dataclass(frozen=True)
class Compute:
    name: Name = "mac"
    # e.g. int8, int16, fp16, fp8
    precisions: tuple[Annotated[str, OneOf(PRECISIONS)], ...] = ("int8", "int16")
    mac_energy_pj: EnergyPj | None = None  # overrides the estimator (all precisions)
    area_um2: AreaUm2 | None = None
    estimator: Name | None = None
    # gate: zero operands cost no MAC energy; skip: nor cycles
    sparse_action: Annotated[str, OneOf(SPARSE_ACTIONS)] = "none"
    # operands held at the MAC's input while they do not change: the innermost level keeping
    # one is read only when its value changes (ZigZag's model; docs/cost-model.md)
    operand_latch: frozenset[Annotated[str, OneOf(LATCHABLE)]] = field(
        default=frozenset(), metadata={"omit_default": True})


@dataclass(frozen=True)
class Arch:
    name: Name
    levels: Annotated[tuple[StorageLevel, ...], NonEmpty] = field(metadata={
        "expected": "a non-empty list of storage levels, outermost (DRAM) first"})
    compute: Compute = field(metadata={"file_default": {}})
    clock_hz: Annotated[float, Positive, Range(1e3, 1e11)]  # 1 kHz .. 100 GHz
    # the node and supply ranges come from the scaling data (checked by the loader)
    voltage_v: Annotated[float, Positive]
    node_nm: Annotated[float, Positive]
    # the design's natural dataflow, for the mapper
    dataflow: Annotated[str, OneOf(DATAFLOW_NAMES)] | None = None
    systolic: bool = False
    wire_energy_pj_per_bit_mm: Annotated[float, NonNegative, Range(0.0, 1e3)] | None = None
    # idle power (clock tree + leakage), charged per second; up to 10 kW
    static_power_mw: Annotated[float, NonNegative, Range(0.0, 1e7)] = 0.0
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
