"""Energy-aware pruning (Yang, Chen, Sze, CVPR 2017) against magnitude pruning.

Energy-aware, in one of two orders (``energy_aware_pruning``'s ``order``): Yang et al.'s
(``consumed``): layers in the order of the energy they consume on the target architecture
(measured on the dense point), each as far as it goes — sparsity raised step by step, the
network fine-tuned after each step — while the metric stays within ``max_drop`` of the
dense model; then the next layer. Or ``removed``: step by step, the layer whose next
sparsity step removes the most energy on the target per unit of metric lost, both
measured (the default except where the architecture skips zeros: ``default_order``).
Magnitude pruning (Han et al. 2015) removes the smallest weights with one global threshold,
raised step by step with the same fine-tuning, until the metric would fall below the same
floor. Both keep the weights' precision fixed (``base``) and store pruned weights as a
bitmask, and both are measured on the same data and architecture, so "energy saved at
equal accuracy" compares like with like. Both walk the same grid of sparsities (``STEPS``),
so neither is held back by a coarser grid than the other.

``saving_bound`` measures every layer pruned to the grid's last step: no pruning on that
grid can save more than ``dense - bound``, so no method can beat the baseline by more than
``(dense - bound) / (dense - baseline)`` whatever its order or accuracy. On a network whose
energy sits in the layers that magnitude pruning empties anyway (LeNet-5 at batch 1: fc1
holds 93 % of the weights and most of the energy), that ratio is close to 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from picojoule.arch.spec import Arch
from picojoule.codesign.config import INT8, CodesignConfig, LayerChoice
from picojoule.codesign.pipeline import Codesign, Point
from picojoule.errors import SpecError

__all__ = ["ORDERS", "STEPS", "PruningRun", "default_order", "energy_aware_pruning",
           "global_magnitude_config", "magnitude_pruning", "max_saving_ratio", "saving_bound"]

STEPS = (0.5, 0.7, 0.8, 0.9, 0.93, 0.95, 0.97, 0.98)


@dataclass(frozen=True)
class PruningRun:
    method: str
    dense: Point
    floor: float  # the metric every accepted step keeps
    path: tuple[Point, ...]  # accepted steps in order

    @property
    def best(self) -> Point:
        """The cheapest accepted point (every one keeps the floor); dense if none."""
        return min(self.path, key=lambda p: (p.energy_pj, p.key)) if self.path else self.dense

    @property
    def saved_pj(self) -> float:
        return self.dense.energy_pj - self.best.energy_pj


ORDERS = ("auto", "consumed", "removed")
MIN_LOST = 1e-4  # metric lost below this (noise, or a gain after fine-tuning) counts as this


def default_order(arch: Arch) -> str:
    """``removed`` unless the architecture skips zero operands (``consumed`` there).

    Yang et al.'s order assumes pruning a layer removes energy in proportion to what the
    layer consumes. That holds where zeros are skipped (work, cycles and compressed traffic
    all shrink with the density). Where zeros are gated (eyeriss) a gated MAC keeps its
    cycle and the static energy of that cycle, and where nothing is gated (nvdla-small) only
    the weight traffic shrinks: the layer that consumes the most may not be the one whose
    pruning removes the most, so the order is taken from the energy removed, measured."""
    return "consumed" if arch.compute.sparse_action == "skip" else "removed"


def _pruned(config: CodesignConfig, members: Sequence[str], base: LayerChoice,
            sparsity: float) -> CodesignConfig:
    for name in members:
        config = config.with_layer(name, replace(base, sparsity=sparsity,
                                                 pattern="unstructured"))
    return config


def energy_aware_pruning(cd: Codesign, max_drop: float, steps: Sequence[float] = STEPS,
                         base: LayerChoice = INT8,
                         groups: dict[str, list[str]] | None = None,
                         order: str = "auto") -> PruningRun:
    """Prune layers (or ``groups``, name -> layer names, pruned together) while the metric
    stays within ``max_drop`` of the dense ``base`` model.

    ``order="consumed"`` (Yang et al.): groups by the energy they consume in the dense
    model, each raised through ``steps`` until a step fails, then the next group.
    ``order="removed"``: each group is first pruned alone at every step (until its metric
    alone falls below the floor); the layer energy of those points is the group costed on
    the target at that step, so the energy a step removes and the metric it loses are both
    measured. Greedy: the next step is the one removing the most energy per unit of metric
    lost (floored at ``MIN_LOST``); it is kept if the combined model stays above the floor
    and costs less, else that group is frozen. ``auto``: ``default_order(cd.arch)``."""
    if order not in ORDERS:
        raise SpecError.single("energy_aware_pruning", "order", f"one of {ORDERS}, got {order!r}")
    if order == "auto":
        order = default_order(cd.arch)
    dense = cd.measure(CodesignConfig(base, name="dense"))
    floor = dense.metric - max_drop
    groups = groups or {n: [n] for n in cd.task.layers()}
    if order == "removed":
        return _by_energy_removed(cd, dense, floor, steps, base, groups)
    ranked = sorted(groups, key=lambda g: (-_energy(dense, groups[g]), g))
    current, path = CodesignConfig(base), []
    for group in ranked:
        for s in steps:
            trial = _pruned(current, groups[group], base, s)
            point = cd.measure(trial)
            if point.metric < floor:
                break
            current = trial
            path.append(point)
    return PruningRun("energy-aware (consumed)", dense, floor, tuple(path))


def _energy(p: Point, members: Sequence[str]) -> float:
    return sum(p.layers[n]["energy_pj"] for n in members)


def _by_energy_removed(cd: Codesign, dense: Point, floor: float, steps: Sequence[float],
                       base: LayerChoice, groups: dict[str, list[str]]) -> PruningRun:
    start = CodesignConfig(base)
    alone: dict[str, list[Point]] = {}
    for g, members in groups.items():
        alone[g] = []
        for s in steps:
            p = cd.measure(_pruned(start, members, base, s))
            if p.metric < floor:
                break
            alone[g].append(p)
    current = start
    at = dict.fromkeys(groups, -1)
    frozen: set[str] = set()
    path: list[Point] = []
    while True:
        moves = []
        for g, members in groups.items():
            i = at[g] + 1
            if g in frozen or i >= len(alone[g]):
                continue
            prev = dense if i == 0 else alone[g][i - 1]
            removed = _energy(prev, members) - _energy(alone[g][i], members)
            lost = max(prev.metric - alone[g][i].metric, MIN_LOST)
            moves.append((removed / lost, g, i))
        if not moves:
            break
        _, g, i = max(moves)
        trial = _pruned(current, groups[g], base, steps[i])
        measured = cd.measure(trial)
        if measured.metric >= floor:
            current, at[g] = trial, i
            path.append(measured)
        else:
            frozen.add(g)
    return PruningRun("energy-aware (removed)", dense, floor, tuple(path))


def global_magnitude_config(cd: Codesign, sparsity: float,
                            base: LayerChoice = INT8) -> CodesignConfig:
    """Per-layer sparsities that one global magnitude threshold gives (ties broken by
    ``torch.kthvalue``): equivalent to global magnitude pruning, in per-layer form."""
    from picojoule.compress.codesign_ops import magnitude_fractions  # torch, when measuring

    layers = []
    for n, s in magnitude_fractions(cd.task, sparsity).items():
        s = min(round(s, 3), 0.999)
        if s > 0:
            layers.append((n, replace(base, sparsity=s, pattern="unstructured")))
    return CodesignConfig(base, tuple(sorted(layers)), name=f"global magnitude {sparsity:g}")


def magnitude_pruning(cd: Codesign, max_drop: float, steps: Sequence[float] = STEPS,
                      base: LayerChoice = INT8) -> PruningRun:
    dense = cd.measure(CodesignConfig(base, name="dense"))
    floor = dense.metric - max_drop
    path = []
    for s in steps:
        point = cd.measure(global_magnitude_config(cd, s, base))
        if point.metric < floor:
            break
        path.append(point)
    return PruningRun("magnitude", dense, floor, tuple(path))


def saving_bound(cd: Codesign, steps: Sequence[float] = STEPS,
                 base: LayerChoice = INT8) -> Point:
    """Every layer at the grid's highest sparsity (its metric is measured but irrelevant):
    the least energy any pruning on ``steps`` can reach."""
    top = max(steps)
    return cd.measure(CodesignConfig(replace(base, sparsity=top, pattern="unstructured"),
                                     name=f"every layer s{round(top * 100)}"))


def max_saving_ratio(dense_pj: float, bound_pj: float, baseline_pj: float) -> float:
    """The largest (energy saved by any method) / (energy saved by the baseline):
    ``(dense - bound) / (dense - baseline)``; inf when the baseline saves nothing."""
    saved = dense_pj - baseline_pj
    return (dense_pj - bound_pj) / saved if saved > 0 else float("inf")
