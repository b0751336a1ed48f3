"""From parameter values to a validated architecture, and from layer results to a design's
objectives.

A design is the base architecture's YAML form with each parameter's path set to a value, then
validated by the same loader as any arch file: a design the loader would reject is reported
as infeasible with the loader's own message, never evaluated half-formed.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from picojoule.arch.spec import Arch, Compute, Fanout, StorageLevel
from picojoule.errors import Problem
from picojoule.explore.space import DesignSpace, Parameter

# Fields a path may set at each kind of node (the arch file's own keys).
_TOP = {f.name for f in dataclasses.fields(Arch)} - {"levels", "compute", "sources"}
_LEVEL = {f.name for f in dataclasses.fields(StorageLevel)} | {"depth"}
_FANOUT = {f.name for f in dataclasses.fields(Fanout)}
_COMPUTE = {f.name for f in dataclasses.fields(Compute)}


def _resolve(data: dict[str, Any], path: str) -> tuple[dict[str, Any], str, set[str]]:
    """The dict that holds the path's last key, the key, and the keys allowed there."""
    parts = path.split(".")
    if parts[0] == "levels":
        if len(parts) < 3:
            raise KeyError("levels.<level name>.<field>")
        levels = {lv.get("name"): lv for lv in data.get("levels", []) if isinstance(lv, dict)}
        if parts[1] not in levels:
            raise KeyError(f"a level of the base architecture ({', '.join(map(str, levels))}),"
                           f" got {parts[1]!r}")
        node = levels[parts[1]]
        rest = parts[2:]
        if rest[0] == "fanout" and len(rest) == 2:
            node = node.setdefault("fanout", {}) if isinstance(node.get("fanout"), dict) or \
                "fanout" not in node else node["fanout"]
            return node, rest[1], _FANOUT
        if len(rest) == 1:
            return node, rest[0], _LEVEL
        raise KeyError("levels.<level>.<field> or levels.<level>.fanout.<field>")
    if parts[0] == "compute" and len(parts) == 2:
        return data.setdefault("compute", {}), parts[1], _COMPUTE
    if len(parts) == 1:
        return data, parts[0], _TOP
    raise KeyError("a top-level field, compute.<field> or levels.<level>.<field>")


def path_problems(base: dict[str, Any], params: tuple[Parameter, ...] | list[Parameter]
                  ) -> list[Problem]:
    """A problem for each parameter whose path names no field of the base architecture."""
    out = []
    for p in params:
        try:
            _, key, allowed = _resolve(copy.deepcopy(base), p.path)
        except KeyError as exc:
            out.append(Problem("parameters", f"{p.name}.path", str(exc.args[0])))
            continue
        if key not in allowed:
            out.append(Problem("parameters", f"{p.name}.path",
                               f"a field the architecture has ({', '.join(sorted(allowed))}),"
                               f" got {key!r}"))
    return out


def design_data(space: DesignSpace, values: dict[str, Any]) -> dict[str, Any]:
    """The base architecture's YAML form with every parameter set."""
    data = copy.deepcopy(space.base_data)
    for p in space.parameters:
        if p.name not in values:
            continue  # the base design (trial -1) sets nothing
        node, key, _ = _resolve(data, p.path)
        node[key] = values[p.name]
        if key == "capacity_bits":
            node.pop("depth", None)  # a capacity given replaces a depth x width one
        elif key == "depth":
            node.pop("capacity_bits", None)
    data["name"] = f"{space.name}:" + (",".join(f"{k}={values[k]}" for k in sorted(values))
                                       or "base")
    return data


def design_arch(space: DesignSpace, values: dict[str, Any]) -> Arch:
    """The validated architecture of one design (raises SpecError if the loader rejects it)."""
    from picojoule.arch.loader import arch_from_mapping

    return arch_from_mapping(design_data(space, values), f"design {values}")


@dataclass(frozen=True)
class DesignValues:
    """What a design scored: totals over the weighted workloads, and whether it is feasible."""

    energy_pj: float
    cycles: float
    seconds: float
    area_um2: float
    edp: float  # sum over workloads of weight x energy_pj x cycles
    feasible: bool
    why: str = ""  # why infeasible

    def objective(self, name: str) -> float:
        return {"energy": self.energy_pj, "cycles": self.cycles, "edp": self.edp,
                "area": self.area_um2}[name]


def combine(space: DesignSpace, arch: Arch, per_workload: list[list[dict[str, Any]]],
            area_limit_um2: float | None) -> DesignValues:
    """Totals of a design from its layers' records (one list per workload, every layer)."""
    energy = cycles = edp = 0.0
    area = 0.0
    for workload, records in zip(space.workloads, per_workload, strict=True):
        errors = [r["error"] for r in records if "error" in r]
        if errors:
            return DesignValues(math.inf, math.inf, math.inf, math.inf, math.inf, False,
                                f"unmappable: {errors[0]}")
        e = math.fsum(r["energy_pj"] for r in records)
        d = math.fsum(r["cycles"] for r in records)
        energy += workload.weight * e
        cycles += workload.weight * d
        edp += workload.weight * e * d
        area = max([area, *(r["area_um2"] for r in records)])
    seconds = cycles / arch.clock_hz
    why = ""
    if area_limit_um2 is not None and area > area_limit_um2:
        why = f"area {area:.4g} um2 over the budget {area_limit_um2:.4g}"
    if not why and space.power_w_max is not None and seconds > 0:
        power = energy * 1e-12 / seconds
        if power > space.power_w_max:
            why = f"power {power:.3g} W over the budget {space.power_w_max:g}"
    return DesignValues(energy, cycles, seconds, area, edp, not why, why)
