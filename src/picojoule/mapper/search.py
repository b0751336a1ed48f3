"""The best mapping of one layer on one architecture: constraints -> spaces -> a strategy.

Bypass choices are part of the genome (the evaluator costs each choice's rows as one batch).
The strategy is an object (``strategies``); the default, ``Auto()``, enumerates when the whole
space fits the evaluation budget (and then the result is proven best in the space) and runs
the guided search otherwise. A ``Context`` brings the estimator registry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from picojoule.arch.spec import Arch
from picojoule.context import Context, resolve
from picojoule.cost.energy import EnergyModel, energy_model
from picojoule.cost.model import evaluate_batch
from picojoule.cost.stats import Stats
from picojoule.cost.timing import select_timing
from picojoule.errors import Collector, Problem, SpecError
from picojoule.mapper.constraints import Constraints, natural
from picojoule.mapper.evaluator import Budget, Evaluator, Objective
from picojoule.mapper.space import MappingSpace, build_space
from picojoule.mapper.strategies import STRATEGIES, Auto, SearchStrategy, strategy_from_name
from picojoule.mapping.batch import batch_of_one
from picojoule.mapping.spec import Mapping
from picojoule.workload.einsum import Layer
from picojoule.workload.im2col import fuse, layer_for

MAX_BUDGET_SECONDS = 86_400.0  # a day per search: a larger time budget is a typo
MAX_BUDGET_EVALUATIONS = 10**10  # ~a day of costing at 100k mappings/s


class UnmappableError(SpecError):
    """No mapping of the layer fits the architecture; the problems name level and operand."""


@dataclass(frozen=True)
class SearchOptions:
    """How to search: constraints (None: the arch's natural dataflow), objective, budget,
    strategy object (``Guided(...)``; a registered name is mapped once) and seed."""

    constraints: Constraints | None = None  # None: the architecture's natural dataflow
    objective: Objective = field(default_factory=Objective)
    budget: Budget = field(default_factory=Budget)
    # a strategy object; a name from STRATEGIES is mapped to its default once (normalize_options)
    strategy: SearchStrategy | str = field(default_factory=Auto)
    seed: int = 0


@dataclass(frozen=True)
class SearchResult:
    layer: Layer
    mapping: Mapping
    stats: Stats  # cycles include systolic fill/drain on systolic arrays
    score: float
    strategy: str
    dataflow: str
    evaluated: int  # mappings costed
    considered: int  # mappings proposed, including those pruned by capacity
    seconds: float
    proven: bool  # exhaustive over the whole space: the best mapping in it

    @property
    def certainty(self) -> str:
        if self.proven:
            return f"proven best in the space ({self.evaluated:,} mappings costed)"
        return f"best of {self.evaluated:,} mappings costed ({self.strategy}); not proven"


def check_options(options: SearchOptions, where: str = "search options") -> None:
    """Every problem with the options at once (the Python edge; the CLI checks its flags)."""
    c = Collector(where)
    b = options.budget
    if b.evaluations is None and b.seconds is None:
        c.add("budget", "a number of evaluations, a number of seconds, or both")
    if b.evaluations is not None and (isinstance(b.evaluations, bool)
                                      or not isinstance(b.evaluations, int)
                                      or not 1 <= b.evaluations <= MAX_BUDGET_EVALUATIONS):
        c.add("budget.evaluations", f"a positive integer up to {MAX_BUDGET_EVALUATIONS:.0e}, "
                                    f"got {b.evaluations!r:.40}")
    if b.seconds is not None and not (isinstance(b.seconds, (int, float))
                                      and not isinstance(b.seconds, bool)
                                      and 0 < b.seconds <= MAX_BUDGET_SECONDS):
        c.add("budget.seconds", f"a positive number up to {MAX_BUDGET_SECONDS:g}, "
                                f"got {b.seconds!r:.40}")
    for name in ("energy_exp", "cycles_exp"):
        value = getattr(options.objective, name)
        if not isinstance(value, (int, float)) or not 0 <= value <= 16:
            c.add(f"objective.{name}", f"a number from 0 to 16, got {value!r:.40}")
    named = isinstance(options.strategy, str)
    if (named and options.strategy not in STRATEGIES) or (not named and not isinstance(
            options.strategy, SearchStrategy)):
        c.add("strategy", f"a strategy object or one of {', '.join(STRATEGIES)}, "
                          f"got {options.strategy!r:.60}")
    if isinstance(options.seed, bool) or not isinstance(options.seed, int) or options.seed < 0:
        c.add("seed", f"a non-negative integer, got {options.seed!r}")
    c.raise_if_any()


def resolve_constraints(arch: Arch, options: SearchOptions) -> Constraints:
    return options.constraints if options.constraints is not None else natural(arch.dataflow)


def normalize_options(options: SearchOptions, context: Context | None = None,
                      where: str = "search options") -> SearchOptions:
    """Checked options with the strategy as an object and the context's seed, if it sets one
    (the edge's one normalization; ``search`` and ``analyze`` call it)."""
    check_options(options, where)
    strategy = _as_object(options.strategy)
    seed = options.seed if context is None or context.seed is None else context.seed
    return replace(options, strategy=strategy, seed=seed)


def _as_object(strategy: SearchStrategy | str) -> SearchStrategy:
    return strategy_from_name(strategy) if isinstance(strategy, str) else strategy


def search(layer: Layer, arch: Arch, options: SearchOptions = SearchOptions(),
           energy: EnergyModel | None = None,
           progress: Callable[[int], None] | None = None, *,
           context: Context | None = None) -> SearchResult:
    """The best mapping found under ``options``; ``UnmappableError`` when none fits."""
    ctx = resolve(context)
    options = normalize_options(options, ctx)
    started = time.perf_counter()
    constraints = resolve_constraints(arch, options)
    forms = [layer]
    fused = fuse(layer) if any(lv.fanout.im2col for lv in arch.levels) else None
    if fused is not None:  # the array can stream flattened pixels: search both forms
        forms.append(fused)
    budget = options.budget.split(len(forms))
    seconds = options.budget.seconds
    deadline = None if seconds is None else started + seconds  # building the space too
    runs = []
    evaluated = considered = 0
    proven = True
    for form in forms:
        energy_f = energy if energy is not None else energy_model(arch, form, ctx.estimators)
        space = build_space(form, arch, constraints, deadline=deadline)
        strategy = _as_object(options.strategy)
        if isinstance(strategy, Auto):
            strategy = strategy.choose(space, budget)
        ev = Evaluator(space, energy_f, options.objective, budget, progress)
        proven = bool(strategy.run(space, ev, np.random.default_rng(options.seed))) and proven
        evaluated, considered = evaluated + ev.evaluated, considered + ev.considered
        runs.append((ev, space, strategy.name))
    ev, space, name = min(runs, key=lambda r: r[0].best_score)
    if ev.best_factors is None or ev.best_orders is None:
        raise UnmappableError(diagnose(layer, arch, runs[0][1]))
    batch = space.batch(ev.best_factors[None], ev.best_orders[None])
    mapping = batch.mapping(0, space.layer, arch)
    return SearchResult(
        layer=layer, mapping=mapping, stats=mapping_stats(layer, arch, mapping, constraints,
                                                          energy),
        score=ev.best_score, strategy=name, dataflow=constraints.name, evaluated=evaluated,
        considered=considered, seconds=time.perf_counter() - started, proven=proven)


def mapping_stats(layer: Layer, arch: Arch, mapping: Mapping, constraints: Constraints,
                  energy: EnergyModel | None = None) -> Stats:
    """Stats of a found mapping, with the architecture's timing model (systolic fill and
    drain) if one supports it (the one path by which search results and cached results are
    both costed). A mapping that names the layer's flattened pixel dim (``PQ``) is costed on
    the fused form of the layer."""
    return _costed(layer, arch, mapping, constraints, energy)[0]


def fitting_mapping_stats(layer: Layer, arch: Arch, mapping: Mapping,
                          constraints: Constraints) -> Stats | None:
    """``mapping_stats`` of a mapping found for another form of the layer (e.g. another
    operand density), or None when its tiles do not fit ``arch``'s capacities there."""
    stats, fits = _costed(layer, arch, mapping, constraints, None)
    return stats if fits else None


def _costed(layer: Layer, arch: Arch, mapping: Mapping, constraints: Constraints,
            energy: EnergyModel | None) -> tuple[Stats, bool]:
    layer = layer_for(layer, {d for lm in mapping.levels
                              for d, _ in (*lm.temporal, *lm.spatial_x, *lm.spatial_y)})
    energy = energy if energy is not None else energy_model(arch, layer)
    batch = batch_of_one(mapping, layer, arch)
    timing = select_timing(arch, constraints.stationary)
    costed = evaluate_batch(layer, arch, batch, energy, timing)
    return costed.row(0), bool(costed.valid[0])


def diagnose(layer: Layer, arch: Arch, space: MappingSpace) -> list[Problem]:
    """Why nothing fits: the smallest tile the space allows, level by level and operand by
    operand, against each level's capacity, for every bypass choice."""
    where = f"layer {layer.name} ({layer.to_text()}) on {arch.name}"
    problems: list[Problem] = []
    # the option of each dim that keeps the least below the outermost level
    inner = [opt[np.argmin(opt[:, space.slot_level > 0].prod(axis=1))] for opt in space.options]
    factors = np.stack(inner)[None]
    for b in range(len(space.bypass)):
        orders = np.zeros((1, len(space.n_orders)), np.int64)
        orders[0, -1] = b
        usage = space.usage_bits(space.batch(factors, orders))[0]
        for lv, spec in enumerate(arch.levels):
            if spec.capacity_bits is None or usage[lv].sum() <= spec.capacity_bits:
                continue
            parts = ", ".join(f"{op.name} {int(usage[lv, o])} b"
                              for o, op in enumerate(layer.operands) if usage[lv, o])
            worst = layer.operands[int(np.argmax(usage[lv]))].name
            problems.append(Problem(where, f"{spec.name}.{worst}", (
                f"room for the smallest tile the constraints allow ({parts}) in "
                f"{spec.capacity_bits} bits; bypass {worst} at {spec.name}, enlarge it, or "
                f"relax the dataflow")))
    if not problems:
        problems.append(Problem(where, "mapping", "a mapping that fits every level; none "
                                "was found within the budget (raise --budget)"))
    return list(dict.fromkeys(problems))
