"""Hand-derived checks of the search's contracts: what `proven` means, budgets, objectives and
fixed loop orders (each would let a one-line bug through if missing)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from mapper_archs import small_arch

from picojoule.cli.options import parse_objective
from picojoule.cost.energy import energy_model
from picojoule.errors import Collector
from picojoule.mapper import Budget, Objective, SearchOptions, constraints_from_data, search
from picojoule.mapper.constraints import Constraints
from picojoule.mapper.evaluator import Evaluator
from picojoule.mapper.space import build_space
from picojoule.workload import gemm, parse_layer


def test_random_sampling_never_claims_a_proven_optimum():
    # gemm 4x4x2 on a 2x2 array: a few thousand mappings. Exhaustive enumeration proves its
    # optimum; random sampling with the same budget may even find it, but proves nothing.
    arch = small_arch(x=2, y=2)
    layer = parse_layer("gemm M=4 N=4 K=2")
    exhaustive = search(layer, arch, SearchOptions(budget=Budget(10**7), strategy="exhaustive"))
    assert exhaustive.proven
    rand = search(layer, arch, SearchOptions(budget=Budget(2000), strategy="random"))
    assert rand.strategy == "random" and not rand.proven
    assert "not proven" in rand.certainty
    assert rand.score >= exhaustive.score * (1 - 1e-12)


def _evaluator(budget: Budget) -> Evaluator:
    arch = small_arch()
    layer = parse_layer("gemm M=8 N=8 K=8")
    space = build_space(layer, arch, Constraints())
    return Evaluator(space, energy_model(arch, layer), Objective(), budget)


def test_a_seconds_budget_stops_on_the_clock():
    ev = _evaluator(Budget(evaluations=None, seconds=0.5))
    assert not ev.exhausted  # just started, nothing costed
    ev.started = time.perf_counter() - 0.6  # 0.6 s have passed: past the 0.5 s budget
    assert ev.exhausted
    long = _evaluator(Budget(evaluations=None, seconds=3600.0))
    long.started = time.perf_counter() - 0.6
    assert not long.exhausted
    # and both limits apply: 10 evaluations allowed, 10 costed -> exhausted despite the hour
    both = _evaluator(Budget(evaluations=10, seconds=3600.0))
    both.evaluated = 10
    assert both.exhausted


def test_a_split_budget_divides_evaluations_and_seconds():
    assert Budget(100, 2.0).split(4) == Budget(25, 0.5)
    assert Budget(None, 3.0).split(2) == Budget(None, 1.5)


def test_the_mix_objective_applies_its_exponents():
    # energy^A * cycles^(1-A): A = 0.5 on (4, 9) -> 2 * 3 = 6; A = 0.25 on (16, 1) -> 2;
    # A = 0.75 on (1, 16) -> 16^0.25 = 2. Ignoring an exponent would give 36, 16 and 16.
    assert Objective(0.5, 0.5).score(np.array([4.0]), np.array([9.0]))[0] == pytest.approx(6.0)
    assert Objective(0.25, 0.75).score(np.array([16.0]), np.array([1.0]))[0] == pytest.approx(2)
    assert Objective(0.75, 0.25).score(np.array([1.0]), np.array([16.0]))[0] == pytest.approx(2)
    c = Collector("test")
    assert parse_objective("mix:0.25", c) == Objective(0.25, 0.75)
    assert parse_objective("edp", c) == Objective(1, 1)
    assert not c.problems


@pytest.mark.parametrize("order", [("M", "N"), ("N", "M")])
def test_a_fixed_loop_order_is_kept(order):
    # M and N both get a factor of 4 at buf, so both loops are there; each of the two orders
    # must come back as fixed (at most one of them is what an unconstrained search prefers).
    arch = small_arch(buf_bits=1 << 14, x=2, y=2)
    layer = gemm(M=16, N=16, K=4)
    c = constraints_from_data({"factors": {"buf": {"M": 4, "N": 4}},
                               "orders": {"buf": list(order)}}, "c.yaml")
    result = search(layer, arch, SearchOptions(constraints=c, budget=Budget(3000)))
    buf = result.mapping.for_level("buf")
    assert dict(buf.temporal)["M"] == 4 and dict(buf.temporal)["N"] == 4
    assert tuple(d for d, _ in buf.temporal if d in ("M", "N")) == order
