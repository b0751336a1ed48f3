"""Text and YAML forms of a mapping.

Text, one line per level (levels not named have no loops)::

    DRAM:        P8 Q2 M4
    shared_glb:  P14 Q4  X: Q14  Y: C3 S3  bypass: weights

Temporal loops are listed outer to inner. YAML takes a list of
``{level, temporal, spatial_x, spatial_y, bypass}`` with loops in the same ``P8`` notation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingABC
from pathlib import Path
from typing import Any

from picojoule.errors import Collector, SpecError
from picojoule.fileio import parse_yaml, read_text
from picojoule.mapping.spec import LevelMapping, Mapping

_LOOP = re.compile(r"^([A-Za-z_]+)(\d+)$")


def _loops(c: Collector, tokens: list[str], field: str) -> tuple[tuple[str, int], ...]:
    out = []
    for tok in tokens:
        m = _LOOP.match(tok.strip(","))
        if not m:
            c.add(field, f"loops written as DIMFACTOR such as 'P14', got {tok!r}")
            continue
        out.append((m.group(1), int(m.group(2))))
    return tuple(out)


def _level_from_tokens(c: Collector, level: str, tokens: list[str]) -> LevelMapping:
    parts: dict[str, list[str]] = {"temporal": [], "X": [], "Y": [], "bypass": []}
    current = "temporal"
    for tok in tokens:
        key = tok.rstrip(":")
        if tok.endswith(":") and key in ("X", "Y", "bypass", "temporal"):
            current = key
            continue
        parts[current].append(tok)
    bypass = frozenset(t.strip(",") for t in parts["bypass"] if t.strip(","))
    return LevelMapping(level, _loops(c, parts["temporal"], f"{level}.temporal"),
                        _loops(c, parts["X"], f"{level}.X"), _loops(c, parts["Y"], f"{level}.Y"),
                        bypass)


def parse_mapping(text: str, where: str = "<mapping text>") -> Mapping:
    c = Collector(where)
    levels = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        level, sep, rest = line.partition(":")
        if not sep or not level.strip():
            c.add(f"line {n}", "'LEVEL: loops [X: loops] [Y: loops] [bypass: operands]'")
            continue
        levels.append(_level_from_tokens(c, level.strip(), rest.split()))
    if not levels and not c.problems:
        c.add("", "at least one level line")
    c.raise_if_any()
    return Mapping(tuple(levels))


def _yaml_loops(c: Collector, value: Any, field: str) -> tuple[tuple[str, int], ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return _loops(c, value.split(), field)
    if isinstance(value, list):
        tokens = []
        for item in value:
            if isinstance(item, list) and len(item) == 2:
                tokens.append(f"{item[0]}{item[1]}")
            else:
                tokens.append(str(item))
        return _loops(c, tokens, field)
    c.add(field, f"loops such as 'P14 Q4' or [[P, 14], [Q, 4]], got {value!r}")
    return ()


def mapping_from_data(data: Any, where: str) -> Mapping:
    if isinstance(data, MappingABC) and "mapping" in data:
        data = data["mapping"]
    if isinstance(data, str):
        return parse_mapping(data, where)
    c = Collector(where)
    if not isinstance(data, list):
        raise SpecError.single(where, "", "a list of levels (level, temporal, spatial_x, "
                                          "spatial_y, bypass) or the text form")
    levels = []
    for i, item in enumerate(data):
        path = f"mapping[{i}]"
        if not isinstance(item, MappingABC) or not isinstance(item.get("level"), str):
            c.add(path, "a mapping with a 'level' name")
            continue
        for key in item:
            if key not in ("level", "temporal", "spatial_x", "spatial_y", "bypass"):
                c.add(f"{path}.{key}", "one of level, temporal, spatial_x, spatial_y, bypass")
        bypass = item.get("bypass") or []
        if isinstance(bypass, str):
            bypass = [bypass]
        if not isinstance(bypass, list):
            c.add(f"{path}.bypass", "a list of operand names")
            bypass = []
        levels.append(LevelMapping(
            item["level"], _yaml_loops(c, item.get("temporal"), f"{path}.temporal"),
            _yaml_loops(c, item.get("spatial_x"), f"{path}.spatial_x"),
            _yaml_loops(c, item.get("spatial_y"), f"{path}.spatial_y"),
            frozenset(str(b) for b in bypass)))
    c.raise_if_any()
    return Mapping(tuple(levels))


def load_mapping(path: str | Path) -> Mapping:
    """A mapping file: YAML (``.yaml``/``.yml``) or the text form (anything else)."""
    where = str(path)
    text = read_text(path, "mapping file")
    if not where.endswith((".yaml", ".yml")):
        return parse_mapping(text, where)
    return mapping_from_data(parse_yaml(text, where), where)


def format_mapping(mapping: Mapping) -> str:
    """The text form (parse_mapping reads it back)."""
    lines = []
    width = max((len(lm.level) for lm in mapping.levels), default=0) + 1
    for lm in mapping.levels:
        parts = [" ".join(f"{d}{f}" for d, f in lm.temporal)]
        if lm.spatial_x:
            parts.append("X: " + " ".join(f"{d}{f}" for d, f in lm.spatial_x))
        if lm.spatial_y:
            parts.append("Y: " + " ".join(f"{d}{f}" for d, f in lm.spatial_y))
        if lm.bypass:
            parts.append("bypass: " + ", ".join(sorted(lm.bypass)))
        lines.append(f"{lm.level + ':':<{width}} " + "  ".join(p for p in parts if p))
    return "\n".join(lines)


def format_loop_nest(mapping: Mapping) -> str:
    """The mapping as an indented loop nest, outermost first."""
    lines, depth = [], 0
    for lm in mapping.levels:
        lines.append("  " * depth + f"[{lm.level}]" +
                     (f"  (bypass {', '.join(sorted(lm.bypass))})" if lm.bypass else ""))
        for dim, f in lm.temporal:
            if f > 1:
                lines.append("  " * depth + f"for {dim} in [0, {f}):")
                depth += 1
        for axis, loops in (("X", lm.spatial_x), ("Y", lm.spatial_y)):
            for dim, f in loops:
                if f > 1:
                    lines.append("  " * depth + f"spatial_for {dim} in [0, {f}):  # {axis}")
                    depth += 1
    lines.append("  " * depth + "MAC")
    return "\n".join(lines)
