"""A dim's options: its ordered factorizations over the mapping's slots, and the padded bounds
that fill a fan-out axis. Bounded for any bound below 2**53 (huge prime powers are sampled,
a deadline stops a build that outlasts the search's time budget)."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np

from picojoule.mapping.sample import prime_factors

MAX_OPTIONS_PER_DIM = 400_000
# Bounds on building a dim's options (huge powers of a prime, e.g. M=2**44): placements of one
# prime enumerated exactly up to MAX_COMPOSITIONS (2**20 over 7 slots is 230k), else sampled.
MAX_COMPOSITIONS = 250_000
SAMPLED_COMPOSITIONS = 50_000
MAX_GROWN_ROWS = 4_000_000


def _compositions(total: int, parts: int) -> np.ndarray:
    """Every way to write ``total`` as an ordered sum of ``parts`` non-negative ints."""
    rows = []
    for cut in itertools.combinations(range(total + parts - 1), parts - 1):
        edges = (-1, *cut, total + parts - 1)
        rows.append([edges[i + 1] - edges[i] - 1 for i in range(parts)])
    return np.array(rows, dtype=np.int64).reshape(-1, parts)


def _sampled_compositions(total: int, parts: int, count: int) -> np.ndarray:
    """``count`` compositions drawn evenly at random (stars and bars: ``parts - 1`` distinct
    cut positions among ``total + parts - 1``), plus the ``parts`` that put everything in one
    part. Deterministic: the draw is seeded by ``(total, parts)``."""
    rng = np.random.default_rng(total * 1009 + parts)
    width = total + parts - 1
    cuts = np.sort(np.argsort(rng.random((count, width)), axis=1)[:, :parts - 1], axis=1)
    edges = np.concatenate([np.full((count, 1), -1), cuts, np.full((count, 1), width)], axis=1)
    drawn = np.diff(edges, axis=1) - 1
    return np.unique(np.concatenate([total * np.eye(parts, dtype=np.int64), drawn]), axis=0)


def factorizations(n: int, free: np.ndarray, limit: np.ndarray,
                   deadline: float | None = None) -> np.ndarray:
    """Ordered factorizations of ``n`` over the slots where ``free``; a slot with a non-zero
    ``limit`` (a fan-out axis) takes at most that factor. Shape (count, NS).

    Bounded for any ``n`` below 2**53: a prime's placements are enumerated up to
    ``MAX_COMPOSITIONS`` (beyond, a seeded sample), at most ``MAX_GROWN_ROWS`` rows are built
    at once, and past ``deadline`` (a ``time.perf_counter()`` value) it raises
    ``SpaceBuildTimeout``."""
    ns = len(free)
    out = np.ones((1, ns), dtype=np.int64)
    idx = np.flatnonzero(free)
    if n == 1:
        return out
    if len(idx) == 0:
        return out[:0]
    primes = prime_factors(n)
    for p in sorted(set(primes)):
        if deadline is not None and time.perf_counter() > deadline:
            raise SpaceBuildTimeout(n)
        count = primes.count(p)
        if math.comb(count + len(idx) - 1, len(idx) - 1) > MAX_COMPOSITIONS:
            comps = p ** _sampled_compositions(count, len(idx), SAMPLED_COMPOSITIONS)
        else:
            comps = p ** _compositions(count, len(idx))
        if len(out) * len(comps) > MAX_GROWN_ROWS:
            keep = max(1, MAX_GROWN_ROWS // len(comps))
            out = out[np.linspace(0, len(out) - 1, keep).astype(np.int64)]
        grown = np.repeat(out, len(comps), axis=0)
        grown[:, idx] *= np.tile(comps, (len(out), 1))
        capped = (limit[None, :] == 0) | (grown <= limit[None, :])
        out = grown[capped.all(axis=1)]
        if len(out) > MAX_OPTIONS_PER_DIM:
            out = out[np.linspace(0, len(out) - 1, MAX_OPTIONS_PER_DIM).astype(np.int64)]
    return out


class SpaceBuildTimeout(Exception):
    """Building the options of one dim outlasted the search's time budget."""


def padded_bounds(bound: int, axis_sizes: list[int], below_axis: bool = False) -> list[int]:
    """The bound itself, and the padded bounds that fill a fan-out axis evenly; with
    ``below_axis``, a bound smaller than an axis may also be padded to a divisor of it
    (13 on 16 -> 16, to use as 16 or 2 x 8; 7 on 16 -> 8). Always below twice the bound."""
    out = [bound]
    for size in sorted(set(axis_sizes)):
        if 1 < size < bound:
            folds = math.ceil(bound / size)
            for per_fold in (size, math.ceil(bound / folds)):
                padded = folds * per_fold
                if padded != bound and padded < 2 * bound and padded not in out:
                    out.append(padded)
    if below_axis:
        for size in sorted(set(axis_sizes)):
            for padded in range(bound + 1, min(size, 2 * bound - 1) + 1):
                if size % padded == 0 and padded not in out:
                    out.append(padded)
                    break
    return out[:4]
