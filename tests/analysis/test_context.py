"""A Context reaches analyze and search: its registry prices every action, its store keys
include the estimator set, its seed wins, and it is normalized once at the edge."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from picojoule.analysis import analyze
from picojoule.arch import load_preset
from picojoule.context import Context, JsonStore, ProcessExecutor
from picojoule.errors import SpecError
from picojoule.mapper import Budget, Objective, SearchOptions, search
from picojoule.tech import Estimate, Memory, Registry
from picojoule.workload import parse_layer
from picojoule.workload.network import Network, Node

NET = Network("two", (Node(parse_layer("conv2d N=1 C=8 M=16 P=8 Q=8 R=3 S=3 name=a")),
                      Node(parse_layer("fc N=1 C=64 M=10 name=b"))))
# Searching for cycles only: the chosen mappings do not depend on any energy.
BY_CYCLES = SearchOptions(objective=Objective(0, 1), budget=Budget(600), seed=1)


@dataclass(frozen=True)
class FlatDram:
    """Prices eyeriss's LPDDR4 at ``pj`` per access, whatever its width."""

    pj: float
    name: str = "flat-dram"
    rank: int = 0  # ahead of every built-in
    accuracy: str = "test"

    def supports(self, component: object) -> bool:
        return isinstance(component, Memory) and component.kind == "lpddr4"

    def estimate(self, component: object, tech: object) -> Estimate:
        return Estimate({"read": self.pj, "write": self.pj}, 0.0, "test", self.name)


def registry_with(*extra: object) -> Registry:
    reg = Registry.default(plugins=False)
    for e in extra:
        reg.register(e)  # type: ignore[arg-type]
    return reg


def test_an_estimator_registered_in_python_prices_the_analysis() -> None:
    arch = load_preset("eyeriss")
    one = analyze(NET, arch, BY_CYCLES, context=Context.create(registry=registry_with(
        FlatDram(100.0))))
    two = analyze(NET, arch, BY_CYCLES, context=Context.create(registry=registry_with(
        FlatDram(200.0))))
    assert [r.mapping for r in one.layers] == [r.mapping for r in two.layers]
    dram1, dram2 = one.result.total(level="DRAM"), two.result.total(level="DRAM")
    # energy is linear in the per-access energy: twice the price, exactly twice the DRAM pJ
    assert dram1 > 0 and dram2 == 2 * dram1
    assert one.result.total(level="shared_glb") == two.result.total(level="shared_glb")


def test_a_changed_estimator_set_misses_the_store(tmp_path) -> None:
    arch = load_preset("eyeriss")
    store = JsonStore(tmp_path)
    first = analyze(NET, arch, BY_CYCLES, context=Context.create(store=store))
    assert (first.searched, first.cache_hits) == (2, 0)
    again = analyze(NET, arch, BY_CYCLES, context=Context.create(store=store))
    assert (again.searched, again.cache_hits) == (0, 2)
    plugged = analyze(NET, arch, BY_CYCLES, context=Context.create(
        store=store, registry=registry_with(FlatDram(100.0))))
    assert (plugged.searched, plugged.cache_hits) == (2, 0)  # never a stale mapping


def test_the_context_seed_wins_and_shorthands_are_one_or_the_other(tmp_path) -> None:
    arch = load_preset("eyeriss")
    layer = NET.layers[0]
    opts = SearchOptions(budget=Budget(300), seed=0)
    seeded = search(layer, arch, opts, context=Context.create(seed=9))
    direct = search(layer, arch, SearchOptions(budget=Budget(300), seed=9))
    assert seeded.mapping == direct.mapping and seeded.score == direct.score
    with pytest.raises(SpecError, match="not both"):
        analyze(NET, arch, opts, workers=2, context=Context())
    with pytest.raises(SpecError, match="non-negative"):
        Context.create(seed=-1)
    ctx = Context.create(store=str(tmp_path / "db.sqlite"), executor=2)
    assert isinstance(ctx.executor, ProcessExecutor) and ctx.registry is not None
