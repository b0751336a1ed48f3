"""The sweep: ask a generation of designs, search their layers wherever the executor runs
them, store every layer and every design the moment it is done, tell the sampler, repeat.

Resuming replays the stored generations: the sampler is asked again from the same seed, the
stored results are told back, and only what is missing is evaluated. The base architecture is
trial -1, the yardstick every design is compared with.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from picojoule.arch.spec import Arch
from picojoule.context.executor import Executor
from picojoule.context.store import fingerprint
from picojoule.errors import SpecError
from picojoule.explore.design import DesignValues, combine, design_arch
from picojoule.explore.pareto import hypervolume, pareto_front
from picojoule.explore.samplers import Design, make_sampler
from picojoule.explore.space import DesignSpace
from picojoule.explore.store import SweepStore, TrialRecord
from picojoule.explore.tasks import (
    LayerTask,
    design_area_um2,
    layer_task,
    mapper_options,
    run_task,
)
from picojoule.workload.einsum import Layer

BASE_TRIAL = -1
Progress = Callable[[int, int, TrialRecord], None]


@dataclass(frozen=True)
class SweepResult:
    space: DesignSpace
    base: TrialRecord
    trials: tuple[TrialRecord, ...]
    front: tuple[TrialRecord, ...]  # feasible, non-dominated in the space's objectives
    hypervolume: float  # of the front, reference point: the base design's objectives
    searched_layers: int  # layer searches run by this call (not from the store)
    seconds: float

    def best(self, objective: str) -> TrialRecord | None:
        feasible = [t for t in self.trials if t.feasible]
        key = {"energy": "energy_pj", "cycles": "cycles", "edp": "edp", "area": "area_um2"}
        return min(feasible, key=lambda t: t.values[key[objective]], default=None)


def _objectives(space: DesignSpace, t: TrialRecord) -> tuple[float, ...] | None:
    if not t.feasible:
        return None
    key = {"energy": "energy_pj", "cycles": "cycles", "edp": "edp", "area": "area_um2"}
    return tuple(t.values[key[o]] for o in space.objectives)


def space_digest(space: DesignSpace) -> str:
    return fingerprint(space)


def explore(space: DesignSpace, store_path: str | Path, executor: Executor, *,
            resume: bool = False, progress: Progress | None = None) -> SweepResult:
    """Run (or resume) the sweep ``space`` into the SQLite store at ``store_path``."""
    from picojoule.importers import load_model

    started = time.perf_counter()
    networks = [load_model(w.model, batch=w.batch, where=f"workloads[{i}].model").layers
                for i, w in enumerate(space.workloads)]
    if not any(networks):
        raise SpecError.single("workloads", "", "at least one einsum layer to map")
    store = SweepStore.open(store_path, space_digest(space), resume)
    counter = [0]
    try:
        base_arch = design_arch(space, {})
        limit = _area_limit(space, base_arch, networks)
        run = _Runner(space, store, executor, networks, limit, counter)
        base = run.generation([(BASE_TRIAL, {})])[0]
        sampler = make_sampler(space)
        number = 0
        while number < space.trials:
            designs = sampler.ask(min(space.population, space.trials - number))
            if not designs:
                break  # a grid smaller than the trial count
            records = run.generation(list(enumerate(designs, start=number)))
            sampler.tell(designs, [_objectives(space, t) for t in records])
            number += len(designs)
            if progress is not None:
                for t in records:
                    progress(t.number + 1, space.trials, t)
        trials = tuple(t for t in store.trials() if t.number != BASE_TRIAL)
    finally:
        store.close()
    feasible = [t for t in trials if t.feasible]
    points = [_objectives(space, t) for t in feasible]
    front_idx = pareto_front([p for p in points if p is not None])
    front = tuple(feasible[i] for i in front_idx)
    ref = _objectives(space, base)
    hv = hypervolume([points[i] for i in front_idx], ref) if ref is not None else 0.0  # type: ignore[misc]
    return SweepResult(space, base, trials, front, hv, counter[0],
                       time.perf_counter() - started)


def _area_limit(space: DesignSpace, base: Arch, networks: list[tuple[Layer, ...]]
                ) -> float | None:
    if space.area_um2_max == "base":
        first = next(layer for layers in networks for layer in layers)
        return design_area_um2(base, first)
    return space.area_um2_max  # type: ignore[return-value]


class _Runner:
    """Evaluates generations of designs against the store (one sweep's state)."""

    def __init__(self, space: DesignSpace, store: SweepStore, executor: Executor,
                 networks: list[tuple[Layer, ...]], area_limit: float | None,
                 counter: list[int]) -> None:
        self.space, self.store, self.executor = space, store, executor
        self.networks, self.area_limit, self.counter = networks, area_limit, counter
        self.options = mapper_options(space.mapper_evaluations, space.mapper_objective,
                                      space.seed)

    def generation(self, numbered: list[tuple[int, Design]]) -> list[TrialRecord]:
        done: dict[int, TrialRecord] = {}
        pending: dict[int, tuple[Design, Arch, list[list[LayerTask]]]] = {}
        for number, design in numbered:
            stored = self.store.trial(number)
            if stored is not None:
                if stored.params != _jsonable(design):
                    raise SpecError.single(self.store.path, f"trial {number}",
                                           "the design this seed proposes (the store holds "
                                           "another; was the space file changed?)")
                done[number] = stored
                continue
            try:
                arch = design_arch(self.space, design)
            except SpecError as exc:
                done[number] = self._infeasible(number, design, "; ".join(
                    str(p) for p in exc.problems), math.inf)
                continue
            first = next(layer for layers in self.networks for layer in layers)
            area = design_area_um2(arch, first)
            if self.area_limit is not None and area > self.area_limit:
                done[number] = self._infeasible(
                    number, design, f"area {area:.4g} um2 over the budget "
                                    f"{self.area_limit:.4g}", area)
                continue
            tasks = [[layer_task(layer, arch, self.options) for layer in layers]
                     for layers in self.networks]
            pending[number] = (design, arch, tasks)
        todo: dict[str, LayerTask] = {}
        for _, _, tasks in pending.values():
            for t in (t for ts in tasks for t in ts):
                if t.key not in todo and self.store.layer(t.key) is None:
                    todo[t.key] = t
        tasks_todo = list(todo.values())
        for i, record in self.executor.map_unordered(run_task, tasks_todo):
            self.store.put_layer(tasks_todo[i].key, record)
            self.counter[0] += 1
        for number, (design, arch, tasks) in pending.items():
            per_workload = [[self._layer(t.key) for t in ts] for ts in tasks]
            v = combine(self.space, arch, per_workload, self.area_limit)
            rec = TrialRecord(number, _jsonable(design), _values(v), v.feasible, v.why)
            self.store.put_trial(rec)
            done[number] = rec
        return [done[n] for n, _ in numbered]

    def _layer(self, key: str) -> dict[str, Any]:
        rec = self.store.layer(key)
        if rec is None:  # the executor returned without it: a bug, not bad input
            raise RuntimeError(f"layer {key} missing from the store after its run")
        return rec

    def _infeasible(self, number: int, design: Design, why: str, area: float) -> TrialRecord:
        inf = math.inf
        rec = TrialRecord(number, _jsonable(design),
                          {"energy_pj": inf, "cycles": inf, "seconds": inf, "area_um2": area,
                           "edp": inf}, False, why)
        self.store.put_trial(rec)
        return rec


def _values(v: DesignValues) -> dict[str, float]:
    return {"energy_pj": v.energy_pj, "cycles": v.cycles, "seconds": v.seconds,
            "area_um2": v.area_um2, "edp": v.edp}


def _jsonable(design: Design) -> dict[str, Any]:
    import json

    return dict(json.loads(json.dumps(design, sort_keys=True)))
