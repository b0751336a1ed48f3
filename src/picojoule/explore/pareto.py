"""Pareto fronts and hypervolume for minimized objectives (exact, for the few objectives a
design sweep has)."""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[float, ...]


def dominates(a: Point, b: Point) -> bool:
    return all(x <= y for x, y in zip(a, b, strict=True)) and a != b


def pareto_front(points: Sequence[Point]) -> list[int]:
    """Indices of the non-dominated points (first of equal points kept), in input order."""
    out = []
    for i, p in enumerate(points):
        if any(dominates(q, p) or (q == p and j < i) for j, q in enumerate(points) if j != i):
            continue
        out.append(i)
    return out


def hypervolume(points: Sequence[Point], reference: Point) -> float:
    """Volume dominated by ``points`` and bounded by ``reference`` (points beyond it count
    only inside it). Exact, by slicing along the first objective."""
    pts = [p for p in points if all(x < r for x, r in zip(p, reference, strict=True))]
    if not pts:
        return 0.0
    if len(reference) == 1:
        return reference[0] - min(p[0] for p in pts)
    pts.sort(key=lambda p: p[0])
    volume = 0.0
    for i, p in enumerate(pts):
        upper = pts[i + 1][0] if i + 1 < len(pts) else reference[0]
        if upper <= p[0]:
            continue
        slab = [q[1:] for q in pts[: i + 1]]
        volume += (upper - p[0]) * hypervolume(slab, reference[1:])
    return volume
