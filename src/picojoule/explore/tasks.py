"""The unit of distributed work: one layer on one design, searched and costed.

A task is plain data (an Arch, a Layer, search options) and returns a JSON-able record, so it
runs the same in this process, in a local worker or on a Dask cluster, and its record can be
stored and reused by key: the same (layer signature, architecture, options) is searched once,
whichever design or workload asked for it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from picojoule.arch.spec import Arch
from picojoule.context.store import canonical, fingerprint, layer_seed
from picojoule.cost.energy import energy_model
from picojoule.mapper.evaluator import Budget, Objective
from picojoule.mapper.search import SearchOptions, UnmappableError, search
from picojoule.mapping.text import format_mapping
from picojoule.tech.registry import Registry
from picojoule.workload.einsum import Layer


@dataclass(frozen=True)
class LayerTask:
    key: str
    layer: Layer
    arch: Arch
    options: SearchOptions


_EXPONENTS = {"energy": (1.0, 0.0), "cycles": (0.0, 1.0), "edp": (1.0, 1.0)}


def mapper_options(evaluations: int, objective: str, seed: int) -> SearchOptions:
    return SearchOptions(objective=Objective(*_EXPONENTS[objective]),
                         budget=Budget(evaluations), seed=seed)


def layer_task(layer: Layer, arch: Arch, options: SearchOptions) -> LayerTask:
    """A task keyed by what determines its result (the layer, the design, the search options
    and the estimator set); the search seed derives from the problem alone."""
    problem = fingerprint(layer.signature, arch, options)
    key = fingerprint(layer.signature, arch, options, Registry.default().fingerprint())
    return LayerTask(key, layer, arch,
                     dataclasses.replace(options, seed=layer_seed(options.seed, problem)))


def layer_tasks(layers: Sequence[Layer], arch: Arch, options: SearchOptions
                ) -> list[LayerTask]:
    """``layer_task`` for each layer of one design, with the same keys and seeds: the design
    and the options are put in canonical form once, not once per layer (``fingerprint`` of an
    already canonical value is the fingerprint of the value)."""
    arch_c, options_c = canonical(arch), canonical(options)
    registry_c = canonical(Registry.default().fingerprint())
    out = []
    for layer in layers:
        problem = fingerprint(layer.signature, arch_c, options_c)
        key = fingerprint(layer.signature, arch_c, options_c, registry_c)
        out.append(LayerTask(key, layer, arch, dataclasses.replace(
            options, seed=layer_seed(options.seed, problem))))
    return out


def timed_run(task: LayerTask) -> tuple[dict[str, Any], float]:
    """``run_task`` and the seconds it took where it ran (kept out of the record, which
    depends on the task alone)."""
    started = time.perf_counter()
    record = run_task(task)
    return record, time.perf_counter() - started


def run_task(task: LayerTask) -> dict[str, Any]:
    """Search and cost one layer: energy, cycles, area and the mapping, or why none fits."""
    try:
        r = search(task.layer, task.arch, task.options)
    except UnmappableError as exc:
        return {"error": "; ".join(str(p) for p in exc.problems)}
    return {"energy_pj": r.stats.energy_pj, "cycles": r.stats.cycles,
            "area_um2": r.stats.area_um2, "macs": r.stats.macs,
            "mapping": format_mapping(r.mapping), "evaluated": r.evaluated}


def design_area_um2(arch: Arch, layer: Layer) -> float:
    """The design's area for a layer's precisions, without any mapping search."""
    return energy_model(arch, layer).area_um2(arch)
