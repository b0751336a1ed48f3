"""The array form of many mappings of one layer on one architecture.

Shapes: B mappings, L levels, D dims (in ``layer.dims`` order). ``order[b, l]`` lists dim
indices outer -> inner at level l; loops of factor 1 may sit anywhere. The bypass choice is
shared by the batch (``cost.model.evaluate_choices`` costs rows of several choices at once).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from picojoule.arch.spec import Arch
from picojoule.mapping.spec import LevelMapping, Mapping
from picojoule.workload.einsum import Layer


@dataclass(frozen=True)
class MappingBatch:
    temporal: np.ndarray  # (B, L, D) int64 factors
    order: np.ndarray  # (B, L, D) int64 dim indices, outer -> inner
    spatial_x: np.ndarray  # (B, L, D) int64
    spatial_y: np.ndarray  # (B, L, D) int64
    keeps: tuple[frozenset[str], ...]  # per level, after bypass

    def __len__(self) -> int:
        return int(self.temporal.shape[0])

    def take(self, index: np.ndarray | slice) -> MappingBatch:
        return MappingBatch(self.temporal[index], self.order[index], self.spatial_x[index],
                            self.spatial_y[index], self.keeps)

    def mapping(self, i: int, layer: Layer, arch: Arch) -> Mapping:
        """Row ``i`` as a ``Mapping`` (unit loops dropped)."""
        levels = []
        for l_idx, lvl in enumerate(arch.levels):
            order = [int(d) for d in self.order[i, l_idx]]
            temporal = tuple((layer.dims[d], int(self.temporal[i, l_idx, d])) for d in order
                             if self.temporal[i, l_idx, d] > 1)
            sx = tuple((layer.dims[d], int(self.spatial_x[i, l_idx, d]))
                       for d in range(len(layer.dims)) if self.spatial_x[i, l_idx, d] > 1)
            sy = tuple((layer.dims[d], int(self.spatial_y[i, l_idx, d]))
                       for d in range(len(layer.dims)) if self.spatial_y[i, l_idx, d] > 1)
            levels.append(LevelMapping(lvl.name, temporal, sx, sy, lvl.keeps - self.keeps[l_idx]))
        return Mapping(tuple(levels))


def batch_of_one(mapping: Mapping, layer: Layer, arch: Arch) -> MappingBatch:
    """The single-mapping case of the batch form (the mapping must be validated first)."""
    n_levels, n_dims = len(arch.levels), len(layer.dims)
    index = {d: i for i, d in enumerate(layer.dims)}
    temporal = np.ones((1, n_levels, n_dims), dtype=np.int64)
    sx = np.ones_like(temporal)
    sy = np.ones_like(temporal)
    order = np.tile(np.arange(n_dims, dtype=np.int64), (1, n_levels, 1))
    for l_idx, lvl in enumerate(arch.levels):
        lm = mapping.for_level(lvl.name)
        listed = [index[d] for d, _ in lm.temporal]
        rest = [d for d in range(n_dims) if d not in listed]
        order[0, l_idx] = rest + listed  # unit loops outside, listed loops in the given order
        for d, f in lm.temporal:
            temporal[0, l_idx, index[d]] = f
        for d, f in lm.spatial_x:
            sx[0, l_idx, index[d]] = f
        for d, f in lm.spatial_y:
            sy[0, l_idx, index[d]] = f
    return MappingBatch(temporal, order, sx, sy, mapping.keeps(arch))


def concat(batches: list[MappingBatch]) -> MappingBatch:
    keeps = batches[0].keeps
    if any(b.keeps != keeps for b in batches):
        raise ValueError("batches with different bypass choices cannot be concatenated")
    return MappingBatch(np.concatenate([b.temporal for b in batches]),
                        np.concatenate([b.order for b in batches]),
                        np.concatenate([b.spatial_x for b in batches]),
                        np.concatenate([b.spatial_y for b in batches]), keeps)
