"""The mapping space of one layer on one architecture, as arrays the strategies draw from.

A point is a *genome*: ``factors`` (B, D, NS) -- every dim's factor in every slot (a slot is
a level's temporal loop or one of its fan-out's X/Y axes) -- and ``orders`` (B, L + 1), an
index into each level's candidate loop orders and, last, into the bypass choices. Each dim's
options are all ordered factorizations of its bound, or of a padded bound (27 -> 28 = 2 x 14
on a 14-wide array; the wasted PEs are counted by the cost model), that respect the
constraints. Loop orders matter only through
which operands' irrelevant loops sit innermost, so each level offers the orders of the 3!
operand priorities (x2 tie orders, which decide sliding windows), deduplicated.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from picojoule.arch.spec import Arch
from picojoule.cost.storage import level_usage_bits, usage_bits
from picojoule.errors import Collector, SpecError
from picojoule.mapper.constraints import FULL, Constraints
from picojoule.mapper.factors import SpaceBuildTimeout, factorizations, padded_bounds
from picojoule.mapper.limits import TEMPORAL, X, Y, limit_ok, slot_mask, split_limits
from picojoule.mapping.batch import MappingBatch
from picojoule.workload.einsum import Layer


@dataclass(frozen=True, eq=False)
class MappingSpace:
    layer: Layer
    arch: Arch
    bypass: tuple[tuple[frozenset[str], ...], ...]  # bypass choices: keeps per level
    slot_level: np.ndarray  # (NS,)
    slot_kind: np.ndarray  # (NS,) TEMPORAL, X or Y
    options: tuple[np.ndarray, ...]  # per dim: (n_d, NS) factors
    orders: np.ndarray  # (L, K, D) candidate orders, outer -> inner
    n_orders: np.ndarray  # (L + 1,) candidates per level (rest repeat the first); bypass
    free: np.ndarray  # (D, NS) slots a dim's factors may move between (not fixed)
    stationary: str | None
    # (dim index, slot mask, lo, hi): the product of a dim's factors over the masked slots
    limits: tuple[tuple[int, np.ndarray, int, int], ...] = ()
    min_utilization: float | None = None

    @property
    def n_tilings(self) -> int:
        return math.prod(len(o) for o in self.options)

    @property
    def size_bound(self) -> int:
        """Tilings x order combinations: an upper bound on the points of the space."""
        return self.n_tilings * int(np.prod(self.n_orders))

    def tilings(self, index: np.ndarray) -> np.ndarray:
        """Factors (B, D, NS) of tilings ``index`` (B, D) (one option index per dim)."""
        return np.stack([opt[index[:, d]] for d, opt in enumerate(self.options)], axis=1)

    def decode_linear(self, start: int, stop: int) -> np.ndarray:
        """Option indices (B, D) of tilings ``start..stop`` in mixed-radix order."""
        lin = np.arange(start, stop, dtype=np.int64)
        out = np.empty((stop - start, len(self.options)), dtype=np.int64)
        for d, opt in enumerate(self.options):
            out[:, d] = lin % len(opt)
            lin //= len(opt)
        return out

    def random(self, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        index = np.stack([rng.integers(0, len(o), count) for o in self.options], axis=1)
        return self.tilings(index), self.random_orders(count, rng)

    def random_orders(self, count: int, rng: np.random.Generator) -> np.ndarray:
        return (rng.random((count, len(self.n_orders))) * self.n_orders).astype(np.int64)

    def batch(self, factors: np.ndarray, orders: np.ndarray,
              mixed: bool = False) -> MappingBatch:
        """The cost model's form of genomes that share one bypass choice (``mixed``: of
        several; the batch then carries the first row's, for ``cost.evaluate_choices``)."""
        B, D, _ = factors.shape
        L = len(self.arch.levels)
        if B and not mixed and (orders[:, L] != orders[0, L]).any():
            raise ValueError("a batch takes genomes of one bypass choice")
        arrays = [np.ones((B, L, D), dtype=np.int64) for _ in range(3)]
        for s, (lv, kind) in enumerate(zip(self.slot_level, self.slot_kind, strict=True)):
            arrays[kind][:, lv, :] = factors[:, :, s]
        order = self.orders[np.arange(L)[None, :], orders[:, :L]]  # (B, L, D)
        keeps = self.bypass[int(orders[0, L])] if B else self.bypass[0]
        return MappingBatch(arrays[TEMPORAL], order, arrays[X], arrays[Y], keeps)

    def fits(self, factors: np.ndarray, bypass: int) -> np.ndarray:
        """Mappings whose tiles fit every capacity and whose unrollings fit every fan-out
        (the cost model's ``valid``, computed without costing: the pruning step; a compressed
        tile counted at its fewest bits over rank orders, since its loop order comes later)."""
        return self.fits_rows(factors, np.full(len(factors), bypass, dtype=np.int64))

    def fits_rows(self, factors: np.ndarray, bypass: np.ndarray) -> np.ndarray:
        """``fits`` of each genome under its own bypass choice ``bypass`` (B,): the usage of
        every operand at every level is computed once for all rows, then each row sums the
        operands its choice keeps (the same numbers ``fits`` sums, in the same order)."""
        ok = np.ones(len(factors), dtype=bool)
        for s, kind in enumerate(self.slot_kind):
            if kind != TEMPORAL:
                spec = self.arch.levels[self.slot_level[s]].fanout
                ok &= factors[:, :, s].prod(axis=1) <= (spec.x if kind == X else spec.y)
        ok &= self.within_limits(factors)
        live = np.flatnonzero(ok)  # capacity only where the unrollings and limits hold
        ok[live] = self._fit_capacity(factors.take(live, axis=0), bypass.take(live))
        return ok

    def _fit_capacity(self, factors: np.ndarray, bypass: np.ndarray) -> np.ndarray:
        ok = np.ones(len(factors), dtype=bool)
        names = [op.name for op in self.layer.operands]
        every = tuple(frozenset(names) for _ in self.arch.levels)
        by_slot = np.ascontiguousarray(factors.transpose(2, 1, 0))  # (NS, D, B)
        L, (_B, D, _NS) = len(self.arch.levels), factors.shape
        T = np.ones((L, D, len(factors)), dtype=np.int64)
        S = np.ones_like(T)
        for s, (lv, kind) in enumerate(zip(self.slot_level, self.slot_kind, strict=True)):
            if kind == TEMPORAL:
                T[lv] = by_slot[s]
            else:
                S[lv] *= by_slot[s]
        usage = level_usage_bits(self.layer, self.arch, T, S, every)  # (L, O, B)
        kept = np.array([[[op in keeps for op in names] for keeps in choice]
                         for choice in self.bypass], dtype=np.float64)  # (choices, L, O)
        usage = usage * kept.transpose(1, 2, 0)[:, :, bypass]
        for lv, spec in enumerate(self.arch.levels):
            if spec.capacity_bits is not None:
                ok &= usage[lv].sum(axis=0) <= spec.capacity_bits
        return ok

    def within_limits(self, factors: np.ndarray) -> np.ndarray:
        """Mappings (B, D, NS) whose factors meet the constraints' limits and utilization
        (checked on every costed mapping, whatever strategy proposed it)."""
        ok = np.ones(len(factors), dtype=bool)
        for d, mask, lo, hi in self.limits:
            ok &= limit_ok(factors[:, d, :], mask, lo, hi)
        if self.min_utilization is not None:
            spatial = self.slot_kind != TEMPORAL
            sizes = np.array([self.arch.levels[lv].fanout.x if k == X else
                              self.arch.levels[lv].fanout.y
                              for lv, k in zip(self.slot_level[spatial],
                                               self.slot_kind[spatial], strict=True)])
            used = factors[:, :, spatial].prod(axis=(1, 2))
            ok &= used >= self.min_utilization * float(np.prod(sizes)) - 1e-9
        return ok

    def usage_bits(self, batch: MappingBatch) -> np.ndarray:
        """Bits of each operand's tile at each level that keeps it (B, L, O)."""
        return usage_bits(self.layer, self.arch, batch.temporal,
                          batch.spatial_x * batch.spatial_y, batch.keeps, batch.order)

    def usage_from_factors(self, factors: np.ndarray,
                           keeps: tuple[frozenset[str], ...]) -> np.ndarray:
        """``usage_bits`` for factors given by slot (B, D, NS), as the cost model counts them
        (``picojoule.cost.storage``: one implementation, so pruning and costing agree)."""
        B, D, _ = factors.shape
        L = len(self.arch.levels)
        temporal = np.ones((B, L, D), dtype=np.int64)
        spatial = np.ones((B, L, D), dtype=np.int64)
        for s, (lv, kind) in enumerate(zip(self.slot_level, self.slot_kind, strict=True)):
            if kind == TEMPORAL:
                temporal[:, lv, :] = factors[:, :, s]
            else:
                spatial[:, lv, :] *= factors[:, :, s]
        return usage_bits(self.layer, self.arch, temporal, spatial, keeps)

def _slots(arch: Arch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows: list[tuple[int, int, int]] = []
    for lv, spec in enumerate(arch.levels):
        rows.append((lv, TEMPORAL, 0))
        rows += [(lv, k, size) for k, size in ((X, spec.fanout.x), (Y, spec.fanout.y))
                 if size > 1]
    table = np.array(rows, dtype=np.int64)
    return table[:, 0], table[:, 1], table[:, 2]


def _order_candidates(layer: Layer, stationary: str | None) -> list[list[int]]:
    rel = np.array([[d in op.dims for d in layer.dims] for op in layer.operands])
    names = [op.name for op in layer.operands]
    out: list[list[int]] = []
    for perm in itertools.permutations(range(len(names))):
        if stationary is not None and names[perm[0]] != stationary:
            continue
        for tie in (1, -1):
            # inner -> outer: loops irrelevant to perm[0] first, then to perm[1], ...
            keys = {d: (*(bool(rel[o, d]) for o in perm), tie * d)
                    for d in range(len(layer.dims))}
            order = sorted(keys, key=keys.__getitem__)[::-1]
            if order not in out:
                out.append(order)
    return out


def build_space(layer: Layer, arch: Arch, constraints: Constraints,
                bypass: list[tuple[frozenset[str], ...]] | None = None,
                where: str = "constraints", deadline: float | None = None) -> MappingSpace:
    """The space of ``layer`` on ``arch`` under ``constraints`` (bypass choices: ``bypass``,
    else those of ``bypass_choices``); a constraint no mapping can meet is a ``SpecError``."""
    choices = bypass if bypass is not None else bypass_choices(arch, constraints, layer, where)
    c = Collector(where)
    slot_level, slot_kind, slot_limit = _slots(arch)
    names = [lv.name for lv in arch.levels]
    fan = [lv for lv, spec in enumerate(arch.levels) if spec.fanout.size > 1]
    inner = set(range(fan[-1] + 1, len(names))) if fan else set()
    xs = constraints.resolve_dims(constraints.spatial_x, layer)
    ys = constraints.resolve_dims(constraints.spatial_y, layer)
    inner_ok = constraints.resolve_dims(constraints.inner_dims, layer)
    fused = {op.window.dim for op in layer.operands if op.window is not None}
    fixed: dict[tuple[int, str], int] = {}
    full_inner: set[str] = set()
    axes = {(names.index(lv), X if axis == "x" else Y): set(dims)
            for lv, axis, dims in constraints.spatial_axes if lv in names}
    limits, unrolled_not = split_limits(layer, constraints, names, fixed, c)
    for lvname, dim, f in constraints.factors:
        if lvname == "*inner":
            if dim in layer.dims and inner:
                full_inner.add(dim)
        elif lvname not in names:
            c.add(f"factors.{lvname}", f"a level of {arch.name} ({', '.join(names)})")
        elif dim in layer.dims:
            fixed[(names.index(lvname), dim)] = f
    options, free_rows = [], []
    for dim, bound in zip(layer.dims, layer.bounds, strict=True):
        free = np.zeros(len(slot_level), dtype=bool)
        for s, (lv, kind) in enumerate(zip(slot_level, slot_kind, strict=True)):
            if kind == TEMPORAL:
                free[s] = (lv not in inner or dim in inner_ok or dim in full_inner) and (
                    dim not in full_inner or lv in inner)
            else:
                free[s] = dim in (xs if kind == X else ys) and dim not in full_inner and (
                    dim not in fused or arch.levels[lv].fanout.im2col) and (
                    dim in axes.get((int(lv), int(kind)), {dim})) and (
                    (int(lv), dim) not in unrolled_not)
        sizes = [int(slot_limit[s]) for s in np.flatnonzero(free) if slot_kind[s] != TEMPORAL]
        parts = []
        pads = padded_bounds(bound, sizes, constraints.padding == "any") \
            if constraints.padding != "none" else [bound]
        for padded in pads if dim not in full_inner else [bound]:
            rest, slot_free, preset = padded, free.copy(), np.ones(len(free), dtype=np.int64)
            for (lv, fdim), f in fixed.items():
                if fdim == dim:
                    s = int(np.flatnonzero((slot_level == lv) & (slot_kind == TEMPORAL))[0])
                    value = padded if f == FULL else f
                    slot_free[s], preset[s] = False, value
                    rest = rest // value if rest % value == 0 else -1
            if rest < 1:
                continue
            try:
                parts.append(factorizations(rest, slot_free, slot_limit, deadline) * preset)
            except SpaceBuildTimeout:
                raise SpecError.single(f"layer {layer.name}", f"factors of {dim}", (
                    f"a mapping space that can be built within the time budget ({dim}={bound} "
                    "has too many factorizations); raise --budget")) from None
        free_rows.append(slot_free if parts else free)
        opts = np.concatenate(parts) if parts else np.ones((0, len(free)), dtype=np.int64)
        for ld, lv, kind, lo, hi in limits:
            if ld == dim:
                opts = opts[limit_ok(opts, slot_mask(slot_level, slot_kind, lv, kind), lo, hi)]
        if len(opts) == 0:
            c.add(f"factors of {dim}", f"a factorization of {dim}={bound} allowed by the "
                                       f"{constraints.name} constraints (fixed factors must "
                                       f"divide the bound)")
        options.append(opts)
    order_lists = []
    for lv, lvname in enumerate(names):
        given = dict(constraints.orders).get(lvname)
        st = constraints.stationary if (fan and lv >= fan[0]) else None
        if given is not None:  # listed dims innermost as given; the others searched outside
            listed = [layer.dims.index(d) for d in given if d in layer.dims]
            partial = []
            for cand in _order_candidates(layer, st if len(listed) < len(layer.dims) else None):
                order = [d for d in cand if d not in listed] + listed
                if order not in partial:
                    partial.append(order)
            order_lists.append(partial)
        else:
            order_lists.append(_order_candidates(layer, st))
    for lvname, _ in constraints.orders:
        if lvname not in names:
            c.add(f"orders.{lvname}", f"a level of {arch.name} ({', '.join(names)})")
    c.raise_if_any()
    k = max(len(o) for o in order_lists)
    orders = np.array([o + [o[0]] * (k - len(o)) for o in order_lists], dtype=np.int64)
    return MappingSpace(layer, arch, tuple(choices), slot_level, slot_kind, tuple(options),
                        orders, np.array([len(o) for o in order_lists] + [len(choices)]),
                        np.array(free_rows),
                        constraints.stationary,
                        tuple((layer.dims.index(d), slot_mask(slot_level, slot_kind, lv, kind),
                               lo, hi) for d, lv, kind, lo, hi in limits),
                        constraints.min_utilization)


def bypass_choices(arch: Arch, constraints: Constraints, layer: Layer,
                   where: str = "constraints") -> list[tuple[frozenset[str], ...]]:
    """Keeps per level for each bypass choice searched: fixed by the constraints, else no
    bypass plus every single-operand bypass of a level that keeps several operands (less the
    operands ``dataspace`` forces to be kept, after its forced bypasses)."""
    names = [lv.name for lv in arch.levels]
    full = tuple(lv.keeps for lv in arch.levels)
    forced_keep: set[tuple[int, str]] = set()
    if constraints.dataspace:
        c = Collector(where)
        keeps = list(full)
        for lvname, op, kept in constraints.dataspace:
            if lvname not in names or (lvname == names[0] and not kept):
                c.add(f"dataspace.{lvname}", f"an inner level of {arch.name} to bypass at "
                                             f"({', '.join(names[1:])})")
                continue
            lv = names.index(lvname)
            if kept:
                forced_keep.add((lv, op))
            else:
                keeps[lv] = keeps[lv] - {op}
        c.raise_if_any()
        full = tuple(keeps)
    if constraints.bypass is not None:
        c = Collector(where)
        keeps = list(full)
        for lvname, ops in constraints.bypass:
            if lvname not in names or lvname == names[0]:
                c.add(f"bypass.{lvname}", f"an inner level of {arch.name} "
                                          f"({', '.join(names[1:])})")
                continue
            lv = names.index(lvname)
            keeps[lv] = keeps[lv] - frozenset(ops)
        c.raise_if_any()
        return [tuple(keeps)]
    out = [full]
    for lv in range(1, len(names)):
        if len(full[lv]) > 1:
            for op in (o.name for o in layer.operands):
                if op in full[lv] and (lv, op) not in forced_keep:
                    out.append(tuple(k - {op} if i == lv else k for i, k in enumerate(full)))
    return out
