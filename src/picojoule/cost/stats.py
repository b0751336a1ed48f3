"""Results: ``BatchStats`` (arrays over a batch of mappings) and ``Stats`` (one mapping).

``Stats`` is the cost model's own record of one mapping on one chip. Everything that reports
(JSON, CSV, tables, HTML) reads it as a ``picojoule.result.Result`` (``Stats.to_result``),
the one flattening of the level x operand breakdown. ``Stats`` also add, for one case only:
layers run one after another on the same chip (see ``Stats.__add__``); anything else (devices
side by side, repeated phases) composes Results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from picojoule.arch.spec import Arch
    from picojoule.cost.sparse import SparseCounts
    from picojoule.result import Result
    from picojoule.workload.einsum import Layer

ACTIONS = ("reads", "fills", "updates")


@dataclass(frozen=True)
class OperandCounts:
    """Accesses of one operand at one level, in elements of that operand."""

    reads: float = 0.0
    fills: float = 0.0
    updates: float = 0.0
    energy_pj: float = 0.0

    def __add__(self, other: OperandCounts) -> OperandCounts:
        return OperandCounts(self.reads + other.reads, self.fills + other.fills,
                             self.updates + other.updates, self.energy_pj + other.energy_pj)


@dataclass(frozen=True)
class Stats:
    """Energy, cycles, utilization and area of one layer (or a sum of layers)."""

    arch: str
    layer: str
    macs: int
    energy_pj: float
    cycles: float
    num_pes: int
    used_pes: int
    area_um2: float
    mac_energy_pj: float
    network_energy_pj: float
    static_energy_pj: float
    clock_hz: float
    levels: dict[str, dict[str, OperandCounts]] = field(hash=False)
    skipped_macs: float = 0.0  # MACs a skipping design never issues (no compute slot)

    @property
    def utilization(self) -> float:
        """Issued MACs over (cycles x PEs): spatial use, padding and bandwidth stalls
        together. Skipped MACs take no slot, so a skipping design never exceeds 1."""
        issued = self.macs - self.skipped_macs
        return issued / (self.cycles * self.num_pes) if self.cycles else 0.0

    @property
    def pj_per_mac(self) -> float:
        return self.energy_pj / self.macs if self.macs else 0.0

    @property
    def seconds(self) -> float:
        return self.cycles / self.clock_hz

    def level_energy_pj(self, level: str) -> float:
        return sum(c.energy_pj for c in self.levels[level].values())

    def __add__(self, other: Stats) -> Stats:
        """Two layers run one after the other on the same chip: energy, cycles, MACs and
        counts add; ``used_pes`` is the larger; ``num_pes``, ``area_um2`` and ``clock_hz`` are
        the chip's (taken from the left operand, whose arch name must match). For layers on
        different devices or side by side, compose ``to_result()`` with ``Result.then`` /
        ``alongside`` instead."""
        if other.arch != self.arch or list(other.levels) != list(self.levels):
            raise ValueError("only stats of the same architecture add")
        levels = {}  # layers may bypass different operands at a level: add over the union
        for lv, ops in self.levels.items():
            theirs = other.levels[lv]
            names = list(ops) + [op for op in theirs if op not in ops]
            levels[lv] = {op: ops.get(op, OperandCounts()) + theirs.get(op, OperandCounts())
                          for op in names}
        return Stats(self.arch, "total", self.macs + other.macs,
                     self.energy_pj + other.energy_pj, self.cycles + other.cycles,
                     self.num_pes, max(self.used_pes, other.used_pes), self.area_um2,
                     self.mac_energy_pj + other.mac_energy_pj,
                     self.network_energy_pj + other.network_energy_pj,
                     self.static_energy_pj + other.static_energy_pj, self.clock_hz, levels,
                     self.skipped_macs + other.skipped_macs)

    def _repr_html_(self) -> str:
        from picojoule.display import result_html

        return result_html(self.to_result(), f"{self.layer} on {self.arch}")

    def to_result(self, device: str | None = None, phase: str = "") -> Result:
        """This layer as a ``Result``: one storage row per level x operand, then compute,
        network and static rows, and one span of ``cycles / clock_hz`` seconds. The rows add
        up to ``energy_pj`` (the components are disjoint)."""
        from picojoule.result import Result, Row, Span

        dev = self.arch if device is None else device
        rows = [Row(dev, self.layer, phase, lv, op, "storage", c.energy_pj,
                    accesses=c.reads + c.fills + c.updates, reads=c.reads, fills=c.fills,
                    updates=c.updates)
                for lv, ops in self.levels.items() for op, c in ops.items()]
        rows.append(Row(dev, self.layer, phase, "", "", "compute", self.mac_energy_pj,
                        macs=float(self.macs)))
        rows.append(Row(dev, self.layer, phase, "", "", "network", self.network_energy_pj))
        rows.append(Row(dev, self.layer, phase, "", "", "static", self.static_energy_pj))
        span = Span(dev, self.layer, phase, self.seconds, self.cycles)
        return Result(tuple(rows), (span,), self.seconds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "arch": self.arch, "layer": self.layer, "macs": self.macs,
            "skipped_macs": self.skipped_macs,
            "energy_pj": self.energy_pj, "pj_per_mac": self.pj_per_mac, "cycles": self.cycles,
            "seconds": self.seconds, "utilization": self.utilization,
            "used_pes": self.used_pes, "num_pes": self.num_pes, "area_um2": self.area_um2,
            "mac_energy_pj": self.mac_energy_pj, "network_energy_pj": self.network_energy_pj,
            "static_energy_pj": self.static_energy_pj,
            "levels": {**{lv: {} for lv in self.levels}, **self.to_result().storage()},
        }


@dataclass(frozen=True, eq=False)
class BatchStats:
    """Arrays over B mappings: counts (B, L, operands, 3: reads/fills/updates) and totals."""

    layer: Layer
    arch: Arch
    counts: np.ndarray
    level_energy_pj: np.ndarray  # (B, L, operands)
    mac_energy_pj: np.ndarray
    network_energy_pj: np.ndarray
    static_energy_pj: np.ndarray
    energy_pj: np.ndarray
    cycles: np.ndarray
    compute_cycles: np.ndarray
    used_pes: np.ndarray
    used_bits: np.ndarray  # (B, L) capacity each mapping uses at each level
    valid: np.ndarray  # fits every capacity and fan-out
    area_um2: float
    keeps: tuple[frozenset[str], ...]  # per level, after the batch's bypass choice
    sparse: SparseCounts | None = None  # gated/skipped/metadata counts when sparsity is on
    issued_fraction: float = 1.0  # share of the MACs that take a compute slot (skipping)

    def __len__(self) -> int:
        return int(self.energy_pj.shape[0])

    @classmethod
    def concat(cls, parts: list[BatchStats]) -> BatchStats:
        first = parts[0]
        arrays = {name: np.concatenate([getattr(p, name) for p in parts])
                  for name in ("counts", "level_energy_pj", "mac_energy_pj", "network_energy_pj",
                               "static_energy_pj", "energy_pj", "cycles", "compute_cycles",
                               "used_pes", "used_bits",
                               "valid")}
        sparse = None
        if first.sparse is not None:
            sparse = type(first.sparse).concat([p.sparse for p in parts if p.sparse is not None])
        return cls(layer=first.layer, arch=first.arch, area_um2=first.area_um2,
                   keeps=first.keeps, sparse=sparse, issued_fraction=first.issued_fraction,
                   **arrays)

    @property
    def edp(self) -> np.ndarray:
        return self.energy_pj * self.cycles

    def row(self, i: int) -> Stats:
        levels = {}
        for lv, spec in enumerate(self.arch.levels):
            ops = {}
            for o, op in enumerate(self.layer.operands):
                if op.name in self.keeps[lv]:
                    r, f, u = (float(x) for x in self.counts[i, lv, o])
                    ops[op.name] = OperandCounts(r, f, u, float(self.level_energy_pj[i, lv, o]))
            levels[spec.name] = ops
        return Stats(self.arch.name, self.layer.name, self.layer.macs, float(self.energy_pj[i]),
                     float(self.cycles[i]), self.arch.num_pes, int(self.used_pes[i]),
                     float(self.area_um2), float(self.mac_energy_pj[i]),
                     float(self.network_energy_pj[i]), float(self.static_energy_pj[i]),
                     self.arch.clock_hz, levels,
                     self.layer.macs * (1.0 - self.issued_fraction))
