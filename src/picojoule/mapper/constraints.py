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

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from picojoule.decode import OneOf, Positive, Range, decode_dataclass
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


# A dims list may be written as a list or as one string ("M, C" or "M C").
DimList = tuple[str, ...] | str
Operand = Annotated[str, OneOf(OPERAND_NAMES)]
Operands = tuple[Operand, ...] | Operand


@dataclass(frozen=True)
class _ConstraintsForm:
    """The constraints file, declared once; ``picojoule.decode`` checks it. A key that is
    present overrides the base dataflow's value (``spatial_x: null``: unconstrained)."""

    dataflow: Annotated[str, OneOf((*DATAFLOWS, *ALIASES))] | None = None
    spatial_x: DimList | None = None
    spatial_y: DimList | None = None
    stationary: Operand | None = None
    inner_dims: DimList | None = None
    # level -> dim -> a factor, or "full" (the whole padded bound)
    factors: dict[str, dict[str, Annotated[int, Positive] | Literal["full"]]] | None = None
    orders: dict[str, DimList] | None = None  # level -> dims, outer to inner
    bypass: dict[str, Operands] | None = None  # level -> operands
    padding: Annotated[str, OneOf(PADDING)] | None = None
    # level -> temporal|spatial -> factor bounds like "M<=4", "M=4", "M4" (a list or one string)
    limits: dict[str, dict[Literal["temporal", "spatial"], tuple[str, ...] | str]] | None = None
    spatial_axes: dict[str, dict[Literal["x", "y"], DimList | None]] | None = None
    dataspace: dict[str, dict[Literal["keep", "bypass"], Operands]] | None = None
    min_utilization: Annotated[float, Range(0.0, 1.0)] | None = None


def _dims(value: DimList | None) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return tuple(value.replace(",", " ").split())
    return value


def constraints_from_data(data: Any, where: str, base: Constraints | None = None) -> Constraints:
    """Validate a constraints mapping (the YAML form); every problem is reported at once."""
    form = decode_dataclass(_ConstraintsForm, data, where, "")
    out = base or Constraints()
    if form.dataflow is not None:
        out = DATAFLOWS[ALIASES.get(form.dataflow, form.dataflow)]
    changes: dict[str, Any] = {}
    for key in ("spatial_x", "spatial_y", "inner_dims"):
        if key in data:
            changes[key] = _dims(getattr(form, key))
    if "stationary" in data:
        changes["stationary"] = form.stationary
    if "factors" in data:
        changes["factors"] = tuple((lv, dim, FULL if f == "full" else f)
                                   for lv, dims in (form.factors or {}).items()
                                   for dim, f in dims.items())
    if form.padding is not None:
        changes["padding"] = form.padding
    if "orders" in data:
        changes["orders"] = tuple((lv, dims) for lv, v in (form.orders or {}).items()
                                  if (dims := _dims(v)))
    if "bypass" in data:
        changes["bypass"] = tuple((lv, (ops,) if isinstance(ops, str) else ops)
                                  for lv, ops in (form.bypass or {}).items())
    if "limits" in data:
        changes["limits"] = _limits(form.limits or {}, where)
    if "spatial_axes" in data:
        changes["spatial_axes"] = tuple((lv, axis, _dims(dims) or ())
                                        for lv, axes in (form.spatial_axes or {}).items()
                                        for axis, dims in axes.items())
    if "dataspace" in data:
        changes["dataspace"] = tuple((lv, op, key == "keep")
                                     for lv, lists in (form.dataspace or {}).items()
                                     for key, ops in lists.items()
                                     for op in ((ops,) if isinstance(ops, str) else ops))
    if "min_utilization" in data:
        changes["min_utilization"] = form.min_utilization
    name = "custom" if changes else out.name
    return replace(out, name=name, **changes)


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


def _limits(value: dict[str, Any], where: str) -> tuple[tuple[str, str, str, str, int], ...]:
    c, out = Collector(where), []
    for lv, kinds in value.items():
        for kind, items in kinds.items():
            for item in items.replace(",", " ").split() if isinstance(items, str) else items:
                parsed = parse_limit(item)
                if parsed is None or (parsed[2] < 1 and parsed[1] != "="):
                    c.add(f"limits.{lv}.{kind}", f"factors like M=4, M<=4 or M>=2 (0 with = "
                                                 f"for the whole dim), got {item!r:.40}")
                    continue
                out.append((str(lv), str(kind), parsed[0], parsed[1], parsed[2]))
    c.raise_if_any()
    return tuple(out)


def load_constraints(path: str | Path, base: Constraints | None = None) -> Constraints:
    where = str(path)
    data = parse_yaml(read_text(path, "constraints file"), where)
    return constraints_from_data(data, where, base)


def natural(arch_dataflow: str | None) -> Constraints:
    """The dataflow a preset declares (``any`` when it declares none or an unknown one)."""
    key = ALIASES.get(arch_dataflow or "any", arch_dataflow or "any")
    return DATAFLOWS.get(key, DATAFLOWS["any"])
