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
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from picojoule.analysis.cache import DiskCache, digest, layer_seed
from picojoule.analysis.totals import total_stats
from picojoule.analysis.workers import exit_with_parent
from picojoule.arch.spec import Arch
from picojoule.cost.stats import Stats
from picojoule.errors import Problem, SpecError
from picojoule.mapper.evaluator import Budget
from picojoule.mapper.search import (
    SearchOptions,
    UnmappableError,
    check_options,
    mapping_stats,
    resolve_constraints,
    search,
)
from picojoule.mapping.spec import Mapping
from picojoule.mapping.text import format_mapping, parse_mapping
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


@dataclass(frozen=True)
class NetworkAnalysis:
    network: str
    arch: Arch
    options: SearchOptions
    layers: tuple[LayerResult, ...]
    vector_ops: tuple[str, ...]  # names of operations not costed yet (no vector unit model)
    distinct: int
    searched: int
    cache_hits: int
    seconds: float
    totals: Stats | None = field(default=None)

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
            else:
                row["error"] = r.error
            layers.append(row)
        return {"network": self.network, "arch": self.arch.name,
                "dataflow": resolve_constraints(self.arch, self.options).name,
                "objective": self.options.objective.name, "layers": layers,
                "totals": self.totals.to_dict() if self.totals else None,
                "not_costed": {"vector_ops": list(self.vector_ops),
                               "why": "no vector-unit model yet; einsum layers only"},
                "distinct_layers": self.distinct, "searched": self.searched,
                "cache_hits": self.cache_hits, "seconds": self.seconds}


DEFAULT_EVALUATIONS = 20_000  # per distinct layer: ResNet-18 in seconds (docs/mapper.md)
_META = ("strategy", "evaluated", "considered", "seconds", "proven", "certainty", "cached")


def _search_record(layer: Layer, arch: Arch, options: SearchOptions) -> dict[str, Any]:
    """Search one layer; a JSON-able record (runs in a worker process)."""
    try:
        r = search(layer, arch, options)
    except UnmappableError as exc:
        return {"error": "; ".join(str(p) for p in exc.problems)}
    return {"mapping": format_mapping(r.mapping), "strategy": r.strategy,
            "evaluated": r.evaluated, "considered": r.considered, "seconds": r.seconds,
            "proven": r.proven, "certainty": r.certainty, "score": r.score}


def analyze(network: Network, arch: Arch, options: SearchOptions | None = None, *,
            workers: int = 1, cache_dir: str | Path | None = None,
            progress: Callable[[str], None] | None = None) -> NetworkAnalysis:
    """Search each distinct layer once (in ``workers`` processes), cost every layer;
    ``progress`` is called with a layer's name as each distinct layer is done."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SpecError.single("workers", "", f"a positive integer, got {workers!r}")
    if not network.layers:
        raise SpecError.single(network.name, "", "a network with at least one einsum layer "
                               "(conv2d, fc, gemm, bmm) to map; this one has only vector "
                               "operations")
    options = options or SearchOptions(budget=Budget(DEFAULT_EVALUATIONS))
    check_options(options)  # here, not in a worker: every problem at once, no traceback
    started = time.perf_counter()
    cache = DiskCache(Path(cache_dir)) if cache_dir is not None else None
    constraints = resolve_constraints(arch, options)
    distinct: dict[str, Layer] = {}
    keys = []
    for layer in network.layers:
        key = digest(layer.signature, arch, options)
        keys.append(key)
        distinct.setdefault(key, layer)
    records: dict[str, dict[str, Any]] = {}
    hits = 0
    for key in distinct:
        got = cache.get(key) if cache else None
        if got is not None:
            records[key] = {**got, "cached": True}
            hits += 1
            if progress is not None:
                progress(distinct[key].name)
    todo = {k: (layer.with_name(f"{layer.name}"),
                dataclasses.replace(options, seed=layer_seed(options.seed, k)))
            for k, layer in distinct.items() if k not in records}

    def done(key: str, record: dict[str, Any]) -> None:
        if cache is not None:
            cache.put(key, {**record, "layer": distinct[key].to_text()})
        records[key] = {**record, "cached": False}
        if progress is not None:
            progress(distinct[key].name)

    if workers == 1 or len(todo) <= 1:
        for key, (layer, opts) in todo.items():
            done(key, _search_record(layer, arch, opts))
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                                 initializer=exit_with_parent, initargs=(os.getpid(),)) as pool:
            futures = {pool.submit(_search_record, layer, arch, opts): key
                       for key, (layer, opts) in todo.items()}
            for fut in as_completed(futures):
                done(futures[fut], fut.result())
    results = []
    stats_by_key: dict[str, tuple[Mapping, Stats]] = {}
    for layer, key in zip(network.layers, keys, strict=True):
        rec = records[key]
        meta: dict[str, Any] = {k: rec[k] for k in _META if k in rec}
        if "error" in rec:
            results.append(LayerResult(layer.name, layer, None, None, meta, rec["error"]))
            continue
        if key not in stats_by_key:
            mapping = parse_mapping(rec["mapping"], f"cached mapping of {layer.name}")
            stats_by_key[key] = (mapping, mapping_stats(distinct[key], arch, mapping,
                                                        constraints))
        mapping, stats = stats_by_key[key]
        results.append(LayerResult(layer.name, layer, mapping,
                                   dataclasses.replace(stats, layer=layer.name), meta))
    mapped = [r.stats for r in results if r.stats is not None]
    return NetworkAnalysis(
        network=network.name, arch=arch, options=options, layers=tuple(results),
        vector_ops=tuple(op.name for op in network.vector_ops), distinct=len(distinct),
        searched=len(todo), cache_hits=hits, seconds=time.perf_counter() - started,
        totals=total_stats(mapped) if mapped else None)


def unmapped_problems(analysis: NetworkAnalysis) -> list[Problem]:
    return [Problem(r.name, "", r.error or "") for r in analysis.layers if r.error]
