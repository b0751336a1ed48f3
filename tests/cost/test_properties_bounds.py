"""Properties with upper bounds, real capacities and wires: the cost model over random layers,
architectures (finite capacities, word widths, nonzero wire energy) and mappings.

* DRAM traffic is bounded above as well as below: an input or weight is read from DRAM at most
  once per MAC (times the holes a strided window's bounding box adds); outputs are written at
  most once per MAC, and read back at most once per write that is not an output's first.
* Capacity: each level's used bits equal a footprint recomputed here from the einsum
  (``Operand.footprint``) at the precision the storage rules give, and a mapping is valid
  exactly when every level fits and no fan-out is exceeded.
* Wires: network energy is exactly proportional to the wire energy and to the PE pitch, and
  zero without a pitch.
* Networks: turning multicast, spatial reduction or window multicast on never raises a count
  and strictly lowers it when an irrelevant dimension is spread over the array; Timeloop's
  psum refill only adds fills; a fixed word width changes bits, never counts.
* Bandwidth: with every access at 1 pJ per bit, a level's energy is the bits it moves, and the
  cycles are exactly the largest of compute and each level's bits per instance / bandwidth.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from cost_archs import build_arch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cost_properties import layers, touched

from picojoule.cost import energy_model, evaluate_batch
from picojoule.mapping.sample import random_mappings

common = settings(max_examples=40, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])


@st.composite
def real_archs(draw):
    """DRAM, a GLB and PE registers with capacities that some draws exceed, optional fixed
    word widths and psum refill rule, and a wire energy and PE pitch that are not zero."""
    word = st.one_of(st.none(), st.sampled_from([4, 8, 16]))
    buf_keeps = draw(st.lists(st.sampled_from(["inputs", "weights", "outputs"]), unique=True,
                              min_size=1))
    pe_keeps = draw(st.lists(st.sampled_from(["inputs", "weights", "outputs"]), unique=True))
    levels = [{"name": "DRAM", "kind": "dram", "word_bits": draw(word)},
              {"name": "glb", "kind": "sram", "keeps": buf_keeps, "word_bits": draw(word),
               "capacity_bits": draw(st.integers(64, 4096)),
               "read_energy_pj": 2.0, "write_energy_pj": 3.0,
               "fanout": {"x": draw(st.integers(1, 4)), "y": draw(st.integers(1, 4)),
                          "multicast": draw(st.booleans()), "reduction": draw(st.booleans()),
                          "psum_refill": draw(st.sampled_from(["single", "multicast"])),
                          "pe_pitch_um": draw(st.floats(1.0, 100.0))}},
              {"name": "pe", "kind": "regfile", "word_bits": draw(word), "keeps": pe_keeps,
               "capacity_bits": draw(st.integers(16, 512)),
               "read_energy_pj": 0.5, "write_energy_pj": 0.25}]
    arch = build_arch(*levels)
    return replace(arch, wire_energy_pj_per_bit_mm=draw(st.floats(0.01, 1.0)))


def _stats(layer, arch, seed, count=64):
    batch = random_mappings(layer, arch, count, np.random.default_rng(seed))
    return batch, evaluate_batch(layer, arch, batch, energy_model(arch, layer))


def coefficient_product(layer, name):
    """How far a bounding box can exceed the points it covers: an axis a*x + b*y over
    extents X, Y spans a(X-1) + b(Y-1) + 1 <= aX * bY points."""
    return math.prod(t.coeff for axis in layer.operand(name).axes for t in axis)


@common
@given(layers(), real_archs(), st.integers(0, 2**32 - 1))
def test_dram_traffic_bounded_above_and_below(layer, arch, seed):
    _batch, s = _stats(layer, arch, seed)
    for o, op in enumerate(layer.operands):
        reads, _fills, updates = s.counts[:, 0, o].T
        size = touched(layer, op.name)
        if op is layer.output:
            assert np.all(updates >= size)  # every output leaves at least once
            assert np.all(updates <= layer.macs)  # at most one write per MAC
            # the first visit of every output reads nothing back
            assert np.all(reads <= updates - size)
            if arch.levels[1].fanout.reduction:
                # with every irrelevant spatial factor reduced: exactly one first visit each
                assert np.all(updates - reads == size)
        else:
            assert np.all(reads >= size)
            assert np.all(reads <= layer.macs * coefficient_product(layer, op.name))


def _extents(batch, b):
    """(L, D) tile extents of mapping b: its own loops and everything below."""
    f = batch.temporal[b] * batch.spatial_x[b] * batch.spatial_y[b]
    return np.cumprod(f[::-1], axis=0)[::-1]


@common
@given(layers(), real_archs(), st.integers(0, 2**32 - 1))
def test_capacity_is_the_footprint_at_the_stored_precision(layer, arch, seed):
    batch, s = _stats(layer, arch, seed, count=16)
    for b in range(len(batch)):
        E = _extents(batch, b)
        below = E // batch.temporal[b]  # what lies below a level's own temporal loops
        fits = True
        for lv, spec in enumerate(arch.levels):
            used = 0
            for op in layer.operands:
                if op.name not in batch.keeps[lv]:
                    continue
                tile = op.footprint(dict(zip(layer.dims, E[lv].tolist(), strict=True)))
                if spec.word_bits is not None:
                    bits = spec.word_bits
                elif op is layer.output and any(
                        below[lv, d] < layer.bounds[d]
                        for d, dim in enumerate(layer.dims) if dim not in op.dims):
                    bits = op.partial_bits  # a reduction loop at or above this level
                else:
                    bits = op.bits
                used += tile * bits
            assert s.used_bits[b, lv] == used
            if spec.capacity_bits is not None:
                fits &= used <= spec.capacity_bits
            fits &= int(batch.spatial_x[b, lv].prod()) <= spec.fanout.x
            fits &= int(batch.spatial_y[b, lv].prod()) <= spec.fanout.y
        assert bool(s.valid[b]) == fits


@common
@given(layers(), real_archs(), st.integers(0, 2**32 - 1), st.floats(0.1, 10.0))
def test_wire_energy_proportional_to_energy_per_bit_and_pitch(layer, arch, seed, factor):
    batch, base = _stats(layer, arch, seed, count=16)
    model = energy_model(arch, layer)
    assert model.wire_pj_per_bit_mm == arch.wire_energy_pj_per_bit_mm > 0
    # something crosses the array whenever the GLB keeps an operand (the PEs read it)
    assert np.all(base.network_energy_pj > 0)
    wire = evaluate_batch(layer, arch, batch, replace(model, wire_pj_per_bit_mm=(
        model.wire_pj_per_bit_mm * factor)))
    np.testing.assert_allclose(wire.network_energy_pj, base.network_energy_pj * factor,
                               rtol=1e-12)
    fan = arch.levels[1].fanout
    for pitch, scale in ((fan.pe_pitch_um * factor, factor), (0.0, 0.0)):
        glb = replace(arch.levels[1], fanout=replace(fan, pe_pitch_um=pitch))
        moved = replace(arch, levels=(arch.levels[0], glb, arch.levels[2]))
        s = evaluate_batch(layer, moved, batch, model)
        np.testing.assert_allclose(s.network_energy_pj, base.network_energy_pj * scale,
                                   rtol=1e-12)
        np.testing.assert_array_equal(s.counts, base.counts)  # wires move no counts
    total = (base.level_energy_pj.sum(axis=(1, 2)) + base.mac_energy_pj
             + base.network_energy_pj + base.static_energy_pj)
    np.testing.assert_allclose(base.energy_pj, total, rtol=1e-12)


def _with_fanout(arch, **changes):
    glb = replace(arch.levels[1], fanout=replace(arch.levels[1].fanout, **changes))
    return replace(arch, levels=(arch.levels[0], glb, *arch.levels[2:]))


def _spread(layer, batch, op):
    """(B,) whether an irrelevant dimension of ``op`` is spread over the GLB's fan-out."""
    irrelevant = [d for d, dim in enumerate(layer.dims) if dim not in op.dims]
    spatial = batch.spatial_x[:, 1] * batch.spatial_y[:, 1]
    return (spatial[:, irrelevant] > 1).any(axis=1)


@common
@given(layers(), real_archs(), st.integers(0, 2**32 - 1))
def test_network_capabilities_only_ever_save(layer, arch, seed):
    arch = _with_fanout(arch, window_multicast=False)
    batch = random_mappings(layer, arch, 32, np.random.default_rng(seed))
    model = energy_model(arch, layer)

    def run(**changes):
        return evaluate_batch(layer, _with_fanout(arch, **changes), batch, model).counts

    for flag in ("multicast", "reduction"):
        on, off = run(**{flag: True}), run(**{flag: False})
        assert np.all(on <= off)
        for o, op in enumerate(layer.operands):
            if (op is layer.output) == (flag == "reduction"):
                # traffic above the array: DRAM and GLB reads (operands) or updates (outputs)
                action = 2 if flag == "reduction" else 0
                moved_on = on[:, :2, o, action].sum(axis=1)
                moved_off = off[:, :2, o, action].sum(axis=1)
                spread = _spread(layer, batch, op)
                assert np.all(moved_on[spread] < moved_off[spread])
                assert np.all(moved_on[~spread] == moved_off[~spread])
    plain, window = run(), run(window_multicast=True)
    assert np.all(window <= plain)
    single, every = run(psum_refill="single"), run(psum_refill="multicast")
    assert np.all(every >= single)
    out = layer.operands.index(layer.output)
    changed = every != single
    assert not changed[:, :, :, [0, 2]].any() and not changed[:, :, [o for o in range(3)
                                                                       if o != out]].any()


@common
@given(layers(), real_archs(), st.integers(0, 2**32 - 1))
def test_word_bits_change_bits_never_counts(layer, arch, seed):
    batch = random_mappings(layer, arch, 16, np.random.default_rng(seed))
    free = replace(arch, levels=tuple(replace(lv, word_bits=None) for lv in arch.levels))
    a = evaluate_batch(layer, arch, batch, energy_model(arch, layer))
    b = evaluate_batch(layer, free, batch, energy_model(free, layer))
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.cycles, b.cycles)


@common
@given(layers(), real_archs(), st.integers(0, 2**32 - 1), st.integers(1, 64),
       st.integers(1, 64), st.one_of(st.none(), st.integers(1, 64)))
def test_cycles_are_compute_or_the_busiest_port(layer, arch, seed, glb_bw, pe_bw, pe_write_bw):
    # 1 pJ per bit for every access at the GLB and PEs: their energy is the bits they move
    glb = replace(arch.levels[1], width_bits=8, read_energy_pj=8.0, write_energy_pj=8.0,
                  read_bandwidth_bits=float(glb_bw))
    pe = replace(arch.levels[2], width_bits=8, read_energy_pj=8.0, write_energy_pj=8.0,
                 read_bandwidth_bits=float(pe_bw),
                 write_bandwidth_bits=None if pe_write_bw is None else float(pe_write_bw))
    arch = replace(arch, levels=(arch.levels[0], glb, pe))
    batch = random_mappings(layer, arch, 32, np.random.default_rng(seed))
    s = evaluate_batch(layer, arch, batch, energy_model(arch, layer))
    glb_bits = s.level_energy_pj[:, 1].sum(axis=1)  # one GLB: all of it on one shared port
    pes = s.used_pes
    if pe_write_bw is None:
        pe_cycles = s.level_energy_pj[:, 2].sum(axis=1) / pes / pe_bw
    else:
        # split reads from writes: reads are the counts' first column at each operand's bits
        e = s.level_energy_pj[:, 2]
        c = s.counts[:, 2]
        moved = c.sum(axis=2)
        bits_per_access = np.divide(e, moved, out=np.zeros_like(e), where=moved > 0)
        read_bits = (c[:, :, 0] * bits_per_access).sum(axis=1)
        write_bits = ((c[:, :, 1] + c[:, :, 2]) * bits_per_access).sum(axis=1)
        pe_cycles = np.maximum(read_bits / pes / pe_bw, write_bits / pes / pe_write_bw)
    expected = np.maximum(s.compute_cycles, np.maximum(glb_bits / glb_bw, pe_cycles))
    np.testing.assert_allclose(s.cycles, expected, rtol=1e-12)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layers(), real_archs(), st.integers(0, 2**32 - 1), st.floats(0.1, 10.0))
def test_all_bounds_exhaustively(layer, arch, seed, factor):
    """``make test-slow``: every property above over many more random cases."""
    test_dram_traffic_bounded_above_and_below.hypothesis.inner_test(layer, arch, seed)
    test_capacity_is_the_footprint_at_the_stored_precision.hypothesis.inner_test(
        layer, arch, seed)
    test_wire_energy_proportional_to_energy_per_bit_and_pitch.hypothesis.inner_test(
        layer, arch, seed, factor)
    test_network_capabilities_only_ever_save.hypothesis.inner_test(layer, arch, seed)
    test_word_bits_change_bits_never_counts.hypothesis.inner_test(layer, arch, seed)
    test_cycles_are_compute_or_the_busiest_port.hypothesis.inner_test(
        layer, arch, seed, 8, 4, None)
