"""What each operand occupies in each level: one implementation of storage semantics.

The cost model (its capacity check, energy and traffic) and the mapper's pruning before costing
both ask here, so they can never disagree on whether a tile fits: footprints of affine tiles,
partial sums at ``psum_bits`` until every reduction loop is below a level, and compressed
formats storing only non-zeros plus their metadata. A level with ``word_bits`` (Timeloop's
``datawidth``) stores every operand, partial sums included, at that width instead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from picojoule.arch.spec import Arch
from picojoule.cost import sparse
from picojoule.cost.ranks import RankOrder
from picojoule.cost.window import WindowTable
from picojoule.workload.einsum import Layer, Operand


@dataclass(frozen=True)
class OperandConsts:
    """What the model needs of one operand, independent of the mappings."""

    A: np.ndarray  # (X, D) coefficient of each dim in each tensor axis
    terms: tuple[tuple[tuple[int, int], ...], ...]  # per axis: (dim, coeff) with coeff != 0
    relevant: np.ndarray  # (D,) bool
    irrelevant_dims: tuple[int, ...]
    stored: np.ndarray  # (L,) stored elements per element at each level (sparse formats)
    metadata_bits: np.ndarray  # (L,) metadata bits per stored element
    word_bits: np.ndarray  # (L,) the level's fixed word width; NaN: the operand's precision
    window: WindowTable | None = None  # axes over a fused pixel dim (not in A and terms)


@functools.lru_cache(maxsize=512)
def operand_consts(layer: Layer, arch: Arch) -> tuple[OperandConsts, ...]:
    """Per-operand constants, computed once per (layer, arch): the search calls the model
    many times with small batches, so nothing that depends only on them is redone."""
    out = []
    for op in layer.operands:
        A = np.array([[sum(t.coeff for t in axis if t.dim == d) for d in layer.dims]
                      for axis in op.axes], dtype=np.int64)
        relevant = (A != 0).any(axis=0)
        window = None
        if op.window is not None:
            window = WindowTable(op.window, layer.dims)
            relevant = relevant | np.array([d in op.window.dims for d in layer.dims])
        terms = tuple(tuple((int(d), int(row[d])) for d in np.flatnonzero(row)) for row in A)
        out.append(OperandConsts(A, terms, relevant,
                                  tuple(int(d) for d in np.flatnonzero(~relevant)),
                                  _stored_fraction(arch, op, layer), _metadata_bits(arch, op),
                                  np.array([np.nan if lv.word_bits is None else lv.word_bits
                                            for lv in arch.levels], dtype=np.float64),
                                  window))
    return tuple(out)


def spans(terms: tuple[tuple[tuple[int, int], ...], ...], extents: np.ndarray) -> np.ndarray:
    """Points spanned on each axis (X, ..., B) by dims spanning ``extents`` (..., D, B)."""
    out = np.ones((len(terms), *extents.shape[:-2], extents.shape[-1]), dtype=np.int64)
    for x, axis in enumerate(terms):  # 1 + sum(c (e - 1)) as (1 - sum(c)) + sum(c e): exact
        row = out[x]
        for d, coeff in axis:
            row += extents[..., d, :] if coeff == 1 else coeff * extents[..., d, :]
        if axis:
            row -= sum(coeff for _, coeff in axis)
    return out


def _stored_fraction(arch: Arch, op: Operand, layer: Layer) -> np.ndarray:
    """Per level, stored elements per element of the operand: its density where the level
    keeps a compressed format (inputs and weights only), else 1 (zeros stored and moved)."""
    if op is layer.output or op.density >= 1.0:
        return np.ones(len(arch.levels))
    return np.array([op.density if lv.sparse_format != "none" else 1.0 for lv in arch.levels])


def _metadata_bits(arch: Arch, op: Operand) -> np.ndarray:
    """Per level, metadata bits carried per stored non-zero: a bitmask costs 1 bit per dense
    position (1/density per non-zero); run-length and coordinate formats ``metadata_bits``."""
    out = np.zeros(len(arch.levels))
    if op.density >= 1.0:
        return out
    for i, lv in enumerate(arch.levels):
        if lv.sparse_format == "bitmask":
            out[i] = 1.0 / op.density
        elif lv.sparse_format in ("rle", "coordinate"):
            out[i] = lv.metadata_bits
    return out


def stored_bits(layer: Layer, op: Operand, k: OperandConsts, E: np.ndarray,
                T: np.ndarray) -> np.ndarray:
    """(L, B) bits per stored element of ``op`` at each level, given tile extents ``E`` and
    temporal factors ``T`` (both (L, D, B)): final outputs at ``bits`` once every reduction
    loop is below the level's own loops, partial sums at ``psum_bits``, except at a level with
    a fixed ``word_bits`` (which holds everything at that width); plus format metadata."""
    L, _D, B = E.shape
    bits = np.full((L, B), float(op.bits))
    if op is layer.output:
        final = np.ones((L, B), dtype=bool)
        for d in k.irrelevant_dims:
            final &= E[:, d, :] // T[:, d, :] >= layer.bounds[d]
        bits = np.where(final, float(op.bits), float(op.partial_bits))
    fixed = ~np.isnan(k.word_bits)
    if fixed.any():
        bits = np.where(fixed[:, None], k.word_bits[:, None], bits)
    return bits + k.metadata_bits[:, None]


def tile_extents(temporal: np.ndarray, spatial: np.ndarray) -> np.ndarray:
    """(L, D, B) extents of every level's tile from (L, D, B) temporal and spatial factors:
    the level's own loops and everything below it."""
    E = np.empty_like(temporal)
    acc = np.ones(temporal.shape[1:], dtype=np.int64)
    for lv in range(temporal.shape[0] - 1, -1, -1):
        acc = acc * temporal[lv] * spatial[lv]
        E[lv] = acc
    return E


def usage_bits(layer: Layer, arch: Arch, temporal: np.ndarray, spatial: np.ndarray,
               keeps: tuple[frozenset[str], ...], order: np.ndarray | None = None) -> np.ndarray:
    """(B, L, O) bits each operand's tile takes at each level that keeps it, for (B, L, D)
    temporal and spatial (X * Y) factors; what a level's capacity is checked against. A
    compressed format's ranks follow the loop ``order`` (B, L, D); without it, the rank
    order that takes the fewest bits (a bound for any order: the mapper's pruning before it
    picks orders; the cost model then checks the order it costs)."""
    T = np.ascontiguousarray(temporal.transpose(1, 2, 0))
    S = np.ascontiguousarray(spatial.transpose(1, 2, 0))
    loops = None if order is None else np.ascontiguousarray(order.transpose(1, 2, 0))
    return level_usage_bits(layer, arch, T, S, keeps, loops).transpose(2, 0, 1)


def level_usage_bits(layer: Layer, arch: Arch, T: np.ndarray, S: np.ndarray,
                     keeps: tuple[frozenset[str], ...],
                     order: np.ndarray | None = None) -> np.ndarray:
    """``usage_bits`` with the batch axis last: (L, D, B) factors (and loop order) in,
    (L, O, B) bits out."""
    E = tile_extents(T, S)
    L, _D, B = T.shape
    consts = operand_consts(layer, arch)
    ranks = None if order is None or not sparse.enabled(arch) else RankOrder.of(
        tuple(k.terms for k in consts), T, S, order)
    out = np.zeros((L, len(layer.operands), B))
    for o, (op, k) in enumerate(zip(layer.operands, consts, strict=True)):
        span = spans(k.terms, E)  # (X, L, B)
        tile = span.prod(axis=0)  # (L, B)
        if k.window is not None:
            tile = tile * k.window.footprints(E)[1]  # the largest run's footprint
        bits = stored_bits(layer, op, k, E, T)
        used = tile * k.stored[:, None] * bits
        for lv in range(L):
            if op.name in keeps[lv]:
                fmt = sparse.compressed_format(arch, lv, op.name)  # per-rank formats
                if fmt is None:
                    out[lv, o] = used[lv]
                elif ranks is None:
                    out[lv, o] = sparse.fewest_tile_bits(o, layer, fmt, span[:, lv], bits[lv])
                else:
                    ext = ranks.extents(o, lv, span[:, lv], len(fmt.ranks))
                    out[lv, o] = sparse.tile_bits(o, layer, fmt, ext, bits[lv])
    return out
