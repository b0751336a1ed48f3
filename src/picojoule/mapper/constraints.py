"""Dataflow constraints as data: which dims unroll on X/Y, fixed factors and orders, bypass.

Besides the whole-design fields, constraints may bound one level's factors (``limits``: a
temporal or spatial factor ``=``, ``<=`` or ``>=`` a value), name the dims one level's fan-out
axis may take (``spatial_axes``), and ask for a minimum share of the PE array in use
(``min_utilization``): the forms Timeloop's mapspace constraints take.

A named dataflow (``weight-stationary``, ``output-stationary``, ``input-stationary``,
``row-stationary``) is just a ``Constraints`` value; a user YAML file starts from one (or from
none) and overrides fields. Spatial lists may name dims (``M``) or roles that work on any
einsum: ``reduction`` (dims the outputs do not depend on: C, R, S / K), ``pixels`` (dims the
weights do not depend on: N, P, Q) and ``filters`` (dims the inputs do not depend on: M).
Names that are not dims of a layer are ignored, so one dataflow serves conv, fc and gemm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from picojoule.errors import Collector, SpecError
from picojoule.fileio import parse_yaml, read_text
from picojoule.workload.einsum import OPERAND_NAMES, Layer

ROLES = ("reduction", "pixels", "filters")
FULL = 0  # a fixed factor of 0 means "the whole (padded) bound"
PADDING = ("above-axis", "any", "none")  # which bounds may be padded to serve an array axis
LIMIT_KINDS = ("temporal", "spatial")
LIMIT_OPS = ("=", "<=", ">=")
AXES = ("x", "y")


@dataclass(frozen=True)
class Constraints:
    """Restrictions on the mapping space; ``None`` means unconstrained."""

    name: str = "any"
    spatial_x: tuple[str, ...] | None = None  # dims or roles allowed on X axes
    spatial_y: tuple[str, ...] | None = None
    stationary: str | None = None  # operand whose irrelevant loops sit innermost in the array
    inner_dims: tuple[str, ...] | None = None  # dims allowed in loops below the PE array
    factors: tuple[tuple[str, str, int], ...] = ()  # (level, dim, factor or FULL)
    orders: tuple[tuple[str, tuple[str, ...]], ...] = ()  # level -> dims outer -> inner
    bypass: tuple[tuple[str, tuple[str, ...]], ...] | None = None  # fixed; None: searched
    # pad bounds above an array axis only, "any" bound, or "none" (exact factorizations, as
    # Timeloop's default mapspace)
    padding: str = field(default="above-axis", metadata={"omit_default": True})
    # (level, temporal|spatial, dim, =|<=|>=, value): a bound on one level's factor of a dim
    # (spatial: the product over the level's X and Y axes); 0 with "=" means the whole bound
    limits: tuple[tuple[str, str, str, str, int], ...] = field(
        default=(), metadata={"omit_default": True})
    # (level, x|y, dims): the dims that axis of the level's fan-out may unroll
    spatial_axes: tuple[tuple[str, str, tuple[str, ...]], ...] = field(
        default=(), metadata={"omit_default": True})
    # (level, operand, kept): an operand a level must keep (True) or bypass (False); the
    # operands not named are searched (``bypass`` fixes every level at once instead)
    dataspace: tuple[tuple[str, str, bool], ...] = field(
        default=(), metadata={"omit_default": True})
    # the least share of the PEs a mapping must use (product of spatial factors / array size)
    min_utilization: float | None = field(default=None, metadata={"omit_default": True})

    def resolve_dims(self, names: tuple[str, ...] | None, layer: Layer) -> frozenset[str]:
        """Dims of ``layer`` named by ``names`` (dims or roles); all dims for ``None``."""
        if names is None:
            return frozenset(layer.dims)
        out: set[str] = set()
        for name in names:
            if name in ROLES:
                out |= role_dims(layer, name)
            elif name in layer.dims:
                out.add(name)
        return frozenset(out)


def role_dims(layer: Layer, role: str) -> frozenset[str]:
    operand = {"reduction": "outputs", "pixels": "weights", "filters": "inputs"}[role]
    return frozenset(layer.dims) - layer.operand(operand).dims


DATAFLOWS: dict[str, Constraints] = {
    "any": Constraints(),
    "weight-stationary": Constraints("weight-stationary", spatial_x=("filters",),
                                     spatial_y=("reduction",), stationary="weights"),
    "output-stationary": Constraints("output-stationary", spatial_x=("filters",),
                                     spatial_y=("pixels",), stationary="outputs"),
    "input-stationary": Constraints("input-stationary", spatial_x=("pixels",),
                                    spatial_y=("reduction",), stationary="inputs"),
    # Eyeriss: a filter row (R) stays in a PE's scratchpad while an input row slides past it;
    # PE rows take filter columns (S) and channels, PE columns take output columns (Q).
    "row-stationary": Constraints("row-stationary", spatial_x=("Q", "P", "M", "N"),
                                  spatial_y=("S", "C", "M"), inner_dims=("R", "C", "M"),
                                  factors=(("*inner", "R", FULL),)),
}
ALIASES = {"ws": "weight-stationary", "os": "output-stationary", "is": "input-stationary",
           "rs": "row-stationary", "none": "any"}


def dataflow(name: str, where: str = "--dataflow") -> Constraints:
    key = ALIASES.get(name, name)
    if key not in DATAFLOWS:
        raise SpecError.single(where, "", f"one of {', '.join([*ALIASES, *DATAFLOWS])}, "
                                          f"got {name!r}")
    return DATAFLOWS[key]


def _dims_list(c: Collector, value: Any, field: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.add(field, f"a list of dims or roles ({', '.join(ROLES)}), got {value!r}")
        return None
    return tuple(value)


def constraints_from_data(data: Any, where: str, base: Constraints | None = None) -> Constraints:
    """Validate a constraints mapping (the YAML form); every problem is reported at once."""
    c = Collector(where)
    if not isinstance(data, Mapping):
        raise SpecError.single(where, "", "a mapping with dataflow, spatial_x, spatial_y, "
                                          "stationary, inner_dims, factors, orders, bypass")
    allowed = {"dataflow", "spatial_x", "spatial_y", "stationary", "inner_dims", "factors",
               "orders", "bypass", "padding", "limits", "spatial_axes", "min_utilization",
               "dataspace"}
    for key in data:
        if key not in allowed:
            c.add(str(key), f"one of {', '.join(sorted(allowed))}")
    out = base or Constraints()
    if "dataflow" in data:
        name = data["dataflow"]
        key = ALIASES.get(name, name) if isinstance(name, str) else None
        if key not in DATAFLOWS:
            c.add("dataflow", f"one of {', '.join(DATAFLOWS)}, got {name!r}")
        else:
            out = DATAFLOWS[key]
    changes: dict[str, Any] = {}
    for key in ("spatial_x", "spatial_y", "inner_dims"):
        if key in data:
            changes[key] = _dims_list(c, data[key], key)
    if "stationary" in data:
        st = data["stationary"]
        if st is not None and st not in OPERAND_NAMES:
            c.add("stationary", f"one of {', '.join(OPERAND_NAMES)}, got {st!r}")
        else:
            changes["stationary"] = st
    if "factors" in data:
        changes["factors"] = _factors(c, data["factors"])
    if "padding" in data:
        if data["padding"] not in PADDING:
            c.add("padding", f"one of {', '.join(PADDING)}, got {data['padding']!r}")
        else:
            changes["padding"] = data["padding"]
    if "orders" in data:
        orders = data["orders"] or {}
        if not isinstance(orders, Mapping):
            c.add("orders", "a mapping of level name to a list of dims, outer to inner")
        else:
            changes["orders"] = tuple((str(lv), dims) for lv, v in orders.items()
                                      if (dims := _dims_list(c, v, f"orders.{lv}")))
    if "bypass" in data:
        byp = data["bypass"] or {}
        if not isinstance(byp, Mapping):
            c.add("bypass", "a mapping of level name to a list of operands")
        else:
            items = []
            for lv, ops in byp.items():
                ops = [ops] if isinstance(ops, str) else ops
                if not isinstance(ops, list) or any(o not in OPERAND_NAMES for o in ops):
                    c.add(f"bypass.{lv}", f"a list drawn from {', '.join(OPERAND_NAMES)}")
                    continue
                items.append((str(lv), tuple(ops)))
            changes["bypass"] = tuple(items)
    if "limits" in data:
        changes["limits"] = _limits(c, data["limits"])
    if "spatial_axes" in data:
        changes["spatial_axes"] = _spatial_axes(c, data["spatial_axes"])
    if "dataspace" in data:
        changes["dataspace"] = _dataspace(c, data["dataspace"])
    if "min_utilization" in data:
        u = data["min_utilization"]
        if u is not None and (isinstance(u, bool) or not isinstance(u, (int, float))
                              or not 0 <= u <= 1):
            c.add("min_utilization", f"a number from 0 to 1, got {u!r:.40}")
        else:
            changes["min_utilization"] = None if u is None else float(u)
    c.raise_if_any()
    name = "custom" if changes else out.name
    return replace(out, name=name, **changes)


def _factors(c: Collector, value: Any) -> tuple[tuple[str, str, int], ...]:
    if not isinstance(value, Mapping):
        c.add("factors", "a mapping of level name to {dim: factor or 'full'}")
        return ()
    out = []
    for lv, dims in value.items():
        if not isinstance(dims, Mapping):
            c.add(f"factors.{lv}", "a mapping of dim to a positive factor or 'full'")
            continue
        for dim, f in dims.items():
            if f == "full":
                out.append((str(lv), str(dim), FULL))
            elif isinstance(f, int) and not isinstance(f, bool) and f >= 1:
                out.append((str(lv), str(dim), f))
            else:
                c.add(f"factors.{lv}.{dim}", f"a positive integer or 'full', got {f!r}")
    return tuple(out)


def parse_limit(text: str) -> tuple[str, str, int] | None:
    """``M<=4`` -> (M, <=, 4); ``M=4`` and ``M4`` -> (M, =, 4); None if it is not one."""
    text = text.strip()
    for op in ("<=", ">=", "="):
        dim, sep, value = text.partition(op)
        if sep:
            break
    else:
        dim = text.rstrip("0123456789")
        op, value = "=", text[len(dim):]
    dim, value = dim.strip(), value.strip()
    if not dim or not dim.replace("_", "").isalnum() or not value.isdigit():
        return None
    return dim, op, int(value)


def _limits(c: Collector, value: Any) -> tuple[tuple[str, str, str, str, int], ...]:
    if not isinstance(value, Mapping):
        c.add("limits", "a mapping of level name to {temporal: [M<=4, ...], spatial: [...]}")
        return ()
    out = []
    for lv, kinds in value.items():
        if not isinstance(kinds, Mapping) or any(k not in LIMIT_KINDS for k in kinds):
            c.add(f"limits.{lv}", "a mapping with temporal and/or spatial lists")
            continue
        for kind, items in kinds.items():
            items = items.replace(",", " ").split() if isinstance(items, str) else items
            for item in items if isinstance(items, list) else [items]:
                parsed = parse_limit(str(item))
                if parsed is None or (parsed[2] < 1 and parsed[1] != "="):
                    c.add(f"limits.{lv}.{kind}", f"factors like M=4, M<=4 or M>=2 (0 with = "
                                                 f"for the whole dim), got {item!r:.40}")
                    continue
                out.append((str(lv), str(kind), parsed[0], parsed[1], parsed[2]))
    return tuple(out)


def _dataspace(c: Collector, value: Any) -> tuple[tuple[str, str, bool], ...]:
    if not isinstance(value, Mapping):
        c.add("dataspace", "a mapping of level name to {keep: [operands], bypass: [...]}")
        return ()
    out = []
    for lv, lists in value.items():
        if not isinstance(lists, Mapping) or any(k not in ("keep", "bypass") for k in lists):
            c.add(f"dataspace.{lv}", "a mapping with keep and/or bypass lists")
            continue
        for key, ops in lists.items():
            ops = [ops] if isinstance(ops, str) else ops
            if not isinstance(ops, list) or any(o not in OPERAND_NAMES for o in ops):
                c.add(f"dataspace.{lv}.{key}", f"a list drawn from {', '.join(OPERAND_NAMES)}")
                continue
            out += [(str(lv), str(o), key == "keep") for o in ops]
    return tuple(out)


def _spatial_axes(c: Collector, value: Any) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    if not isinstance(value, Mapping):
        c.add("spatial_axes", "a mapping of level name to {x: [dims], y: [dims]}")
        return ()
    out = []
    for lv, axes in value.items():
        if not isinstance(axes, Mapping) or any(a not in AXES for a in axes):
            c.add(f"spatial_axes.{lv}", "a mapping with x and/or y lists of dims")
            continue
        for axis, dims in axes.items():
            listed = _dims_list(c, dims if dims is not None else [], f"spatial_axes.{lv}.{axis}")
            out.append((str(lv), str(axis), listed or ()))
    return tuple(out)


def load_constraints(path: str | Path, base: Constraints | None = None) -> Constraints:
    where = str(path)
    data = parse_yaml(read_text(path, "constraints file"), where)
    return constraints_from_data(data, where, base)


def natural(arch_dataflow: str | None) -> Constraints:
    """The dataflow a preset declares (``any`` when it declares none or an unknown one)."""
    key = ALIASES.get(arch_dataflow or "any", arch_dataflow or "any")
    return DATAFLOWS.get(key, DATAFLOWS["any"])
