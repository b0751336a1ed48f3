"""A mapping: per storage level, temporal loops (ordered) and spatial factors; bypass.

``Mapping`` is what a user writes or the mapper returns; ``MappingBatch`` (batch.py) is the
array form the cost model evaluates many of at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from picojoule.arch.spec import Arch
from picojoule.errors import Collector
from picojoule.workload.einsum import Layer


@dataclass(frozen=True)
class LevelMapping:
    level: str
    temporal: tuple[tuple[str, int], ...] = ()  # loops outer -> inner
    spatial_x: tuple[tuple[str, int], ...] = ()  # unrolled on the fan-out below this level
    spatial_y: tuple[tuple[str, int], ...] = ()
    bypass: frozenset[str] = frozenset()  # operands the arch keeps here that skip this level


@dataclass(frozen=True)
class Mapping:
    levels: tuple[LevelMapping, ...]  # outermost first; levels not listed have no loops

    def for_level(self, name: str) -> LevelMapping:
        for lm in self.levels:
            if lm.level == name:
                return lm
        return LevelMapping(name)

    def keeps(self, arch: Arch) -> tuple[frozenset[str], ...]:
        return tuple(lvl.keeps - self.for_level(lvl.name).bypass for lvl in arch.levels)

    def factor_products(self, dims: tuple[str, ...]) -> dict[str, int]:
        out = dict.fromkeys(dims, 1)
        for lm in self.levels:
            for dim, f in (*lm.temporal, *lm.spatial_x, *lm.spatial_y):
                if dim in out:
                    out[dim] *= f
        return out


def validate_mapping(mapping: Mapping, layer: Layer, arch: Arch, where: str) -> None:
    """Everything that can be checked without computing tiles; capacity is checked by cost."""
    c = Collector(where)
    names = [lvl.name for lvl in arch.levels]
    seen: set[str] = set()
    for i, lm in enumerate(mapping.levels):
        path = f"{lm.level}"
        if lm.level not in names:
            c.add(f"levels[{i}]", f"a level of {arch.name} ({', '.join(names)}), got "
                                  f"{lm.level!r}")
            continue
        if lm.level in seen:
            c.add(path, "each level once")
        seen.add(lm.level)
        lvl = arch.level(lm.level)
        for kind, loops in (("temporal", lm.temporal), ("spatial X", lm.spatial_x),
                            ("spatial Y", lm.spatial_y)):
            dims = [d for d, _ in loops]
            for dim, f in loops:
                if dim not in layer.dims:
                    c.add(f"{path}.{kind}", f"a dimension of {layer.kind} "
                                            f"({', '.join(layer.dims)}), got {dim!r}")
                if not isinstance(f, int) or f < 1:
                    c.add(f"{path}.{kind}.{dim}", f"a positive integer factor, got {f!r}")
            for dim in {d for d in dims if dims.count(d) > 1}:
                c.add(f"{path}.{kind}", f"{dim} at most once per level")
        for axis, loops, limit in (("X", lm.spatial_x, lvl.fanout.x),
                                   ("Y", lm.spatial_y, lvl.fanout.y)):
            used = math.prod(f for _, f in loops if isinstance(f, int) and f > 0)
            if used > limit:
                c.add(f"{path}.spatial {axis}",
                      f"a spatial product of at most the fan-out {limit}, got {used}")
        for op in lm.bypass:
            if op not in lvl.keeps:
                kept = ", ".join(sorted(lvl.keeps))
                c.add(f"{path}.bypass", f"operands this level keeps ({kept}), got {op!r}")
        if lm.level == names[0] and lm.bypass:
            c.add(f"{path}.bypass", "nothing: the outermost level holds every operand")
    if not c.problems:
        products = mapping.factor_products(layer.dims)
        for dim, bound in layer.bound.items():
            got = products[dim]
            if got < bound:
                c.add(f"factors of {dim}", f"a product of at least the bound {bound} "
                                           f"(padding allowed below {2 * bound}), got {got}")
            elif got >= 2 * bound and got != bound:
                c.add(f"factors of {dim}", f"a product equal to {bound} (or padded below "
                                           f"{2 * bound}), got {got}")
    c.raise_if_any()
