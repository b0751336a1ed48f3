"""Search over measured points: the accuracy-vs-energy Pareto front, the cheapest config
above an accuracy floor, the most accurate one within an energy budget, config spaces for
sweeps, and per-layer mixed precision guided by energy share and measured sensitivity."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from picojoule.codesign.config import ACT_CALIBRATIONS, INT8, CodesignConfig, LayerChoice
from picojoule.codesign.pipeline import Codesign, Point
from picojoule.errors import SpecError

__all__ = ["MixedPrecision", "below_budget", "cheapest_above", "config_space",
           "mixed_precision", "pareto_front", "precision_ladder", "rung_label",
           "uniform_configs"]


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


def _each_choice(config: CodesignConfig,
                 change: Callable[[LayerChoice], LayerChoice]) -> CodesignConfig:
    return replace(config, default=change(config.default),
                   layers=tuple((n, change(ch)) for n, ch in config.layers))


def with_act_calibration(config: CodesignConfig, act_calibration: str) -> CodesignConfig:
    """``config`` with every quantized activation clipped by ``act_calibration`` (one of
    ``ACT_CALIBRATIONS``, checked by ``LayerChoice`` like any other field); float layers are
    left as they are."""
    return _each_choice(config, lambda ch: ch if ch.act_bits is None else replace(
        ch, act_calibration=act_calibration))


def with_rounding(config: CodesignConfig, rounding: str) -> CodesignConfig:
    """``config`` with every quantized weight rounded by ``rounding`` (``nearest`` or
    ``gptq``, checked by ``LayerChoice``); float weights are left as they are."""
    return _each_choice(config, lambda ch: ch if ch.weight_bits is None else replace(
        ch, rounding=rounding))


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
                 nm_layers: Sequence[str] = (),
                 act_calibration: str = "max",
                 rounding: str = "nearest") -> list[CodesignConfig]:
    """``count`` distinct configs: the uniform ones, then random per-layer mixes of weight
    bits (2-8), granularity, activation bits (6 or 8) and sparsity (none, 50/75 %
    unstructured, 2:4 on ``nm_layers``), drawn with ``random.Random(seed)``; every quantized
    activation clipped by ``act_calibration``, every quantized weight rounded by
    ``rounding``."""
    if act_calibration != "max" or rounding != "nearest":
        return [with_rounding(with_act_calibration(c, act_calibration), rounding)
                for c in config_space(layers, count, seed, nm_layers)]
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


def rung_label(choice: LayerChoice) -> str:
    """``w6``, ``w4v`` (per vector), ``w4v-gptq`` (GPTQ rounding): the weight side of a
    ladder rung, so one ladder can hold the same bits rounded both ways."""
    w = "fp32" if choice.weight_bits is None else f"w{choice.weight_bits}"
    return (w + ("v" if choice.granularity == "per_vector" else "")
            + ("-gptq" if choice.rounding == "gptq" else ""))


def precision_ladder(base: LayerChoice, bits: Sequence[int] = (6, 4, 3, 2),
                     granularity: str = "per_channel") -> tuple[LayerChoice, ...]:
    """``base`` with each of ``bits`` (highest first) at ``granularity``."""
    return tuple(replace(base, weight_bits=b, granularity=granularity)
                 for b in sorted(bits, reverse=True))


@dataclass(frozen=True)
class MixedPrecision:
    base: Point
    sensitivity: dict[str, dict[str, float]]  # group -> rung label (w4v, a6) -> drop alone
    shares: dict[str, float]  # group -> share of the base point's energy
    path: tuple[Point, ...]  # every accepted step, the last is the result
    rejected: tuple[Point, ...]
    saving_pj: dict[str, dict[str, float]] = field(default_factory=dict)  # group -> rung -> pJ
    act_calibration: dict[str, dict[str, str]] = field(default_factory=dict)  # group -> a6 -> mse

    @property
    def best(self) -> Point:
        return self.path[-1] if self.path else self.base


def mixed_precision(cd: Codesign, min_metric: float, bits: Sequence[int] = (6, 4, 3, 2),
                    base: LayerChoice = INT8,
                    granularity: str = "per_channel",
                    groups: dict[str, list[str]] | None = None,
                    ladder: Sequence[LayerChoice] | None = None,
                    act_bits: Sequence[int] = (),
                    act_calibrations: Sequence[str] = ("max",)) -> MixedPrecision:
    """Lower groups of layers one rung at a time, keeping each step whose measured metric
    stays >= ``min_metric`` and whose energy is lower; a rejected step freezes that group's
    ladder (weights or activations).

    Two ladders per group: weights (``ladder``; default ``base`` at each of ``bits``,
    highest first, at ``granularity``) and activations (``act_bits``, highest first, e.g.
    ``(6, 4)``: the group's input precision, which also sets the MAC's width with the
    weights' and the precision its outputs are written at). Each group is first measured
    alone at every rung of both (the rest at ``base``): its sensitivity at a rung is the base
    metric minus that metric. A move (one rung down one ladder of one group) is scored by
    the energy it saves, costed exactly in the current config (``Codesign.estimate``: the
    MAC energy depends on both operands' widths, so savings do not add up across ladders),
    over the sensitivity it adds measured alone (floored at 1e-4); the best-scoring move is
    measured first. ``groups`` (name -> layer names) moves layers together; by default each
    layer is its own group.

    ``act_calibrations`` are the clippings tried at each activation rung (``max``,
    ``percentile``, ``mse``, ``entropy``, ``octav``): each group is measured alone at the
    rung with each, and the rung uses the one with the smallest drop (the first listed on a
    tie), recorded in ``MixedPrecision.act_calibration``."""
    groups = groups or {n: [n] for n in cd.task.layers()}
    layers = list(groups)
    rungs = tuple(ladder) if ladder is not None else precision_ladder(base, bits, granularity)
    labels = [rung_label(r) for r in rungs]
    acts = sorted(act_bits, reverse=True)
    act_labels = [f"a{b}" for b in acts]
    if len(set(labels)) != len(labels) or not rungs:
        raise SpecError.single("mixed_precision", "ladder",
                               f"distinct weight choices, got {labels}")
    if len(set(acts)) != len(acts) or any(b not in range(2, 9) for b in acts):
        raise SpecError.single("mixed_precision", "act_bits",
                               f"distinct integers in 2..8, got {list(act_bits)}")
    cals = list(act_calibrations)
    if not cals or len(set(cals)) != len(cals) or any(c not in ACT_CALIBRATIONS for c in cals):
        raise SpecError.single("mixed_precision", "act_calibrations", "distinct names from "
                               f"{list(ACT_CALIBRATIONS)}, got {cals}")
    ladders = {"w": (labels, rungs), "a": (act_labels, acts)}
    act_cal: dict[str, dict[str, str]] = {}  # group -> activation rung -> calibration

    def choice_at(name: str, w: int, a: int) -> LayerChoice:
        choice = base if w < 0 else rungs[w]
        return choice if a < 0 else replace(choice, act_bits=acts[a],
                                            act_calibration=act_cal[name][act_labels[a]])

    def assign(config: CodesignConfig, group: str, choice: LayerChoice) -> CodesignConfig:
        for member in groups[group]:
            config = config.with_layer(member, choice)
        return config

    def energy(p: Point, group: str) -> float:
        return sum(p.layers[m]["energy_pj"] for m in groups[group])
    start = CodesignConfig(base, name=f"uniform {base.label()}")
    base_point = cd.measure(start)
    sensitivity: dict[str, dict[str, float]] = {}
    saving: dict[str, dict[str, float]] = {}
    for name in layers:
        sensitivity[name], saving[name], act_cal[name] = {}, {}, {}
        alone = [(lb, choice_at(name, i, -1)) for i, lb in enumerate(labels)]
        alone += [(lb, replace(base, act_bits=b, act_calibration=c))
                  for lb, b in zip(act_labels, acts, strict=True) for c in cals]
        for label, choice in alone:
            p = cd.measure(assign(start, name, choice))
            drop = base_point.metric - p.metric
            if label in sensitivity[name] and drop >= sensitivity[name][label]:
                continue  # an earlier calibration of this activation rung did as well
            sensitivity[name][label] = drop
            saving[name][label] = energy(base_point, name) - energy(p, name)
            if label in act_labels:
                act_cal[name][label] = choice.act_calibration
    current, point = start, base_point
    at = {(n, k): -1 for n in layers for k in ladders}  # each ladder's rung (-1: base)
    path: list[Point] = []
    rejected: list[Point] = []
    frozen: set[tuple[str, str]] = set()
    while True:
        moves = []
        for name in layers:
            for kind, (names, _) in ladders.items():
                i = at[name, kind] + 1
                if (name, kind) in frozen or i >= len(names):
                    continue
                w, a = (i, at[name, "a"]) if kind == "w" else (at[name, "w"], i)
                trial = assign(current, name, choice_at(name, w, a))
                gain = point.energy_pj - cd.estimate(trial, current).energy_pj
                before = 0.0 if i == 0 else sensitivity[name][names[i - 1]]
                cost = max(sensitivity[name][names[i]] - before, 1e-4)
                moves.append((gain / cost, name, kind, i, trial))
        if not moves:
            break
        _, name, kind, i, trial = max(moves, key=lambda m: m[:4])
        measured = cd.measure(trial)
        if measured.metric >= min_metric and measured.energy_pj < point.energy_pj:
            current, point = trial, measured
            at[name, kind] = i
            path.append(measured)
        else:
            rejected.append(measured)
            frozen.add((name, kind))
    shares0 = {n: energy(base_point, n) / base_point.energy_pj for n in layers}
    return MixedPrecision(base_point, sensitivity, shares0, tuple(path), tuple(rejected),
                          saving, act_cal)
