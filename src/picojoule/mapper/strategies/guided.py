"""A guided search for spaces too large to enumerate: an elitist evolutionary search.

Generation by generation, children of the best mappings found so far are made by moving one
prime factor of one dim between two slots (a finer or coarser tile, an unrolling traded for
a temporal loop), redrawing one dim's whole factorization (this is also how padding changes),
changing one level's loop order, and uniform crossover between two elites (dims are
independent in a tiling). Every few generations the incumbent's orders are swept level by
level. Stagnation injects fresh random samples. Deterministic for a seed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from picojoule.mapper.evaluator import Evaluator
from picojoule.mapper.space import MappingSpace
from picojoule.mapping.sample import prime_factors


def _smallest_prime(values: np.ndarray) -> np.ndarray:
    """Smallest prime factor of each value (> 1), by trial division, vectorized."""
    out = values.copy()
    rest = values.copy()
    found = np.zeros(values.shape, dtype=bool)
    p = 2
    while p < 1000:
        live = ~found & (p * p <= rest)
        if not live.any():
            return out
        hit = live & (rest % p == 0)
        out[hit] = p
        found |= hit
        p += 1 if p == 2 else 2
    # values with no factor below 1000 (rare, large dims): one exact factorization each
    live = ~found & (p * p <= rest)
    for value in np.unique(values[live]):
        out[live & (values == value)] = prime_factors(int(value))[0]
    return out


def _elites(ranked: np.ndarray, bypass: np.ndarray, size: int, choices: int) -> np.ndarray:
    """The best ``size`` of ``ranked`` (best first), but at least ``size // (2 choices)`` of
    each bypass choice that has any: a niche per choice, so one early leader cannot crowd
    out a bypass choice whose good mappings take longer to find."""
    quota = max(1, size // (2 * choices))
    picked = np.zeros(len(ranked), dtype=bool)
    for b in range(choices):
        picked[np.flatnonzero(bypass[ranked] == b)[:quota]] = True
    rest = np.flatnonzero(~picked)[: max(0, size - int(picked.sum()))]
    picked[rest] = True
    return ranked[picked]


@functools.lru_cache(maxsize=64)
def _multipliers(n: int) -> np.ndarray:
    return np.random.default_rng(12345).integers(1, 1 << 62, n, dtype=np.uint64) | np.uint64(1)


def genome_hash(factors: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """A 64-bit fingerprint of each genome (fixed odd multipliers, wrap-around arithmetic)."""
    n = factors.shape[1] * factors.shape[2] + orders.shape[1]
    mult = _multipliers(n)
    with np.errstate(over="ignore"):
        h = factors.reshape(len(factors), -1).astype(np.uint64) @ mult[: n - orders.shape[1]]
        return h + orders.astype(np.uint64) @ mult[n - orders.shape[1]:]


def _unique_hash(h: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct fingerprint, in input order."""
    _, first = np.unique(h, return_index=True)
    return np.sort(first)


def _prime_move(space: MappingSpace, cf: np.ndarray, mask: np.ndarray,
                rng: np.random.Generator) -> None:
    """In place, for rows in ``mask``: move the smallest prime of one slot of one dim to
    another free slot of that dim (the product, hence the padding, is unchanged)."""
    n, D, NS = cf.shape
    d_all = np.asarray(rng.integers(0, D, n), dtype=np.int64).reshape(n)
    draw_src, draw_dst = rng.random((n, NS)), rng.random((n, NS))  # drawn for every row
    rows = np.flatnonzero(mask)  # the rows that move (the draws above keep the stream)
    d = d_all[rows]
    free = space.free.take(d, axis=0)
    vals = cf.reshape(n * D, NS).take(rows * D + d, axis=0)  # cf[rows, d]
    src_ok = free & (vals > 1)
    src = np.argmax(np.where(src_ok, draw_src.take(rows, axis=0), -1.0), axis=1)
    dst = np.argmax(np.where(free, draw_dst.take(rows, axis=0), -1.0), axis=1)
    k = np.flatnonzero(src_ok.any(axis=1) & (src != dst))
    m = rows[k]
    p = _smallest_prime(np.maximum(vals[k, src[k]], 2))
    cf[m, d[k], src[k]] //= p
    cf[m, d[k], dst[k]] *= p


def neighbourhood(space: MappingSpace, f: np.ndarray,
                  o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every single prime move of one dim, every exchange of primes between two dims across
    two slots (e.g. more C and less M on an axis), and every other order at one level."""
    moves: list[tuple[int, int, int, int]] = []  # (dim, src, dst, prime)
    for d in range(f.shape[0]):
        for src in np.flatnonzero(space.free[d] & (f[d] > 1)):
            for p in sorted(set(prime_factors(int(f[d, src])))):
                moves += [(d, int(src), int(dst), p) for dst in np.flatnonzero(space.free[d])
                          if dst != src]
    rows = []
    for d, s, t, p in moves:
        new = f.copy()
        new[d, s] //= p
        new[d, t] *= p
        rows.append(new)
    for i, (d1, s1, t1, p1) in enumerate(moves):
        for d2, s2, t2, p2 in moves[i + 1:]:
            if d2 != d1 and s2 == t1 and t2 == s1:
                new = f.copy()
                new[d1, s1] //= p1
                new[d1, t1] *= p1
                new[d2, s2] //= p2
                new[d2, t2] *= p2
                rows.append(new)
    orders = [o] * len(rows)
    for lv, k in enumerate(space.n_orders):
        for j in range(int(k)):
            if j != o[lv]:
                new_o = o.copy()
                new_o[lv] = j
                rows.append(f)
                orders.append(new_o)
    if not rows:
        return f[None][:0], o[None][:0]
    return np.array(rows), np.array(orders)


@dataclass(frozen=True)
class Guided:
    name: str = "guided"
    population: int = 64  # elites kept
    children: int = 8192  # proposals per generation
    initial: int = 8192  # random proposals to seed the elites
    patience: int = 8  # generations without improvement before injecting random samples
    initial_share: int = 4  # at most 1/initial_share of the budget for the random start
    children_share: int = 2  # a generation proposes at most 1/children_share of what is left
    # converged: stop once 1/stall_share of the evaluation budget and more than `patience`
    # generations (so a random restart) have passed without a better mapping, the incumbent's
    # neighbourhood swept; 0 (default) spends the whole budget, ``Auto`` (the default) uses 4
    stall_share: int = 0
    stall_generations: int = 4  # ... and at least this many generations without one

    def run(self, space: MappingSpace, ev: Evaluator, rng: np.random.Generator) -> bool:
        first = min(self.initial, max(512, ev.remaining // self.initial_share))
        pf, po = space.random(first, rng)
        if ev.best_factors is not None and ev.best_orders is not None:  # resume from it
            pf, po = np.concatenate([ev.best_factors[None], pf]), np.concatenate(
                [ev.best_orders[None], po])
        ps = ev.evaluate(pf, po)
        ph = genome_hash(pf, po)
        stale, generation = 0, 0
        swept: set[int] = set()
        improved_at, best, quiet = ev.evaluated, ev.best_score, 0
        while not ev.exhausted:
            ok = np.isfinite(ps)
            if not ok.any():
                pf, po = space.random(first, rng)
                ps, ph = ev.evaluate(pf, po), genome_hash(pf, po)
                continue
            keep = np.flatnonzero(ok)
            keep = keep[np.argsort(ps[keep], kind="stable")]
            keep = keep[_unique_hash(ph[keep])]
            keep = _elites(keep[np.argsort(ps[keep], kind="stable")], po[:, -1],
                           self.population, len(space.bypass))
            pf, po, ps, ph = pf[keep], po[keep], ps[keep], ph[keep]
            best_before = ps[0]
            if ev.best_score < best:
                improved_at, best, quiet = ev.evaluated, ev.best_score, 0
            elif (int(ph[0]) in swept and quiet >= self.stall_generations
                  and self._converged(ev, improved_at)):
                return False  # converged: neighbourhood, random restart, stall window: nothing
            quiet += 1
            n_children = min(self.children, max(256, ev.remaining // self.children_share))
            cf, co = self._children(space, pf, po, rng, n_children)
            if int(ph[0]) not in swept:  # hill-climb: every neighbour of a new incumbent
                swept.add(int(ph[0]))
                sf, so = neighbourhood(space, pf[0], po[0])
                cf, co = np.concatenate([sf, cf]), np.concatenate([so, co])
            if generation % 2 == 1:  # exact line search of the incumbent along one dim
                sf, so = self._dim_sweep(space, pf[0], po[0], (generation // 2) % pf.shape[1],
                                         rng)
                cf, co = np.concatenate([cf, sf]), np.concatenate([co, so])
            if generation % 4 == 3:
                sf, so = self._order_sweep(space, pf[0], po[0])
                cf, co = np.concatenate([cf, sf]), np.concatenate([co, so])
            if stale >= self.patience:
                rf, ro = space.random(self.children, rng)
                cf, co = np.concatenate([cf, rf]), np.concatenate([co, ro])
                stale = 0
            ch = genome_hash(cf, co)
            fresh = _unique_hash(ch)
            fresh = fresh[~np.isin(ch[fresh], ph)]
            cf, co, ch = cf[fresh], co[fresh], ch[fresh]
            cs = ev.evaluate(cf, co)
            pf, po = np.concatenate([pf, cf]), np.concatenate([po, co])
            ps, ph = np.concatenate([ps, cs]), np.concatenate([ph, ch])
            stale = stale + 1 if ps.min() >= best_before else 0
            generation += 1
        return False

    def _converged(self, ev: Evaluator, improved_at: int) -> bool:
        """No better mapping in the last 1/stall_share of the evaluation budget."""
        cap = ev.budget.evaluations
        if not self.stall_share or cap is None:
            return False
        return ev.evaluated - improved_at >= max(1, cap // self.stall_share)

    def _children(self, space: MappingSpace, pf: np.ndarray, po: np.ndarray,
                  rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        weights = 1.0 / (np.arange(len(pf)) + 1.0)  # parents biased to the best (by rank)
        weights /= weights.sum()
        pa = rng.choice(len(pf), n, p=weights)
        pb = rng.choice(len(pf), n, p=weights)
        cf, co = pf.take(pa, axis=0), po.take(pa, axis=0)  # new arrays
        D, L = pf.shape[1], po.shape[1]
        op = rng.integers(0, 10, n)
        cross = op <= 1  # uniform crossover over dims and levels
        r, c = np.nonzero(cross[:, None] & (rng.random((n, D)) < 0.5))
        cf[r, c] = pf[pb[r], c]
        r, c = np.nonzero(cross[:, None] & (rng.random((n, L)) < 0.5))
        co[r, c] = po[pb[r], c]
        move = ((op >= 2) & (op <= 7)) | cross
        _prime_move(space, cf, move, rng)
        _prime_move(space, cf, move & (rng.random(n) < 0.35), rng)  # trades between dims
        redraw = np.flatnonzero(op == 8)  # a whole new factorization of one dim
        d = rng.integers(0, D, n)
        for dim in np.unique(d[redraw]):
            rr = redraw[d[redraw] == dim]
            opts = space.options[dim]
            cf[rr, dim] = opts[rng.integers(0, len(opts), len(rr))]
        reorder = (op == 9) | (rng.random(n) < 0.15)  # another order at one level
        lv = rng.integers(0, L, n)
        newo = (rng.random(n) * space.n_orders[lv]).astype(np.int64)
        co[reorder, lv[reorder]] = newo[reorder]
        return cf, co

    def _dim_sweep(self, space: MappingSpace, f: np.ndarray, o: np.ndarray, dim: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The incumbent with one dim's factorization replaced by each of its options."""
        opts = space.options[dim]
        if len(opts) > self.children:
            opts = opts[rng.choice(len(opts), self.children, replace=False)]
        rows = np.repeat(f[None], len(opts), axis=0)
        rows[:, dim] = opts
        return rows, np.repeat(o[None], len(opts), axis=0)

    @staticmethod
    def _order_sweep(space: MappingSpace, f: np.ndarray,
                     o: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows_f, rows_o = [], []
        for lv, k in enumerate(space.n_orders):
            for j in range(int(k)):
                if j != o[lv]:
                    new = o.copy()
                    new[lv] = j
                    rows_f.append(f)
                    rows_o.append(new)
        if not rows_f:
            return f[None][:0], o[None][:0]
        return np.array(rows_f), np.array(rows_o)
