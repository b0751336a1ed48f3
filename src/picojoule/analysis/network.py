"""Whole networks: one best mapping per distinct layer shape, then per-layer and total stats.

Layers are grouped by structural signature (a ResNet's repeated blocks cost one search);
distinct layers are searched in local processes, each with a seed derived from the layer
(so results do not depend on the number of workers or the order they finish in); each
result is written to the optional on-disk cache as it finishes. Every layer, searched or
cached, is costed in this process by ``mapper.search.mapping_stats`` from its mapping text,
so a cached analysis gives the same numbers bit for bit.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from picojoule.analysis.totals import total_stats
from picojoule.analysis.vector import VectorCost, cost_vector_ops
from picojoule.arch.spec import Arch
from picojoule.context import Context, resolve
from picojoule.context.store import fingerprint, layer_seed
from picojoule.cost.energy import energy_model
from picojoule.cost.saving import Saving, saving
from picojoule.cost.stats import Stats
from picojoule.errors import Problem, SpecError
from picojoule.mapper.evaluator import Budget
from picojoule.mapper.search import (
    SearchOptions,
    UnmappableError,
    mapping_stats,
    normalize_options,
    resolve_constraints,
    search,
)
from picojoule.mapper.strategies import STRATEGIES
from picojoule.mapping.spec import Mapping
from picojoule.mapping.text import format_mapping, parse_mapping
from picojoule.result import Result
from picojoule.tech.registry import Registry
from picojoule.workload.einsum import Layer
from picojoule.workload.network import Network


@dataclass(frozen=True)
class LayerResult:
    name: str
    layer: Layer
    mapping: Mapping | None
    stats: Stats | None
    search: dict[str, Any]  # strategy, evaluated, seconds, proven, cached, certainty
    error: str | None = None  # why the layer could not be mapped
    saving: Saving | None = None  # what sparsity saves vs the same mapping dense (sparse arch)

    @property
    def result(self) -> Result:
        """This layer's rows and span (empty when it could not be mapped)."""
        return self.stats.to_result() if self.stats is not None else Result()


@dataclass(frozen=True)
class NetworkAnalysis:
    network: str
    arch: Arch
    options: SearchOptions
    layers: tuple[LayerResult, ...]
    vector_ops: tuple[str, ...]  # names of operations not costed (none since the vector unit)
    distinct: int
    searched: int
    cache_hits: int
    seconds: float
    totals: Stats | None = field(default=None)  # the layers' Stats summed (one chip, in series)
    vector_costs: tuple[VectorCost, ...] = ()  # softmax, norms, pooling ... (analysis.vector)

    @property
    def result(self) -> Result:
        """The whole network in series on one device (the arch): the mapped einsum layers,
        then the vector operations on the vector unit, as one ``Result``."""
        vector = (v.to_result(self.arch.name, self.arch.clock_hz) for v in self.vector_costs)
        return Result.serial([*(r.result for r in self.layers), *vector])

    @property
    def saving(self) -> Saving | None:
        """What sparsity saves over every mapped layer (each against its own mapping dense);
        None on an architecture without sparse features or when they change nothing."""
        parts = [r.saving for r in self.layers if r.saving is not None]
        total = sum(parts[1:], parts[0]) if parts else None
        return total if total is not None and total.changes else None

    def _repr_html_(self) -> str:
        from picojoule.display import result_html

        return result_html(self.result, f"{self.network} on {self.arch.name}")

    def to_dict(self) -> dict[str, Any]:
        layers = []
        for r in self.layers:
            row: dict[str, Any] = {"name": r.name, "layer": r.layer.to_text(),
                                   "macs": r.layer.macs}
            if r.stats is not None and r.mapping is not None:
                row.update(energy_pj=r.stats.energy_pj, pj_per_mac=r.stats.pj_per_mac,
                           cycles=r.stats.cycles, utilization=r.stats.utilization,
                           mapping=format_mapping(r.mapping), search=r.search,
                           stats=r.stats.to_dict())
                if r.saving is not None:
                    row["sparsity"] = r.saving.to_dict()
            else:
                row["error"] = r.error
            layers.append(row)
        return {"network": self.network, "arch": self.arch.name,
                "dataflow": resolve_constraints(self.arch, self.options).name,
                "objective": self.options.objective.name, "layers": layers,
                "totals": self.totals.to_dict() if self.totals else None,
                "sparsity": self.saving.to_dict() if self.saving else None,
                "not_costed": {"vector_ops": list(self.vector_ops)},
                "vector_ops": [dataclasses.asdict(v) | {"energy_pj": v.energy_pj}
                               for v in self.vector_costs],
                "vector_energy_pj": sum(v.energy_pj for v in self.vector_costs),
                "vector_cycles": sum(v.cycles for v in self.vector_costs),
                "distinct_layers": self.distinct, "searched": self.searched,
                "cache_hits": self.cache_hits, "seconds": self.seconds}


DEFAULT_EVALUATIONS = 20_000  # per distinct layer: ResNet-18 in seconds (docs/mapper.md)
_META = ("strategy", "evaluated", "considered", "seconds", "proven", "certainty", "cached")


def _search_record(item: tuple[Layer, Arch, SearchOptions, Registry]) -> dict[str, Any]:
    """Search one layer; a JSON-able record (runs wherever the executor sends it)."""
    layer, arch, options, registry = item
    try:
        r = search(layer, arch, options, context=Context(registry=registry))
    except UnmappableError as exc:
        return {"error": "; ".join(str(p) for p in exc.problems)}
    return {"mapping": format_mapping(r.mapping), "strategy": r.strategy,
            "evaluated": r.evaluated, "considered": r.considered, "seconds": r.seconds,
            "proven": r.proven, "certainty": r.certainty, "score": r.score}


def _keyed_options(options: SearchOptions) -> SearchOptions:
    """The options as keys see them: a strategy with its registered defaults is keyed by its
    name (so ``"guided"`` and ``Guided()`` share records), a tuned one by its parameters."""
    for name, make in STRATEGIES.items():
        if options.strategy == make():
            return dataclasses.replace(options, strategy=name)
    return options


def _edge_context(context: Context | None, workers: int,
                  cache_dir: str | Path | None) -> Context:
    """``workers``/``cache_dir`` are shorthands for a context's executor and store."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SpecError.single("workers", "", f"a positive integer, got {workers!r}")
    if context is None:
        return resolve(Context.create(store=None if cache_dir is None else Path(cache_dir),
                                      executor=workers))
    if workers != 1 or cache_dir is not None:
        raise SpecError.single("analyze", "context", "either a context or workers/cache_dir, "
                                                     "not both")
    return resolve(context)


def analyze(network: Network, arch: Arch, options: SearchOptions | None = None, *,
            workers: int = 1, cache_dir: str | Path | None = None,
            progress: Callable[[str], None] | None = None,
            context: Context | None = None) -> NetworkAnalysis:
    """Search each distinct layer once (through the context's executor; ``workers`` local
    processes by default), cost every layer; ``progress`` is called with a layer's name as
    each distinct layer is done. ``context`` brings the estimator registry, the store of
    searched layers (``cache_dir`` is a shorthand for a JSON store) and the executor."""
    if not network.layers:
        raise SpecError.single(network.name, "", "a network with at least one einsum layer "
                               "(conv2d, fc, gemm, bmm) to map; this one has only vector "
                               "operations")
    ctx = _edge_context(context, workers, cache_dir)
    options = normalize_options(options or SearchOptions(budget=Budget(DEFAULT_EVALUATIONS)),
                                ctx)  # here, not in a worker: every problem at once
    registry = ctx.estimators
    started = time.perf_counter()
    store = ctx.store
    constraints = resolve_constraints(arch, options)
    distinct: dict[str, Layer] = {}
    keys = []
    keyed = _keyed_options(options)
    estimators = registry.fingerprint()
    search_keys: dict[str, str] = {}  # store key -> key of the search problem (for its seed)
    for layer in network.layers:
        problem = fingerprint(layer.signature, arch, keyed)
        key = fingerprint(layer.signature, arch, keyed, estimators)
        keys.append(key)
        distinct.setdefault(key, layer)
        search_keys.setdefault(key, problem)
    records: dict[str, dict[str, Any]] = {}
    hits = 0
    for key in distinct:
        got = store.get(key) if store else None
        if got is not None:
            records[key] = {**got, "cached": True}
            hits += 1
            if progress is not None:
                progress(distinct[key].name)
    todo = [k for k in distinct if k not in records]
    items = [(distinct[k], arch,
              dataclasses.replace(options, seed=layer_seed(options.seed, search_keys[k])),
              registry) for k in todo]
    for i, record in ctx.executor.map_unordered(_search_record, items):
        key = todo[i]
        if store is not None:
            store.put(key, {**record, "layer": distinct[key].to_text()})
        records[key] = {**record, "cached": False}
        if progress is not None:
            progress(distinct[key].name)
    results = []
    stats_by_key: dict[str, tuple[Mapping, Stats, Saving | None]] = {}
    for layer, key in zip(network.layers, keys, strict=True):
        rec = records[key]
        meta: dict[str, Any] = {k: rec[k] for k in _META if k in rec}
        if "error" in rec:
            results.append(LayerResult(layer.name, layer, None, None, meta, rec["error"]))
            continue
        if key not in stats_by_key:
            mapping = parse_mapping(rec["mapping"], f"cached mapping of {layer.name}")
            energy = energy_model(arch, distinct[key], registry)
            stats_by_key[key] = (mapping, mapping_stats(distinct[key], arch, mapping,
                                                        constraints, energy),
                                 saving(distinct[key], arch, mapping, registry))
        mapping, stats, saved = stats_by_key[key]
        results.append(LayerResult(layer.name, layer, mapping,
                                   dataclasses.replace(stats, layer=layer.name), meta,
                                   saving=saved))
    mapped = [r.stats for r in results if r.stats is not None]
    return NetworkAnalysis(
        network=network.name, arch=arch, options=options, layers=tuple(results),
        vector_ops=(), vector_costs=cost_vector_ops(network.vector_ops, arch),
        distinct=len(distinct),
        searched=len(todo), cache_hits=hits, seconds=time.perf_counter() - started,
        totals=total_stats(mapped) if mapped else None)


def unmapped_problems(analysis: NetworkAnalysis) -> list[Problem]:
    return [Problem(r.name, "", r.error or "") for r in analysis.layers if r.error]
