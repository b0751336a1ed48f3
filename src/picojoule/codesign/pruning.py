"""Energy-aware pruning (Yang, Chen, Sze, CVPR 2017) against magnitude pruning.

Energy-aware: layers are pruned in the order of the energy they consume on the target
architecture (measured on the dense point), each as far as it goes — sparsity raised step
by step, the network fine-tuned after each step — while the metric stays within
``max_drop`` of the dense model; then the next layer. Magnitude pruning (Han et al. 2015)
removes the smallest weights with one global threshold, raised step by step with the same
fine-tuning, until the metric would fall below the same floor. Both keep the weights'
precision fixed (``base``) and store pruned weights as a bitmask, and both are measured on
the same data and architecture, so "energy saved at equal accuracy" compares like with like.
Both walk the same grid of sparsities (``STEPS``), so neither is held back by a coarser
grid than the other.

``saving_bound`` measures every layer pruned to the grid's last step: no pruning on that
grid can save more than ``dense - bound``, so no method can beat the baseline by more than
``(dense - bound) / (dense - baseline)`` whatever its order or accuracy. On a network whose
energy sits in the layers that magnitude pruning empties anyway (LeNet-5 at batch 1: fc1
holds 93 % of the weights and most of the energy), that ratio is close to 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from picojoule.codesign.config import INT8, CodesignConfig, LayerChoice
from picojoule.codesign.pipeline import Codesign, Point

__all__ = ["STEPS", "PruningRun", "energy_aware_pruning", "global_magnitude_config",
           "magnitude_pruning", "max_saving_ratio", "saving_bound"]

STEPS = (0.5, 0.7, 0.8, 0.9, 0.93, 0.95, 0.97, 0.98)


@dataclass(frozen=True)
class PruningRun:
    method: str
    dense: Point
    floor: float  # the metric every accepted step keeps
    path: tuple[Point, ...]  # accepted steps in order; the last is the result

    @property
    def best(self) -> Point:
        return self.path[-1] if self.path else self.dense

    @property
    def saved_pj(self) -> float:
        return self.dense.energy_pj - self.best.energy_pj


def energy_aware_pruning(cd: Codesign, max_drop: float, steps: Sequence[float] = STEPS,
                         base: LayerChoice = INT8,
                         groups: dict[str, list[str]] | None = None) -> PruningRun:
    """``groups`` (name -> layer names) prunes layers together, ordered by their summed
    energy (e.g. every block's query projection); by default each layer alone."""
    dense = cd.measure(CodesignConfig(base, name="dense"))
    floor = dense.metric - max_drop
    groups = groups or {n: [n] for n in cd.task.layers()}
    order = sorted(groups, key=lambda g: (-sum(dense.layers[n]["energy_pj"]
                                               for n in groups[g]), g))
    current, path = CodesignConfig(base), []
    for group in order:
        for s in steps:
            trial = current
            for name in groups[group]:
                trial = trial.with_layer(name, replace(base, sparsity=s,
                                                       pattern="unstructured"))
            point = cd.measure(trial)
            if point.metric < floor:
                break
            current = trial
            path.append(point)
    return PruningRun("energy-aware", dense, floor, tuple(path))


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
