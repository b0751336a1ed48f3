"""The guided search's convergence stop (``Guided.stall_share``): it ends a search only after
a stall window of the evaluation budget has passed without a better mapping, once the
incumbent's whole neighbourhood has been costed; with ``stall_share=0`` it spends the
budget."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from mapper_archs import small_arch

from picojoule.cost import energy_model
from picojoule.mapper import Budget, SearchOptions, build_space, dataflow, search
from picojoule.mapper.evaluator import Evaluator, Objective
from picojoule.mapper.strategies import Guided
from picojoule.mapper.strategies.guided import neighbourhood
from picojoule.workload import parse_layer

LAYER = parse_layer("conv2d N=1 C=8 M=8 P=4 Q=4 R=3 S=3")
BUDGET = 60_000


class TracedEvaluator(Evaluator):
    """Records, after every batch, how many mappings were costed and the best score."""

    trace: list[tuple[int, float]]

    def evaluate(self, factors: np.ndarray, orders: np.ndarray) -> np.ndarray:
        scores = super().evaluate(factors, orders)
        self.trace.append((self.evaluated, self.best_score))
        return scores


def run(strategy: Guided, seed: int = 0) -> TracedEvaluator:
    arch = small_arch(x=4, y=4)
    space = build_space(LAYER, arch, dataflow("any"))
    ev = TracedEvaluator(space, energy_model(arch, LAYER), Objective(), Budget(BUDGET))
    ev.trace = []
    strategy.run(space, ev, np.random.default_rng(seed))
    return ev


def test_a_converged_search_stops_after_a_whole_stall_window() -> None:
    ev = run(Guided(stall_share=5))
    # the space has ~3.2 M points: the stop, not the budget, ends this search
    assert ev.evaluated < BUDGET
    improved_at = min(n for n, best in ev.trace if best == ev.best_score)
    # stall window = 60,000 // 5 = 12,000 costed mappings without a better one
    assert ev.evaluated - improved_at >= BUDGET // 5


def test_the_incumbents_neighbourhood_is_costed_before_stopping() -> None:
    ev = run(Guided(stall_share=5), seed=1)
    assert ev.best_factors is not None and ev.best_orders is not None
    f, o = neighbourhood(ev.space, ev.best_factors, ev.best_orders)
    scores = Evaluator(ev.space, ev.energy, Objective(), Budget(10**6)).evaluate(f, o)
    # a stop is a local optimum: no single move, exchange or order change improves it
    assert scores.min() >= ev.best_score


def test_stall_share_zero_spends_the_whole_budget() -> None:
    ev = run(Guided(stall_share=0))
    assert ev.evaluated == BUDGET
    stopped = run(Guided(stall_share=5))
    # the stop only cuts a search short: the prefix it ran is the same search
    assert stopped.trace == ev.trace[: len(stopped.trace)]


def test_the_default_strategy_stops_when_converged_and_guided_spends_the_budget() -> None:
    arch = small_arch(x=4, y=4)
    options = SearchOptions(dataflow("any"), budget=Budget(BUDGET))
    auto = search(LAYER, arch, options)  # Auto: the space (~3.2 M points) exceeds the budget
    guided = search(LAYER, arch, replace(options, strategy="guided"))
    assert auto.strategy == "guided" and auto.evaluated < BUDGET
    assert guided.evaluated == BUDGET
    assert guided.score <= auto.score  # the same search, run longer, can only improve
