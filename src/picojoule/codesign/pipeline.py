"""One pipeline: (task, arch) x compression config -> measured accuracy, energy, size.

``Codesign`` binds a task to an architecture, the mapper's search options, a mapping cache
folder and an optional result store. ``evaluate(config)`` compresses a copy of the model,
measures the metric on real data, annotates the FP32 network with the compressed model's
summary and costs it on the architecture. ``sweep(configs)`` evaluates many, skipping (and
returning) those already in the store.
"""

from __future__ import annotations

import copy
import functools
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from picojoule.arch.spec import Arch
from picojoule.codesign.config import CodesignConfig
from picojoule.codesign.cost import (
    COST_VERSION,
    DEFAULT_OPTIONS,
    ENVELOPE_DENSITIES,
    FLOAT_BITS,
    NetworkCost,
    network_cost,
)
from picojoule.codesign.store import Store
from picojoule.context.store import fingerprint
from picojoule.errors import SpecError
from picojoule.mapper.search import SearchOptions
from picojoule.result import Result
from picojoule.workload.network import Network

if TYPE_CHECKING:
    from picojoule.compress.task import Task

__all__ = ["Codesign", "Point"]


@dataclass(frozen=True)
class Point:
    """One measured config: the metric on real data and the compressed network's costs."""

    key: str
    label: str
    config: dict[str, Any]
    metric: float
    energy_pj: float
    cycles: float
    area_um2: float
    size_bits: int
    layers: dict[str, dict[str, Any]]  # per layer: energy_pj, bits, density
    eval_seconds: float
    cost_seconds: float
    searched: int

    @property
    def energy_uj(self) -> float:
        return self.energy_pj / 1e6

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Point:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@functools.lru_cache(maxsize=8)
def _traced(task: Task) -> Network:
    from picojoule.importers.torch_import import import_torch

    return import_torch(task.target(task.model), task.example_inputs, name=task.name,
                        allow_unsupported=True)


@dataclass(frozen=True)
class Codesign:
    task: Task
    arch: Arch
    options: SearchOptions = DEFAULT_OPTIONS
    cache_dir: Path | None = None  # mapping cache (one JSON file per searched layer)
    store: Store | None = None
    fine_tune_steps: int = 0
    run_id: str = field(default_factory=lambda: f"{os.getpid()}-{time.time_ns()}")
    # per-layer masks and quantized weights reused across configs (None: recompute each)
    weight_cache: dict[Any, Any] | None = field(default_factory=dict, compare=False,
                                                repr=False)

    @functools.cached_property
    def costing_key(self) -> str:
        """What a stored point's costs depend on besides its config: the architecture's
        content (not only its name), the search options, the density grid, the traced
        network's layers (a task of the same name traced at another batch size differs) and
        the costing code's version (``COST_VERSION``)."""
        layers = [(layer.name, layer.signature) for layer in self.network.layers]
        costing = fingerprint(self.arch, self.options, ENVELOPE_DENSITIES, layers,
                              COST_VERSION)[:16]
        return f"{self.arch.name}-ft{self.fine_tune_steps}-{costing}"

    def stored_keys(self) -> set[str]:
        """Keys of the configs whose points the store already holds for this task and
        costing (what a resumed sweep reads back instead of evaluating)."""
        if self.store is None:
            return set()
        return {p["key"] for p in self.store.points(self.task.store_name, self.costing_key)}

    @property
    def network(self) -> Network:
        """The FP32 network traced from the task's model (once per task)."""
        return _traced(self.task)

    def cost(self, summary: dict[str, Any], config: CodesignConfig) -> NetworkCost:
        return network_cost(self.network, summary, config, self.arch, self.options,
                            self.cache_dir)

    def _measured(self, config: CodesignConfig, model: Any = None) -> dict[str, Any]:
        """The metric and compression summary of ``config`` (from the store if there)."""
        key = f"{config.key}-ft{self.fine_tune_steps}"
        known = (self.store.get_measured(self.task.store_name, key)
                 if self.store is not None and model is None else None)
        if known is None:
            from picojoule.compress import codesign_ops as ops  # torch, when measuring

            if model is None:
                model = ops.compressed_copy(self.task, config.choice, self.fine_tune_steps,
                                            self.weight_cache)
            known = ops.measure(self.task, model)
            if self.store is not None:
                self.store.put_measured(self.task.store_name, key, known)
        return known

    def result(self, config: CodesignConfig) -> Result:
        """``config``'s compressed network on the arch as a ``Result`` (rows per layer,
        level, operand and component; VS-Quant's as operand "scales"): the point's energy
        broken down. Measured once (or read from the store), costed from the mapping cache."""
        return self.cost(self._measured(config)["summary"], config).result

    def evaluate(self, config: CodesignConfig, model: Any = None) -> Point:
        """Measure ``config`` (or an already compressed ``model`` described by it)."""
        started = time.perf_counter()
        known = self._measured(config, model)
        metric, summary = float(known["metric"]), known["summary"]
        evaluated = time.perf_counter()
        cost = self.cost(summary, config)
        layers = {lc.name: {"energy_pj": lc.energy_pj, "vsq_pj": lc.vsq_overhead_pj,
                            "bits": lc.bits, "density": lc.density} for lc in cost.layers}
        return Point(config.key, config.label(), config.to_dict(), metric, cost.energy_pj,
                     cost.cycles, cost.area_um2, int(summary["compressed_bits"]), layers,
                     evaluated - started, time.perf_counter() - evaluated, cost.searched)

    def estimate(self, config: CodesignConfig, known: CodesignConfig) -> Point:
        """``config`` costed without measuring it: ``known``'s measured summary (weight
        densities) with each layer's bits set to ``config``'s precisions. Exact for the
        energy when the two differ only in precision (nothing else in the summary moves);
        the metric is NaN. Raises SpecError if they differ in sparsity."""
        bad = [n for n in self.task.layers() if (config.choice(n).pattern,
               config.choice(n).sparsity) != (known.choice(n).pattern, known.choice(n).sparsity)]
        if bad:
            raise SpecError.single("Codesign.estimate", "config",
                                   f"the same sparsity as the known config (differs on {bad})")
        summary = copy.deepcopy(self._measured(known)["summary"])
        for entry in summary["layers"]:
            choice = config.choice(entry["name"])
            entry["bits"]["inputs"] = choice.act_bits or FLOAT_BITS
            entry["bits"]["weights"] = choice.weight_bits or FLOAT_BITS
        cost = self.cost(summary, config)
        layers = {lc.name: {"energy_pj": lc.energy_pj, "vsq_pj": lc.vsq_overhead_pj,
                            "bits": lc.bits, "density": lc.density} for lc in cost.layers}
        return Point(config.key, config.label(), config.to_dict(), float("nan"),
                     cost.energy_pj, cost.cycles, cost.area_um2, 0, layers, 0.0, 0.0,
                     cost.searched)

    def measure(self, config: CodesignConfig) -> Point:
        """``evaluate`` through the store: a config already there is read, not re-run."""
        if self.store is None:
            return self.evaluate(config)
        got = self.store.get(self.task.store_name, self.costing_key, config.key)
        if got is not None:
            return Point.from_dict(got)
        self.store.log(self.run_id, self.task.store_name, self.costing_key, config.key,
                       "start")
        point = self.evaluate(config)
        self.store.put(self.task.store_name, self.costing_key, config.key, point.label,
                       point.to_dict())
        return point

    def sweep(self, configs: Iterable[CodesignConfig],
              progress: Callable[[int, Point], None] | None = None) -> list[Point]:
        points = []
        for i, config in enumerate(configs):
            point = self.measure(config)
            points.append(point)
            if progress is not None:
                progress(i, point)
        return points


def default_cache(folder: str | Path) -> tuple[Path, Store]:
    """A mapping cache folder and a store file under ``folder``."""
    root = Path(folder)
    return root / "mappings", Store(root / "points.sqlite")
