"""picojoule: where do the joules go, and which lever moves them?

Layers (imports point down only): workload | arch | tech -> cost -> mapper -> analysis
-> explore / codesign / system -> report / cli. ``compress`` holds the torch code.

The public entry points are importable from here and loaded on first use, so
``import picojoule`` imports neither numpy-heavy layers nor torch:

* ``load_model(spec)``, ``load_arch(spec)``: a network, an architecture;
* ``evaluate(layer, arch, mapping)``: the cost of one mapping (``Stats``);
* ``search(layer, arch, options)``, ``analyze(network, arch, options)``: best mappings;
* ``AcceleratorDevice(arch).run(network)``: a ``Result``, like every ``Device``;
* ``Context``: the estimator registry, store, executor and seed of a run;
* ``quantize_``, ``prune_``: compression of a torch model in place.
"""

from __future__ import annotations

import importlib
from typing import Any

from picojoule.errors import PicojouleError, Problem, SpecError

__version__ = "0.1.0"

_LAZY = {
    "AcceleratorDevice": "picojoule.analysis",
    "Context": "picojoule.context",
    "Result": "picojoule.result",
    "SearchOptions": "picojoule.mapper",
    "analyze": "picojoule.analysis",
    "evaluate": "picojoule.cost",
    "load_arch": "picojoule.arch",
    "load_model": "picojoule.importers",
    "prune_": "picojoule.compress",
    "quantize_": "picojoule.compress",
    "search": "picojoule.mapper",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'picojoule' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = ["PicojouleError", "Problem", "SpecError", "__version__", *_LAZY]
