"""Dataflow constraints as data: which dims unroll on X/Y, fixed factors and orders, bypass.

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

from picojoule.decode import OneOf, Positive, decode_dataclass
from picojoule.errors import SpecError
from picojoule.fileio import parse_yaml, read_text
from picojoule.workload.einsum import OPERAND_NAMES, Layer

ROLES = ("reduction", "pixels", "filters")
FULL = 0  # a fixed factor of 0 means "the whole (padded) bound"
PADDING = ("above-axis", "any")  # which bounds may be padded to serve an array axis


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
    # pad bounds above an array axis only, or "any" bound
    padding: str = field(default="above-axis", metadata={"omit_default": True})

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
    bypass: dict[str, tuple[Operand, ...] | Operand] | None = None  # level -> operands
    padding: Annotated[str, OneOf(PADDING)] | None = None


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
    name = "custom" if changes else out.name
    return replace(out, name=name, **changes)


def load_constraints(path: str | Path, base: Constraints | None = None) -> Constraints:
    where = str(path)
    data = parse_yaml(read_text(path, "constraints file"), where)
    return constraints_from_data(data, where, base)


def natural(arch_dataflow: str | None) -> Constraints:
    """The dataflow a preset declares (``any`` when it declares none or an unknown one)."""
    key = ALIASES.get(arch_dataflow or "any", arch_dataflow or "any")
    return DATAFLOWS.get(key, DATAFLOWS["any"])
