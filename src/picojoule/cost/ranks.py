"""The order of a compressed tile's ranks: by the mapping's loop nest, as Sparseloop builds a
tile's fiber tree (``picojoule.cost.sparse`` asks here; one implementation for the cost model
and the capacity check).

A tile at a level spans the loops of that level and every level below it. Its ranks, outer to
inner, follow those loops (a level's temporal loops outside its spatial ones):

* a format with at most as many ranks as the operand has axes: one rank per axis, each at the
  position of its dims' outermost non-unit loop; axes with no such loop (extent 1) outermost;
  outer axes flatten into the first rank when the format lists fewer ranks;
* a format with more ranks than axes (Sparseloop's pre-tiled formats, e.g. ``[UOP, UOP, CP]``
  over a matrix split by the mapping): one rank per non-unit loop of a relevant dim, in loop
  order (the same dim tiled at two levels gives two ranks); outer loops flatten into the
  first rank when there are more loops than ranks, unit ranks pad the outside when fewer.
  Only operands whose axes are single dims qualify (``tileable``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

NO_LOOP = np.iinfo(np.int16).max  # position of a dim without a non-unit loop

Terms = tuple[tuple[tuple[int, int], ...], ...]  # per axis: (dim, coeff)


def tileable(terms: Terms) -> bool:
    """Whether an operand's ranks can split by the tiling: every axis one dim, step 1."""
    return all(len(axis) == 1 and axis[0][1] == 1 for axis in terms)


def loop_positions(temporal: np.ndarray, spatial: np.ndarray,
                   order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L, D, B) position in the whole nest of each non-unit temporal and spatial loop
    (``NO_LOOP`` for unit ones) from (L, D, B) factors and ``order`` (dims outer -> inner).
    Small integers (int16): these arrays are as large as the batch, and cheap to fill."""
    L, D, _ = temporal.shape
    if 2 * L * D >= NO_LOOP:
        raise ValueError(f"{L} levels x {D} dims: too many loops to order ranks")
    slot = np.empty(order.shape, dtype=np.int16)
    np.put_along_axis(slot, order, np.arange(D, dtype=np.int16)[None, :, None], axis=1)
    slot += (2 * D * np.arange(L, dtype=np.int16))[:, None, None]
    spatial_at = (2 * D * np.arange(L)[:, None, None] + D
                  + np.arange(D)[None, :, None]).astype(np.int16)
    return (np.where(temporal > 1, slot, np.int16(NO_LOOP)),
            np.where(spatial > 1, spatial_at, np.int16(NO_LOOP)))


@dataclass(frozen=True)
class RankOrder:
    """How a batch's tiles order their ranks for a format."""

    terms: tuple[Terms, ...]  # per operand
    temporal: np.ndarray  # (L, D, B)
    spatial: np.ndarray  # (L, D, B)
    order: np.ndarray  # (L, D, B) dims outer -> inner

    @classmethod
    def of(cls, terms: tuple[Terms, ...], temporal: np.ndarray, spatial: np.ndarray,
           order: np.ndarray) -> RankOrder:
        return cls(terms, temporal, spatial, order)

    @functools.cached_property
    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Temporal and spatial (L, D, B) from ``loop_positions`` (when a format first asks)."""
        return loop_positions(self.temporal, self.spatial, self.order)

    @functools.cached_property
    def keys(self) -> np.ndarray:
        """(L, D, B) position of each dim's outermost non-unit loop in each level's tile."""
        pos = np.minimum(*self.positions)
        return np.minimum.accumulate(pos[::-1], axis=0)[::-1]

    def extents(self, op_index: int, level: int, span: np.ndarray,
                n_ranks: int) -> np.ndarray:
        """(R, B) extents of the tile's ranks outer -> inner, for a format of ``n_ranks``;
        ``span`` (X, B) is the tile's extent per declared axis."""
        terms = self.terms[op_index]
        if n_ranks == 1:  # one rank over the flattened tile: any order gives the same
            return span
        if n_ranks <= span.shape[0]:
            return axes_in_loop_order(terms, span, self.keys[level], n_ranks)
        dims = [axis[0][0] for axis in terms]
        sizes = np.concatenate([self.temporal[level:, dims].reshape(-1, span.shape[1]),
                                self.spatial[level:, dims].reshape(-1, span.shape[1])])
        key = np.concatenate([self.positions[0][level:, dims].reshape(-1, span.shape[1]),
                              self.positions[1][level:, dims].reshape(-1, span.shape[1])])
        key = np.where(key == NO_LOOP, -1, key)
        return np.take_along_axis(sizes, np.argsort(key, axis=0, kind="stable"), axis=0)


def axes_in_loop_order(terms: Terms, span: np.ndarray, keys: np.ndarray,
                       n_ranks: int = 0) -> np.ndarray:
    """Tile extents ``span`` (X, B) reordered outer -> inner by the loop nest: each axis at
    its dims' outermost non-unit loop (``keys`` (D, B) of the level); axes without one
    (extent 1) outermost, in declared order. For a format of ``n_ranks`` = 2 only the
    innermost axis matters: (2, B), the others' product first."""
    if span.shape[0] < 2:
        return span
    key = np.stack([functools.reduce(np.minimum, [keys[d] for d, _ in axis]) if axis else
                    np.full(keys.shape[-1], NO_LOOP, dtype=keys.dtype) for axis in terms])
    key[key == NO_LOOP] = -1
    if n_ranks == 2:  # the innermost axis, and the others flattened: no sort needed
        inner = np.take_along_axis(span, key.argmax(axis=0)[None], axis=0)[0]
        return np.stack([span.prod(axis=0) // np.maximum(inner, 1), inner])
    return np.take_along_axis(span, np.argsort(key, axis=0, kind="stable"), axis=0)
