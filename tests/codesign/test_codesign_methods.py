"""Mixed-precision search and energy-aware vs magnitude pruning on a stub ``Codesign`` whose
metric and per-layer energy are hand-written formulas, so every decision of the search can
be derived by hand."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
import torch
from torch import nn

from picojoule.arch import load_preset
from picojoule.arch.spec import Arch
from picojoule.codesign.config import INT8, CodesignConfig, LayerChoice
from picojoule.codesign.pipeline import Point
from picojoule.codesign.pruning import (
    STEPS,
    default_order,
    energy_aware_pruning,
    global_magnitude_config,
    magnitude_pruning,
    max_saving_ratio,
    saving_bound,
)
from picojoule.codesign.search import mixed_precision, precision_ladder, rung_label
from picojoule.errors import SpecError


@dataclass(frozen=True)
class StubTask:
    names: tuple[str, ...]
    model: nn.Module = field(default_factory=nn.Module)

    def layers(self) -> list[str]:
        return list(self.names)

    def target(self, model: nn.Module) -> nn.Module:
        return model


class Stub:
    """``measure`` = hand formulas: layer energy = dense_pj x bits-factor (default weight
    bits / 8) x density-factor, metric = 1 - sum of the per-layer drops the test gives for
    each choice. ``arch`` is eyeriss (zeros gated) unless given."""

    def __init__(self, dense_pj: dict[str, float], drop, density_cost=lambda d: d,
                 model: nn.Module | None = None, bits_cost=lambda c: (c.weight_bits or 32) / 8,
                 arch: Arch | None = None) -> None:
        self.task = StubTask(tuple(dense_pj), model if model is not None else nn.Module())
        self.arch = arch or load_preset("eyeriss")
        self.dense_pj = dense_pj
        self.drop = drop
        self.density_cost = density_cost
        self.bits_cost = bits_cost
        self.measured: list[CodesignConfig] = []

    def estimate(self, config: CodesignConfig, known: CodesignConfig) -> Point:
        return replace(self.evaluate(config), metric=float("nan"))

    def measure(self, config: CodesignConfig) -> Point:
        self.measured.append(config)
        return self.evaluate(config)

    def evaluate(self, config: CodesignConfig) -> Point:
        layers, metric = {}, 1.0
        for name, pj in self.dense_pj.items():
            c = config.choice(name)
            energy = pj * self.bits_cost(c) * self.density_cost(c.density)
            layers[name] = {"energy_pj": energy, "density": {"weights": c.density}}
            metric -= self.drop(name, c)
        total = sum(v["energy_pj"] for v in layers.values())
        return Point(config.key, config.label(), config.to_dict(), metric, total, 0.0, 0.0, 0,
                     layers, 0.0, 0.0, 0)


def precision_drop(table: dict[str, dict[str, float]]):
    def drop(name: str, c: LayerChoice) -> float:
        return table[name].get(rung_label(c), 0.0)
    return drop


def test_mixed_precision_takes_the_best_saving_per_sensitivity_first() -> None:
    # a: 80 pJ at INT8, loses 0.01 at w6 and 0.05 at w4; b: 20 pJ, 0 at w6, 0.001 at w4.
    # Savings alone: a w6 80*(1-6/8)=20, w4 40; b w6 5, w4 10.
    # Round 1: a->w6 20/0.01=2e3, b->w6 5/1e-4 (floor)=5e4 -> b w6 (metric 1.0).
    # Round 2: a->w6 2e3, b->w4 (10-5)/(0.001-0)=5e3 -> b w4 (metric 0.999, 90 pJ).
    # Round 3: a->w6 only: metric 0.989 >= 0.98, 60 + 10 = 70 pJ: accepted.
    # Round 4: a->w4: 1 - 0.05 - 0.001 = 0.949 < 0.98: rejected, a frozen; nothing left.
    stub = Stub({"a": 80.0, "b": 20.0},
                precision_drop({"a": {"w6": 0.01, "w4": 0.05}, "b": {"w4": 0.001}}))
    mp = mixed_precision(stub, 0.98, bits=(6, 4))  # type: ignore[arg-type]
    assert [p.label for p in mp.path] == ["w8a8+b=w6a8", "w8a8+b=w4a8", "w8a8+a=w6a8,b=w4a8"]
    assert mp.best.energy_pj == pytest.approx(70.0)
    assert [p.label for p in mp.rejected] == ["w8a8+a=w4a8,b=w4a8"]
    assert mp.sensitivity == {"a": {"w6": pytest.approx(0.01), "w4": pytest.approx(0.05)},
                              "b": {"w6": 0.0, "w4": pytest.approx(0.001)}}
    assert mp.saving_pj["a"] == {"w6": pytest.approx(20.0), "w4": pytest.approx(40.0)}
    assert mp.shares == {"a": 0.8, "b": 0.2}


def test_mixed_precision_ladder_mixes_granularities_and_groups() -> None:
    # One group g = {a, b} moved together down w6 > w4v > w4; w4 (per channel) loses 0.1.
    # w4v: 4 weight bits (the stub charges bits only) -> 0.5 x 100 pJ; accepted at 0.99.
    ladder = (replace(INT8, weight_bits=6), replace(INT8, weight_bits=4,
                                                    granularity="per_vector"),
              replace(INT8, weight_bits=4))
    stub = Stub({"a": 50.0, "b": 50.0},
                precision_drop({n: {"w4v": 0.005, "w4": 0.05} for n in "ab"}))
    mp = mixed_precision(stub, 0.98, groups={"g": ["a", "b"]},  # type: ignore[arg-type]
                         ladder=ladder)
    assert [rung_label(CodesignConfig.from_dict(p.config).choice("a")) for p in mp.path] \
        == ["w6", "w4v"]
    assert mp.best.energy_pj == pytest.approx(50.0)
    assert mp.best.metric == pytest.approx(0.99)  # 1 - 2 x 0.005
    assert mp.sensitivity["g"]["w4"] == pytest.approx(0.1)


def test_activation_ladder_savings_are_costed_in_context() -> None:
    # energy = pj x (0.5 max(w, a) / 8 + 0.25 w / 8 + 0.25 a / 8): a MAC as wide as its
    # widest operand, weight and input traffic by their own bits. Ladders w4 and a4.
    # Drops: a loses 0.001 at w4 and 0.002 at a4; b 0.0012 at w4 and 0.002 at a4.
    def bits_cost(c: LayerChoice) -> float:
        w, a = c.weight_bits or 32, c.act_bits or 32
        return 0.5 * max(w, a) / 8 + 0.25 * w / 8 + 0.25 * a / 8

    table = {"a": {"w4": 0.001, "a4": 0.002}, "b": {"w4": 0.0012, "a4": 0.002}}

    def drop(name: str, c: LayerChoice) -> float:
        return (table[name]["w4"] if c.weight_bits == 4 else 0.0) + (
            table[name]["a4"] if c.act_bits == 4 else 0.0)
    stub = Stub({"a": 100.0, "b": 100.0}, drop, bits_cost=bits_cost)
    mp = mixed_precision(stub, 0.99, bits=(4,), act_bits=(4,))  # type: ignore[arg-type]
    # Alone, either step saves 100 x (1 - 0.875) = 12.5 pJ (the MAC stays 8 bits wide).
    assert mp.saving_pj["a"] == {"w4": pytest.approx(12.5), "a4": pytest.approx(12.5)}
    assert mp.sensitivity["b"] == {"w4": pytest.approx(0.0012), "a4": pytest.approx(0.002)}
    # Round 1: a w4 12.5/0.001 = 12500 beats b w4 10417 and both a4 6250.
    # Round 2: a a4 in context: w4a4 costs 100 x 0.5, so it saves 37.5 (not 12.5):
    # 37.5/0.002 = 18750 beats b w4 10417 (with the alone saving it would lose, 6250).
    # Rounds 3-4: b w4 (0.9958), then b a4 (0.9938 >= 0.99): 50 + 50 pJ.
    assert [p.label for p in mp.path] == ["w8a8+a=w4a8", "w8a8+a=w4a4",
                                          "w8a8+a=w4a4,b=w4a8", "w8a8+a=w4a4,b=w4a4"]
    assert mp.best.energy_pj == pytest.approx(100.0)
    assert mp.best.metric == pytest.approx(1 - 0.001 - 0.002 - 0.0012 - 0.002)
    with pytest.raises(SpecError, match="act_bits"):
        mixed_precision(stub, 0.99, bits=(4,), act_bits=(4, 4))  # type: ignore[arg-type]


def test_precision_ladder_and_its_validation() -> None:
    assert [rung_label(r) for r in precision_ladder(INT8, (4, 6, 3))] == ["w6", "w4", "w3"]
    stub = Stub({"a": 1.0}, precision_drop({"a": {}}))
    with pytest.raises(SpecError, match="distinct"):
        mixed_precision(stub, 0.9, ladder=(replace(INT8, weight_bits=4),) * 2)  # type: ignore[arg-type]


def sparsity_drop(limits: dict[str, float]):
    """A layer pruned beyond its limit loses 0.05 of the metric, else nothing."""
    def drop(name: str, c: LayerChoice) -> float:
        return 0.05 if c.sparsity > limits[name] + 1e-9 else 0.0
    return drop


def test_energy_aware_pruning_orders_by_energy_and_stops_at_the_floor() -> None:
    # b has the most energy (60 pJ) so it is pruned first; its limit 0.93 passes the grid's
    # 0.5 ... 0.93 and fails at 0.95; then a (40 pJ, limit 0.7): 0.5, 0.7, fails at 0.8.
    stub = Stub({"a": 40.0, "b": 60.0}, sparsity_drop({"a": 0.7, "b": 0.93}))
    run = energy_aware_pruning(stub, 0.01, order="consumed")  # type: ignore[arg-type]
    assert run.floor == pytest.approx(0.99)
    sparsities = [(n, c.sparsity) for p in run.path
                  for n, c in CodesignConfig.from_dict(p.config).layers]
    assert sparsities[:5] == [("b", 0.5), ("b", 0.7), ("b", 0.8), ("b", 0.9), ("b", 0.93)]
    final = CodesignConfig.from_dict(run.best.config)
    assert (final.choice("a").sparsity, final.choice("b").sparsity) == (0.7, 0.93)
    # energy = pj x density: 40 x 0.3 + 60 x 0.07 = 16.2 pJ, saved 100 - 16.2
    assert run.best.energy_pj == pytest.approx(16.2)
    assert run.saved_pj == pytest.approx(83.8)


def test_energy_removed_order_beats_energy_consumed_where_pruning_removes_little() -> None:
    # a consumes 60 pJ but 80 % of it stays whatever its density (e.g. cycles and static
    # energy of gated MACs): 60 x (0.8 + 0.2 d) = 60 - 12 s; b consumes 40 pJ, all of it
    # removable: 40 (1 - s). Each layer loses 0.01 x its sparsity; floor 1 - 0.01 = 0.99.
    stub = Stub({"a": 60.0, "b": 40.0}, lambda n, c: 0.01 * c.sparsity)
    fixed = {"a": 0.8, "b": 0.0}

    def evaluate(config: CodesignConfig) -> Point:  # energy pj x (f + (1 - f) density)
        layers = {n: {"energy_pj": pj * (fixed[n] + (1 - fixed[n]) * config.choice(n).density),
                      "density": {"weights": config.choice(n).density}}
                  for n, pj in stub.dense_pj.items()}
        metric = 1.0 - sum(stub.drop(n, config.choice(n)) for n in stub.dense_pj)
        return Point(config.key, config.label(), config.to_dict(), metric,
                     sum(v["energy_pj"] for v in layers.values()), 0.0, 0.0, 0, layers,
                     0.0, 0.0, 0)
    stub.evaluate = evaluate  # type: ignore[method-assign]
    # consumed: a first (60 > 40), through every step: a at 0.98 loses 0.0098 (0.9902 ok);
    # then b at 0.5 would lose 0.005 more (0.9852): stop. a 60 - 12 x 0.98 = 48.24, b 40.
    consumed = energy_aware_pruning(stub, 0.01, order="consumed")  # type: ignore[arg-type]
    assert consumed.best.energy_pj == pytest.approx(48.24 + 40.0)
    # removed: a step from s0 to s1 removes 12 (s1 - s0) from a, 40 (s1 - s0) from b, and
    # loses 0.01 (s1 - s0) either way: b scores 4000 per unit lost, a 1200, so b goes to
    # 0.98 (metric 0.9902), then a at 0.5 fails (0.9852) and a is frozen.
    removed = energy_aware_pruning(stub, 0.01)  # type: ignore[arg-type]  # auto: eyeriss gates
    assert removed.method == "energy-aware (removed)"
    final = CodesignConfig.from_dict(removed.best.config)
    assert (final.choice("a").sparsity, final.choice("b").sparsity) == (0.0, 0.98)
    assert removed.best.energy_pj == pytest.approx(60.0 + 40.0 * 0.02)
    # saved 39.2 against 11.76 pJ
    assert removed.saved_pj / consumed.saved_pj == pytest.approx(39.2 / 11.76)


def test_a_step_that_costs_more_does_not_stop_the_layer() -> None:
    # the mapper's sampled search can cost density 0.2 above density 0.3: here 40 vs 30 pJ.
    # a (100 pJ, limit 0.9): 0.5 -> 50, 0.7 -> 30, 0.8 -> 40 (kept: it passes the floor),
    # 0.9 -> 10; 0.93 breaks the floor alone, so a stops at 0.9: the cheapest point, 10 pJ.
    stub = Stub({"a": 100.0}, sparsity_drop({"a": 0.9}),
                density_cost=lambda d: 0.4 if abs(d - 0.2) < 1e-9 else d)
    run = energy_aware_pruning(stub, 0.01, order="removed")  # type: ignore[arg-type]
    assert [round(p.energy_pj, 6) for p in run.path] == [50.0, 30.0, 40.0, 10.0]
    assert run.best.energy_pj == pytest.approx(10.0)


def test_default_order_follows_how_the_architecture_handles_zeros() -> None:
    eyeriss = load_preset("eyeriss")
    assert default_order(eyeriss) == "removed"  # gates: cycles stay
    assert default_order(load_preset("nvdla-small")) == "removed"  # no zero handling
    skip = replace(eyeriss, compute=replace(eyeriss.compute, sparse_action="skip"))
    assert default_order(skip) == "consumed"
    with pytest.raises(SpecError, match="order"):
        energy_aware_pruning(Stub({"a": 1.0}, lambda n, c: 0.0), 0.01,  # type: ignore[arg-type]
                             order="largest")


def test_both_methods_walk_the_same_grid_to_the_same_floor() -> None:
    # two Linear layers; |w| of "a" = 1..8, of "b" = 0.5 and 9 (10 weights in all)
    model = nn.ModuleDict({"a": nn.Linear(4, 2, bias=False), "b": nn.Linear(2, 1, bias=False)})
    with torch.no_grad():
        model["a"].weight.copy_(torch.arange(1.0, 9.0).reshape(2, 4))
        model["b"].weight.copy_(torch.tensor([[0.5, 9.0]]))
    stub = Stub({"a": 40.0, "b": 60.0}, sparsity_drop({"a": 0.7, "b": 0.7}), model=model)
    # global 30 %: k = 3 of 10 -> threshold 2 -> a loses {1, 2} (2/8), b loses {0.5} (1/2)
    cfg = global_magnitude_config(stub, 0.3)  # type: ignore[arg-type]
    assert dict(cfg.layers)["a"].sparsity == 0.25 and dict(cfg.layers)["b"].sparsity == 0.5
    mag = magnitude_pruning(stub, 0.01)  # type: ignore[arg-type]
    ea = energy_aware_pruning(stub, 0.01, order="consumed")  # type: ignore[arg-type]
    assert mag.floor == ea.floor == pytest.approx(0.99)
    # magnitude's global steps are STEPS: every one up to the first failure was measured
    tried = [c.name for c in stub.measured if c.name.startswith("global")]
    assert tried[0] == f"global magnitude {STEPS[0]:g}"
    assert all(p.metric >= 0.99 for p in (*mag.path, *ea.path))
    # global 0.7 -> threshold is the 7th of 10 = 6: a loses 1..6 (0.75 > 0.7) -> fails
    assert [p.label for p in mag.path] == ["global magnitude 0.5"]


def test_saving_bound_and_the_largest_ratio() -> None:
    stub = Stub({"a": 40.0, "b": 60.0}, sparsity_drop({"a": 0.0, "b": 0.0}))
    bound = saving_bound(stub)  # type: ignore[arg-type]
    # every layer at the grid's top step 0.98: 100 pJ x 0.02 = 2 pJ
    assert bound.energy_pj == pytest.approx(2.0)
    # dense 100, bound 20, baseline 40: (100 - 20) / (100 - 40) = 4/3
    assert max_saving_ratio(100.0, 20.0, 40.0) == pytest.approx(4 / 3)
    assert max_saving_ratio(100.0, 20.0, 100.0) == float("inf")
