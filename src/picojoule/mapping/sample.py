"""Random mappings, drawn as arrays: every prime factor of every dim goes to a random slot.

A slot is a level's temporal loop or a fan-out's X or Y axis; orders are random permutations.
Draws are exact factorizations (no padding) and respect nothing else: capacity and fan-out
limits are the cost model's ``valid`` mask. Deterministic for a seed.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from picojoule.arch.spec import Arch
from picojoule.mapping.batch import MappingBatch
from picojoule.workload.einsum import Layer


def prime_factors(n: int) -> list[int]:
    """Prime factors of ``n`` in ascending order, with multiplicity. Trial division by small
    primes, then Miller-Rabin and Pollard's rho: milliseconds for any ``n`` below 2**64."""
    out: list[int] = []
    for p in (2, 3, 5, 7, 11, 13):
        while n % p == 0:
            out.append(p)
            n //= p
    p = 17
    while p * p <= n and p < 1000:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 2
    stack = [n] if n > 1 else []
    while stack:
        m = stack.pop()
        if _is_prime(m):
            out.append(m)
        else:
            d = _rho(m)
            stack += [d, m // d]
    return sorted(out)


def _is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin for n < 3.3e24 (the first 13 prime bases)."""
    if n < 2:
        return False
    bases = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
    if n in bases:
        return True
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _rho(n: int) -> int:
    """A non-trivial factor of the odd composite ``n`` (Pollard's rho, Floyd's cycle finding)."""
    for c in itertools.count(1):
        x = y = 2
        d = 1
        while d == 1:
            x = (x * x + c) % n
            y = (y * y + c) % n
            y = (y * y + c) % n
            d = math.gcd(abs(x - y), n)
        if d != n:
            return d
    raise AssertionError("unreachable")  # pragma: no cover


def random_mappings(layer: Layer, arch: Arch, count: int, rng: np.random.Generator,
                    keeps: tuple[frozenset[str], ...] | None = None,
                    outer_weight: float = 1.0) -> MappingBatch:
    """``count`` random factorizations and loop orders of ``layer`` on ``arch``.

    ``outer_weight`` > 1 sends prime factors to the outermost level more often, which keeps
    inner tiles small and so raises the share of draws that fit every capacity.
    """
    n_levels, n_dims = len(arch.levels), len(layer.dims)
    # slots: temporal at each level, then X and Y at each level that has a fan-out
    spatial_slots = [(lv, axis) for lv, spec in enumerate(arch.levels)
                     for axis, size in (("x", spec.fanout.x), ("y", spec.fanout.y)) if size > 1]
    n_slots = n_levels + len(spatial_slots)
    factors = np.ones((count, n_slots, n_dims), dtype=np.int64)
    weights = np.ones(n_slots)
    weights[0] = outer_weight
    cumulative = np.cumsum(weights / weights.sum())
    for d, bound in enumerate(layer.bounds):
        for prime in prime_factors(bound):
            slot = np.minimum(np.searchsorted(cumulative, rng.random(count), side="right"),
                              n_slots - 1)
            factors[np.arange(count), slot, d] *= prime
    temporal = factors[:, :n_levels].copy()
    sx = np.ones((count, n_levels, n_dims), dtype=np.int64)
    sy = np.ones_like(sx)
    for i, (lv, axis) in enumerate(spatial_slots):
        (sx if axis == "x" else sy)[:, lv] = factors[:, n_levels + i]
    order = np.argsort(rng.random((count, n_levels, n_dims)), axis=2).astype(np.int64)
    return MappingBatch(temporal, order, sx, sy,
                        keeps if keeps is not None else tuple(lv.keeps for lv in arch.levels))
