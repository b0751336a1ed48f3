"""Sparseloop-class sparse modeling as a step after the dense (algorithmic) counts.

The dense model counts every access as if all data were non-zero (Sparseloop's "algorithmic"
counts); this step turns them into actual, gated and skipped accesses plus metadata, per level
and operand, from the levels' ``sparse`` specs (``picojoule.arch.sparse``) and the operands'
density models (``picojoule.workload.density``). Vectorized over the batch like the rest.

Rules (expected values; Sparseloop prints them rounded to integers):

* **Format.** A level holding an operand compressed (any rank other than ``U``) stores and moves
  only its non-zeros: accesses toward the compute yield a non-zero with probability ``d``;
  tiles moved between levels carry ``occupancy(tile)`` non-zeros (``ceil(d * tile)`` under
  fixed-structured density, the expectation under other models); a tile reserves
  ``capacity(tile)`` non-zeros (at the model's confidence) plus the format's metadata.
* **Metadata.** Per tile, each rank (outermost first, ``fibers`` present fibers of ``size``
  coordinates, ``nonempty`` of them non-empty) carries: U nothing; B ``fibers * size`` bits;
  RLE and CP one word per non-empty coordinate (at the leaf rank: per non-zero of the tile);
  UOP ``fibers * (size + 1)`` offset words. Ranks follow the loop nest
  (``picojoule.cost.ranks``).
  Every traversal of a tile's non-zeros reads the whole format once: metadata moved =
  non-zero data moved / non-zeros per tile x metadata per tile.
* **Actions.** ``gate``/``skip`` of ``target`` conditioned on operands ``C`` act on the target's
  accesses at its innermost keeper at or above the level: toward the compute, the fraction
  ``prod(d_c)`` survives (operands independent); between levels, the fraction whose
  condition tiles are non-empty. Gated accesses keep their bandwidth slot (energy 0),
  skipped ones vanish. Metadata follows its data.
* **Compute.** MACs whose operands' zeros are exploited (a condition of an action toward the
  compute, or compressed at the operand's innermost keeper) are eliminated: energy
  ``macs * prod(d)``; cycles shrink by the same factor unless only gating exploits them.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np

from picojoule.arch.sparse import LevelSparse, OperandFormat, check_rank_counts
from picojoule.arch.spec import Arch
from picojoule.cost.ranks import RankOrder, tileable
from picojoule.errors import Collector
from picojoule.workload.density import DensityModel, FixedStructured, model_of
from picojoule.workload.einsum import Layer


def enabled(arch: Arch) -> bool:
    return any(lv.sparse is not None for lv in arch.levels)


@functools.lru_cache(maxsize=256)
def check(layer: Layer, arch: Arch) -> None:
    """What only the pair can tell: every format fits its operand's rank count."""
    c = Collector(arch.name)
    check_rank_counts(c, tuple((lv.name, lv.sparse) for lv in arch.levels),
                      {op.name: len(op.axes) for op in layer.operands},
                      frozenset(op.name for op in layer.operands if op.window is None and
                                tileable(tuple(tuple((0, t.coeff) for t in axis)
                                               for axis in op.axes))))
    first_order = [f"{lv.name}.sparse_format" for lv in arch.levels if lv.sparse_format != "none"]
    if arch.compute.sparse_action != "none":
        first_order.append("compute.sparse_action")
    if first_order:
        c.add(", ".join(first_order), "per-level sparse: entries or the first-order options, not "
                                      "both (use sparse: formats and actions alone)")
    c.raise_if_any()


@dataclass(frozen=True)
class SparseCounts:
    """What the sparse step adds to a batch's stats: arrays (L, O, 3, B) and (B,)."""

    algorithmic: np.ndarray  # dense counts before the step
    gated: np.ndarray  # accesses gated (bandwidth kept, no energy)
    skipped: np.ndarray  # accesses skipped by actions (format-eliminated zeros not counted)
    metadata_units: np.ndarray  # metadata + payload words moved (actual)
    metadata_energy_pj: np.ndarray  # (L, O, B)
    computes: np.ndarray  # (B,) actual computes
    extra_bits: np.ndarray  # (L, 2, B) gated + metadata bits read / written (bandwidth)
    mac_fraction: float  # MAC energy that remains
    cycle_fraction: float  # compute cycles that remain

    @classmethod
    def concat(cls, parts: list[SparseCounts]) -> SparseCounts:
        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(p, name) for p in parts], axis=-1)
        return cls(cat("algorithmic"), cat("gated"), cat("skipped"), cat("metadata_units"),
                   cat("metadata_energy_pj"), cat("computes"), cat("extra_bits"),
                   parts[0].mac_fraction, parts[0].cycle_fraction)


def _models(layer: Layer) -> list[DensityModel]:
    return [model_of(op) for op in layer.operands]


def prob_empty(model: DensityModel, sizes: np.ndarray) -> np.ndarray:
    """``model.prob_empty`` over an array of tile sizes (evaluated once per distinct size)."""
    if isinstance(model, FixedStructured):
        return np.where(sizes >= 1, np.maximum(0.0, 1.0 - model.density * sizes), 1.0)
    uniq, inv = np.unique(sizes, return_inverse=True)
    vals = np.array([model.prob_empty(int(s)) for s in uniq])
    return vals[inv].reshape(sizes.shape)


def capacity(model: DensityModel, sizes: np.ndarray) -> np.ndarray:
    if isinstance(model, FixedStructured):
        return np.ceil(model.density * sizes - 1e-9)
    uniq, inv = np.unique(sizes, return_inverse=True)
    vals = np.array([model.capacity(int(s)) for s in uniq], dtype=np.float64)
    return vals[inv].reshape(sizes.shape)


def occupancy(model: DensityModel, sizes: np.ndarray) -> np.ndarray:
    """Non-zeros a tile carries when it moves: ``ceil(d * size)`` under fixed-structured
    density (every tile holds exactly that, as Sparseloop counts it), else the expectation."""
    if isinstance(model, FixedStructured):
        return capacity(model, sizes)
    uniq, inv = np.unique(sizes, return_inverse=True)
    vals = np.array([model.expected(int(s)) for s in uniq], dtype=np.float64)
    return vals[inv].reshape(sizes.shape)


def _kept(model: DensityModel, tile: np.ndarray) -> np.ndarray:
    """Fraction of a moved tile's elements that a compressed format moves."""
    return occupancy(model, tile) / np.maximum(tile, 1)


def format_per_tile(fmt: OperandFormat, span: np.ndarray,
                    model: DensityModel) -> tuple[np.ndarray, np.ndarray]:
    """(units, bits) of metadata + payload of one tile with axis extents ``span`` (X, ...)."""
    X, r = span.shape[0], len(fmt.ranks)
    first = span[: X - r + 1].prod(axis=0)  # outer axes flatten into the first rank
    sizes = [first] + [span[i] for i in range(X - r + 1, X)]
    fibers = np.ones_like(first, dtype=np.float64)
    units = np.zeros_like(fibers)
    bits = np.zeros_like(fibers)
    for i, (kind, size) in enumerate(zip(fmt.ranks, sizes, strict=True)):
        below = np.prod(sizes[i + 1:], axis=0) if i + 1 < r else np.ones_like(size)
        if i + 1 == r:  # leaf rank: one coordinate per non-zero of the tile
            nonempty = occupancy(model, span.prod(axis=0))
        else:
            nonempty = fibers * size * (1.0 - prob_empty(model, below))
        if kind == "B":
            units, bits = units + fibers * size, bits + fibers * size
        elif kind in ("RLE", "CP"):
            units, bits = units + nonempty, bits + nonempty * fmt.metadata_bits
        elif kind == "UOP":
            offsets = fibers * (size + 1)
            units, bits = units + offsets, bits + offsets * fmt.metadata_bits
        fibers = fibers * size if kind in ("U", "UOP") else nonempty
    return units, bits


def tile_bits(op_index: int, layer: Layer, fmt: OperandFormat, span: np.ndarray,
              bits: np.ndarray) -> np.ndarray:
    """Bits a compressed tile of extents ``span`` (X, B; axes in rank order) reserves:
    ``capacity`` non-zeros at ``bits`` (B,) each plus the format's metadata. The cost model's
    capacity check and the mapper's pruning (``cost.storage.usage_bits``) both ask here."""
    model = model_of(layer.operands[op_index])
    tile = span.prod(axis=0).astype(np.float64)
    return capacity(model, tile) * bits + format_per_tile(fmt, span, model)[1]


def fewest_tile_bits(op_index: int, layer: Layer, fmt: OperandFormat, span: np.ndarray,
                     bits: np.ndarray) -> np.ndarray:
    """``tile_bits`` under the rank order that takes the fewest: what a tile needs whatever
    the loop order (the mapper prunes tilings on it before it picks loop orders). A format
    with more ranks than axes (ranks split by the tiling): its non-zeros alone."""
    if len(fmt.ranks) > span.shape[0]:
        return capacity(model_of(layer.operands[op_index]), span.prod(axis=0)) * bits
    perms = itertools.permutations(range(span.shape[0]))
    return functools.reduce(np.minimum, (tile_bits(op_index, layer, fmt, span[list(p)], bits)
                                         for p in perms))


def compressed_format(arch: Arch, level: int, operand: str) -> OperandFormat | None:
    sp = arch.levels[level].sparse
    fmt = sp.format_of(operand) if sp is not None else None
    return fmt if fmt is not None and fmt.compressed else None


def _innermost_keeper(arch: Arch, keeps: tuple[frozenset[str], ...], name: str,
                      upto: int) -> int | None:
    found = None
    for lv in range(upto + 1):
        if name in keeps[lv]:
            found = lv
    return found


def apply(layer: Layer, arch: Arch, keeps: tuple[frozenset[str], ...], span_of: list[np.ndarray],
          ranks: RankOrder, counts: np.ndarray, bits: np.ndarray, used_bits: np.ndarray,
          read_pj_bit: np.ndarray,
          write_pj_bit: np.ndarray) -> tuple[np.ndarray, np.ndarray, SparseCounts, float]:
    """Actual counts (L, O, 3, B), used bits (L, B), the sparse counts, and the fraction of
    MAC energy that remains. ``span_of[o]`` is (X, L, B) tile extents in declared axis
    order; ``ranks`` orders them by the loop nest for the formats."""
    check(layer, arch)
    L, n_ops, _, B = counts.shape
    out_o = layer.operands.index(layer.output)
    names = [op.name for op in layer.operands]
    models = _models(layer)
    dens = [m.density for m in models]
    out = counts.copy()
    gated = np.zeros_like(counts)
    skipped = np.zeros_like(counts)
    meta_units = np.zeros_like(counts)
    meta_bits = np.zeros_like(counts)
    used = used_bits.copy()
    innermost = [max((lv for lv in range(L) if n in keeps[lv]), default=0) for n in names]
    tiles = [s.prod(axis=0).astype(np.float64) for s in span_of]  # (L, B)
    per_tile: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    exploited: set[int] = set()
    any_skip = False
    for lv, spec in enumerate(arch.levels):  # formats
        sp = spec.sparse
        for o, name in enumerate(names):
            fmt = sp.format_of(name) if sp is not None else None
            if fmt is None or not fmt.compressed or name not in keeps[lv]:
                continue
            # toward the compute: each access yields a non-zero with probability d; between
            # levels whole tiles move, each holding ``occupancy(tile)`` non-zeros
            child = next((c for c in range(lv + 1, L) if name in keeps[c]), None)
            out[lv, o, 0] *= dens[o] if child is None else _kept(models[o], tiles[o][child])
            out[lv, o, 1] *= _kept(models[o], tiles[o][lv])
            out[lv, o, 2] *= dens[o]
            span = ranks.extents(o, lv, span_of[o][:, lv], len(fmt.ranks))
            units, mbits = format_per_tile(fmt, span, models[o])
            nnz = np.maximum(occupancy(models[o], tiles[o][lv]), 1e-12)
            per_tile[(lv, o)] = (units / nnz, mbits / nnz, nnz)
            used[lv] += tile_bits(o, layer, fmt, span, bits[lv, o]) - tiles[o][lv] * bits[lv, o]
            if lv == innermost[o] and o != out_o:
                exploited.add(o)
                any_skip = True
    for lv, spec in enumerate(arch.levels):  # actions
        if spec.sparse is None:
            continue
        for act in spec.sparse.actions:
            t = names.index(act.target)
            k = _innermost_keeper(arch, keeps, act.target, lv)
            if k is None or (t == out_o and k != lv):  # outputs: only where kept (Sparseloop)
                continue
            conds = [names.index(c) for c in act.condition_on]
            if k == innermost[t]:
                keep = float(np.prod([dens[c] for c in conds]))
                exploited.update(conds)
                rows: tuple[int, ...] = (0, 2) if t == out_o else (0,)
                child = None
            else:
                child = next(c for c in range(k + 1, L) if act.target in keeps[c])
                keep_arr = np.ones(B)
                for c in conds:
                    keep_arr = keep_arr * (1.0 - prob_empty(models[c], tiles[c][child]))
                keep = keep_arr  # type: ignore[assignment]
                rows = (0,)
            for row in rows:
                lost = out[k, t, row] * (1.0 - keep)
                out[k, t, row] -= lost
                (skipped if act.kind == "skip" else gated)[k, t, row] += lost
                if child is not None:
                    lost_fill = out[child, t, 1] * (1.0 - keep)
                    out[child, t, 1] -= lost_fill
                    (skipped if act.kind == "skip" else gated)[child, t, 1] += lost_fill
            any_skip = any_skip or (act.kind == "skip" and child is None)
    read_bits_extra = np.zeros((L, 2, B))
    meta_energy = np.zeros((L, n_ops, B))
    for (lv, o), (u_per, b_per, _nnz) in per_tile.items():
        meta_units[lv, o] = out[lv, o] * u_per
        meta_bits[lv, o] = out[lv, o] * b_per
        sp = arch.levels[lv].sparse
        if sp is None:  # per_tile holds only levels with a sparse spec
            raise RuntimeError(f"level {lv} has sparse tiles but no sparse spec")
        fmt = sp.format_of(names[o])
        width = sp.metadata_width_bits or (fmt.metadata_bits if fmt else 1)
        r_pj = sp.metadata_read_energy_pj
        w_pj = sp.metadata_write_energy_pj
        r_acc = meta_bits[lv, o, 0] / width
        w_acc = (meta_bits[lv, o, 1] + meta_bits[lv, o, 2]) / width
        meta_energy[lv, o] = (r_acc * (r_pj if r_pj is not None else read_pj_bit[lv] * width)
                              + w_acc * (w_pj if w_pj is not None else write_pj_bit[lv] * width))
        read_bits_extra[lv, 0] += meta_bits[lv, o, 0]
        read_bits_extra[lv, 1] += meta_bits[lv, o, 1] + meta_bits[lv, o, 2]
    read_bits_extra[:, 0] += (gated[:, :, 0] * bits).sum(axis=1)
    read_bits_extra[:, 1] += ((gated[:, :, 1] + gated[:, :, 2]) * bits).sum(axis=1)
    mac_fraction = math.prod(dens[o] for o in exploited if o != out_o)
    cycle_fraction = mac_fraction  # Sparseloop: gated MACs take no compute cycle either;
    # gated accesses still hold their storage bandwidth (extra_bits)
    sc = SparseCounts(counts, gated, skipped, meta_units, meta_energy,
                      np.full(B, layer.macs * mac_fraction), read_bits_extra, mac_fraction,
                      cycle_fraction)
    return out, used, sc, mac_fraction


def empty_level(sp: LevelSparse | None) -> bool:
    return sp is None or (not sp.formats and not sp.actions)
