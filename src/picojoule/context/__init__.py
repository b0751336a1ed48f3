"""What a run is given instead of building it inside: estimators, a store, an executor, a seed.

``Context`` is passed through ``analyze``, ``search`` and sweeps, and normalized once at the
edge (``Context.create``), the way optuna's ``create_study(storage=..., sampler=...)`` takes
a URL or an object and a default for what is left out::

    ctx = Context.create(store="~/.cache/picojoule/layers", executor=2)

* ``registry``: the estimators that price every action; its ``fingerprint()`` is part of
  every store key, so a changed plug-in never reuses stale mappings.
* ``store``: where finished work is kept (``JsonStore`` folder, ``SqliteStore`` file).
* ``executor``: where work runs (``SerialExecutor``, ``ProcessExecutor``, Dask later).
* ``seed``: when set, the seed of every search run under this context (a sweep sets it once);
  None keeps each ``SearchOptions.seed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from picojoule.context.executor import (
    Executor,
    ProcessExecutor,
    SerialExecutor,
    as_executor,
)
from picojoule.context.store import JsonStore, SqliteStore, Store, fingerprint, open_store
from picojoule.errors import SpecError
from picojoule.tech.registry import Registry


@dataclass(frozen=True)
class Context:
    """Estimators, store, executor and seed of a run. ``registry=None`` means the default
    registry (built-ins and installed plug-ins), resolved once by ``Context.create`` or
    ``resolve``."""

    registry: Registry | None = None
    store: Store | None = None
    executor: Executor = field(default_factory=SerialExecutor)
    seed: int | None = None

    @property
    def estimators(self) -> Registry:
        """The registry (the default one if unset; ``resolve`` sets it once)."""
        return self.registry if self.registry is not None else Registry.default()

    @classmethod
    def create(cls, *, registry: Registry | None = None,
               store: Store | str | Path | None = None,
               executor: Executor | int | None = None, seed: int | None = None) -> Context:
        """Every default filled in, every shorthand mapped to its object, once."""
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)
                                 or seed < 0):
            raise SpecError.single("seed", "", f"a non-negative integer or None, got {seed!r}")
        if isinstance(store, str):
            store = Path(store).expanduser()
        return cls(registry if registry is not None else Registry.default(),
                   open_store(store), as_executor(executor), seed)


def resolve(context: Context | None) -> Context:
    """A context with its registry filled in (the default context when None)."""
    if context is None:
        return Context.create()
    if context.registry is None:
        return replace(context, registry=Registry.default())
    return context


__all__ = ["Context", "Executor", "JsonStore", "ProcessExecutor", "SerialExecutor",
           "SqliteStore", "Store", "as_executor", "fingerprint", "open_store",
           "resolve"]
