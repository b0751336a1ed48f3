"""The search: valid results, strategies agree, constraints hold, clear failures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mapper_archs import small_arch

from picojoule.arch import load_preset
from picojoule.cost import evaluate
from picojoule.errors import SpecError
from picojoule.mapper import (
    Budget,
    Objective,
    SearchOptions,
    UnmappableError,
    constraints_from_data,
    dataflow,
    search,
)
from picojoule.mapper.constraints import role_dims
from picojoule.mapping import validate_mapping
from picojoule.workload import conv2d, gemm, parse_layer


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(C=st.integers(1, 12), M=st.integers(1, 12), P=st.integers(1, 9),
       R=st.sampled_from([1, 3]), x=st.sampled_from([1, 3, 4]), y=st.sampled_from([1, 2, 5]),
       buf=st.sampled_from([512, 2048, 1 << 14]), reg=st.sampled_from([32, 64, 256]),
       flow=st.sampled_from(["any", "ws", "os", "is"]), seed=st.integers(0, 3))
def test_search_never_returns_an_invalid_mapping(C, M, P, R, x, y, buf, reg, flow, seed):
    arch = small_arch(buf_bits=buf, reg_bits=reg, x=x, y=y)
    layer = conv2d(C=C, M=M, P=P, Q=P, R=R, S=R)
    try:
        result = search(layer, arch, SearchOptions(constraints=dataflow(flow),
                                                   budget=Budget(3000), seed=seed))
    except UnmappableError as exc:  # allowed, but it must say where
        assert any(p.field.split(".")[0] in ("buf", "reg", "mapping") for p in exc.problems)
        return
    validate_mapping(result.mapping, layer, arch, "result")
    stats = evaluate(layer, arch, result.mapping)  # raises if a tile does not fit
    assert stats.energy_pj == pytest.approx(result.stats.energy_pj, rel=1e-12)
    assert result.stats.used_pes <= arch.num_pes


@pytest.mark.parametrize(("text", "flow"), [("conv2d N=1 C=4 M=8 P=4 Q=4 R=3 S=3", "os"),
                                            ("gemm M=16 N=12 K=8", "ws")])
def test_guided_reaches_the_exhaustive_optimum(text, flow):
    arch = small_arch(buf_bits=2048, reg_bits=64, x=4, y=4)
    layer = parse_layer(text)
    base = SearchOptions(constraints=dataflow(flow), budget=Budget(10**8))
    best = search(layer, arch, base.__class__(**{**base.__dict__, "strategy": "exhaustive"}))
    assert best.proven
    guided = search(layer, arch, SearchOptions(constraints=dataflow(flow),
                                               budget=Budget(40_000), strategy="guided"))
    assert not guided.proven
    assert guided.score >= best.score * (1 - 1e-12)  # exhaustive is the true minimum
    assert guided.score <= best.score * 1.01


def test_auto_enumerates_a_small_space_and_says_proven():
    arch = small_arch(x=2, y=2)
    layer = parse_layer("gemm M=4 N=4 K=2")
    result = search(layer, arch, SearchOptions(budget=Budget(10**7)))
    assert result.strategy == "exhaustive" and result.proven
    assert "proven" in result.certainty


def test_same_seed_same_result_bit_for_bit():
    arch = load_preset("eyeriss")
    layer = parse_layer("conv2d N=1 C=32 M=64 P=14 Q=14 R=3 S=3")
    opts = SearchOptions(budget=Budget(8000), seed=7)
    a, b = search(layer, arch, opts), search(layer, arch, opts)
    assert a.mapping == b.mapping and a.stats.to_dict() == b.stats.to_dict()


@pytest.mark.parametrize("flow", ["ws", "os", "is"])
def test_dataflow_constraints_are_respected(flow):
    arch = load_preset("simple-systolic")
    layer = parse_layer("conv2d N=1 C=16 M=32 P=14 Q=14 R=3 S=3")
    c = dataflow(flow)
    result = search(layer, arch, SearchOptions(constraints=c, budget=Budget(6000)))
    xs, ys = c.resolve_dims(c.spatial_x, layer), c.resolve_dims(c.spatial_y, layer)
    for lm in result.mapping.levels:
        assert {d for d, _ in lm.spatial_x} <= xs
        assert {d for d, _ in lm.spatial_y} <= ys
    assert xs and ys and xs != ys


def test_row_stationary_keeps_filter_rows_in_the_pe():
    arch = load_preset("eyeriss")
    layer = parse_layer("conv2d N=1 C=16 M=32 P=13 Q=13 R=3 S=3")
    result = search(layer, arch, SearchOptions(constraints=dataflow("rs"), budget=Budget(6000)))
    inner = {"ifmap_spad", "weights_spad", "psum_spad"}
    r_inner = np.prod([f for lm in result.mapping.levels if lm.level in inner
                       for d, f in lm.temporal if d == "R"])
    assert r_inner == 3
    for lm in result.mapping.levels:
        if lm.level in inner:
            assert {d for d, _ in lm.temporal} <= {"R", "C", "M"}


def test_user_constraints_fix_factors_orders_and_bypass():
    arch = small_arch(buf_bits=1 << 14, x=4, y=4)
    layer = gemm(M=16, N=8, K=8)
    c = constraints_from_data({"spatial_x": ["N"], "spatial_y": ["K"],
                               "factors": {"reg": {"M": 2}}, "orders": {"buf": ["M", "N"]},
                               "bypass": {"buf": ["weights"]}}, "c.yaml")
    result = search(layer, arch, SearchOptions(constraints=c, budget=Budget(3000)))
    reg = result.mapping.for_level("reg")
    assert dict(reg.temporal).get("M") == 2
    buf = result.mapping.for_level("buf")
    assert buf.bypass == frozenset({"weights"})
    listed = [d for d, _ in buf.temporal if d in ("M", "N")]
    assert listed == [d for d in ("M", "N") if d in listed]


def test_bad_constraints_report_every_problem_at_once():
    with pytest.raises(SpecError) as err:
        constraints_from_data({"stationary": "psums", "spatial_x": 3,
                               "factors": {"buf": {"M": -1}}, "colour": 1}, "c.yaml")
    fields = {p.field for p in err.value.problems}
    assert fields >= {"stationary", "spatial_x", "factors.buf.M", "colour"}


def test_a_layer_that_cannot_map_names_level_and_operand():
    arch = small_arch(buf_bits=1 << 14, reg_bits=16)  # one 8-bit input + one weight, no psum
    layer = parse_layer("conv2d N=1 C=4 M=4 P=4 Q=4 R=1 S=1")
    no_bypass = constraints_from_data({"bypass": {}}, "c.yaml")
    with pytest.raises(UnmappableError) as err:
        search(layer, arch, SearchOptions(constraints=no_bypass, budget=Budget(2000)))
    problem = err.value.problems[0]
    assert problem.field == "reg.outputs"
    assert "16 bits" in problem.expected and "outputs 16 b" in problem.expected
    # with bypass searched, the outputs skip the register and the layer maps
    result = search(layer, arch, SearchOptions(budget=Budget(2000)))
    assert "outputs" in result.mapping.for_level("reg").bypass


def test_objectives_pick_their_own_optimum():
    arch = load_preset("simple-systolic")
    layer = parse_layer("conv2d N=1 C=32 M=32 P=14 Q=14 R=3 S=3")
    opts = {k: SearchOptions(objective=o, budget=Budget(6000))
            for k, o in (("energy", Objective(1, 0)), ("cycles", Objective(0, 1)))}
    e, c = search(layer, arch, opts["energy"]), search(layer, arch, opts["cycles"])
    assert e.stats.energy_pj <= c.stats.energy_pj and c.stats.cycles <= e.stats.cycles


def test_roles_name_the_dims_of_any_einsum():
    layer = parse_layer("conv2d N=1 C=8 M=8 P=4 Q=4 R=3 S=3")
    assert role_dims(layer, "reduction") == {"C", "R", "S"}
    assert role_dims(layer, "pixels") == {"N", "P", "Q"}
    assert role_dims(layer, "filters") == {"M"}


def test_bad_search_options_report_every_problem_at_once():
    arch = small_arch()
    layer = parse_layer("gemm M=4 N=4 K=4")
    bad = SearchOptions(budget=Budget(-5, 0.0), objective=Objective(-1, 0), strategy="annealing",
                        seed=-2)
    with pytest.raises(SpecError) as err:
        search(layer, arch, bad)
    fields = {p.field for p in err.value.problems}
    assert fields == {"budget.evaluations", "budget.seconds", "objective.energy_exp",
                      "strategy", "seed"}
