"""Constraints that bound one level's factors, name a fan-out axis's dims, force keeps and
bypasses per operand, ask a minimum utilization, or fix part of a loop order: the space
builds them in and every mapping the search returns obeys them."""

from __future__ import annotations

import numpy as np
import pytest
from mapper_archs import small_arch

from picojoule.errors import SpecError
from picojoule.mapper import Budget, SearchOptions, build_space, constraints_from_data, search
from picojoule.mapping.spec import Mapping
from picojoule.workload import gemm


def _product(loops: tuple[tuple[str, int], ...], dim: str) -> int:
    return int(np.prod([f for d, f in loops if d == dim] or [1]))


def _run(data: dict, budget: int = 3000) -> Mapping:  # type: ignore[type-arg]
    arch = small_arch(buf_bits=1 << 14, x=4, y=4)
    c = constraints_from_data(data, "c.yaml")
    return search(gemm(M=16, N=16, K=8), arch,
                  SearchOptions(constraints=c, budget=Budget(budget))).mapping


def test_temporal_bounds_hold() -> None:
    m = _run({"limits": {"buf": {"temporal": ["M<=2", "K>=4"]}}})
    buf = m.for_level("buf")
    assert _product(buf.temporal, "M") <= 2 and _product(buf.temporal, "K") >= 4


def test_a_fixed_spatial_factor_and_axis_dims_hold() -> None:
    m = _run({"limits": {"buf": {"spatial": "N=4"}}, "spatial_axes": {"buf": {"x": ["N"],
                                                                              "y": ["M"]}}})
    buf = m.for_level("buf")
    # N is allowed on X only and its spatial product is fixed to 4; only M may go on Y
    assert _product(buf.spatial_x, "N") * _product(buf.spatial_y, "N") == 4
    assert {d for d, f in buf.spatial_x if f > 1} <= {"N"}
    assert {d for d, f in buf.spatial_y if f > 1} <= {"M"}


def test_a_spatial_factor_of_one_keeps_the_dim_off_the_array() -> None:
    m = _run({"limits": {"buf": {"spatial": ["M=1", "N=1"]}}})
    buf = m.for_level("buf")
    assert {d for d, f in (*buf.spatial_x, *buf.spatial_y) if f > 1} <= {"K"}


def test_forced_keeps_are_never_bypassed_and_forced_bypasses_always_are() -> None:
    arch = small_arch(buf_bits=1 << 14)
    layer = gemm(M=16, N=16, K=8)
    free = build_space(layer, arch, constraints_from_data({}, "c.yaml"))
    assert len(free.bypass) == 1 + 3 + 3  # none, or one of three operands at buf or reg
    forced = build_space(layer, arch, constraints_from_data(
        {"dataspace": {"buf": {"keep": ["weights"]}, "reg": {"bypass": ["inputs"]}}}, "c"))
    # buf keeps three operands; weights forced kept leaves two single bypasses there, and
    # reg (inputs bypassed) keeps two, each of which may still be bypassed: 1 + 2 + 2 choices
    assert len(forced.bypass) == 5
    for keeps in forced.bypass:
        assert "weights" in keeps[1] and "inputs" not in keeps[2]


def test_minimum_utilization_holds() -> None:
    m = _run({"min_utilization": 0.75})
    buf = m.for_level("buf")
    used = int(np.prod([f for _, f in (*buf.spatial_x, *buf.spatial_y)] or [1]))
    assert used >= 12  # 0.75 of the 4 x 4 array


def test_a_partial_order_fixes_the_innermost_loops_and_searches_the_rest() -> None:
    arch = small_arch(buf_bits=1 << 14)
    layer = gemm(M=16, N=16, K=8)
    space = build_space(layer, arch, constraints_from_data({"orders": {"buf": ["K"]}}, "c"))
    buf = 1
    k = layer.dims.index("K")
    assert space.n_orders[buf] > 1  # M and N outside K in either order
    assert all(order[-1] == k for order in space.orders[buf][: space.n_orders[buf]])


def test_within_limits_rejects_what_a_strategy_might_propose() -> None:
    arch = small_arch(buf_bits=1 << 14)
    layer = gemm(M=16, N=16, K=8)
    space = build_space(layer, arch, constraints_from_data(
        {"limits": {"buf": {"temporal": ["M<=2"]}}}, "c"))
    factors, _ = space.random(200, np.random.default_rng(0))
    assert space.within_limits(factors).all()  # drawn from the options: all obey
    m, buf_t = layer.dims.index("M"), 1  # slot 1 is buf's temporal loop (DRAM has none)
    assert space.slot_level[buf_t] == 1 and space.slot_kind[buf_t] == 0
    bad = factors.copy()
    bad[:, m, :] = 1
    bad[:, m, buf_t] = 16  # all of M at buf: above the bound of 2
    assert not space.within_limits(bad).any()


def test_bad_limits_are_reported_together() -> None:
    with pytest.raises(SpecError) as err:
        constraints_from_data({"limits": {"buf": {"temporal": ["M<4"], "sideways": []}},
                               "spatial_axes": {"buf": {"z": ["M"]}},
                               "min_utilization": 2}, "c.yaml")
    fields = {p.field for p in err.value.problems}
    assert fields >= {"limits.buf.sideways", "spatial_axes.buf.z", "min_utilization"}
    # once the shape decodes, each malformed bound is named with its level and kind
    with pytest.raises(SpecError) as err:
        constraints_from_data({"limits": {"buf": {"temporal": ["M<4", "K<=2"],
                                                  "spatial": "C>>1"}}}, "c.yaml")
    assert {p.field for p in err.value.problems} == {"limits.buf.temporal", "limits.buf.spatial"}


def test_padding_none_factorizes_every_bound_exactly() -> None:
    # N=7 on a 4-wide axis: "above-axis" padding offers 8 = 2 x 4; "none" only 7 itself
    arch = small_arch(buf_bits=1 << 14, x=4, y=4)
    layer = gemm(M=16, N=7, K=8)
    n = layer.dims.index("N")
    padded = build_space(layer, arch, constraints_from_data({}, "c"))
    exact = build_space(layer, arch, constraints_from_data({"padding": "none"}, "c"))
    assert 8 in set(padded.options[n].prod(axis=1))
    assert set(exact.options[n].prod(axis=1)) == {7}
