"""Search over measured points: the accuracy-vs-energy Pareto front, the cheapest config
above an accuracy floor, the most accurate one within an energy budget, config spaces for
sweeps, and per-layer mixed precision guided by energy share and measured sensitivity."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from picojoule.codesign.config import INT8, CodesignConfig, LayerChoice
from picojoule.codesign.pipeline import Codesign, Point
from picojoule.errors import SpecError

__all__ = ["MixedPrecision", "below_budget", "cheapest_above", "config_space",
           "mixed_precision", "pareto_front", "uniform_configs"]


def pareto_front(points: Sequence[Point]) -> list[Point]:
    """Points no other point beats on both metric (higher) and energy (lower), by energy."""
    front: list[Point] = []
    for p in sorted(points, key=lambda p: (p.energy_pj, -p.metric, p.key)):
        if not front or p.metric > front[-1].metric:
            front.append(p)
    return front


def cheapest_above(points: Sequence[Point], min_metric: float) -> Point | None:
    """The lowest-energy point whose metric is at least ``min_metric`` (None if none is)."""
    ok = [p for p in points if p.metric >= min_metric]
    return min(ok, key=lambda p: (p.energy_pj, -p.metric, p.key)) if ok else None


def below_budget(points: Sequence[Point], budget_uj: float) -> Point | None:
    """The most accurate point within ``budget_uj`` microjoules per inference."""
    ok = [p for p in points if p.energy_uj <= budget_uj]
    return max(ok, key=lambda p: (p.metric, -p.energy_pj, p.key)) if ok else None


def uniform_configs(nm_layers: Sequence[str] = ()) -> list[CodesignConfig]:
    """One precision for every layer: FP32, INT8, INT6, INT4 (per channel and per vector),
    INT3, INT2, and INT8 with 50/75 % unstructured sparsity and with 2:4 (on ``nm_layers``,
    those whose reduction size is a multiple of 4)."""
    out = [CodesignConfig(LayerChoice(None, None), name="fp32")]
    for w in (8, 6, 4, 3, 2):
        out.append(CodesignConfig(LayerChoice(w, 8), name=f"int{w}"))
    out.append(CodesignConfig(LayerChoice(4, 8, "per_vector"), name="int4-vsq"))
    if nm_layers:
        nm = LayerChoice(8, 8, pattern="N:M")
        out.append(CodesignConfig(LayerChoice(8, 8), tuple((n, nm) for n in sorted(nm_layers)),
                                  name="int8-2:4"))
    for s in (0.5, 0.75):
        out.append(CodesignConfig(LayerChoice(8, 8, sparsity=s, pattern="unstructured"),
                                  name=f"int8-s{round(s * 100)}"))
    return out


def config_space(layers: Sequence[str], count: int, seed: int = 0,
                 nm_layers: Sequence[str] = ()) -> list[CodesignConfig]:
    """``count`` distinct configs: the uniform ones, then random per-layer mixes of weight
    bits (2-8), granularity, activation bits (6 or 8) and sparsity (none, 50/75 %
    unstructured, 2:4 on ``nm_layers``), drawn with ``random.Random(seed)``."""
    if count < 1:
        raise SpecError.single("config_space", "count", f"a positive int, got {count}")
    rng = random.Random(seed)
    out = {c.key: c for c in uniform_configs(nm_layers)}
    attempts = 0
    while len(out) < count and attempts < count * 50:
        attempts += 1
        act = rng.choice((6, 8))
        choices = []
        for name in layers:
            w = rng.choice((2, 3, 4, 5, 6, 8))
            gran = rng.choice(("per_channel", "per_vector")) if w <= 4 else "per_channel"
            pattern = rng.choice(("none", "none", "unstructured", "N:M")
                                 if name in nm_layers else ("none", "none", "unstructured"))
            sparsity = rng.choice((0.5, 0.75)) if pattern == "unstructured" else 0.0
            choices.append((name, LayerChoice(w, act, gran, sparsity=sparsity,
                                              pattern=pattern)))
        config = CodesignConfig(LayerChoice(8, act), tuple(sorted(choices)))
        out.setdefault(config.key, config)
    return list(out.values())[:count]


@dataclass(frozen=True)
class MixedPrecision:
    base: Point
    sensitivity: dict[str, dict[int, float]]  # layer -> bits -> metric drop alone
    shares: dict[str, float]  # layer -> share of the base point's energy
    path: tuple[Point, ...]  # every accepted step, the last is the result
    rejected: tuple[Point, ...]

    @property
    def best(self) -> Point:
        return self.path[-1] if self.path else self.base


def mixed_precision(cd: Codesign, min_metric: float, bits: Sequence[int] = (6, 4, 3, 2),
                    base: LayerChoice = INT8,
                    granularity: str = "per_channel",
                    groups: dict[str, list[str]] | None = None) -> MixedPrecision:
    """Lower layers' weight precision one step at a time, most energy per unit of measured
    sensitivity first, keeping each step whose measured metric stays >= ``min_metric``.

    Sensitivity of a layer at b bits = base metric - metric with only that layer at b bits
    (measured, one evaluation per layer and width). The move score is the layer's share of
    the current point's energy divided by that sensitivity (floored at 1e-4). ``groups``
    (name -> layer names) moves layers together (e.g. every block's query projection); by
    default each layer is its own group."""
    groups = groups or {n: [n] for n in cd.task.layers()}
    layers = list(groups)

    def assign(config: CodesignConfig, group: str, choice: LayerChoice) -> CodesignConfig:
        for member in groups[group]:
            config = config.with_layer(member, choice)
        return config

    def energy(p: Point, group: str) -> float:
        return sum(p.layers[m]["energy_pj"] for m in groups[group])
    start = CodesignConfig(base, name=f"uniform {base.label()}")
    base_point = cd.measure(start)
    sensitivity: dict[str, dict[int, float]] = {}
    for name in layers:
        sensitivity[name] = {}
        for b in bits:
            choice = replace(base, weight_bits=b, granularity=granularity)
            p = cd.measure(assign(start, name, choice))
            sensitivity[name][b] = base_point.metric - p.metric
    current, point = start, base_point
    path: list[Point] = []
    rejected: list[Point] = []
    frozen: set[str] = set()
    while True:
        shares = {n: energy(point, n) / point.energy_pj for n in layers}
        moves = []
        for name in layers:
            now = current.choice(groups[name][0]).weight_bits or 32
            lower = [b for b in bits if b < now]
            if name in frozen or not lower:
                continue
            b = max(lower)
            score = shares[name] / max(sensitivity[name][b], 1e-4)
            moves.append((score, name, b))
        if not moves:
            break
        _, name, b = max(moves)
        trial = assign(current, name, replace(base, weight_bits=b, granularity=granularity))
        measured = cd.measure(trial)
        if measured.metric >= min_metric and measured.energy_pj < point.energy_pj:
            current, point = trial, measured
            path.append(measured)
        else:
            rejected.append(measured)
            frozen.add(name)
    shares0 = {n: energy(base_point, n) / base_point.energy_pj for n in layers}
    return MixedPrecision(base_point, sensitivity, shares0, tuple(path), tuple(rejected))
