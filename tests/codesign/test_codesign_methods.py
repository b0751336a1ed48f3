"""Mixed-precision search and energy-aware vs magnitude pruning on a stub ``Codesign`` whose
metric and per-layer energy are hand-written formulas, so every decision of the search can
be derived by hand."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
import torch
from torch import nn

from picojoule.codesign.config import INT8, CodesignConfig, LayerChoice
from picojoule.codesign.pipeline import Point
from picojoule.codesign.pruning import (
    STEPS,
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
    """``measure`` = hand formulas: layer energy = dense_pj x (bits / 8) x density-factor,
    metric = 1 - sum of the per-layer drops the test gives for each choice."""

    def __init__(self, dense_pj: dict[str, float], drop, density_cost=lambda d: d,
                 model: nn.Module | None = None) -> None:
        self.task = StubTask(tuple(dense_pj), model if model is not None else nn.Module())
        self.dense_pj = dense_pj
        self.drop = drop
        self.density_cost = density_cost
        self.measured: list[CodesignConfig] = []

    def measure(self, config: CodesignConfig) -> Point:
        self.measured.append(config)
        layers, metric = {}, 1.0
        for name, pj in self.dense_pj.items():
            c = config.choice(name)
            energy = pj * (c.weight_bits or 32) / 8 * self.density_cost(c.density)
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
    run = energy_aware_pruning(stub, 0.01)  # type: ignore[arg-type]
    assert run.floor == pytest.approx(0.99)
    sparsities = [(n, c.sparsity) for p in run.path
                  for n, c in CodesignConfig.from_dict(p.config).layers]
    assert sparsities[:5] == [("b", 0.5), ("b", 0.7), ("b", 0.8), ("b", 0.9), ("b", 0.93)]
    final = CodesignConfig.from_dict(run.best.config)
    assert (final.choice("a").sparsity, final.choice("b").sparsity) == (0.7, 0.93)
    # energy = pj x density: 40 x 0.3 + 60 x 0.07 = 16.2 pJ, saved 100 - 16.2
    assert run.best.energy_pj == pytest.approx(16.2)
    assert run.saved_pj == pytest.approx(83.8)


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
    ea = energy_aware_pruning(stub, 0.01)  # type: ignore[arg-type]
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
