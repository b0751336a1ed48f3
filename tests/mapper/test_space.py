"""The mapping space: factorizations, padding, pruning, order deduplication."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mapper_archs import small_arch

from picojoule.arch import load_preset
from picojoule.cost import energy_model, evaluate_batch
from picojoule.mapper import build_space, bypass_choices, dataflow
from picojoule.mapper.factors import factorizations, padded_bounds
from picojoule.mapper.strategies.exhaustive import expand
from picojoule.workload import parse_layer


def test_factorizations_multiply_to_n_and_respect_limits():
    free = np.array([True, True, True, False])
    limit = np.array([0, 4, 0, 0])
    out = factorizations(24, free, limit)
    assert (out.prod(axis=1) == 24).all()
    assert (out[:, 1] <= 4).all() and (out[:, 3] == 1).all()
    # ordered factorizations of 24 = 2^3 * 3 over 3 slots: C(5,2) * 3 = 30, minus slot1 > 4
    brute = {(a, b, 24 // (a * b)) for a in range(1, 25) for b in range(1, 5)
             if 24 % (a * b) == 0}
    assert {tuple(r[:3]) for r in out} == brute


@pytest.mark.parametrize(("bound", "axis", "expected"), [(27, 14, 28), (55, 16, 56),
                                                         (1000, 16, 1008), (13, 12, 24)])
def test_padding_fills_an_axis(bound, axis, expected):
    pads = padded_bounds(bound, [axis])
    assert pads[0] == bound and expected in pads and all(p < 2 * bound for p in pads)


def test_padded_space_maps_27_onto_14_wide_array():
    arch = load_preset("eyeriss")
    layer = parse_layer("conv2d N=1 C=3 M=4 P=27 Q=27 R=1 S=1")
    space = build_space(layer, arch, dataflow("any"))
    q = layer.dims.index("Q")
    x_slot = int(np.flatnonzero(space.slot_kind == 1)[0])
    assert (space.options[q][:, x_slot] == 14).any()
    assert set(space.options[q].prod(axis=1)) >= {27, 28}


def test_prune_agrees_with_cost_model_validity(arch):
    layer = parse_layer("conv2d N=1 C=8 M=8 P=6 Q=6 R=3 S=3")
    energy = energy_model(arch, layer)
    rng = np.random.default_rng(1)
    space = build_space(layer, arch, dataflow("any"))
    assert len(space.bypass) == len(bypass_choices(arch, dataflow("any"), layer)) > 1
    for b in range(len(space.bypass)):
        factors, orders = space.random(3000, rng)
        orders[:, -1] = b
        stats = evaluate_batch(layer, arch, space.batch(factors, orders), energy)
        fits = space.fits(factors, b)
        assert 0 < fits.sum() < len(fits)
        np.testing.assert_array_equal(fits, stats.valid)


def test_expanded_orders_are_distinct_and_cover_each_tiling(arch):
    layer = parse_layer("conv2d N=1 C=4 M=4 P=4 Q=4 R=3 S=3")
    space = build_space(layer, arch, dataflow("any"), [tuple(lv.keeps for lv in arch.levels)])
    factors = space.tilings(space.decode_linear(0, 200))
    full, orders = expand(space, factors)
    batch = space.batch(full, orders)
    # every (tiling, order) row differs from the others in its non-unit loop sequence
    keys = set()
    for i in range(len(full)):
        m = batch.mapping(i, layer, arch)
        keys.add(tuple((lm.temporal, lm.spatial_x, lm.spatial_y) for lm in m.levels))
    assert len(keys) == len(full)
    assert len({full[i].tobytes() for i in range(len(full))}) == len(factors)


def test_space_size_is_product_of_dim_options(arch):
    layer = parse_layer("gemm M=8 N=6 K=4")
    space = build_space(layer, arch, dataflow("any"))
    assert space.n_tilings == math.prod(len(o) for o in space.options)
    for opts, bound in zip(space.options, layer.bounds, strict=True):
        assert (opts.prod(axis=1) >= bound).all() and (opts.prod(axis=1) < 2 * bound).all()


def test_small_arch_fixture_is_valid():
    assert small_arch(x=2, y=8).num_pes == 16


def test_prune_agrees_with_cost_model_on_compressed_storage():
    """With a compressed format, a sparse operand's tile takes density x (bits + metadata):
    pruning must use the cost model's storage rule, not a dense footprint."""
    from dataclasses import replace

    base = small_arch(buf_bits=1024, reg_bits=64)
    arch = replace(base, levels=tuple(replace(lv, sparse_format="bitmask")
                                      for lv in base.levels))
    layer = parse_layer("conv2d N=1 C=8 M=8 P=6 Q=6 R=3 S=3 weight_density=0.25")
    energy = energy_model(arch, layer)
    space = build_space(layer, arch, dataflow("any"))
    factors, orders = space.random(4000, np.random.default_rng(3))
    orders[:, -1] = 0
    stats = evaluate_batch(layer, arch, space.batch(factors, orders), energy)
    fits = space.fits(factors, 0)
    np.testing.assert_array_equal(fits, stats.valid)
    # and compression matters: some mappings fit only because the weights are compressed
    dense_space = build_space(layer.with_density(weights=1.0), arch, dataflow("any"))
    dense = dense_space.fits(factors, 0)
    assert (fits & ~dense).any()
