"""The mapper with ``compute.operand_latch``: its loop orders can put a latched operand's
irrelevant loops innermost, and its one-pass prune over mixed bypass choices equals the
per-choice prune."""

from __future__ import annotations

import dataclasses

import numpy as np
from mapper_archs import small_arch

from picojoule.mapper import Budget, SearchOptions, dataflow, search
from picojoule.mapper.space import build_space
from picojoule.workload import parse_layer


def test_the_best_mapping_holds_a_latched_operand_over_its_innermost_loops():
    base = small_arch(x=1, y=1)
    latched = dataclasses.replace(base, compute=dataclasses.replace(
        base.compute, operand_latch=frozenset({"weights"})))
    layer = parse_layer("gemm M=4 N=6 K=8")  # 192 MACs; weights B[K, N] ignore M
    # no bypass (every level keeps what it declares), so both read weights from reg
    options = SearchOptions(constraints=dataclasses.replace(dataflow("any"), bypass=()),
                            budget=Budget(10**7), strategy="exhaustive")
    plain, held = search(layer, base, options), search(layer, latched, options)
    assert plain.proven and held.proven
    # without the latch every MAC reads its weight from reg; with it, the proven best
    # mapping reads it less often, which only a loop over M innermost (below every loop
    # over K and N) allows: reads = 192 / (the product of those innermost M loops)
    assert plain.stats.levels["reg"]["weights"].reads == 192
    reads = held.stats.levels["reg"]["weights"].reads
    assert reads < 192 and 192 % reads == 0
    inner = [d for lm in held.mapping.levels for d, f in lm.temporal if f > 1]
    assert inner[-1] == "M"
    assert held.stats.energy_pj < plain.stats.energy_pj


def test_one_pass_prune_equals_the_prune_per_bypass_choice():
    arch = small_arch()
    layer = parse_layer("conv2d N=1 C=8 M=8 P=6 Q=6 R=3 S=3")
    space = build_space(layer, arch, dataflow("any"))
    rng = np.random.default_rng(7)
    factors, orders = space.random(4000, rng)
    bypass = orders[:, -1]
    assert len(np.unique(bypass)) == len(space.bypass) > 1
    mixed = space.fits_rows(factors, bypass)
    for b in range(len(space.bypass)):
        rows = bypass == b
        np.testing.assert_array_equal(mixed[rows], space.fits(factors[rows], b))
    assert 0 < mixed.sum() < len(mixed)
