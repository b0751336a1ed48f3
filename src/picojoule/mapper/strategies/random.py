"""Uniform random sampling of the space: the baseline every other strategy must beat."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from picojoule.mapper.evaluator import Evaluator
from picojoule.mapper.space import MappingSpace


@dataclass(frozen=True)
class RandomSampling:
    name: str = "random"
    chunk: int = 4096

    def run(self, space: MappingSpace, ev: Evaluator, rng: np.random.Generator) -> bool:
        while not ev.exhausted:
            factors, orders = space.random(self.chunk, rng)
            ev.evaluate(factors, orders)
        return False
