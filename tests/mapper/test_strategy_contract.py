"""The contract every search strategy keeps, run against each registered one (and a tuned
instance): it only proposes (the evaluator alone counts), it stops within the budget, it is
deterministic for a seed, it never beats the proven optimum, and only a full enumeration
claims to be proven."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from mapper_archs import small_arch

from picojoule.cost import energy_model, evaluate
from picojoule.mapper import Budget, SearchOptions, build_space, dataflow, natural, search
from picojoule.mapper.evaluator import Evaluator, Objective
from picojoule.mapper.strategies import STRATEGIES, Exhaustive, Guided, RandomSampling
from picojoule.workload import parse_layer

IMPLEMENTATIONS = [*(make() for make in STRATEGIES.values()),
                   Guided(population=8, children=256, initial=256),
                   RandomSampling(chunk=512), Exhaustive(tilings_per_chunk=16)]
IDS = [f"{s.name}-{i}" for i, s in enumerate(IMPLEMENTATIONS)]
LAYER = parse_layer("gemm M=4 N=4 K=2")
FLOW = dataflow("ws")


class WatchedEvaluator(Evaluator):
    """An evaluator that fails when anything but its own methods changes its counts."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("evaluated", "considered") and hasattr(self, name):
            caller = sys._getframe(1).f_globals.get("__name__")
            if caller != "picojoule.mapper.evaluator":
                raise AssertionError(f"{caller} changed the evaluator's {name}")
        super().__setattr__(name, value)


@pytest.fixture(scope="module")
def optimum() -> float:
    """The proven best score of the space (exhaustive with an unbounded budget)."""
    arch = small_arch(x=2, y=2)
    best = search(LAYER, arch, SearchOptions(FLOW, budget=Budget(10**8), strategy=Exhaustive()))
    assert best.proven
    return best.score


@pytest.mark.parametrize("strategy", IMPLEMENTATIONS, ids=IDS)
def test_only_the_evaluator_counts_and_the_budget_holds(strategy) -> None:
    arch = small_arch(x=2, y=2)
    space = build_space(LAYER, arch, FLOW)
    ev = WatchedEvaluator(space, energy_model(arch, LAYER), Objective(), Budget(300))
    strategy.run(space, ev, np.random.default_rng(0))
    assert 0 < ev.evaluated <= 300  # the budget is a hard cap on costed mappings
    assert ev.considered >= ev.evaluated and ev.best_factors is not None


@pytest.mark.parametrize("strategy", IMPLEMENTATIONS, ids=IDS)
def test_same_seed_same_mapping_and_never_better_than_proven(strategy, optimum) -> None:
    arch = small_arch(x=2, y=2)
    opts = SearchOptions(FLOW, budget=Budget(1000), strategy=strategy, seed=5)
    a, b = search(LAYER, arch, opts), search(LAYER, arch, opts)
    assert a.mapping == b.mapping and a.score == b.score
    assert a.score >= optimum * (1 - 1e-12)  # the exhaustive optimum is the true minimum
    # the reported stats are the cost of the reported mapping
    assert evaluate(LAYER, arch, a.mapping).energy_pj == pytest.approx(a.stats.energy_pj)
    assert a.strategy in STRATEGIES and a.strategy != "auto"


@pytest.mark.parametrize("strategy", IMPLEMENTATIONS, ids=IDS)
def test_proven_only_after_covering_the_space(strategy) -> None:
    arch = small_arch(x=2, y=2)
    # 2500 evaluations cover this space (exhaustive costs 1,868 of its mappings)
    big = search(LAYER, arch, SearchOptions(FLOW, budget=Budget(2500), strategy=strategy))
    assert big.proven == (big.strategy == "exhaustive")
    short = search(LAYER, arch, SearchOptions(FLOW, budget=Budget(5), strategy=strategy))
    assert not short.proven  # five mappings cannot cover this space


def test_names_and_default_instances_are_the_same_strategy() -> None:
    arch = small_arch(x=2, y=2)
    for name, make in STRATEGIES.items():
        by_name = search(LAYER, arch, SearchOptions(natural(None), budget=Budget(500),
                                                    strategy=name))
        by_object = search(LAYER, arch, SearchOptions(natural(None), budget=Budget(500),
                                                      strategy=make()))
        assert by_name.mapping == by_object.mapping, name
