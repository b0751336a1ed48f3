"""Search strategies over designs, one small interface: ``ask(n)`` proposes n designs,
``tell(designs, results)`` reports how they scored, and ``adaptive`` says whether proposals
depend on what was told.

A sweep asks a whole generation, evaluates it in parallel, then tells, in generation order.
An adaptive sampler (NSGA-II, TPE) is asked for the next generation only after the previous
one was told; a sampler that ignores results (grid, random) is asked one generation ahead, so
the next generation's layers queue behind the current one's. Either way proposals depend only
on the seed and on the results of earlier generations, never on which worker finished first,
so the same seed gives the same designs, and a resumed sweep replays the stored generations
through ``tell`` to reach exactly the sampler state it had when it was killed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from picojoule.explore.space import DesignSpace, Parameter

Design = dict[str, Any]


class Sampler(Protocol):
    adaptive: bool  # proposals depend on the results told

    def ask(self, n: int) -> list[Design]: ...

    def tell(self, designs: Sequence[Design], values: Sequence[tuple[float, ...] | None]
             ) -> None: ...


class GridSampler:
    """Every combination, in the order the parameters are declared (last varies fastest)."""

    adaptive = False

    def __init__(self, space: DesignSpace) -> None:
        self._params = space.parameters
        self._grid: Any = None

    def ask(self, n: int) -> list[Design]:
        if self._grid is None:
            self._grid = itertools.product(*(p.grid() for p in self._params))
        out = []
        for combo in itertools.islice(self._grid, n):
            out.append({p.name: v for p, v in zip(self._params, combo, strict=True)})
        return out

    def tell(self, designs: Sequence[Design], values: Sequence[tuple[float, ...] | None]
             ) -> None:
        return None


def _draw(p: Parameter, rng: np.random.Generator) -> Any:
    if p.choices:
        return p.choices[int(rng.integers(len(p.choices)))]
    if p.low is None or p.high is None:
        raise ValueError(f"parameter {p.name} has no values")
    low, high = float(p.low), float(p.high)
    if p.step:
        values = p.grid()
        if p.log:  # uniform in log space, snapped to the grid
            target = math.exp(rng.uniform(math.log(low), math.log(high)))
            return min(values, key=lambda v: abs(v - target))
        return values[int(rng.integers(len(values)))]
    x = math.exp(rng.uniform(math.log(low), math.log(high))) if p.log else rng.uniform(low, high)
    return round(x) if p.integer else float(x)


class RandomSampler:
    """Independent uniform draws (log-uniform for log ranges) from one seeded generator."""

    adaptive = False

    def __init__(self, space: DesignSpace) -> None:
        self._params = space.parameters
        self._rng = np.random.default_rng(space.seed)

    def ask(self, n: int) -> list[Design]:
        return [{p.name: _draw(p, self._rng) for p in self._params} for _ in range(n)]

    def tell(self, designs: Sequence[Design], values: Sequence[tuple[float, ...] | None]
             ) -> None:
        return None


class OptunaSampler:
    """NSGA-II (several objectives) or TPE (one), through optuna's ask-and-tell interface on an
    in-memory study; feasibility is a constraint for NSGA-II and a failed trial for TPE."""

    adaptive = True

    def __init__(self, space: DesignSpace) -> None:
        self._space = space
        self._study: Any = None
        self._pending: list[Any] = []

    def _make(self) -> Any:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        s = self._space
        n_obj = len(s.objectives)
        if s.sampler == "nsga2":
            sampler: Any = optuna.samplers.NSGAIISampler(population_size=max(2, s.population),
                                                         seed=s.seed)
        else:
            if n_obj != 1:
                raise ValueError("tpe takes one objective")
            sampler = optuna.samplers.TPESampler(seed=s.seed, n_startup_trials=s.population)
        return optuna.create_study(directions=["minimize"] * n_obj, sampler=sampler)

    def _distributions(self) -> dict[str, Any]:
        import optuna.distributions as d

        out: dict[str, Any] = {}
        for p in self._space.parameters:
            if p.choices:
                out[p.name] = d.CategoricalDistribution(list(p.choices))
            elif p.integer:
                step = int(p.step or 1)
                if p.log and step == 1:
                    out[p.name] = d.IntDistribution(int(p.low), int(p.high), log=True)  # type: ignore[arg-type]
                else:
                    out[p.name] = d.CategoricalDistribution(list(p.grid())) if p.log else \
                        d.IntDistribution(int(p.low), int(p.high), step=step)  # type: ignore[arg-type]
            else:
                out[p.name] = d.FloatDistribution(float(p.low), float(p.high), log=p.log,  # type: ignore[arg-type]
                                                  step=None if p.log else p.step)
        return out

    def ask(self, n: int) -> list[Design]:
        if self._study is None:
            self._study = self._make()
        dists = self._distributions()
        self._pending = [self._study.ask(dists) for _ in range(n)]
        return [dict(t.params) for t in self._pending]

    def tell(self, designs: Sequence[Design], values: Sequence[tuple[float, ...] | None]
             ) -> None:
        import optuna

        for trial, v in zip(self._pending, values, strict=True):
            if v is None or not all(math.isfinite(x) for x in v):
                self._study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                self._study.tell(trial, list(v))
        self._pending = []


def make_sampler(space: DesignSpace) -> Sampler:
    if space.sampler == "grid":
        return GridSampler(space)
    if space.sampler == "random":
        return RandomSampler(space)
    return OptunaSampler(space)
