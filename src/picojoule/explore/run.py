"""The sweep: ask a generation of designs, search their layers wherever the executor runs
them, store every layer and every design the moment it is done, tell the sampler, repeat.

Layer searches stream: each design's are submitted as soon as the design is prepared, longest
expected first (``picojoule.explore.schedule``), and collected as they finish; a sampler that
ignores results is asked one generation ahead so the workers never wait for a generation's
last search. The sampler is always told whole generations in order, so what it proposes does
not depend on the number of workers or on which search finished first.

Resuming replays the stored generations: the sampler is asked again from the same seed, the
stored results are told back, and only what is missing is evaluated. The base architecture is
trial -1, the yardstick every design is compared with.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from picojoule.arch.spec import Arch
from picojoule.context.executor import Executor
from picojoule.context.store import fingerprint
from picojoule.errors import SpecError
from picojoule.explore.design import DesignValues, combine, design_arch
from picojoule.explore.pareto import hypervolume, pareto_front
from picojoule.explore.samplers import Design, make_sampler
from picojoule.explore.schedule import CostBook, TaskStream, open_stream
from picojoule.explore.space import DesignSpace
from picojoule.explore.store import SweepStore, TrialRecord
from picojoule.explore.tasks import (
    LayerTask,
    design_area_um2,
    layer_tasks,
    mapper_options,
    timed_run,
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
    busy_seconds: float = 0.0  # the searches' own time, summed over the workers that ran them

    def idle_fraction(self, workers: int) -> float:
        """The share of ``workers`` × ``seconds`` the workers spent not searching (waiting for
        work, or busy with anything else than a layer search)."""
        return max(0.0, 1.0 - self.busy_seconds / (workers * self.seconds)) \
            if self.seconds > 0 else 0.0

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
    try:
        base_arch = design_arch(space, {})
        limit = _area_limit(space, base_arch, networks)
        run = _Runner(space, store, open_stream(executor, timed_run), networks, limit, progress)
        # the base is never told to the sampler: the first generations need not wait for it
        base_generation = run.start([(BASE_TRIAL, {})])
        sampler = make_sampler(space)
        ahead = 1 if sampler.adaptive else 2  # generations in flight
        in_flight: deque[_Generation] = deque()
        number, exhausted = 0, False
        while True:
            while not exhausted and number < space.trials and len(in_flight) < ahead:
                designs = sampler.ask(min(space.population, space.trials - number))
                exhausted = not designs  # a grid smaller than the trial count
                if designs:
                    in_flight.append(run.start(list(enumerate(designs, start=number))))
                    number += len(designs)
            if not in_flight:
                break
            generation = in_flight.popleft()
            records = run.wait(generation)
            sampler.tell([d for _, d in generation.numbered],
                         [_objectives(space, t) for t in records])
        base = run.wait(base_generation)[0]
        trials = tuple(t for t in store.trials() if t.number != BASE_TRIAL)
    finally:
        store.close()
    feasible = [t for t in trials if t.feasible]
    points = [_objectives(space, t) for t in feasible]
    front_idx = pareto_front([p for p in points if p is not None])
    front = tuple(feasible[i] for i in front_idx)
    ref = _objectives(space, base)
    hv = hypervolume([points[i] for i in front_idx], ref) if ref is not None else 0.0  # type: ignore[misc]
    return SweepResult(space, base, trials, front, hv, run.searched,
                       time.perf_counter() - started, run.busy_seconds)


def _area_limit(space: DesignSpace, base: Arch, networks: list[tuple[Layer, ...]]
                ) -> float | None:
    if space.area_um2_max == "base":
        first = next(layer for layers in networks for layer in layers)
        return design_area_um2(base, first)
    return space.area_um2_max  # type: ignore[return-value]


@dataclass
class _Generation:
    """Designs asked together (trial number, parameters) and their records as they finish."""

    serial: int
    numbered: list[tuple[int, Design]]
    records: dict[int, TrialRecord] = field(default_factory=dict)


@dataclass
class _Waiting:
    """A design whose layers are being searched; ``missing``: the keys not back yet."""

    generation: _Generation
    number: int
    design: Design
    arch: Arch
    tasks: list[list[LayerTask]]
    missing: set[str]


class _Runner:
    """Evaluates designs against the store (one sweep's state): ``start`` submits a
    generation's layer searches as each design is prepared, ``wait`` collects results (of any
    generation in flight) until that generation is complete; a design is scored and stored the
    moment its last layer is back."""

    def __init__(self, space: DesignSpace, store: SweepStore, stream: TaskStream,
                 networks: list[tuple[Layer, ...]], area_limit: float | None,
                 progress: Progress | None) -> None:
        self.space, self.store, self.stream = space, store, stream
        self.networks, self.area_limit, self.progress = networks, area_limit, progress
        self.options = mapper_options(space.mapper_evaluations, space.mapper_objective,
                                      space.seed)
        self.costs = CostBook()
        self.waiting: dict[str, list[_Waiting]] = {}  # layer key -> designs that need it
        self.shape: dict[str, Hashable] = {}  # layer key -> its layer's signature
        self.generations = 0
        self.searched = 0  # layer searches run (not found in the store)
        self.busy_seconds = 0.0  # what they took where they ran
        self.reported = 0

    def start(self, numbered: list[tuple[int, Design]]) -> _Generation:
        gen = _Generation(self.generations, numbered)
        self.generations += 1
        for number, design in numbered:
            stored = self.store.trial(number)
            if stored is not None:
                if stored.params != _jsonable(design):
                    raise SpecError.single(self.store.path, f"trial {number}",
                                           "the design this seed proposes (the store holds "
                                           "another; was the space file changed?)")
                self._record(gen, stored)
                continue
            try:
                arch = design_arch(self.space, design)
            except SpecError as exc:
                self._record(gen, self._infeasible(number, design, "; ".join(
                    str(p) for p in exc.problems), math.inf))
                continue
            first = next(layer for layers in self.networks for layer in layers)
            area = design_area_um2(arch, first)
            if self.area_limit is not None and area > self.area_limit:
                self._record(gen, self._infeasible(
                    number, design, f"area {area:.4g} um2 over the budget "
                                    f"{self.area_limit:.4g}", area))
                continue
            tasks = [layer_tasks(layers, arch, self.options) for layers in self.networks]
            w = _Waiting(gen, number, design, arch, tasks, set())
            for t in (t for ts in tasks for t in ts):
                if t.key in w.missing:
                    continue
                if t.key in self.waiting:  # searched for another design in flight
                    self.waiting[t.key].append(w)
                    w.missing.add(t.key)
                elif not self.store.has_layer(t.key):
                    self.waiting[t.key] = [w]
                    w.missing.add(t.key)
                    self.shape[t.key] = t.layer.signature
                    self.stream.submit(t.key, t, self.costs.priority(t.layer.signature,
                                                                     gen.serial))
            if not w.missing:
                self._complete(w)
        return gen

    def wait(self, gen: _Generation) -> list[TrialRecord]:
        while len(gen.records) < len(gen.numbered):
            key, (record, seconds) = self.stream.next()
            self.store.put_layer(key, record)
            self.searched += 1
            self.busy_seconds += seconds
            self.costs.record(self.shape.pop(key), seconds)
            for w in self.waiting.pop(key):
                w.missing.discard(key)
                if not w.missing:
                    self._complete(w)
        return [gen.records[n] for n, _ in gen.numbered]

    def _complete(self, w: _Waiting) -> None:
        per_workload = [[self._layer(t.key) for t in ts] for ts in w.tasks]
        v = combine(self.space, w.arch, per_workload, self.area_limit)
        rec = TrialRecord(w.number, _jsonable(w.design), _values(v), v.feasible, v.why)
        self.store.put_trial(rec)
        self._record(w.generation, rec)

    def _record(self, gen: _Generation, rec: TrialRecord) -> None:
        gen.records[rec.number] = rec
        if rec.number != BASE_TRIAL and self.progress is not None:
            self.reported += 1
            self.progress(self.reported, self.space.trials, rec)

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
