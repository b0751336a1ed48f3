"""Platform-aware channel shrinking after NetAdapt (Yang et al., ECCV 2018).

Each iteration asks every shrinkable layer (one whose outputs feed another einsum layer)
for a proposal: remove the fewest lowest-L2 output channels that cut the network's energy
on the target architecture by ``step`` of the current energy (energy measured by the
mapper on the shrunk network, not estimated), fine-tune briefly with those channels held
at zero, measure the metric. The proposal with the best metric per microjoule is kept;
iterations continue until the energy is within ``budget_uj`` or no layer can shrink.

A removed channel is zeroed in the model (weights and bias, gradients masked during
fine-tuning), which computes exactly what the physically smaller model computes; the
network that is costed is the smaller one: the layer's M and its consumer's C shrink
(a flattened consumer loses C/M inputs per channel).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from picojoule.codesign.config import INT8, CodesignConfig, LayerChoice
from picojoule.codesign.cost import network_cost
from picojoule.codesign.pipeline import Codesign
from picojoule.errors import SpecError
from picojoule.workload.einsum import Layer
from picojoule.workload.network import Network

__all__ = ["AdaptStep", "netadapt", "shrink_network"]


@dataclass(frozen=True)
class AdaptStep:
    layer: str  # the layer shrunk at this step ("" for the start)
    channels: dict[str, int]  # kept output channels of every shrinkable layer
    metric: float
    energy_pj: float

    @property
    def energy_uj(self) -> float:
        return self.energy_pj / 1e6


def _consumers(net: Network) -> dict[str, str]:
    """Each einsum layer -> the next einsum layer its outputs reach through vector ops."""
    nodes = {n.name: n for n in net.nodes}
    readers: dict[str, list[str]] = {}
    for n in net.nodes:
        for src in n.inputs:
            readers.setdefault(src, []).append(n.name)
    out = {}
    for n in net.nodes:
        if not n.is_layer:
            continue
        frontier, seen = list(readers.get(n.name, [])), set()
        found = []
        while frontier:
            name = frontier.pop()
            if name in seen:
                continue
            seen.add(name)
            if nodes[name].is_layer:
                found.append(name)
            else:
                frontier.extend(readers.get(name, []))
        if len(found) == 1:
            out[n.name] = found[0]
    return out


def _resized(layer: Layer, dim: str, new: int) -> Layer:
    bounds = tuple(new if d == dim else b for d, b in zip(layer.dims, layer.bounds,
                                                            strict=True))
    params = tuple((k, new if k == dim else v) for k, v in layer.params)
    return dataclasses.replace(layer, bounds=bounds, params=params)


def shrink_network(net: Network, kept: dict[str, int]) -> Network:
    """``net`` with ``kept[name]`` output channels (M) in each named layer and its consumer's
    reduction (C) shrunk in proportion."""
    consumers = _consumers(net)
    layers = {layer.name: layer for layer in net.layers}
    new = dict(layers)
    for name, k in kept.items():
        m = layers[name].bound["M"]
        new[name] = _resized(new[name], "M", k)
        nxt = consumers[name]
        c = layers[nxt].bound["C"]
        if c % m:
            raise SpecError.single(net.name, nxt, f"an input size divisible by {name}'s {m} "
                                   f"channels, got {c}")
        new[nxt] = _resized(new[nxt], "C", c // m * k)
    nodes = tuple(dataclasses.replace(n, op=new[n.name]) if n.is_layer else n
                  for n in net.nodes)
    return Network(net.name, nodes, net.meta)


def netadapt(cd: Codesign, budget_uj: float, step: float = 0.1, fine_tune_steps: int = 50,
             base: LayerChoice = INT8, max_iterations: int = 20) -> list[AdaptStep]:
    """NetAdapt on ``cd``'s task and architecture (see module doc); returns every kept step,
    starting with the unshrunk model at ``base`` precision."""
    from picojoule.compress import codesign_ops as ops  # the torch side (models, channels)

    config = CodesignConfig(base)
    net = cd.network
    shrinkable = [n for n in _consumers(net) if n in set(cd.task.layers())]
    channels = {n: net.node(n).op.bound["M"] for n in shrinkable}  # type: ignore[union-attr]
    model = ops.copy_model(cd.task.model)
    masks: dict[str, np.ndarray] = {}

    def measure(m: Any, kept: dict[str, int]) -> tuple[float, float]:
        measured = ops.measure(cd.task, ops.quantize_copy(cd.task, m, config.choice))
        summary: dict[str, Any] = measured["summary"]
        for entry in summary["layers"]:  # the costed layers are physically smaller
            entry["density"] = {"inputs": 1.0, "weights": 1.0, "outputs": 1.0}
        cost = network_cost(shrink_network(net, kept), summary, config, cd.arch, cd.options,
                            cd.cache_dir)
        return float(measured["metric"]), cost.energy_pj

    def energy_of(kept: dict[str, int]) -> float:
        summary = {"layers": [{"name": n, "bits": {"inputs": base.act_bits,
                                                   "weights": base.weight_bits},
                               "density": {}} for n in cd.task.layers()]}
        return network_cost(shrink_network(net, kept), summary, config, cd.arch,
                            cd.options, cd.cache_dir).energy_pj

    metric, energy = measure(model, channels)
    steps = [AdaptStep("", dict(channels), metric, energy)]
    for _ in range(max_iterations):
        if energy <= budget_uj * 1e6:
            break
        target = energy * (1 - step)
        proposals = []
        for name in shrinkable:
            lo, hi = 1, channels[name] - 1  # channels to keep: largest k meeting the target
            if hi < lo or energy_of({**channels, name: lo}) > target:
                continue
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if energy_of({**channels, name: mid}) <= target:
                    lo = mid
                else:
                    hi = mid - 1
            kept = {**channels, name: lo}
            trial = ops.copy_model(model)
            keep = ops.keep_largest_channels(cd.task, trial, name, lo)
            trial_masks = {**masks, name: keep}
            ops.zero_channels_and_fine_tune(cd.task, trial, trial_masks, fine_tune_steps)
            m, e = measure(trial, kept)
            proposals.append((m / (e / 1e6), name, kept, trial, trial_masks, m, e))
        if not proposals:
            break
        _, name, channels, model, masks, metric, energy = max(proposals, key=lambda p: p[0])
        steps.append(AdaptStep(name, dict(channels), metric, energy))
    return steps
