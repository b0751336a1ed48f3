"""What every strategy calls: prune by capacity, cost the rest in one batch, keep the best.

Strategies only propose genomes; the evaluator owns the budget, the objective, the counts and
the incumbent, so every strategy is measured and stopped the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from picojoule.cost.energy import EnergyModel
from picojoule.cost.model import evaluate_choices
from picojoule.cost.timing import select_timing
from picojoule.mapper.space import MappingSpace

OBJECTIVES = ("energy", "cycles", "edp")


@dataclass(frozen=True)
class Objective:
    """Minimize energy^a x cycles^b: energy (1, 0), cycles (0, 1), EDP (1, 1) or a mix."""

    energy_exp: float = 1.0
    cycles_exp: float = 0.0

    @property
    def name(self) -> str:
        pairs = {(1.0, 0.0): "energy", (0.0, 1.0): "cycles", (1.0, 1.0): "edp"}
        return pairs.get((self.energy_exp, self.cycles_exp),
                         f"energy^{self.energy_exp:g}*cycles^{self.cycles_exp:g}")

    def score(self, energy_pj: np.ndarray, cycles: np.ndarray) -> np.ndarray:
        out = np.ones_like(energy_pj)
        if self.energy_exp:
            out = out * (energy_pj if self.energy_exp == 1.0 else energy_pj ** self.energy_exp)
        if self.cycles_exp:
            out = out * (cycles if self.cycles_exp == 1.0 else cycles ** self.cycles_exp)
        return out


@dataclass(frozen=True)
class Budget:
    """Stop after ``evaluations`` costed mappings or ``seconds`` of wall time (the first
    reached). An evaluation budget is deterministic for a seed; a time budget is not."""

    evaluations: int | None = 200_000
    seconds: float | None = None

    def split(self, parts: int) -> Budget:
        return Budget(None if self.evaluations is None else max(1, self.evaluations // parts),
                      None if self.seconds is None else self.seconds / parts)


@dataclass
class Evaluator:
    """Mutable search state of one space."""

    space: MappingSpace
    energy: EnergyModel
    objective: Objective
    budget: Budget
    progress: Callable[[int], None] | None = None
    evaluated: int = 0  # costed by the model
    considered: int = 0  # proposed, including those pruned by capacity
    best_score: float = float("inf")
    best_factors: np.ndarray | None = None
    best_orders: np.ndarray | None = None
    started: float = field(default_factory=time.perf_counter)

    @property
    def exhausted(self) -> bool:
        b = self.budget
        if b.evaluations is not None and (self.evaluated >= b.evaluations
                                          or self.considered >= 50 * b.evaluations):
            return True
        return b.seconds is not None and time.perf_counter() - self.started >= b.seconds

    @property
    def remaining(self) -> int:
        if self.budget.evaluations is None:
            return 1 << 62
        return max(0, self.budget.evaluations - self.evaluated)

    def evaluate(self, factors: np.ndarray, orders: np.ndarray) -> np.ndarray:
        """Scores of the proposed genomes (inf where a tile or unrolling does not fit)."""
        self.considered += len(factors)
        scores = np.full(len(factors), np.inf)
        L = len(self.space.arch.levels)
        choice = orders[:, L]
        fits = self.space.fits_rows(factors, choice)
        keep, left = [], self.remaining  # the budget goes to bypass choices in turn
        for b in np.unique(choice):
            rows = np.flatnonzero(choice == b)
            keep.append(rows[fits[rows]][:left])
            left -= len(keep[-1])
        rows = np.sort(np.concatenate([choice[:0], *keep]))
        if len(rows):
            scores[rows] = self._cost(factors[rows], orders[rows])
        if self.progress is not None:
            self.progress(int(np.isfinite(scores).sum()))
        i = int(np.argmin(scores))
        if scores[i] < self.best_score:
            self.best_score = float(scores[i])
            self.best_factors = factors[i].copy()
            self.best_orders = orders[i].copy()
        return scores

    def prune(self, factors: np.ndarray, bypass: int) -> np.ndarray:
        """Which tilings fit under bypass choice ``bypass``, all counted as considered (for
        strategies that prune tilings before pairing them with orders)."""
        self.considered += len(factors)
        return self.space.fits(factors, bypass)

    def _cost(self, factors: np.ndarray, orders: np.ndarray) -> np.ndarray:
        space = self.space
        L = len(space.arch.levels)
        batch = space.batch(factors, orders, mixed=True)
        timing = None  # a timing bound matters to cycles, and to energy through static power
        if self.objective.cycles_exp or space.arch.static_power_mw:
            timing = select_timing(space.arch, space.stationary)
        stats = evaluate_choices(space.layer, space.arch, batch, orders[:, L], space.bypass,
                                 self.energy, timing)
        self.evaluated += len(factors)
        return np.where(stats.valid, self.objective.score(stats.energy_pj, stats.cycles),
                        np.inf)
