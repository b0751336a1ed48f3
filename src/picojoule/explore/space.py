"""A design space as data: which architecture parameters vary, over what, against which goals.

A space file (YAML) names a base architecture, the parameters that vary (each a dotted path
into the architecture's own YAML form, so anything an arch file can say can be swept), the
workloads with weights, the objectives and the constraints. It is validated once here, with
every problem reported at once; nothing downstream re-checks it.

```yaml
format: picojoule-space/1
base: eyeriss
parameters:
  pe_x:     {path: levels.shared_glb.fanout.x, choices: [8, 12, 14, 16, 24, 32]}
  glb_bits: {path: levels.shared_glb.capacity_bits, low: 262144, high: 4194304, log: true,
             step: 65536}
workloads: [{model: resnet18, weight: 1.0}]
objectives: [energy, cycles]
constraints: {area_um2_max: base}
search: {sampler: nsga2, trials: 64, population: 16, seed: 0}
mapper: {evaluations: 2000, objective: energy}
```
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from picojoule.errors import Collector, SpecError
from picojoule.fileio import load_data

FORMAT = "picojoule-space/1"
OBJECTIVES = ("energy", "cycles", "edp", "area")
SAMPLERS = ("grid", "random", "nsga2", "tpe")
MAPPER_OBJECTIVES = ("energy", "cycles", "edp")
MAX_TRIALS = 1_000_000
MAX_GRID = 1_000_000


@dataclass(frozen=True)
class Parameter:
    """One varying architecture field: a list of choices, or an (integer) range."""

    name: str
    path: str  # dotted path into the arch YAML; a level is addressed by its name
    choices: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None  # integer ranges: values low, low+step, ... (all ints)
    integer: bool = True

    def grid(self) -> tuple[Any, ...]:
        """Every value of a grid sweep: the choices, or the stepped range."""
        if self.choices:
            return self.choices
        if self.low is None or self.high is None:
            return ()
        step = self.step or 1
        count = math.floor((self.high - self.low) / step + 1e-9) + 1
        values = [self.low + i * step for i in range(count)]
        return tuple(int(v) if self.integer else float(v) for v in values)


@dataclass(frozen=True)
class Workload:
    model: str  # a zoo name or a model file load_model accepts
    weight: float = 1.0
    batch: int = 1


@dataclass(frozen=True)
class DesignSpace:
    name: str
    base: str  # preset name or arch file
    base_data: dict[str, Any]  # the base architecture's YAML form (frozen by convention)
    parameters: tuple[Parameter, ...]
    workloads: tuple[Workload, ...]
    objectives: tuple[str, ...]
    area_um2_max: float | str | None  # a number, "base" (the base design's area), or None
    power_w_max: float | None
    sampler: str
    trials: int
    population: int
    seed: int
    mapper_evaluations: int
    mapper_objective: str

    def grid_size(self) -> int:
        return math.prod(len(p.grid()) for p in self.parameters)


def load_space(path: str | Path) -> DesignSpace:
    """Read and validate a space file."""
    return space_from_mapping(load_data(path, "design space"), str(path))


def _number(c: Collector, data: dict[str, Any], key: str, path: str, *, integer: bool = False,
            positive: bool = True, default: Any = None) -> Any:
    value = data.get(key, default)
    if value is None:
        return None
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer:
        ok = float(value).is_integer()
    if ok and positive:
        ok = value > 0
    if not ok:
        kind = "integer" if integer else "number"
        c.add(path, f"a finite {'positive ' if positive else ''}{kind}, got {value!r:.60}")
        return None
    return int(value) if integer else float(value)


def _unknown(c: Collector, data: dict[str, Any], allowed: set[str], path: str) -> None:
    for key in sorted(set(data) - allowed, key=str):
        c.add(f"{path}.{key}" if path else str(key),
              f"one of {sorted(allowed)} (unknown key)")


def _parameter(c: Collector, name: str, data: Any) -> Parameter | None:
    where = f"parameters.{name}"
    if not isinstance(data, dict):
        c.add(where, "a mapping with path and choices, or path, low and high")
        return None
    _unknown(c, data, {"path", "choices", "low", "high", "log", "step"}, where)
    path = data.get("path")
    if not isinstance(path, str) or not path:
        c.add(f"{where}.path", f"a dotted path into the architecture, got {path!r:.60}")
        return None
    choices = data.get("choices")
    if choices is not None:
        if not isinstance(choices, list) or not choices:
            c.add(f"{where}.choices", "a non-empty list of values")
            return None
        if len({repr(v) for v in choices}) != len(choices):
            c.add(f"{where}.choices", "distinct values")
        if "low" in data or "high" in data:
            c.add(where, "either choices or low/high, not both")
        return Parameter(name, path, choices=tuple(choices))
    low = _number(c, data, "low", f"{where}.low", positive=False)
    high = _number(c, data, "high", f"{where}.high", positive=False)
    if low is None or high is None:
        if "low" not in data or "high" not in data:
            c.add(where, "choices: [...] or both low and high")
        return None
    log = data.get("log", False)
    if not isinstance(log, bool):
        c.add(f"{where}.log", f"true or false, got {log!r:.60}")
        log = False
    step = _number(c, data, "step", f"{where}.step")
    integer = float(low).is_integer() and float(high).is_integer() and \
        (step is None or float(step).is_integer())
    if high < low:
        c.add(where, f"low <= high (an empty range), got low={low:g}, high={high:g}")
        return None
    if log and low <= 0:
        c.add(f"{where}.low", f"> 0 for a log range, got {low:g}")
        return None
    return Parameter(name, path, low=low, high=high, log=log, step=step, integer=integer)


def space_from_mapping(data: Any, where: str) -> DesignSpace:
    from picojoule.arch.loader import arch_from_mapping, load_base_data

    c = Collector(where)
    if not isinstance(data, dict):
        raise SpecError.single(where, "", "a mapping (format, base, parameters, ...)")
    _unknown(c, data, {"format", "name", "base", "parameters", "workloads", "objectives",
                       "constraints", "search", "mapper"}, "")
    if data.get("format", FORMAT) != FORMAT:
        c.add("format", f"{FORMAT!r}, got {data.get('format')!r:.60}")
    base = data.get("base")
    base_data: dict[str, Any] = {}
    if not isinstance(base, str):
        c.add("base", f"a preset name or an architecture file, got {base!r:.60}")
    else:
        try:
            base_data = load_base_data(base, where)
        except SpecError as exc:
            c.extend(exc.problems)
    params_data = data.get("parameters")
    params: list[Parameter] = []
    if not isinstance(params_data, dict) or not params_data:
        c.add("parameters", "a non-empty mapping of name -> {path, choices | low/high}")
    else:
        for name, spec in params_data.items():
            p = _parameter(c, str(name), spec)
            if p is not None:
                params.append(p)
    workloads = _workloads(c, data.get("workloads"))
    objectives = data.get("objectives", ["energy"])
    if (not isinstance(objectives, list) or not objectives
            or any(o not in OBJECTIVES for o in objectives)
            or len(set(objectives)) != len(objectives)):
        c.add("objectives", f"a list of distinct objectives among {list(OBJECTIVES)}, "
                            f"got {objectives!r:.80}")
        objectives = ["energy"]
    cons = data.get("constraints") or {}
    area_max: float | str | None = None
    power_max = None
    if not isinstance(cons, dict):
        c.add("constraints", "a mapping (area_um2_max, power_w_max)")
    else:
        _unknown(c, cons, {"area_um2_max", "power_w_max"}, "constraints")
        if cons.get("area_um2_max") == "base":
            area_max = "base"
        else:
            area_max = _number(c, cons, "area_um2_max", "constraints.area_um2_max")
        power_max = _number(c, cons, "power_w_max", "constraints.power_w_max")
    search = data.get("search") or {}
    mapper = data.get("mapper") or {}
    sampler, trials, population, seed = "random", 32, 8, 0
    if not isinstance(search, dict):
        c.add("search", "a mapping (sampler, trials, population, seed)")
    else:
        _unknown(c, search, {"sampler", "trials", "population", "seed"}, "search")
        sampler = search.get("sampler", sampler)
        if sampler not in SAMPLERS:
            c.add("search.sampler", f"one of {list(SAMPLERS)}, got {sampler!r:.60}")
        trials = _number(c, search, "trials", "search.trials", integer=True, default=32) or 1
        if trials > MAX_TRIALS:
            c.add("search.trials", f"at most {MAX_TRIALS:,}, got {trials:,}")
        population = _number(c, search, "population", "search.population", integer=True,
                             default=8) or 1
        seed = _number(c, search, "seed", "search.seed", integer=True, positive=False,
                       default=0) or 0
        if not 0 <= seed < 2**63:
            c.add("search.seed", f"an integer in [0, 2**63), got {seed}")
    evaluations, mobjective = 2000, "energy"
    if not isinstance(mapper, dict):
        c.add("mapper", "a mapping (evaluations, objective)")
    else:
        _unknown(c, mapper, {"evaluations", "objective"}, "mapper")
        evaluations = _number(c, mapper, "evaluations", "mapper.evaluations", integer=True,
                              default=2000) or 1
        mobjective = mapper.get("objective", "energy")
        if mobjective not in MAPPER_OBJECTIVES:
            c.add("mapper.objective", f"one of {list(MAPPER_OBJECTIVES)}, got {mobjective!r:.60}")
    if params and sampler == "grid":
        size = math.prod(len(p.grid()) for p in params)
        if size > MAX_GRID:
            c.add("parameters", f"a grid of at most {MAX_GRID:,} designs, got {size:,}")
    c.raise_if_any()
    if base_data:  # every parameter must name a field the architecture has
        from picojoule.explore.design import path_problems

        c.extend(path_problems(base_data, params))
        if not c.problems:
            try:
                arch_from_mapping(base_data, f"{where}: base {base}")
            except SpecError as exc:
                c.extend(exc.problems)
    c.raise_if_any()
    return DesignSpace(
        name=str(data.get("name") or Path(where).stem), base=str(base), base_data=base_data,
        parameters=tuple(params), workloads=workloads, objectives=tuple(objectives),
        area_um2_max=area_max, power_w_max=power_max, sampler=sampler, trials=trials,
        population=population, seed=seed, mapper_evaluations=evaluations,
        mapper_objective=mobjective)


def _workloads(c: Collector, data: Any) -> tuple[Workload, ...]:
    if not isinstance(data, list) or not data:
        c.add("workloads", "a non-empty list of {model, weight, batch}")
        return ()
    out = []
    for i, item in enumerate(data):
        where = f"workloads[{i}]"
        if isinstance(item, str):
            item = {"model": item}
        if not isinstance(item, dict) or not isinstance(item.get("model"), str):
            c.add(where, "a model name or file, or {model, weight, batch}")
            continue
        _unknown(c, item, {"model", "weight", "batch"}, where)
        weight = _number(c, item, "weight", f"{where}.weight", default=1.0)
        batch = _number(c, item, "batch", f"{where}.batch", integer=True, default=1)
        out.append(Workload(item["model"], weight or 1.0, batch or 1))
    return tuple(out)
