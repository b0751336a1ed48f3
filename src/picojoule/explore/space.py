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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from picojoule.decode import NonEmpty, OneOf, Positive, Range, decode_dataclass
from picojoule.errors import Collector, SpecError
from picojoule.fileio import load_data

FORMAT: Literal["picojoule-space/1"] = "picojoule-space/1"
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
    weight: Annotated[float, Positive] = 1.0
    batch: Annotated[int, Positive] = 1


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


# The file's form, declared once: types, ranges and choices are checked by picojoule.decode.
@dataclass(frozen=True)
class _ParameterForm:
    path: Annotated[str, NonEmpty]  # dotted path into the architecture
    choices: Annotated[tuple[Any, ...], NonEmpty] | None = None
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: Annotated[float, Positive] | None = None


@dataclass(frozen=True)
class _Constraints:
    area_um2_max: Annotated[float, Positive] | Literal["base"] | None = None
    power_w_max: Annotated[float, Positive] | None = None


@dataclass(frozen=True)
class _Search:
    sampler: Annotated[str, OneOf(SAMPLERS)] = "random"
    trials: Annotated[int, Positive, Range(1, MAX_TRIALS)] = 32
    population: Annotated[int, Positive] = 8
    seed: Annotated[int, Range(0, 2**63 - 1)] = 0


@dataclass(frozen=True)
class _Mapper:
    evaluations: Annotated[int, Positive] = 2000
    objective: Annotated[str, OneOf(MAPPER_OBJECTIVES)] = "energy"


@dataclass(frozen=True)
class _SpaceForm:
    base: str = field(metadata={"expected": "a preset name or an architecture file"})
    parameters: Annotated[dict[str, _ParameterForm], NonEmpty] = field(metadata={
        "expected": "a non-empty mapping of name -> {path, choices | low/high}"})
    workloads: Annotated[tuple[Workload, ...], NonEmpty] = field(metadata={
        "expected": "a non-empty list of {model, weight, batch}"})
    format: Literal["picojoule-space/1"] = FORMAT
    name: str = ""
    objectives: Annotated[tuple[Annotated[str, OneOf(OBJECTIVES)], ...], NonEmpty] = (
        "energy",)
    constraints: _Constraints = _Constraints()
    search: _Search = _Search()
    mapper: _Mapper = _Mapper()


def _model_name(tp: Any, value: Any, where: str, field: str) -> Any:
    """A workload may be written as its model name alone."""
    if tp is Workload and isinstance(value, str):
        return Workload(value)
    return NotImplemented


def _parameter(c: Collector, name: str, form: _ParameterForm) -> Parameter | None:
    """The rules over several fields of one parameter (its fields are decoded already)."""
    where = f"parameters.{name}"
    if form.choices is not None:
        if len({repr(v) for v in form.choices}) != len(form.choices):
            c.add(f"{where}.choices", "distinct values")
        if form.low is not None or form.high is not None:
            c.add(where, "either choices or low/high, not both")
        return Parameter(name, form.path, choices=form.choices)
    low, high, step = form.low, form.high, form.step
    if low is None or high is None:
        c.add(where, "choices: [...] or both low and high")
        return None
    integer = low.is_integer() and high.is_integer() and (step is None or step.is_integer())
    if high < low:
        c.add(where, f"low <= high (an empty range), got low={low:g}, high={high:g}")
        return None
    if form.log and low <= 0:
        c.add(f"{where}.low", f"> 0 for a log range, got {low:g}")
        return None
    return Parameter(name, form.path, low=low, high=high, log=form.log, step=step,
                     integer=integer)


def space_from_mapping(data: Any, where: str) -> DesignSpace:
    from picojoule.arch.loader import arch_from_mapping, load_base_data

    c = Collector(where)
    form: _SpaceForm | None = None
    try:
        form = decode_dataclass(_SpaceForm, data, where, "", _model_name)
    except SpecError as exc:
        c.extend(exc.problems)
    base = data.get("base") if isinstance(data, dict) else None
    base_data: dict[str, Any] = {}
    if isinstance(base, str):
        try:
            base_data = load_base_data(base, where)
        except SpecError as exc:
            c.extend(exc.problems)
    params: list[Parameter] = []
    if form is not None:
        for name, spec in form.parameters.items():
            p = _parameter(c, name, spec)
            if p is not None:
                params.append(p)
        if len(set(form.objectives)) != len(form.objectives):
            c.add("objectives", f"distinct objectives, got {list(form.objectives)}")
        if params and form.search.sampler == "grid":
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
    if form is None:  # not reached: a form that failed to decode added its problems above
        raise SpecError.single(where, "", "a design-space mapping")
    return DesignSpace(
        name=form.name or Path(where).stem, base=form.base, base_data=base_data,
        parameters=tuple(params), workloads=form.workloads, objectives=form.objectives,
        area_um2_max=form.constraints.area_um2_max, power_w_max=form.constraints.power_w_max,
        sampler=form.search.sampler, trials=form.search.trials,
        population=form.search.population, seed=form.search.seed,
        mapper_evaluations=form.mapper.evaluations, mapper_objective=form.mapper.objective)
