"""The default strategy: enumerate the space when it fits the evaluation budget (the result
is then proven best in it), else the guided search until it converges (no better mapping in
a quarter of the budget, the incumbent's neighbourhood costed) or the budget is spent."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from picojoule.mapper.evaluator import Budget, Evaluator
from picojoule.mapper.space import MappingSpace
from picojoule.mapper.strategies.exhaustive import Exhaustive
from picojoule.mapper.strategies.guided import Guided


@dataclass(frozen=True)
class Auto:
    name: str = "auto"
    exhaustive: Exhaustive = field(default_factory=Exhaustive)
    guided: Guided = field(default_factory=lambda: Guided(stall_share=4))

    def choose(self, space: MappingSpace, budget: Budget) -> Exhaustive | Guided:
        """The strategy that runs: exhaustive when the space's size bound fits the budget."""
        cap = budget.evaluations
        return self.exhaustive if cap is not None and space.size_bound <= cap else self.guided

    def run(self, space: MappingSpace, ev: Evaluator, rng: np.random.Generator) -> bool:
        return self.choose(space, ev.budget).run(space, ev, rng)
