"""Timeloop problems and mappings as picojoule layers and mappings.

A Timeloop problem is already an einsum with affine projections: dimensions with bounds
(``instance``), coefficients with defaults, and data spaces whose every axis is a sum of
``[dim]`` or ``[dim, coefficient]`` terms. It becomes a picojoule ``Layer`` one to one (the
data spaces must be the three operands, the read-write one the outputs). A Timeloop mapping
(targets with temporal/spatial factors and permutations, innermost first, and datatype
keep/bypass) becomes a picojoule ``Mapping`` on the architecture read by
``timeloop_arch``: a spatial target's factors go to the fan-out of the storage level above
it, split into X and Y at ``split``; a factor ``0`` means "the rest of the dimension".
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from picojoule.errors import Collector, SpecError
from picojoule.interop.timeloop_arch import OPERANDS, TimeloopDesign
from picojoule.interop.timeloop_yaml import load_timeloop_yaml, version_of
from picojoule.mapping.spec import LevelMapping, Mapping
from picojoule.workload.einsum import Layer, Operand, Term

MAX_BOUND = 2**40


def layer_from_timeloop(data: Any, where: str, bits: dict[str, int] | None = None) -> Layer:
    """A picojoule Layer from a parsed Timeloop problem (``{problem: {shape, instance}}``)."""
    version_of(data, "problem", where)
    body = data["problem"]
    c = Collector(where)
    shape, instance = body.get("shape") or {}, body.get("instance") or {}
    dims = shape.get("dimensions")
    if not isinstance(dims, list) or not dims:
        raise SpecError.single(where, "problem.shape.dimensions", "a list of dimension names")
    coeffs = {str(k.get("name")): k.get("default", 1) for k in shape.get("coefficients") or []
              if isinstance(k, dict)}
    coeffs.update({k: v for k, v in instance.items() if k in coeffs})
    bounds = []
    for d in dims:
        v = instance.get(d, 1)
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= MAX_BOUND:
            c.add(f"problem.instance.{d}", f"a positive integer below 2**40, got {v!r:.40}")
            v = 1
        bounds.append(v)
    densities = instance.get("densities") or {}
    operands: dict[str, Operand] = {}
    spaces = shape.get("data_spaces") or shape.get("data-spaces") or []
    for i, space in enumerate(spaces):
        at = f"problem.shape.data_spaces[{i}]"
        name = OPERANDS.get(str(space.get("name")))
        if name is None:
            c.add(f"{at}.name", f"one of {', '.join(OPERANDS)}, got {space.get('name')!r:.40}")
            continue
        axes = []
        for j, axis in enumerate(space.get("projection") or []):
            terms = []
            for term in axis:
                if not isinstance(term, list) or not 1 <= len(term) <= 2 or term[0] not in dims:
                    c.add(f"{at}.projection[{j}]", f"[dim] or [dim, coefficient] with dims "
                                                   f"from {dims}, got {term!r:.60}")
                    continue
                coeff = 1 if len(term) == 1 else coeffs.get(str(term[1]), term[1])
                if not isinstance(coeff, int) or coeff < 1:
                    c.add(f"{at}.projection[{j}]", f"a known positive coefficient, got "
                                                   f"{term[1]!r:.40}")
                    coeff = 1
                terms.append(Term(str(term[0]), int(coeff)))
            axes.append(tuple(terms))
        density = densities.get(space.get("name"), 1.0)
        if isinstance(density, dict):
            density = density.get("density", 1.0)
        nbits = (bits or {}).get(name, 8)
        operands[name] = Operand(name, tuple(axes), nbits, float(density),
                                 psum_bits=(bits or {}).get("psum", nbits)
                                 if name == "outputs" else None)
    if set(operands) != set(OPERANDS.values()):
        c.add("problem.shape.data_spaces", "Inputs, Weights and Outputs (picojoule layers "
                                           "are three-operand einsums)")
    c.raise_if_any()
    return Layer(str(shape.get("name", "timeloop")), "einsum", tuple(dims), tuple(bounds),
                 (operands["inputs"], operands["weights"], operands["outputs"]))


def load_timeloop_problem(path: str | Path, variables: dict[str, Any] | None = None,
                          bits: dict[str, int] | None = None) -> Layer:
    return layer_from_timeloop(load_timeloop_yaml(path, variables), str(path), bits)


def _factors(text: Any, dims: tuple[str, ...], c: Collector,
             where: str) -> dict[str, int]:
    if isinstance(text, list):
        text = " ".join(str(t) for t in text)
    out: dict[str, int] = {}
    for tok in str(text or "").replace("=", "").split():
        d, v = tok.rstrip("0123456789"), tok[len(tok.rstrip("0123456789")):]
        if d not in dims or not v:
            c.add(where, f"factors like C3 M8 over {', '.join(dims)}, got {tok!r:.40}")
            continue
        out[d] = int(v)
    return out


def mapping_from_timeloop(data: Any, layer: Layer, design: TimeloopDesign, where: str
                          ) -> Mapping:
    """A picojoule Mapping from a parsed Timeloop mapping (``mapping: [targets...]``)."""
    items = data.get("mapping") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise SpecError.single(where, "mapping", "a list of targets (target, type, ...)")
    c = Collector(where)
    arch = design.arch
    names = [lv.name for lv in arch.levels]
    temporal: dict[str, list[tuple[str, int]]] = {n: [] for n in names}
    spatial: dict[str, tuple[list[tuple[str, int]], list[tuple[str, int]]]] = {
        n: ([], []) for n in names}
    bypass: dict[str, frozenset[str]] = {}
    zeros: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        at = f"mapping[{i}]"
        target, kind = str(item.get("target", "")), item.get("type")
        if kind == "datatype" or kind == "bypass":
            if target in names:  # a Timeloop bypass of what the level never keeps is moot
                keeps = arch.level(target).keeps
                bypass[target] = frozenset(OPERANDS[b] for b in item.get("bypass") or []
                                           if b in OPERANDS) & keeps
            continue
        factors = _factors(item.get("factors"), layer.dims, c, f"{at}.factors")
        perm = [ch for ch in str(item.get("permutation", "")) if ch in layer.dims]
        order = perm + [d for d in layer.dims if d not in perm]  # innermost first
        if kind == "temporal":
            level = design.level_of(target)
            if level is None:
                c.add(f"{at}.target", f"a level of the architecture, got {target!r:.40}")
                continue
            loops = [(d, factors.get(d, 1)) for d in reversed(order)]
            temporal[level] += [(d, f) for d, f in loops if f != 1]
            zeros += [(level, d) for d, f in loops if f == 0]
        elif kind == "spatial":
            level = design.level_of(target)
            if level is None:
                c.add(f"{at}.target", f"a level or spatial container, got {target!r:.40}")
                continue
            split = int(item.get("split", len(order)))
            xs = [(d, factors.get(d, 1)) for d in order[:split] if factors.get(d, 1) != 1]
            ys = [(d, factors.get(d, 1)) for d in order[split:] if factors.get(d, 1) != 1]
            spatial[level][0].extend(xs)
            spatial[level][1].extend(ys)
        else:
            c.add(f"{at}.type", f"temporal, spatial or datatype, got {kind!r:.40}")
    c.raise_if_any()
    levels = []
    for n in names:
        levels.append(LevelMapping(n, tuple(temporal[n]), tuple(spatial[n][0]),
                                   tuple(spatial[n][1]), bypass.get(n, frozenset())))
    mapping = Mapping(tuple(levels))
    if zeros:  # 0 = whatever the other levels leave of the dimension
        mapping = _fill_zeros(mapping, layer, zeros, where)
    return mapping


def _fill_zeros(mapping: Mapping, layer: Layer, zeros: list[tuple[str, str]],
                where: str) -> Mapping:
    products = dict.fromkeys(layer.dims, 1)
    for lm in mapping.levels:
        for d, f in (*lm.temporal, *lm.spatial_x, *lm.spatial_y):
            products[d] *= f if f else 1
    levels = []
    for lm in mapping.levels:
        loops = []
        for d, f in lm.temporal:
            if f == 0 and (lm.level, d) in zeros:
                loops.append((d, math.ceil(layer.bound[d] / products[d])))
            else:
                loops.append((d, f))
        levels.append(LevelMapping(lm.level, tuple(loops), lm.spatial_x, lm.spatial_y,
                                   lm.bypass))
    return Mapping(tuple(levels))


def load_timeloop_mapping(path: str | Path, layer: Layer, design: TimeloopDesign,
                          variables: dict[str, Any] | None = None) -> Mapping:
    return mapping_from_timeloop(load_timeloop_yaml(path, variables), layer, design, str(path))
