"""Timeloop mapspace and architecture constraints as picojoule ``Constraints``.

Timeloop restricts its mapper with constraint targets (``mapspace_constraints``,
``architecture_constraints``, a bare ``constraints`` list, or v0.4 ``constraints`` written on
the architecture's nodes). Each names a storage level or a spatial container and a type:

* ``temporal`` -- ``factors`` (``R=3``, ``R3``; ``R=0`` the whole dimension, as Timeloop reads
  it; ``K<=16``, ``K>=2``; a factor above the dimension is the dimension) and a
  ``permutation`` (innermost first; a partial one fixes the innermost loops and leaves the
  rest to the search) become a level's ``limits`` and ``orders``;
* ``spatial`` -- the same factors on the fan-out below a level or a container, and the
  ``permutation`` cut at ``split`` (the first ``split`` dims unroll on X, the rest on Y),
  become ``limits`` and ``spatial_axes``;
* ``dataspace`` (``datatype``, ``bypass``) -- ``keep``/``bypass`` (and timeloopfe's
  ``keep_only``/``bypass_only``) become forced keeps and bypasses; the rest is searched;
* ``utilization`` (``parallelism``) -- ``min`` becomes ``min_utilization``.

The search then factorizes every dimension exactly (``padding: none``), as Timeloop's
default mapspace does.

timeloopfe's macros ``factors_only``, ``default_max_factor``/``default_min_factor``,
``no_iteration_over_dataspaces`` and ``must_iterate_over_dataspaces`` are expanded into
factors. Everything else (``no_reuse``, ``no_link_transfer``, ``no_multicast``,
``max_overbooked_proportion``, ``maximize_dims``, ``remainders``, ``no_coalesce``,
``rmw_first_update``, a spatial constraint on a container that shares an array axis with
another) is an error naming the file, the target and the key: never silently dropped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from picojoule.errors import Collector, Problem, SpecError
from picojoule.interop.timeloop_arch import OPERANDS, TimeloopDesign
from picojoule.interop.timeloop_yaml import load_timeloop_yaml
from picojoule.mapper.constraints import FULL, Constraints, parse_limit
from picojoule.workload.einsum import Layer

SECTIONS = ("mapspace_constraints", "architecture_constraints", "constraints")
TYPES = ("temporal", "spatial", "dataspace", "datatype", "bypass", "bypassing",
         "utilization", "parallelism")
_ITERATION_KEYS = {"target", "type", "factors", "permutation", "factors_only",
                   "default_max_factor", "default_min_factor", "no_iteration_over_dataspaces",
                   "must_iterate_over_dataspaces"}
_KEYS = {"temporal": _ITERATION_KEYS, "spatial": _ITERATION_KEYS | {"split"},
         "dataspace": {"target", "type", "keep", "bypass", "keep_only", "bypass_only"},
         "utilization": {"target", "type", "min"}}
_SYNONYMS = {"datatype": "dataspace", "bypass": "dataspace", "bypassing": "dataspace",
             "parallelism": "utilization"}
Target = tuple[dict[str, Any], Collector, str]  # (entry, the file's collector, field prefix)


def targets_of(data: Any, c: Collector) -> list[Target]:
    """The constraint targets of one parsed file, whichever section holds them."""
    out: list[Target] = []
    if not isinstance(data, dict):
        return out
    for section in SECTIONS:
        body = data.get(section)
        if body is None:
            continue
        items = body.get("targets", body.get("constraints")) if isinstance(body, dict) else body
        if not isinstance(items, list):
            c.add(section, "a list of targets (target, type, ...) or {targets: [...]}")
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                c.add(f"{section}.targets[{i}]", "a mapping with target and type")
                continue
            out.append((item, c, f"{section}.targets[{i}] (target {item.get('target')}, "
                                 f"type {item.get('type')})"))
    return out


def node_targets(design: TimeloopDesign, c: Collector) -> list[Target]:
    """The v0.4 constraints written on nodes, as targets (dataspace keeps are already the
    levels' keeps, so only their unsupported keys matter here)."""
    out: list[Target] = []
    for node in design.node_constraints:
        groups = node["constraints"]
        if not isinstance(groups, dict):
            c.add(f"{node['where']}.constraints", "a mapping of temporal/spatial/dataspace")
            continue
        for kind, body in groups.items():
            if not body:
                continue
            entry = {"target": node["node"], "type": kind, **(body if isinstance(body, dict)
                                                              else {"_bad": body})}
            if kind == "dataspace":
                entry = {k: v for k, v in entry.items() if k not in ("keep", "bypass")}
            if kind == "spatial" and node["kind"] == "component":
                c.add(f"{node['where']}.constraints.spatial", "spatial constraints on "
                      "containers (picojoule reads a component's instances from the "
                      "containers above it)")
                continue
            out.append((entry, c, f"{node['where']}.constraints.{kind}"))
    return out


class _Translator:
    def __init__(self, design: TimeloopDesign, layer: Layer) -> None:
        self.design, self.layer = design, layer
        self.names = [lv.name for lv in design.arch.levels]
        self.limits: dict[tuple[str, str, str, str], int] = {}
        self.orders: dict[str, tuple[str, ...]] = {}
        self.axes: dict[tuple[str, str], tuple[set[str], str]] = {}  # -> (dims, container)
        self.dataspace: dict[tuple[str, str], bool] = {}
        self.min_utilization: float | None = None

    def add(self, entry: dict[str, Any], c: Collector, at: str) -> None:
        kind = _SYNONYMS.get(str(entry.get("type")), str(entry.get("type")))
        if kind not in _KEYS:
            c.add(f"{at}.type", f"one of {', '.join(TYPES)} (picojoule cannot express "
                                f"{entry.get('type')!r:.40} constraints)")
            return
        for key, value in entry.items():
            if key not in _KEYS[kind] and value not in (None, [], {}, "", False):
                c.add(f"{at}.{key}", f"a key picojoule can express for {kind} constraints "
                                     f"({', '.join(sorted(_KEYS[kind]))}); {key!r:.40} "
                                     f"is not supported")
        target = str(entry.get("target", ""))
        if kind == "utilization":
            value = entry.get("min")
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not 0 <= value <= 1:
                c.add(f"{at}.min", f"a number from 0 to 1, got {value!r:.40}")
            else:
                self.min_utilization = float(value)
            return
        if kind == "dataspace":
            self._dataspace(entry, target, c, at)
            return
        if kind == "temporal":
            level = target if target in self.names else None
            if level is None:
                c.add(f"{at}.target", f"a storage level ({', '.join(self.names)}), got "
                                      f"{target!r:.40}")
                return
            containers: list[str] = []
        else:
            level, containers = self._spatial_target(target, c, at)
            if level is None:
                return
        factors = self._factors(entry, c, at)
        for dim, op, value in factors:
            if kind == "spatial" and containers and not (op == "=" and value == 1) and \
                    self._shared(level, containers[0]):
                c.add(f"{at}.factors", f"factors of a container that has its level's fan-out "
                                       f"to itself (picojoule merges {level}'s containers "
                                       f"into one array); {dim}{op}{value} is not supported")
                continue
            lkey = (level, kind, dim, op)
            if lkey in self.limits and self.limits[lkey] != value:
                c.add(f"{at}.factors", f"one value for {dim}{op} at {level} (the "
                                       f"architecture and the constraints disagree)")
            self.limits[lkey] = value
        perm = _dims(entry.get("permutation"), self.layer, c, f"{at}.permutation")
        if kind == "temporal" and perm:
            if level in self.orders:
                c.add(f"{at}.permutation", f"one permutation for {level} (given twice)")
            self.orders[level] = tuple(reversed(perm))  # Timeloop lists innermost first
        if kind == "spatial":
            self._spatial_axes(entry, level, containers, perm, factors, c, at)

    def _factors(self, entry: dict[str, Any], c: Collector, at: str
                 ) -> list[tuple[str, str, int]]:
        dims, bound = self.layer.dims, self.layer.bound
        out = []
        for item in _tokens(entry.get("factors")):
            parsed = parse_limit(item)
            if parsed is None or parsed[0] not in dims:
                c.add(f"{at}.factors", f"factors like R=3, R3, K<=16 or K>=2 over "
                                       f"{', '.join(dims)}, got {item!r:.40}")
                continue
            dim, op, value = parsed
            if op == "=" and value > bound[dim]:  # Timeloop clamps to the dimension
                value = bound[dim]
            out.append((dim, op, value))
        named = {d for d, _, _ in out}
        only = _tokens(entry.get("factors_only"))
        if only:
            out += self._factors({"factors": only}, c, at)
            out += [(d, "=", 1) for d in dims if d not in named | {
                p[0] for p in map(parse_limit, only) if p}]
        for key, op in (("default_max_factor", "<="), ("default_min_factor", ">=")):
            if entry.get(key) is not None:
                value = entry[key]
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    c.add(f"{at}.{key}", f"a positive integer, got {value!r:.40}")
                    continue
                out += [(d, op, value) for d in dims if d not in named]
        for key, keep in (("no_iteration_over_dataspaces", False),
                          ("must_iterate_over_dataspaces", True)):
            spaces = entry.get(key)
            if spaces:
                ops = _operands(spaces, c, f"{at}.{key}")
                touched = set().union(*(self.layer.operand(o).dims for o in ops))
                out += [(d, "=", 1) for d in dims if (d in touched) != keep]
        return out

    def _spatial_target(self, target: str, c: Collector, at: str
                        ) -> tuple[str | None, list[str]]:
        container = re.sub(r"^inter_(.+)_spatial$", r"\1", target)
        if container in self.design.meshes:
            level = self.design.containers.get(container)
            if level is None:
                c.add(f"{at}.target", f"a container below a storage level ({container} is "
                                      f"above every level)")
            return level, [container]
        if target in self.names:
            if self.design.arch.level(target).fanout.size <= 1:
                c.add(f"{at}.target", f"a level with a fan-out below it ({target} has none)")
                return None, []
            return target, []
        c.add(f"{at}.target", f"a level or spatial container "
                              f"({', '.join([*self.names, *self.design.meshes])}), got "
                              f"{target!r:.40}")
        return None, []

    def _shared(self, level: str, container: str) -> bool:
        """Does another container with a mesh share ``level``'s fan-out?"""
        return any(other != container and lv == level and max(self.design.meshes[other]) > 1
                   for other, lv in self.design.containers.items())

    def _spatial_axes(self, entry: dict[str, Any], level: str, containers: list[str],
                      perm: list[str], factors: list[tuple[str, str, int]], c: Collector,
                      at: str) -> None:
        dims = self.layer.dims
        ones = {d for d, op, v in factors if op == "=" and v == 1}
        split = entry.get("split")
        if split is not None and (not isinstance(split, int) or isinstance(split, bool)
                                  or split < 0):
            c.add(f"{at}.split", f"a non-negative integer, got {split!r:.40}")
            split = None
        fan = self.design.arch.level(level).fanout
        mesh = self.design.meshes[containers[0]] if containers else (fan.x, fan.y)
        for axis, size in (("x", mesh[0]), ("y", mesh[1])):
            if not containers and split is None:
                continue  # a level's own factors of 1 are limits; no axis is fixed
            allowed = set(dims) - ones if size > 1 else set()
            if split is not None:
                allowed &= {d for d in dims if _on_x(d, perm, split, len(dims)) == (axis == "x")
                            or _on_x(d, perm, split, len(dims)) is None}
            key = (level, axis)
            sharing = [other for other, lv in self.design.containers.items()
                       if containers and lv == level and other != containers[0]
                       and self.design.meshes[other][0 if axis == "x" else 1] > 1]
            if size > 1 and sharing:
                c.add(f"{at}.target", f"a container with {level}'s {axis.upper()} axis to "
                                      f"itself ({containers[0]} shares it with "
                                      f"{', '.join(sharing)}: picojoule merges them into one "
                                      f"axis and cannot constrain them apart)")
                continue
            if containers and size > 1 and key in self.axes and \
                    self.axes[key][1] != containers[0]:
                c.add(f"{at}.target", f"a container with {level}'s {axis.upper()} axis to "
                                      f"itself ({self.axes[key][1]} and {containers[0]} both "
                                      f"unroll on it: picojoule cannot constrain them apart)")
                continue
            if containers and size <= 1:
                continue
            self.axes[key] = (allowed & self.axes.get(key, (set(dims), ""))[0],
                              containers[0] if containers else "")
        if containers:  # a container's factors of 1 are its axes; they are not level limits
            for d in ones:
                self.limits.pop((level, "spatial", d, "="), None)

    def _dataspace(self, entry: dict[str, Any], target: str, c: Collector, at: str) -> None:
        if target not in self.names:
            c.add(f"{at}.target", f"a storage level ({', '.join(self.names)}), got "
                                  f"{target!r:.40}")
            return
        keep = set(_operands(entry.get("keep"), c, f"{at}.keep"))
        bypass = set(_operands(entry.get("bypass"), c, f"{at}.bypass"))
        if entry.get("keep_only") is not None:
            keep |= set(_operands(entry["keep_only"], c, f"{at}.keep_only"))
            bypass |= set(OPERANDS.values()) - keep
        if entry.get("bypass_only") is not None:
            bypass |= set(_operands(entry["bypass_only"], c, f"{at}.bypass_only"))
            keep |= set(OPERANDS.values()) - bypass
        if keep & bypass:
            c.add(at, f"each data space kept or bypassed, not both ({sorted(keep & bypass)})")
        level_keeps = self.design.arch.level(target).keeps
        for op in keep:
            if op not in level_keeps:
                c.add(f"{at}.keep", f"data spaces {target} can hold "
                                    f"({', '.join(sorted(level_keeps))}); {op} is bypassed "
                                    f"by the architecture")
        for op, kept in [(o, True) for o in keep] + [(o, False) for o in bypass]:
            if op in level_keeps:
                self.dataspace[(target, op)] = kept

    def constraints(self) -> Constraints:
        return Constraints(
            name="timeloop", padding="none",  # exact factorizations, as Timeloop's mapspace
            limits=tuple((lv, kind, d, op, FULL if op == "=" and v == 0 else v)
                         for (lv, kind, d, op), v in self.limits.items()),
            orders=tuple(self.orders.items()),
            spatial_axes=tuple((lv, axis, tuple(d for d in self.layer.dims if d in dims))
                               for (lv, axis), (dims, _) in self.axes.items()),
            dataspace=tuple((lv, op, kept) for (lv, op), kept in self.dataspace.items()),
            min_utilization=self.min_utilization)


def _on_x(dim: str, perm: list[str], split: int, n_dims: int) -> bool | None:
    """Whether ``dim`` unrolls on X under ``split`` (None: it may land on either axis, being
    left out of a partial permutation that the split cuts through its free positions)."""
    if dim in perm:
        return perm.index(dim) < split
    if split <= len(perm):
        return False
    return True if split >= n_dims else None


def _tokens(value: Any) -> list[str]:
    if value is None:
        return []
    text = " ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    text = re.sub(r"\s*(<=|>=|=)\s*", r"\1", text.replace(",", " "))
    return text.split()


def _dims(value: Any, layer: Layer, c: Collector, at: str) -> list[str]:
    if value is None or value == []:
        return []
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")] if "," in value else \
            (value.split() if " " in value.strip() else list(value.strip()))
    elif isinstance(value, list):
        items = [str(v) for v in value]
    else:
        items = [str(value)]
    bad = [d for d in items if d not in layer.dims]
    if bad or len(set(items)) != len(items):
        c.add(at, f"distinct dims of {', '.join(layer.dims)}, innermost first, got "
                  f"{value!r:.60}")
        return []
    return items


def _operands(value: Any, c: Collector, at: str) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if "*" in items:
        return list(OPERANDS.values())
    bad = [v for v in items if v not in OPERANDS]
    if bad:
        c.add(at, f"data spaces from {', '.join(OPERANDS)}, got {bad!r:.60}")
    return [OPERANDS[v] for v in items if v in OPERANDS]


def constraints_from_timeloop(design: TimeloopDesign, layer: Layer,
                              files: list[tuple[Any, str]]) -> Constraints:
    """The constraints of ``design``'s nodes and of the parsed ``files`` (data, name) for
    ``layer``; every problem in every file is reported at once."""
    t = _Translator(design, layer)
    collectors = [Collector(str(design.arch.sources[0]).split(": ", 1)[-1].split(",")[0]
                            if design.arch.sources else "architecture")]
    targets = node_targets(design, collectors[0])
    for data, where in files:
        collectors.append(Collector(where))
        targets += targets_of(data, collectors[-1])
    for entry, c, at in targets:
        t.add(entry, c, at)
    problems: list[Problem] = [p for c in collectors for p in c.problems]
    if problems:
        raise SpecError(problems)
    return t.constraints()


def load_timeloop_constraints(design: TimeloopDesign, layer: Layer,
                              paths: list[str | Path],
                              variables: dict[str, Any] | None = None,
                              rename: dict[str, str] | None = None) -> Constraints:
    """Read Timeloop constraint files (or an arch file holding ``mapspace_constraints``)."""
    from picojoule.interop.sparseloop import renamed

    files = []
    for path in paths:
        data = load_timeloop_yaml(path, variables)
        files.append((renamed(data, rename) if rename else data, str(path)))
    return constraints_from_timeloop(design, layer, files)
