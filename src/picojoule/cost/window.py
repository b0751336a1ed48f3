"""Footprints and sliding-window traffic of a fused (im2col) pixel dim, for the cost model.

An operand with a ``Window`` (a convolution's inputs once ``N*P*Q`` is one dim) touches, per
tile, the input points of a run of consecutive output pixels
(``picojoule.workload.window.run_footprint``). The run's footprint depends on where it
starts (mid-row runs span row boundaries), so the model takes, over the aligned runs of a
tile size ``e`` within the mapping's padded fused bound:

* ``mean``: the average footprint -- tiles refetched whole move this much per visit;
* ``peak``: the largest -- what a level's capacity must hold;
* ``sweep``: the average elements moved by one sweep of ``t`` consecutive runs when the loop
  over the fused dim slides (Timeloop's rule: a step moves only what the previous run did
  not touch; the union of runs ``e`` at ``a`` and ``a + e`` is the run ``2e`` at ``a``, so
  a step moves ``fp(a, 2e) - fp(a, e)``).

Values are computed once per distinct key and memoized (the keys are few: divisors of the
padded bound times the filter tile extents).
"""

from __future__ import annotations

import math

import numpy as np

from picojoule.workload.einsum import Window
from picojoule.workload.window import run_footprint


class WindowTable:
    """Memoized footprints of one window (one operand of one fused layer)."""

    def __init__(self, window: Window, dims: tuple[str, ...]) -> None:
        *outer, self._rows, self._cols = window.parts
        self.images = math.prod(p.bound for p in outer)
        self.dim = dims.index(window.dim)
        self.win = tuple(dims.index(p.window) if p.window else -1
                         for p in (self._rows, self._cols))
        self._memo: dict[tuple[int, ...], tuple[float, float]] = {}
        self._sweeps: dict[tuple[int, ...], float] = {}

    def _fp(self, starts: np.ndarray, length: int, er: int, es: int) -> np.ndarray:
        r, c = self._rows, self._cols
        return run_footprint(starts, length, images=self.images, rows=r.bound, cols=c.bound,
                             stride=(r.stride, c.stride),
                             span=(1 + r.dilation * (er - 1), 1 + c.dilation * (es - 1)))

    def _stats(self, key: tuple[int, ...]) -> tuple[float, float]:
        got = self._memo.get(key)
        if got is None:
            padded, e, er, es = key
            fp = self._fp(np.arange(0, padded, e), e, er, es)
            got = (float(fp.mean()), float(fp.max()))
            self._memo[key] = got
        return got

    def _sweep(self, key: tuple[int, ...]) -> float:
        got = self._sweeps.get(key)
        if got is None:
            padded, e, t, er, es = key
            starts = np.arange(0, padded, e)
            one = self._fp(starts, e, er, es)
            step = self._fp(starts, 2 * e, er, es) - one  # moved by the run after each
            first = (np.arange(len(starts)) % t) == 0
            moved = one[first].sum() + step[np.flatnonzero(~first) - 1].sum()
            got = float(moved) / max(int(first.sum()), 1)
            self._sweeps[key] = got
        return got

    def _extents(self, E: np.ndarray) -> list[np.ndarray]:
        """Padded bound, run length and filter extents, each shaped like ``E[:, d]``."""
        padded = np.broadcast_to(E[0, self.dim], E[:, self.dim].shape)
        ones = np.ones_like(E[:, self.dim])
        return [padded, E[:, self.dim], *(E[:, w] if w >= 0 else ones for w in self.win)]

    def footprints(self, E: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mean, peak) footprints (L, B) of every level's tile, from extents E (L, D, B)."""
        cols = self._extents(E)
        keys = np.stack([c.ravel() for c in cols], axis=1)
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        table = np.array([self._stats(tuple(int(v) for v in row)) for row in uniq])
        out = table[inverse.ravel()].reshape(*cols[0].shape, 2)
        return out[..., 0], out[..., 1]

    def sweeps(self, E: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """Mean elements moved per sweep of ``steps`` (L', B) contiguous runs of the tiles of
        levels 1.. (extents ``E`` (L, D, B) of all levels)."""
        padded, e, er, es = (c[1:] for c in self._extents(E))
        keys = np.stack([x.ravel() for x in (padded, e, steps, er, es)], axis=1)
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        table = np.array([self._sweep(tuple(int(v) for v in row)) for row in uniq])
        return table[inverse.ravel()].reshape(e.shape)
