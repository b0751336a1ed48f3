"""Search strategies behind one small interface (like optuna's samplers).

A strategy is a small frozen object with a ``name`` and one method::

    def run(self, space: MappingSpace, ev: Evaluator, rng: np.random.Generator) -> bool

It proposes genomes (``factors`` (B, D, NS), ``orders`` (B, L)) to ``ev.evaluate`` (or prunes
tilings with ``ev.prune``), which counts, costs and keeps the incumbent; it stops when
``ev.exhausted``; it returns True only when it has covered the whole space (so the incumbent
is proven best in it). ``search`` takes instances (``Guided(population=128)``); names are
mapped to default instances once, at the edge, through ``STRATEGIES``, which is also the
list the command line offers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np

from picojoule.mapper.evaluator import Evaluator
from picojoule.mapper.space import MappingSpace
from picojoule.mapper.strategies.auto import Auto
from picojoule.mapper.strategies.exhaustive import Exhaustive
from picojoule.mapper.strategies.guided import Guided
from picojoule.mapper.strategies.random import RandomSampling


@runtime_checkable
class SearchStrategy(Protocol):
    @property
    def name(self) -> str: ...

    def run(self, space: MappingSpace, ev: Evaluator, rng: np.random.Generator) -> bool:
        ...


# The one registry of strategies by name (the command line's --strategy choices).
STRATEGIES: dict[str, Callable[[], SearchStrategy]] = {
    "auto": Auto, "exhaustive": Exhaustive, "guided": Guided, "random": RandomSampling}


def strategy_from_name(name: str) -> SearchStrategy:
    """A default instance of the strategy registered as ``name`` (KeyError if none)."""
    return STRATEGIES[name]()


__all__ = ["STRATEGIES", "Auto", "Exhaustive", "Guided", "RandomSampling", "SearchStrategy",
           "strategy_from_name"]
