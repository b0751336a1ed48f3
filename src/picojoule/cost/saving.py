"""What sparsity saves: one mapping on a sparse architecture against the same mapping dense.

The dense twin (``Arch.dense_twin``: the same levels without any sparse feature) runs the
same loop nest, so every difference is what formats, gating and skipping do: per level and
operand the energy with and without sparsity, how many accesses were gated (energy saved,
bandwidth slot kept) and skipped (both saved), and the metadata energy added. The dense
twin's capacity is not checked: a compressed tile may fit where its dense twin would not,
and the comparison is about the same loop nest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from picojoule.arch.spec import Arch
from picojoule.cost.energy import energy_model
from picojoule.cost.model import evaluate_batch
from picojoule.cost.stats import BatchStats
from picojoule.mapping.batch import batch_of_one
from picojoule.mapping.spec import Mapping
from picojoule.tech.registry import Registry
from picojoule.workload.einsum import Layer
from picojoule.workload.im2col import layer_for


@dataclass(frozen=True)
class OperandSaving:
    """One level x operand: energy dense and sparse (metadata included), accesses gated and
    skipped by actions (format-eliminated zeros are in neither: they never exist)."""

    level: str
    operand: str
    dense_pj: float
    sparse_pj: float
    metadata_pj: float
    gated: float
    skipped: float

    @property
    def saved_pj(self) -> float:
        return self.dense_pj - self.sparse_pj

    @property
    def how(self) -> str:
        """What saved here, joined by ``+``: ``format`` (a compressed format: only non-zeros
        stored and moved, metadata added), ``gate``, ``skip``; ``first-order`` for a saving
        of the first-order options (``sparse_format``, ``compute.sparse_action``), which
        count no gated or skipped accesses; ``-`` for nothing."""
        kinds = [k for k, n in (("format", self.metadata_pj), ("gate", self.gated),
                                ("skip", self.skipped)) if n > 0]
        if not kinds and self.saved_pj != 0:
            return "first-order"
        return "+".join(kinds) or "-"

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "operand": self.operand, "dense_pj": self.dense_pj,
                "sparse_pj": self.sparse_pj, "saved_pj": self.saved_pj,
                "metadata_pj": self.metadata_pj, "gated": self.gated,
                "skipped": self.skipped, "how": self.how}


@dataclass(frozen=True)
class Saving:
    """A mapping's saving from sparsity: per level x operand, compute, and in total."""

    rows: tuple[OperandSaving, ...]
    dense_mac_pj: float
    sparse_mac_pj: float
    dense_energy_pj: float
    sparse_energy_pj: float
    dense_cycles: float
    sparse_cycles: float

    @property
    def changes(self) -> bool:
        """Whether sparsity changed anything (a sparse arch with all-dense data does not)."""
        return (self.dense_energy_pj, self.dense_cycles) != (self.sparse_energy_pj,
                                                             self.sparse_cycles)

    def __add__(self, other: Saving) -> Saving:
        """Two layers one after the other: every figure adds, row by row (level, operand)."""
        mine = {(r.level, r.operand): r for r in self.rows}
        for r in other.rows:
            k = (r.level, r.operand)
            a = mine.get(k)
            mine[k] = r if a is None else OperandSaving(
                r.level, r.operand, a.dense_pj + r.dense_pj, a.sparse_pj + r.sparse_pj,
                a.metadata_pj + r.metadata_pj, a.gated + r.gated, a.skipped + r.skipped)
        return Saving(tuple(mine.values()), self.dense_mac_pj + other.dense_mac_pj,
                      self.sparse_mac_pj + other.sparse_mac_pj,
                      self.dense_energy_pj + other.dense_energy_pj,
                      self.sparse_energy_pj + other.sparse_energy_pj,
                      self.dense_cycles + other.dense_cycles,
                      self.sparse_cycles + other.sparse_cycles)

    def to_dict(self) -> dict[str, Any]:
        return {"rows": [r.to_dict() for r in self.rows],
                "compute": {"dense_pj": self.dense_mac_pj, "sparse_pj": self.sparse_mac_pj,
                            "saved_pj": self.dense_mac_pj - self.sparse_mac_pj},
                "dense_energy_pj": self.dense_energy_pj,
                "sparse_energy_pj": self.sparse_energy_pj,
                "dense_cycles": self.dense_cycles, "sparse_cycles": self.sparse_cycles}


def _one(layer: Layer, arch: Arch, mapping: Mapping, registry: Registry | None) -> BatchStats:
    batch = batch_of_one(mapping, layer, arch)
    return evaluate_batch(layer, arch, batch, energy_model(arch, layer, registry))


def saving(layer: Layer, arch: Arch, mapping: Mapping,
           registry: Registry | None = None) -> Saving | None:
    """The saving of ``mapping`` (a valid mapping of ``layer`` on ``arch``) from sparsity,
    from the cost model's counts (a systolic array's fill and drain cycles are not in
    ``*_cycles``); None when ``arch`` has no sparse feature (nothing to compare)."""
    twin = arch.dense_twin()
    if twin == arch:
        return None
    layer = layer_for(layer, {d for lm in mapping.levels
                              for d, _ in (*lm.temporal, *lm.spatial_x, *lm.spatial_y)})
    sp, dn = _one(layer, arch, mapping, registry), _one(layer, twin, mapping, registry)
    rows = []
    for lv, spec in enumerate(arch.levels):
        for o, op in enumerate(layer.operands):
            if op.name not in sp.keeps[lv]:
                continue
            gated = skipped = meta = 0.0
            if sp.sparse is not None:
                gated = float(sp.sparse.gated[lv, o, :, 0].sum())
                skipped = float(sp.sparse.skipped[lv, o, :, 0].sum())
                meta = float(sp.sparse.metadata_energy_pj[lv, o, 0])
            rows.append(OperandSaving(spec.name, op.name, float(dn.level_energy_pj[0, lv, o]),
                                      float(sp.level_energy_pj[0, lv, o]), meta, gated,
                                      skipped))
    return Saving(tuple(rows), float(dn.mac_energy_pj[0]), float(sp.mac_energy_pj[0]),
                  float(dn.energy_pj[0]), float(sp.energy_pj[0]), float(dn.cycles[0]),
                  float(sp.cycles[0]))
