"""Sparseloop's vector-granular storage energy, applied to picojoule's counts.

picojoule charges a storage access per bit moved (``width_bits`` per access), so 11 8-bit
reads of a 32-bit-wide store cost 2.75 vector reads. Sparseloop (``BufferLevel::
ComputeVectorAccesses`` in NVlabs/timeloop) charges whole vectors, per level, operand and
action, on each utilized instance's whole counts:

* data: ``ceil(count / block)`` vector accesses, ``block`` the words per access
  (``width_bits / word_bits``); for a compressed tile (``block > 1``, density below 1, and a
  tile shorter than ``threshold x block`` words, the threshold from Sparseloop's
  ``VectorWidthCoefficientTable``, ``data/sparseloop_vector_width.csv``) times
  ``E[ceil(nnz / block)] / (tile x density / block)``: a tile's few non-zeros still take whole
  vectors;
* metadata: ``ceil(bits / metadata_width)`` accesses of all of a rank list's words.

``vector_energy_pj`` returns that energy per (level, operand) for one evaluated mapping, so a
comparison with Sparseloop can tell accounting from counting.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Mapping
from importlib import resources

import numpy as np

from picojoule.arch.spec import Arch
from picojoule.cost import sparse
from picojoule.cost.energy import EnergyModel
from picojoule.cost.stats import BatchStats
from picojoule.cost.storage import operand_consts, spans, tile_extents
from picojoule.mapping.batch import MappingBatch
from picojoule.workload.density import FixedStructured, Hypergeometric, model_of
from picojoule.workload.einsum import Layer


@functools.lru_cache(maxsize=1)
def thresholds() -> dict[tuple[int, float], float]:
    """(block words, density from) -> tiles-per-block threshold (Sparseloop's table)."""
    path = resources.files("picojoule.interop") / "data" / "sparseloop_vector_width.csv"
    with path.open() as fh:
        return {(int(r["block_words"]), float(r["density_from"])):
                float(r["tiles_per_block_threshold"]) for r in csv.DictReader(fh)}


def block_ratio(density: float, tile: int, block: int, pmf: Mapping[int, float]) -> float:
    """Sparseloop's scaling of a compressed tile's vector accesses (1 when its table says
    the tile is long enough for ``ceil(count / block)`` alone)."""
    if block <= 1 or density >= 1.0 or tile <= 0:
        return 1.0
    index = max(1, math.floor(density / 0.1)) / 10 if density >= 0.1 else 0.1
    if thresholds()[(block, round(index, 1))] <= tile / block:
        return 1.0
    total = sum(math.ceil(k / block) * p for k, p in pmf.items() if k >= 1)
    return total / (tile * density / block)


def _pmf(layer: Layer, o: int, tile: int) -> dict[int, float]:
    model = model_of(layer.operands[o])
    if isinstance(model, Hypergeometric):
        return dict(enumerate(float(p) for p in model.pmf(tile)))
    if isinstance(model, FixedStructured):
        return {model.capacity(tile): 1.0}
    return {round(model.expected(tile)): 1.0}


def _whole(x: float, output_read: bool) -> float:
    """Sparseloop's whole count of an expected count: up, except partial-sum read-backs."""
    return float(math.floor(x + 1e-9) if output_read else math.ceil(x - 1e-9))


def vector_energy_pj(layer: Layer, arch: Arch, batch: MappingBatch, stats: BatchStats,
                     energy: EnergyModel,
                     instances: Mapping[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """Storage energy per (level, operand) of mapping 0 of ``batch`` under Sparseloop's
    vector accounting; ``instances`` gives the utilized instances of a (level, operand)
    (default 1), over which picojoule's total counts are split evenly."""
    T = np.ascontiguousarray(batch.temporal.transpose(1, 2, 0))
    S = np.ascontiguousarray((batch.spatial_x * batch.spatial_y).transpose(1, 2, 0))
    E = tile_extents(T, S)
    consts = operand_consts(layer, arch)
    out: dict[tuple[str, str], float] = {}
    for lv, spec in enumerate(arch.levels):
        e = energy.levels[lv]
        for o, op in enumerate(layer.operands):
            if op.name not in batch.keeps[lv]:
                continue
            inst = instances.get((spec.name, op.name), 1.0)
            word = spec.word_bits or op.bits
            block = max(1, e.width_bits // word)
            tile = int(spans(consts[o].terms, E)[:, lv, 0].prod())
            fmt = sparse.compressed_format(arch, lv, op.name)
            ratio = 1.0 if fmt is None else block_ratio(op.density, tile, block,
                                                        _pmf(layer, o, tile))
            pj = 0.0
            for a in range(3):
                x = _whole(float(stats.counts[0, lv, o, a]) / inst,
                           op is layer.output and a == 0)
                vectors = math.ceil(x / block) * ratio
                pj += vectors * (e.read_pj if a == 0 else e.write_pj)
            sp = spec.sparse
            if fmt is not None and sp is not None and stats.sparse is not None:
                width = sp.metadata_width_bits or fmt.metadata_bits
                for a in range(3):
                    bits = _whole(float(stats.sparse.metadata_units[lv, o, a, 0]) / inst,
                                  False) * fmt.metadata_bits
                    per = sp.metadata_read_energy_pj if a == 0 else sp.metadata_write_energy_pj
                    if per is None:
                        per = (e.read_pj if a == 0 else e.write_pj) / e.width_bits * width
                    pj += math.ceil(bits / width) * per
            out[(spec.name, op.name)] = pj * inst
    return out
