"""The analytical cost model: mappings (one or a batch) -> counts, energy, cycles, area."""

from __future__ import annotations

from picojoule.arch.spec import Arch
from picojoule.cost.energy import EnergyModel, energy_model
from picojoule.cost.model import evaluate_batch
from picojoule.cost.stats import BatchStats, OperandCounts, Stats
from picojoule.errors import Collector
from picojoule.mapping.batch import batch_of_one
from picojoule.mapping.spec import Mapping, validate_mapping
from picojoule.tech.registry import Registry
from picojoule.workload.einsum import Layer
from picojoule.workload.im2col import layer_for


def evaluate(layer: Layer, arch: Arch, mapping: Mapping, *, energy: EnergyModel | None = None,
             registry: Registry | None = None, where: str = "mapping") -> Stats:
    """Stats of one mapping: the batch of one, after validation that names what is wrong.
    A mapping that names the layer's flattened pixel dim (``PQ``) is costed on its fused
    form (``picojoule.workload.im2col``)."""
    layer = layer_for(layer, {d for lm in mapping.levels
                              for d, _ in (*lm.temporal, *lm.spatial_x, *lm.spatial_y)})
    validate_mapping(mapping, layer, arch, where)
    batch = batch_of_one(mapping, layer, arch)
    model = energy if energy is not None else energy_model(arch, layer, registry)
    stats = evaluate_batch(layer, arch, batch, model)
    if not stats.valid[0]:
        c = Collector(where)
        for lv, spec in enumerate(arch.levels):
            if spec.capacity_bits is not None and stats.used_bits[0, lv] > spec.capacity_bits:
                kept = ", ".join(sorted(batch.keeps[lv]))
                c.add(spec.name, f"tiles of {kept} that fit its {spec.capacity_bits} bits, "
                                 f"got {int(stats.used_bits[0, lv])} bits")
        c.raise_if_any()
    return stats.row(0)


__all__ = ["BatchStats", "EnergyModel", "OperandCounts", "Stats", "energy_model", "evaluate",
           "evaluate_batch"]
