"""Properties of the cost model over random layers, architectures and mappings."""

from __future__ import annotations

import numpy as np
import pytest
from cost_archs import build_arch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picojoule.cost import energy_model, evaluate_batch
from picojoule.mapping.sample import random_mappings
from picojoule.workload import conv2d, gemm

dims = st.integers(min_value=1, max_value=12)


@st.composite
def layers(draw):
    if draw(st.booleans()):
        return gemm(M=draw(dims), N=draw(dims), K=draw(dims))
    return conv2d(N=draw(st.integers(1, 2)), C=draw(dims), M=draw(dims), P=draw(dims),
                  Q=draw(st.integers(1, 4)), R=draw(st.integers(1, 3)), S=draw(st.integers(1, 3)),
                  stride=draw(st.integers(1, 2)))


@st.composite
def archs(draw):
    """DRAM, a buffer that may keep any subset, an optional array of PEs with registers."""
    buf_keeps = draw(st.lists(st.sampled_from(["inputs", "weights", "outputs"]), unique=True))
    levels = [{"name": "DRAM", "kind": "dram"},
              {"name": "glb", "kind": "sram", "capacity_bits": 1 << 30, "keeps": buf_keeps,
               "read_energy_pj": 2.0, "write_energy_pj": 3.0,
               "fanout": {"x": draw(st.integers(1, 4)), "y": draw(st.integers(1, 4)),
                          "multicast": draw(st.booleans()), "reduction": draw(st.booleans()),
                          "window_multicast": draw(st.booleans()), "pe_pitch_um": 10.0}}]
    if draw(st.booleans()):
        levels.append({"name": "pe", "kind": "regfile", "capacity_bits": 1 << 30,
                       "read_energy_pj": 0.5, "write_energy_pj": 0.25})
    return build_arch(*levels)


def touched(layer, operand) -> int:
    """Distinct points an operand's axes actually reach (a stride larger than the kernel
    leaves holes that a bounding box would count)."""
    bound = layer.bound
    size = 1
    for axis in layer.operand(operand).axes:
        values = {0}
        for term in axis:
            values = {v + term.coeff * i for v in values for i in range(bound[term.dim])}
        size *= len(values)
    return size


def _batch(layer, arch, seed, count=64):
    return random_mappings(layer, arch, count, np.random.default_rng(seed))


common = settings(max_examples=40, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])


@common
@given(layers(), archs(), st.integers(0, 2**32 - 1))
def test_macs_conserved_and_compulsory_traffic(layer, arch, seed):
    batch = _batch(layer, arch, seed)
    stats = evaluate_batch(layer, arch, batch, energy_model(arch, layer))
    # exact factorizations: padded MACs equal the layer's, compute cycles x PEs = MACs
    assert np.all(stats.compute_cycles * stats.used_pes == layer.macs)
    for o, op in enumerate(layer.operands):
        size = touched(layer, op.name)
        if op is layer.output:
            # every output leaves for DRAM at least once
            assert np.all(stats.counts[:, 0, o, 2] >= size)
        else:
            # every input and weight is read from DRAM at least once
            assert np.all(stats.counts[:, 0, o, 0] >= size)


@common
@given(layers(), archs(), st.integers(0, 2**32 - 1),
       st.floats(min_value=0.01, max_value=100.0))
def test_energy_linear_in_per_action_energies(layer, arch, seed, factor):
    batch = _batch(layer, arch, seed)
    model = energy_model(arch, layer)
    base = evaluate_batch(layer, arch, batch, model)
    scaled = evaluate_batch(layer, arch, batch, model.scaled(factor))
    np.testing.assert_allclose(scaled.energy_pj, base.energy_pj * factor, rtol=1e-12)
    np.testing.assert_array_equal(scaled.counts, base.counts)  # counts do not move


@common
@given(layers(), archs(), st.integers(0, 2**32 - 1))
def test_level_that_keeps_nothing_costs_nothing(layer, arch, seed):
    batch = _batch(layer, arch, seed)
    bypass_all = (batch.keeps[0], frozenset(), *batch.keeps[2:])
    stats = evaluate_batch(layer, arch, type(batch)(batch.temporal, batch.order,
                                                      batch.spatial_x, batch.spatial_y,
                                                      bypass_all), energy_model(arch, layer))
    assert np.all(stats.counts[:, 1] == 0)
    assert np.all(stats.level_energy_pj[:, 1] == 0)
    assert np.all(stats.used_bits[:, 1] == 0)


@common
@given(layers(), archs(), st.integers(0, 2**32 - 1))
def test_batch_equals_one_by_one_bit_for_bit(layer, arch, seed):
    batch = _batch(layer, arch, seed, count=16)
    model = energy_model(arch, layer)
    together = evaluate_batch(layer, arch, batch, model)
    for i in range(len(batch)):
        alone = evaluate_batch(layer, arch, batch.take(slice(i, i + 1)), model)
        assert alone.energy_pj[0] == together.energy_pj[i]
        assert alone.cycles[0] == together.cycles[i]
        assert np.array_equal(alone.counts[0], together.counts[i])


def test_chunked_evaluation_is_identical(monkeypatch):
    from picojoule.cost import model as cost_model

    layer = conv2d(C=16, M=16, P=14, Q=14, R=3, S=3)
    arch = build_arch({"name": "DRAM", "kind": "dram"},
                      {"name": "glb", "kind": "sram", "capacity_bits": 1 << 20,
                       "fanout": {"x": 4, "y": 4}})
    batch = _batch(layer, arch, 7, count=1000)
    whole = evaluate_batch(layer, arch, batch, energy_model(arch, layer))
    monkeypatch.setattr(cost_model, "CHUNK", 97)
    chunked = evaluate_batch(layer, arch, batch, energy_model(arch, layer))
    assert np.array_equal(whole.energy_pj, chunked.energy_pj)
    assert np.array_equal(whole.counts, chunked.counts)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layers(), archs(), st.integers(0, 2**32 - 1), st.floats(0.01, 100.0))
def test_all_properties_exhaustively(layer, arch, seed, factor):
    """``make test-slow``: every property above over many more random cases."""
    test_macs_conserved_and_compulsory_traffic.hypothesis.inner_test(layer, arch, seed)
    test_energy_linear_in_per_action_energies.hypothesis.inner_test(layer, arch, seed, factor)
    test_level_that_keeps_nothing_costs_nothing.hypothesis.inner_test(layer, arch, seed)
    test_batch_equals_one_by_one_bit_for_bit.hypothesis.inner_test(layer, arch, seed)
