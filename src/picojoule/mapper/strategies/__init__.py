"""Search strategies behind one small interface (like optuna's samplers).

A strategy is a small frozen object with a ``name`` and one method::

    def run(self, space: MappingSpace, ev: Evaluator, rng: np.random.Generator) -> bool

It proposes genomes (``factors`` (B, D, NS), ``orders`` (B, L)) to ``ev.evaluate``, which
prunes, costs, counts and keeps the incumbent; it stops when ``ev.exhausted``; it returns
True only when it has covered the whole space (so the incumbent is proven best in it).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from picojoule.mapper.evaluator import Evaluator
from picojoule.mapper.space import MappingSpace
from picojoule.mapper.strategies.exhaustive import Exhaustive
from picojoule.mapper.strategies.guided import Guided
from picojoule.mapper.strategies.random import RandomSampling


class SearchStrategy(Protocol):
    name: str

    def run(self, space: MappingSpace, ev: Evaluator, rng: np.random.Generator) -> bool:
        ...


STRATEGIES: dict[str, type] = {"exhaustive": Exhaustive, "random": RandomSampling,
                               "guided": Guided}

__all__ = ["STRATEGIES", "Exhaustive", "Guided", "RandomSampling", "SearchStrategy"]
