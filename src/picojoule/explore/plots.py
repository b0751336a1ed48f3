"""What the sweep report draws, computed apart from drawing it: the Pareto scatter, the
parallel coordinates of parameters, and the chosen designs against the base."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from picojoule.explore.run import SweepResult

_VALUE = {"energy": "energy_pj", "cycles": "cycles", "edp": "edp", "area": "area_um2"}
_UNIT = {"energy": "energy (pJ)", "cycles": "cycles", "edp": "EDP (pJ x cycles)",
         "area": "area (um2)"}


@dataclass(frozen=True)
class SweepPlotData:
    title: str
    x_label: str
    y_label: str
    points: tuple[tuple[float, float, int, bool, str], ...]  # x, y, trial, on front, hover
    base: tuple[float, float]
    parameters: tuple[str, ...]
    columns: dict[str, tuple[float, ...]]  # parameter -> value per feasible trial
    objective_column: tuple[float, ...]  # first objective per feasible trial
    best: tuple[dict[str, Any], ...]  # per objective: the best design and its ratio to base
    infeasible: int


def sweep_plot_data(r: SweepResult) -> SweepPlotData:
    objs = list(r.space.objectives)
    xo = objs[0]
    yo = objs[1] if len(objs) > 1 else ("area" if xo != "area" else "energy")
    front = {t.number for t in r.front}
    feasible = [t for t in r.trials if t.feasible]
    points = tuple(
        (t.values[_VALUE[xo]], t.values[_VALUE[yo]], t.number, t.number in front,
         ", ".join(f"{k}={v}" for k, v in sorted(t.params.items())))
        for t in feasible)
    names = tuple(p.name for p in r.space.parameters)
    columns = {p.name: tuple(_axis_value(p.choices, t.params[p.name]) for t in feasible)
               for p in r.space.parameters}
    best = []
    for o in ("energy", "cycles", "edp", "area"):
        t = r.best(o)
        if t is not None:
            base_v = r.base.values[_VALUE[o]]
            best.append({"objective": o, "trial": t.number, "params": t.params,
                         "value": t.values[_VALUE[o]],
                         "base_over_best": base_v / t.values[_VALUE[o]]
                         if t.values[_VALUE[o]] else 0.0})
    return SweepPlotData(
        title=f"{r.space.name}: {len(r.trials)} designs on {r.space.base}",
        x_label=_UNIT[xo], y_label=_UNIT[yo], points=points,
        base=(r.base.values[_VALUE[xo]], r.base.values[_VALUE[yo]]), parameters=names,
        columns=columns, objective_column=tuple(t.values[_VALUE[xo]] for t in feasible),
        best=tuple(best), infeasible=len(r.trials) - len(feasible))


def _axis_value(choices: tuple[Any, ...], value: Any) -> float:
    """Numbers as they are; other choices (a dataflow name) by their position in the list."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return float(list(choices).index(value)) if value in choices else -1.0
