"""The analytical cost model, vectorized over a batch of mappings (docs/cost-model.md).

One implementation: ``evaluate`` (one mapping) is the batch of one. Shapes: B mappings,
L levels, D dims, X tensor axes of an operand. Counts are in elements of the operand; they
are float64 arrays, exact for every count below 2**53.

Per operand and level that keeps it:
* tile = footprint over the level's temporal loops and everything below it;
* fills/visits = tile x the temporal loops above, from the first loop relevant to the operand
  outward (trailing irrelevant loops keep the tile resident); when that loop is the innermost
  non-unit loop above, consecutive tiles may overlap (sliding window) and only the new part
  moves (Timeloop's rule);
* a parent's reads serve its child's fills, divided by multicast over irrelevant spatial dims
  (or, with ``window_multicast``, the union of overlapping child windows);
* outputs are read-modify-write: children's evictions are parent updates (reduced spatially
  over irrelevant spatial dims), revisits read partial sums back (one child refilled per read,
  or every reduced child with the fan-out's ``psum_refill: multicast``), first visits read
  nothing;
  the innermost output level takes one update per MAC. As in Timeloop, draining a level to its
  parent is counted as the parent's update only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from picojoule.arch.spec import Arch
from picojoule.cost import bypass, sparse
from picojoule.cost.bypass import Keeps, add
from picojoule.cost.energy import EnergyModel
from picojoule.cost.fanout import hop, hops_mm, refill_multicast, spatial_factor
from picojoule.cost.ranks import RankOrder
from picojoule.cost.stats import BatchStats
from picojoule.cost.storage import operand_consts, spans, stored_bits, tile_extents
from picojoule.cost.timing import TimingModel
from picojoule.cost.window import WindowTable
from picojoule.mapping.batch import MappingBatch
from picojoule.workload.einsum import Layer

# Internally the batch axis is last (contiguous): every operation over the few levels, dims
# and axes is then a vector operation over all B mappings at once.


@dataclass(frozen=True)
class _Nest:
    """Quantities shared by every operand of one batch (batch axis last)."""

    T: np.ndarray  # (L, D, B) temporal factors
    S: np.ndarray  # (L, D, B) spatial factors (X * Y)
    E: np.ndarray  # (L, D, B) tile extents of each level
    T_above: np.ndarray  # (L, D, B) product of temporal factors of the levels above
    inst: np.ndarray  # (L, B) used instances of each level
    f_seq: np.ndarray  # (L*D, B) temporal factors in nest order, outer -> inner
    d_seq: np.ndarray  # (L*D, B) their dims
    prefix: np.ndarray  # (L*D + 1, B) prefix products of f_seq
    last_nonunit: np.ndarray  # (L-1, B) the last non-unit loop above each child level, or -1
    macs_padded: np.ndarray  # (B,)
    compute_cycles: np.ndarray  # (B,)


def _nest(batch: MappingBatch) -> _Nest:
    T = np.ascontiguousarray(batch.temporal.transpose(1, 2, 0))
    S = np.ascontiguousarray((batch.spatial_x * batch.spatial_y).transpose(1, 2, 0))
    L, D, B = T.shape
    E = tile_extents(T, S)
    T_above = np.empty_like(T)
    acc = np.ones((D, B), dtype=np.int64)
    for lv in range(L):
        T_above[lv] = acc
        acc = acc * T[lv]
    s_level = S.prod(axis=1)  # (L, B)
    inst = np.ones((L, B), dtype=np.int64)
    for lv in range(1, L):
        inst[lv] = inst[lv - 1] * s_level[lv - 1]
    order = np.ascontiguousarray(batch.order.transpose(1, 2, 0))
    f_seq = np.take_along_axis(T, order, axis=1).reshape(L * D, B)
    d_seq = order.reshape(L * D, B)
    prefix = np.empty((L * D + 1, B), dtype=np.int64)
    prefix[0] = 1
    for i in range(L * D):  # row by row: a cumprod along axis 0 is strided and slow
        np.multiply(prefix[i], f_seq[i], out=prefix[i + 1])
    last_nonunit = _last_true(f_seq > 1, L, D)
    compute_cycles = prefix[-1]
    return _Nest(T, S, E, T_above, inst, f_seq, d_seq, prefix, last_nonunit,
                 compute_cycles * s_level.prod(axis=0), compute_cycles)


@dataclass(frozen=True)
class _Geometry:
    """How the tile of each child level (1..L-1) is refetched by the loops above it."""

    sliding: np.ndarray  # (L-1, B) bool
    steps: np.ndarray  # (L-1, B) factor of the sliding loop
    outer: np.ndarray  # (L-1, B) product of loops outside it
    whole: np.ndarray  # (L-1, B) multiplier when tiles are refetched whole
    shift: np.ndarray  # (X, L-1, B) how far one step moves the window on each axis
    dim: np.ndarray | None = None  # (L-1, B) dim of the sliding loop
    stride: np.ndarray | None = None  # (L-1, B) its step in that dim's index


def _last_true(mask: np.ndarray, L: int, D: int) -> np.ndarray:
    """(L-1, B): for each child level 1..L-1, the last nest position above it (outer ->
    inner, levels 0..child-1) where ``mask`` (L*D, B) holds, or -1: the last per level
    block, then a running maximum over levels (``maximum.accumulate`` along axis 0 of the
    whole nest is strided and slow)."""
    B = mask.shape[1]
    pos = np.arange((L - 1) * D)[:, None]
    block = np.where(mask[:(L - 1) * D], pos, -1).reshape(L - 1, D, B).max(axis=1)
    for lv in range(1, L - 1):
        np.maximum(block[lv - 1], block[lv], out=block[lv])
    return block


def _geometry(nest: _Nest, A: np.ndarray, relevant: np.ndarray) -> _Geometry:
    L, D, B = nest.T.shape
    relpos = (nest.f_seq > 1) & relevant[nest.d_seq]
    j = _last_true(relpos, L, D)  # the innermost relevant loop above each child level
    has = j >= 0
    jc = np.maximum(j, 0)
    at = jc * B + np.arange(B)  # flat index of row jc[., b], column b
    whole = np.where(has, nest.prefix.ravel().take(at + B), 1)
    sliding = has & (j == nest.last_nonunit)
    steps = nest.f_seq.ravel().take(at)
    outer = nest.prefix.ravel().take(at)
    dstar = nest.d_seq.ravel().take(at)
    flat = ((jc // D) * D + dstar) * B + np.arange(B)  # (level, dim) of the sliding loop
    stride = nest.E.ravel().take(flat) // nest.T.ravel().take(flat)
    shift = np.stack([row.take(dstar) * stride for row in A])
    return _Geometry(sliding, steps, outer, whole, shift, dstar, stride)


def _refetched(span: np.ndarray, geo: _Geometry) -> np.ndarray:
    """Elements moved per instance for tiles of the given spans (X, L-1, B)."""
    tile = span.prod(axis=0)
    overlap = np.maximum(span - geo.shift, 0).prod(axis=0)
    slide = (tile + (geo.steps - 1) * (tile - overlap)) * geo.outer
    return np.where(geo.sliding, slide, tile * geo.whole).astype(np.float64)


def _windowed(visits: np.ndarray, table: WindowTable, nest: _Nest, geo: _Geometry,
              mean: np.ndarray) -> np.ndarray:
    """Visits (L-1, B) of an operand whose axes over a fused pixel dim are a window: times
    the runs' mean footprint, or, when the loop over the fused dim slides over contiguous
    runs, the mean moved per sweep (``picojoule.cost.window``). A slide over a filter dim,
    or over runs a spatial split leaves apart, refetches whole runs (no reuse counted)."""
    if geo.dim is None or geo.stride is None:
        return visits * mean[1:]
    run = nest.E[1:, table.dim]
    contiguous = geo.sliding & (geo.dim == table.dim) & (geo.stride == run)
    on_window = geo.sliding & np.isin(geo.dim, [table.dim, *table.win])
    per_visit = mean[1:]
    if contiguous.any():
        sweep = table.sweeps(nest.E, np.where(contiguous, geo.steps, 1))
        per_visit = np.where(contiguous, sweep, np.where(on_window, mean[1:] * geo.steps,
                                                          mean[1:]))
    elif on_window.any():
        per_visit = np.where(on_window, mean[1:] * geo.steps, mean[1:])
    return visits * per_visit


def _latched(nest: _Nest, relevant: np.ndarray, bits: np.ndarray, width_bits: int,
             last: int) -> np.ndarray:
    """(B,) MACs per read of a latched operand at its innermost level ``last``: the product
    of the innermost run of temporal loops of the whole nest that leave it unchanged (ZigZag's
    ``mac_level_data_stationary_cycle``: non-unit loops irrelevant to it, spatial loops
    excluded), where one word of the level carries every distinct value the MACs below one
    instance take per cycle (ZigZag's ``bw_large_enough``); else 1."""
    LD, B = nest.f_seq.shape
    rel = (nest.f_seq > 1) & relevant[nest.d_seq]  # (L*D, B) loops that change it
    after = LD - np.argmax(rel[::-1], axis=0)  # one past the innermost such loop, 0 if none
    after = np.where(rel.any(axis=0), after, 0)
    held = nest.prefix[-1] // nest.prefix[after, np.arange(B)]
    distinct = nest.S[last:, relevant].prod(axis=(0, 1))  # values per instance per cycle
    return np.where(bits * distinct <= width_bits, held, 1)


CHUNK = 2048  # mappings per pass: keeps every intermediate array in cache


def evaluate_batch(layer: Layer, arch: Arch, batch: MappingBatch, energy: EnergyModel,
                   timing: TimingModel | None = None) -> BatchStats:
    """Counts, energy, cycles and validity of every mapping in ``batch``.

    ``timing`` (``cost.timing``) adds a further lower bound on each mapping's cycles from a
    timing effect outside this model (a systolic array's fill and drain); static energy and
    utilization follow the resulting cycles. Large batches are evaluated in chunks of
    ``CHUNK`` (the arithmetic is per mapping, so chunking changes no number) and the results
    concatenated.
    """
    one = ((batch.keeps, None),)
    if len(batch) <= CHUNK:
        return _evaluate_chunk(layer, arch, batch, energy, _bound(timing, batch, layer, arch),
                               one)
    parts = []
    for i in range(0, len(batch), CHUNK):
        chunk = batch.take(slice(i, i + CHUNK))
        parts.append(_evaluate_chunk(layer, arch, chunk, energy,
                                     _bound(timing, chunk, layer, arch), one))
    return BatchStats.concat(parts)


@dataclass(frozen=True)
class Totals:
    """What a search needs of each mapping: energy, cycles and validity."""

    energy_pj: np.ndarray  # (B,)
    cycles: np.ndarray  # (B,)
    valid: np.ndarray  # (B,) bool


def evaluate_choices(layer: Layer, arch: Arch, batch: MappingBatch, choice: np.ndarray,
                     choices: tuple[Keeps, ...], energy: EnergyModel,
                     timing: TimingModel | None = None) -> Totals:
    """``evaluate_batch`` of mappings under different bypass choices at once: row ``b``
    keeps ``choices[choice[b]]`` (``batch.keeps`` is not read). The numbers of each row
    are those of a batch of its own choice (``picojoule.cost.bypass``); the parts that do not
    depend on the choice are computed once for all rows."""
    if sparse.enabled(arch):  # per-rank formats read the keeps throughout: one choice a pass
        out = Totals(np.zeros(len(batch)), np.zeros(len(batch)), np.zeros(len(batch), bool))
        for b in np.unique(choice):
            rows = np.flatnonzero(choice == b)
            part = batch.take(rows)
            st = evaluate_batch(layer, arch, MappingBatch(part.temporal, part.order,
                                                          part.spatial_x, part.spatial_y,
                                                          choices[int(b)]), energy, timing)
            out.energy_pj[rows], out.cycles[rows], out.valid[rows] = \
                st.energy_pj, st.cycles, st.valid
        return out
    parts = []
    for i in range(0, len(batch), CHUNK):
        chunk = batch.take(slice(i, i + CHUNK))
        parts.append(_evaluate_chunk(layer, arch, chunk, energy,
                                     _bound(timing, chunk, layer, arch),
                                     bypass.groups(choice[i:i + CHUNK], choices)))
    return Totals(*(np.concatenate([getattr(p, f) for p in parts])
                    for f in ("energy_pj", "cycles", "valid")))


def _bound(timing: TimingModel | None, batch: MappingBatch, layer: Layer,
           arch: Arch) -> np.ndarray | None:
    return None if timing is None else timing.min_cycles(batch, layer, arch)


def _evaluate_chunk(layer: Layer, arch: Arch, batch: MappingBatch, energy: EnergyModel,
                    min_cycles: np.ndarray | None,
                    rows: tuple[tuple[Keeps, bypass.Mask], ...]) -> BatchStats:
    """One pass; ``rows``: each bypass choice in the batch and the rows that take it (one
    choice, None: every row takes ``batch.keeps``; a mixed batch's BatchStats is only read
    for its totals)."""
    nest = _nest(batch)
    used_x, used_y = batch.spatial_x.prod(axis=2), batch.spatial_y.prod(axis=2)  # (B, L)
    hops = hops_mm(used_x, used_y, arch)
    L, _D, B = nest.T.shape
    n_ops = len(layer.operands)
    counts = np.zeros((L, n_ops, 3, B))  # reads, fills, updates
    op_bits = np.zeros((L, n_ops, B))  # precision of each operand as stored at each level
    network_bits_mm = np.zeros(B)
    used_bits = np.zeros((L, B))
    action = arch.compute.sparse_action
    # fraction of MACs with no zero operand (operands assumed independent)
    effectual = float(np.prod([op.density for op in layer.operands if op is not layer.output]))
    exploit = effectual if action in ("gate", "skip") else 1.0
    span_of: list[np.ndarray] = []
    for o, (op, k) in enumerate(zip(layer.operands, operand_consts(layer, arch), strict=True)):
        A, relevant, irrelevant = k.A, k.relevant, k.irrelevant_dims
        span = spans(k.terms, nest.E)  # (X, L, B)
        span_of.append(span)
        tile = span.prod(axis=0)
        runs = None
        if k.window is not None:  # a fused pixel dim: runs of flattened pixels (mean, peak)
            runs = k.window.footprints(nest.E)
            tile = tile * runs[1]
        levels, lasts, pairs = bypass.chain_terms(op.name, rows, L)
        stored = k.stored  # (L,) non-zeros kept per element
        bits = stored_bits(layer, op, k, nest.E, nest.T)  # (L, B) per stored element
        op_bits[:, o] = bits
        for lv, m in levels:
            add(used_bits[lv], tile[lv] * stored[lv] * bits[lv], m)
        geo = _geometry(nest, A, relevant)
        visits = _refetched(span[:, 1:], geo)  # (L-1, B) per instance, for levels 1..L-1
        if k.window is not None and runs is not None:
            visits = _windowed(visits, k.window, nest, geo, runs[0])
        if op is layer.output:
            distinct = spans(k.terms, nest.E * nest.T_above).prod(axis=0)  # (L, B)
            for last, m in lasts:
                below = range(last, L)
                red = spatial_factor(nest.S, arch, below, irrelevant, "reduction")
                updates = nest.macs_padded / red * exploit
                add(counts[last, o, 2], updates, m)
                add(counts[last, o, 0], np.maximum(updates - distinct[last] * nest.inst[last],
                                                   0), m)
                add(network_bits_mm, updates * bits[last] * hop(hops, below), m)
            for (p, c), m in pairs:
                red = spatial_factor(nest.S, arch, range(p, c), irrelevant, "reduction")
                evictions = visits[c - 1] * nest.inst[c] / red
                revisits = (visits[c - 1] - distinct[c]) * nest.inst[c] / red
                add(counts[p, o, 2], evictions, m)
                add(counts[p, o, 0], revisits, m)
                add(counts[c, o, 1], revisits * refill_multicast(nest.S, arch, range(p, c),
                                                                  irrelevant), m)
                add(network_bits_mm, (evictions + revisits) * bits[p] * hop(hops, range(p, c)),
                    m)
        else:
            for last, m in lasts:
                below = range(last, L)
                mc = spatial_factor(nest.S, arch, below, irrelevant, "multicast")
                per_mac = effectual if action == "skip" else stored[last]
                reads = nest.macs_padded / mc * per_mac
                if op.name in arch.compute.operand_latch:
                    reads = reads / _latched(nest, relevant, bits[last],
                                             arch.levels[last].width_bits, last)
                add(counts[last, o, 0], reads, m)
                add(network_bits_mm, reads * bits[last] * hop(hops, below), m)
            for (p, c), m in pairs:
                fills = visits[c - 1] * nest.inst[c]  # dense elements; each side then moves
                add(counts[c, o, 1], fills * stored[c], m)  # only what it stores
                reads = fills / spatial_factor(nest.S, arch, range(p, c), irrelevant, "multicast")
                if k.window is None and any(arch.levels[m_].fanout.window_multicast
                                            and arch.levels[m_].fanout.multicast
                                            for m_ in range(p, c)):
                    s_between = nest.S[p:c].prod(axis=0)
                    union_span = spans(k.terms, nest.E[c] * s_between)  # (X, B)
                    union_geo = _Geometry(geo.sliding[c - 1:c], geo.steps[c - 1:c],
                                          geo.outer[c - 1:c], geo.whole[c - 1:c],
                                          geo.shift[:, c - 1:c])
                    union = _refetched(union_span[:, None, :], union_geo)[0] * nest.inst[p]
                    reads = np.minimum(reads, union)
                reads = reads * stored[p]
                add(counts[p, o, 0], reads, m)
                add(network_bits_mm, reads * bits[p] * hop(hops, range(p, c)), m)
    sp = None
    if sparse.enabled(arch):  # per-rank formats, gating and skipping (picojoule.cost.sparse)
        width = np.array([lv.width_bits for lv in energy.levels], dtype=np.float64)
        ranks = RankOrder.of(tuple(k.terms for k in operand_consts(layer, arch)),
                             nest.T, nest.S, nest.d_seq.reshape(nest.T.shape))
        counts, used_bits, sp, exploit = sparse.apply(
            layer, arch, batch.keeps, span_of, ranks, counts, op_bits, used_bits,
            np.array([lv.read_pj for lv in energy.levels]) / width,
            np.array([lv.write_pj for lv in energy.levels]) / width)
    return _finish(layer, arch, batch, energy, nest, counts, op_bits, network_bits_mm,
                   used_bits, exploit, min_cycles, (used_x, used_y), sp)


def _finish(layer: Layer, arch: Arch, batch: MappingBatch, energy: EnergyModel, nest: _Nest,
            counts: np.ndarray, bits: np.ndarray, network_bits_mm: np.ndarray,
            used_bits: np.ndarray, exploit: float,
            min_cycles: np.ndarray | None, used_xy: tuple[np.ndarray, np.ndarray],
            sp: sparse.SparseCounts | None = None) -> BatchStats:
    _L, _D, B = nest.T.shape
    width = np.array([lv.width_bits for lv in energy.levels], dtype=np.float64)
    read_pj = (np.array([lv.read_pj for lv in energy.levels]) / width)[:, None, None]
    write_pj = (np.array([lv.write_pj for lv in energy.levels]) / width)[:, None, None]
    read_bits = counts[:, :, 0] * bits  # (L, O, B)
    write_bits = (counts[:, :, 1] + counts[:, :, 2]) * bits
    level_energy = read_bits * read_pj + write_bits * write_pj
    if sp is not None:
        level_energy = level_energy + sp.metadata_energy_pj
        read_bits = read_bits + sp.extra_bits[:, None, 0] / read_bits.shape[1]
        write_bits = write_bits + sp.extra_bits[:, None, 1] / write_bits.shape[1]
    mac_energy = np.full(B, layer.macs * exploit * energy.mac_pj)
    network_energy = network_bits_mm * energy.wire_pj_per_bit_mm
    total = level_energy.sum(axis=(0, 1)) + mac_energy + network_energy

    read_per_inst = read_bits.sum(axis=1) / nest.inst  # (L, B)
    write_per_inst = write_bits.sum(axis=1) / nest.inst
    skip = exploit if arch.compute.sparse_action == "skip" else 1.0
    if sp is not None:
        skip = sp.cycle_fraction
    cycles = nest.compute_cycles.astype(np.float64) * skip
    if min_cycles is not None:
        cycles = np.maximum(cycles, min_cycles)
    valid = np.ones(B, dtype=bool)
    used_x, used_y = used_xy
    for lv, spec in enumerate(arch.levels):
        if spec.read_bandwidth_bits is not None:
            if spec.write_bandwidth_bits is None:
                need = (read_per_inst[lv] + write_per_inst[lv]) / spec.read_bandwidth_bits
            else:
                need = np.maximum(read_per_inst[lv] / spec.read_bandwidth_bits,
                                  write_per_inst[lv] / spec.write_bandwidth_bits)
            cycles = np.maximum(cycles, need)
        if spec.capacity_bits is not None:
            valid &= used_bits[lv] <= spec.capacity_bits
        valid &= used_x[:, lv] <= spec.fanout.x
        valid &= used_y[:, lv] <= spec.fanout.y
    # static power x time: mW * 1e-3 W * (cycles / Hz) s * 1e12 pJ/J
    static_energy = arch.static_power_mw * 1e9 * cycles / arch.clock_hz
    total = total + static_energy
    area = energy.area_um2(arch)
    return BatchStats(
        layer=layer, arch=arch, counts=counts.transpose(3, 0, 1, 2),
        level_energy_pj=level_energy.transpose(2, 0, 1), mac_energy_pj=mac_energy,
        network_energy_pj=network_energy, static_energy_pj=static_energy, energy_pj=total,
        cycles=cycles,
        compute_cycles=nest.compute_cycles, used_pes=nest.S.prod(axis=(0, 1)),
        used_bits=used_bits.T, valid=valid, area_um2=area, keeps=batch.keeps, sparse=sp,
        issued_fraction=float(skip))
