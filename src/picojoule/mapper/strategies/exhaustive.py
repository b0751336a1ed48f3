"""Every point of the space, vectorized in chunks: tilings pruned by capacity before any
cost, then each surviving tiling with every loop-order combination that differs in its
non-unit loops (orders differing only in unit loops give identical counts)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from picojoule.mapper.evaluator import Evaluator
from picojoule.mapper.space import TEMPORAL, MappingSpace


def distinct_orders(space: MappingSpace, factors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per tiling and level, the candidate orders with distinct non-unit loop sequences:
    ``index`` (B, L, K) (first ``count[b, l]`` entries valid) and ``count`` (B, L)
    (storage levels only: the bypass column is not expanded here)."""
    B, D, _ = factors.shape
    L, K, _ = space.orders.shape
    index = np.zeros((B, L, K), dtype=np.int64)
    count = np.ones((B, L), dtype=np.int64)
    for lv in range(L):
        if space.n_orders[lv] == 1:
            continue
        slot = int(np.flatnonzero((space.slot_level == lv) & (space.slot_kind == TEMPORAL))[0])
        nonunit = factors[:, :, slot] > 1  # (B, D)
        cand = space.orders[lv, : space.n_orders[lv]]  # (k, D)
        nu = nonunit[:, cand]  # (B, k, D)
        rank: np.ndarray = np.cumsum(nu, axis=2) - nu
        key = (nu * (cand[None] + 1) * (D + 1) ** rank).sum(axis=2)  # (B, k)
        first = np.ones_like(key, dtype=bool)
        for j in range(1, key.shape[1]):
            first[:, j] = (key[:, :j] != key[:, j:j + 1]).all(axis=1)
        count[:, lv] = first.sum(axis=1)
        # stable: positions of the first occurrences, packed to the front
        packed = np.argsort(~first, axis=1, kind="stable")
        index[:, lv, : key.shape[1]] = packed
    return index, count


def expand(space: MappingSpace, factors: np.ndarray,
           bypass: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Every tiling with every distinct order combination, for one bypass choice:
    (factors, orders) rows."""
    index, count = distinct_orders(space, factors)
    per = count.prod(axis=1)
    rows = np.repeat(np.arange(len(factors)), per)
    combo = np.arange(len(rows)) - np.repeat(np.cumsum(per) - per, per)
    L = count.shape[1]
    orders = np.full((len(rows), L + 1), bypass, dtype=np.int64)
    for lv in range(L):
        n = count[rows, lv]
        orders[:, lv] = index[rows, lv, combo % n]
        combo //= n
    return factors[rows], orders


@dataclass(frozen=True)
class Exhaustive:
    name: str = "exhaustive"
    tilings_per_chunk: int = 2048

    def run(self, space: MappingSpace, ev: Evaluator, rng: np.random.Generator) -> bool:
        total = space.n_tilings
        for bypass in range(len(space.bypass)):
            for start in range(0, total, self.tilings_per_chunk):
                if ev.exhausted:
                    return False
                stop = min(total, start + self.tilings_per_chunk)
                factors = space.tilings(space.decode_linear(start, stop))
                fits = ev.prune(factors, bypass)
                if not fits.any():
                    continue
                full, orders = expand(space, factors[fits], bypass)
                for i in range(0, len(full), 8192):
                    short = ev.remaining < min(8192, len(full) - i)
                    ev.evaluate(full[i:i + 8192], orders[i:i + 8192])
                    if short:
                        return False
        return True
