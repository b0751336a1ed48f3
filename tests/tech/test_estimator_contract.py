"""The contract of an ``Estimator``, run against every built-in one: it declares name, rank
and accuracy; for each component it says it supports, it answers with its own name, a source,
finite positive energies for the component's actions, and the same answer twice."""

from __future__ import annotations

import math

import pytest

from picojoule.tech import Estimator, Link, Mac, Memory, Registry, Tech, Wire
from picojoule.tech.components import LINK_KINDS, MEMORY_KINDS

IMPLEMENTATIONS = Registry.default(plugins=False).ranked()
COMPONENTS = [
    *(Memory(kind, 64, None if kind not in ("regfile", "sram") else 8 * 1024)
      for kind in MEMORY_KINDS),
    Memory("sram", 128, 1 << 20), Memory("regfile", 16, 256),
    Mac(8, 24), Mac(16, 40), Mac(16, 32, "fp"), Wire(), *(Link(kind) for kind in LINK_KINDS)]
ACTIONS = {Memory: {"read", "write"}, Mac: {"mac"}, Wire: {"bit_mm"}, Link: {"bit"}}
TECHS = [Tech(45, 0.9), Tech(7, 0.7)]


@pytest.mark.parametrize("estimator", IMPLEMENTATIONS, ids=lambda e: e.name)
def test_declares_itself(estimator) -> None:
    assert isinstance(estimator, Estimator)
    assert estimator.name and isinstance(estimator.rank, int) and estimator.accuracy


@pytest.mark.parametrize("estimator", IMPLEMENTATIONS, ids=lambda e: e.name)
def test_answers_what_it_supports(estimator) -> None:
    supported = [c for c in COMPONENTS if estimator.supports(c)]
    assert supported, f"{estimator.name} supports none of the components"
    for component in supported:
        for tech in TECHS:
            est = estimator.estimate(component, tech)
            assert est.estimator.startswith(estimator.name) and est.source
            assert ACTIONS[type(component)] <= set(est.energy_pj), component
            for action in ACTIONS[type(component)]:
                value = est.action(action)
                assert math.isfinite(value) and value > 0, (component, action)
            assert est.area_um2 >= 0
            assert estimator.estimate(component, tech) == est  # deterministic


def test_the_fingerprint_names_every_estimator_and_changes_with_the_set() -> None:
    registry = Registry.default(plugins=False)
    names = [entry[0] for entry in registry.fingerprint()]
    assert names == [e.name for e in IMPLEMENTATIONS]
    before = registry.fingerprint()
    registry.register(IMPLEMENTATIONS[0])  # the same estimator again: the same set
    assert registry.fingerprint() == before
