"""The estimator registry: the most accurate estimator that supports a component answers.

Plug-ins register through the ``picojoule.estimators`` entry-point group (like Accelergy's
plug-ins): each entry point loads an object (or a class to instantiate) with ``name``, ``rank``
(lower is more accurate), ``accuracy``, ``supports(component)`` and ``estimate(component, tech)``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from picojoule.errors import PicojouleError
from picojoule.tech.components import Component, Estimate, Tech
from picojoule.tech.estimators import BUILTIN_ESTIMATORS

ENTRY_POINT_GROUP = "picojoule.estimators"


@runtime_checkable
class Estimator(Protocol):
    name: str
    rank: int
    accuracy: str

    def supports(self, component: Component) -> bool: ...

    def estimate(self, component: Component, tech: Tech) -> Estimate: ...


class NoEstimatorError(PicojouleError):
    """No registered estimator supports a component."""


class Registry:
    """An ordered set of estimators; build one with ``Registry.default()``."""

    def __init__(self, estimators: Iterable[Estimator] = ()) -> None:
        self._estimators: list[Estimator] = list(estimators)

    @classmethod
    def default(cls, plugins: bool = True) -> Registry:
        """Built-ins plus every installed plug-in (entry points are loaded once per process;
        each call returns a new registry, so registering into it changes no other)."""
        registry = cls(BUILTIN_ESTIMATORS)
        for plugin in (_installed_plugins() if plugins else ()):
            registry.register(plugin)
        return registry

    def fingerprint(self) -> tuple[tuple[str, ...], ...]:
        """What identifies the estimator set: name, rank, accuracy, class and ``version`` (if
        the estimator has one) of each, by rank. Part of every store key, so a plug-in that
        is added, removed, re-ranked or upgraded invalidates cached mappings."""
        return tuple((e.name, str(e.rank), e.accuracy,
                      f"{type(e).__module__}.{type(e).__qualname__}",
                      str(getattr(e, "version", ""))) for e in self.ranked())

    def register(self, estimator: Estimator) -> None:
        if not isinstance(estimator, Estimator):
            raise PicojouleError(f"estimator {estimator!r} lacks name/rank/accuracy/supports/"
                                 "estimate")
        self._estimators = [e for e in self._estimators if e.name != estimator.name]
        self._estimators.append(estimator)

    def ranked(self) -> list[Estimator]:
        return sorted(self._estimators, key=lambda e: (e.rank, e.name))

    def names(self) -> list[str]:
        return [e.name for e in self.ranked()]

    def estimate(self, component: Component, tech: Tech, prefer: str | None = None) -> Estimate:
        """Ask ``prefer`` first if named, then every estimator by rank."""
        ranked = self.ranked()
        if prefer is not None:
            chosen = [e for e in ranked if e.name == prefer]
            if not chosen:
                raise NoEstimatorError(f"no estimator named {prefer!r} (have: "
                                       f"{', '.join(self.names())})")
            ranked = chosen + [e for e in ranked if e.name != prefer]
        for est in ranked:
            if est.supports(component):
                return est.estimate(component, tech)
        raise NoEstimatorError(f"no estimator supports {component}")


@functools.cache
def _installed_plugins() -> tuple[Estimator, ...]:
    """Every estimator installed under the entry-point group, loaded once."""
    out = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        out.append(obj() if isinstance(obj, type) else obj)
    return tuple(out)
