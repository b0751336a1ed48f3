"""The joules half: a compressed model's summary -> annotated network -> energy on an arch.

``network_cost`` annotates the FP32 network with each layer's measured precisions and
weight density (``Network.annotate``), picks the architecture variant each layer runs on
(weights stored in the config's sparse format; a MAC datapath that supports the config's
precisions) and calls ``analyze`` once per variant, with its disk cache keyed by the layer
signature (shape, precisions, densities), the architecture and the search options, so a
sweep searches each distinct (layer, precisions, densities, arch) once.

Conventions (stated, not measured): a layer writes its outputs at its activation precision
(the precision its consumer reads); activation x activation layers (attention) run at the
config's default activation precision; a float operand is 32 bits. VS-Quant per-vector
scaling adds, per layer, the scale storage (M bits per V weights, moved wherever the
weights move: the weights' storage energy x M / (V x weight bits)) and one extra multiply
per V MACs (costed as an M-bit MAC into the layer's partial-sum accumulator).

A layer with unstructured weight sparsity is costed with the best of its own searched
mapping and the mappings searched for the same layer at each density of
``ENVELOPE_DENSITIES``, re-costed at its density (``density_envelope``). Why: the search is
sampled and seeded per signature, and a layer's density is part of its signature, so two
near-identical densities can land in different basins (LeNet-5's conv2 at batch 16 on
eyeriss: 67.0 µJ at density 0.21, 86.4 µJ at 0.2 with 2,000 mappings), and a pruning
search comparing one step with the next would follow the mapper's noise. The grid's
mappings are searched once per (layer, precisions, arch variant) and cached like any other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from picojoule.analysis import analyze
from picojoule.arch.spec import Arch
from picojoule.codesign.config import CodesignConfig, LayerChoice
from picojoule.cost.stats import Stats
from picojoule.errors import SpecError
from picojoule.mapper.evaluator import Budget
from picojoule.mapper.search import SearchOptions, fitting_mapping_stats, resolve_constraints
from picojoule.result import Result, Row
from picojoule.tech.components import Mac, Tech
from picojoule.tech.registry import Registry
from picojoule.workload.einsum import Layer
from picojoule.workload.network import Network, Node

__all__ = ["LayerCost", "NetworkCost", "arch_variant", "network_cost", "vsq_overhead_pj",
           "vsq_parts_pj"]

FLOAT_BITS = 32
DEFAULT_OPTIONS = SearchOptions(budget=Budget(10_000), seed=0)
# densities whose searched mappings every unstructured-sparse layer is also costed with
ENVELOPE_DENSITIES = (1.0, 0.5, 0.2, 0.1, 0.05, 0.02)
# part of every stored point's key: raise it when network_cost gives other numbers for the
# same inputs, so a store never returns points costed by an earlier version
COST_VERSION = 2


@dataclass(frozen=True)
class LayerCost:
    name: str
    macs: int
    energy_pj: float  # including any VS-Quant overhead
    vsq_overhead_pj: float
    cycles: float
    bits: dict[str, int]
    density: dict[str, float]


@dataclass(frozen=True)
class NetworkCost:
    energy_pj: float
    cycles: float
    area_um2: float  # the datapath for the widest precision any layer uses
    seconds: float
    layers: tuple[LayerCost, ...]
    searched: int  # layer mappings searched now (the rest came from the cache)
    distinct: int
    # the layers in series: rows per level, operand, component
    result: Result = field(default_factory=Result)

    @property
    def energy_uj(self) -> float:
        return self.energy_pj / 1e6

    def shares(self) -> dict[str, float]:
        """Each layer's fraction of the network's einsum energy."""
        return {lc.name: lc.energy_pj / self.energy_pj for lc in self.layers}

    def to_dict(self) -> dict[str, Any]:
        return {"energy_pj": self.energy_pj, "cycles": self.cycles, "area_um2": self.area_um2,
                "seconds": self.seconds, "searched": self.searched, "distinct": self.distinct,
                "layers": [dataclasses.asdict(lc) for lc in self.layers]}


def _precision(bits: int) -> str:
    return "fp32" if bits >= FLOAT_BITS else ("int16" if bits > 8 else f"int{bits}")


def arch_variant(arch: Arch, choice: LayerChoice, bits: int) -> Arch:
    """``arch`` with weights stored in ``choice``'s sparse format at every level that keeps
    them, and a MAC datapath that also supports ``bits`` (a multi-precision MAC)."""
    levels = arch.levels
    if choice.sparse_format != "none":
        levels = tuple(dataclasses.replace(lv, sparse_format=choice.sparse_format,
                                           metadata_bits=choice.metadata_bits)
                       if "weights" in lv.keeps else lv for lv in levels)
    precisions = arch.compute.precisions
    if _precision(bits) not in precisions:
        precisions = (*precisions, _precision(bits))
    compute = dataclasses.replace(arch.compute, precisions=precisions)
    return dataclasses.replace(arch, levels=levels, compute=compute)


def layer_annotations(net: Network, summary: Mapping[str, Any],
                config: CodesignConfig) -> dict[str, Any]:
    """The ``annotate`` input: bits and densities of every einsum layer of ``net``."""
    by_name = {entry["name"]: entry for entry in summary["layers"]}
    act = config.default.act_bits or FLOAT_BITS
    entries = []
    for layer in net.layers:
        entry = by_name.get(layer.name)
        if entry is None:  # activation x activation (attention): no weights to compress
            entries.append({"name": layer.name, "bits": dict.fromkeys(
                ("inputs", "weights", "outputs"), act)})
            continue
        bits = dict(entry["bits"])
        bits["outputs"] = bits["inputs"]
        entries.append({"name": layer.name, "bits": bits, "density": dict(entry["density"])})
    return {"layers": entries}


def vsq_parts_pj(stats: Stats, arch: Arch, choice: LayerChoice, weight_bits: int,
                 psum_bits: int, registry: Registry | None = None) -> tuple[float, float]:
    """VS-Quant's scale storage and per-vector multiply energy for one layer (module doc)."""
    weight_pj = sum(ops["weights"].energy_pj for ops in stats.levels.values()
                    if "weights" in ops)
    storage = weight_pj * choice.scale_bits / (choice.vector_size * weight_bits)
    est = (registry or Registry.default()).estimate(
        Mac(bits=choice.scale_bits, acc_bits=psum_bits), Tech(arch.node_nm, arch.voltage_v),
        prefer=arch.compute.estimator)
    return storage, stats.macs / choice.vector_size * est.action("mac")


def vsq_overhead_pj(stats: Stats, arch: Arch, choice: LayerChoice, weight_bits: int,
                    psum_bits: int, registry: Registry | None = None) -> float:
    """Scale storage and the per-vector multiply of VS-Quant for one layer (see module doc)."""
    storage, multiply = vsq_parts_pj(stats, arch, choice, weight_bits, psum_bits, registry)
    return storage + multiply


def _layer_result(stats: Stats, device: str, choice: LayerChoice, weight_bits: int,
                  multiply_pj: float | None) -> Result:
    """The layer's rows; with VS-Quant, operand "scales": at every level that moves weights,
    storage of M bits per V weights of weight_bits, and the per-vector multiplies."""
    result = stats.to_result(device=device)
    if multiply_pj is None:
        return result
    factor = choice.scale_bits / (choice.vector_size * weight_bits)
    extra = [Row(device, stats.layer, "", lv, "scales", "storage", ops["weights"].energy_pj
                 * factor) for lv, ops in stats.levels.items() if "weights" in ops]
    extra.append(Row(device, stats.layer, "", "", "scales", "compute", multiply_pj,
                     macs=stats.macs / choice.vector_size))
    return replace(result, rows=(*result.rows, *extra))


def density_envelope(layers: list[Layer], variant: Arch, options: SearchOptions,
                     cache_dir: str | Path | None,
                     own: Mapping[str, Stats]) -> tuple[dict[str, Stats], int]:
    """Per layer, the cheapest of its own stats and the stats of each mapping searched for
    the same layer at the ``ENVELOPE_DENSITIES``, re-costed at the layer's weight density
    (module doc) where its tiles fit at that density, and how many grid mappings were
    searched now (the rest were cached)."""
    twins = [layer.with_density(weights=d).with_name(f"{layer.name}@{d:g}")
             for layer in layers for d in ENVELOPE_DENSITIES]
    grid = analyze(Network("envelope", tuple(Node(t) for t in twins)), variant,
                   options, cache_dir=cache_dir)
    constraints = resolve_constraints(variant, options)
    best = {layer.name: own[layer.name] for layer in layers}
    for twin in grid.layers:
        name = twin.name.rsplit("@", 1)[0]
        if twin.mapping is None or name not in best:
            continue
        layer = next(lay for lay in layers if lay.name == name)
        stats = fitting_mapping_stats(layer, variant, twin.mapping, constraints)
        if stats is not None and stats.energy_pj < best[name].energy_pj:
            best[name] = replace(stats, layer=name)  # a denser twin's tiles may not fit
    return best, grid.searched


def network_cost(net: Network, summary: Mapping[str, Any], config: CodesignConfig,
                 arch: Arch, options: SearchOptions | None = None,
                 cache_dir: str | Path | None = None) -> NetworkCost:
    """Energy, cycles and area of ``net`` compressed as ``summary`` says, on ``arch``."""
    options = options or DEFAULT_OPTIONS
    annotated = net.annotate(layer_annotations(net, summary, config), where="codesign summary")
    groups: dict[Arch, list[Node]] = {}
    for node in annotated.nodes:
        if node.is_layer:
            layer = node.op
            bits = max(layer.operand("inputs").bits, layer.operand("weights").bits)  # type: ignore[union-attr]
            variant = arch_variant(arch, config.choice(node.name), bits)
            groups.setdefault(variant, []).append(node)
    costs: dict[str, LayerCost] = {}
    results: dict[str, Result] = {}
    searched = distinct = 0
    area = 0.0
    seconds = 0.0
    for variant, nodes in groups.items():
        result = analyze(Network(net.name, tuple(nodes)), variant, options, cache_dir=cache_dir)
        searched += result.searched
        distinct += result.distinct
        own: dict[str, Stats] = {}
        for r in result.layers:
            if r.stats is None:
                raise SpecError.single(variant.name, r.name, f"a mappable layer ({r.error})")
            own[r.name] = r.stats
        pruned = [r.layer for r in result.layers if config.choice(r.name).pattern
                  == "unstructured" and r.layer.operand("weights").density < 1.0]
        if pruned:
            envelope, grid_searched = density_envelope(pruned, variant, options, cache_dir, own)
            own.update(envelope)
            searched += grid_searched
        for r in result.layers:
            stats = own[r.name]
            choice = config.choice(r.name)
            w = r.layer.operand("weights")
            extra = 0.0
            vsq = None
            if choice.granularity == "per_vector" and r.name in {e["name"]
                                                                 for e in summary["layers"]}:
                vsq = vsq_parts_pj(stats, variant, choice, w.bits,
                                   r.layer.output.partial_bits)
                extra = vsq[0] + vsq[1]
            results[r.name] = _layer_result(stats, arch.name, choice, w.bits,
                                            None if vsq is None else vsq[1])
            costs[r.name] = LayerCost(
                r.name, r.layer.macs, stats.energy_pj + extra, extra, stats.cycles,
                {o.name: o.bits for o in r.layer.operands},
                {o.name: o.density for o in r.layer.operands})
            area = max(area, stats.area_um2)
            seconds += stats.seconds
    layers = tuple(costs[layer.name] for layer in net.layers)
    return NetworkCost(sum(lc.energy_pj for lc in layers), sum(lc.cycles for lc in layers),
                       area, seconds, layers, searched, distinct,
                       Result.serial(results[layer.name] for layer in net.layers))
