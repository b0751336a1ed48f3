"""What an estimator is asked about (components) and what it answers (estimates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MEMORY_KINDS = ("regfile", "sram", "dram", "lpddr4", "lpddr", "ddr3", "ddr4", "hbm", "hbm2",
                "hbm2e", "hbm3", "hbm4", "gddr6")
OFFCHIP_KINDS = frozenset(MEMORY_KINDS) - {"regfile", "sram"}
LINK_KINDS = ("ucie-2d", "ucie-2.5d", "grs-package", "nvlink-c2c", "serdes-112g")


@dataclass(frozen=True)
class Mac:
    """A multiply-accumulate: ``bits``-wide operands into an ``acc_bits``-wide accumulator."""

    bits: int
    acc_bits: int
    number: Literal["int", "fp"] = "int"


@dataclass(frozen=True)
class Memory:
    """A storage macro: energy per access of ``width_bits``; capacity in bits (None: off-chip)."""

    kind: str
    width_bits: int
    capacity_bits: int | None = None


@dataclass(frozen=True)
class Wire:
    """On-chip wire: energy per bit per mm."""


@dataclass(frozen=True)
class Link:
    """A chip-to-chip link: energy per bit."""

    kind: str


Component = Mac | Memory | Wire | Link


@dataclass(frozen=True)
class Tech:
    """Where a component is built: technology node and supply voltage."""

    node_nm: float
    voltage_v: float


@dataclass(frozen=True)
class Estimate:
    """Energy per action (pJ) and area of one component, with the source it rests on.

    Actions: ``read``/``write`` (per access of a memory), ``mac``, ``bit_mm`` (wire),
    ``bit`` (link).
    """

    energy_pj: dict[str, float] = field(hash=False)
    area_um2: float
    source: str
    estimator: str

    def action(self, name: str) -> float:
        return self.energy_pj[name]
