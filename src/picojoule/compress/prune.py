"""Pruning: ``prune_(model, config)``, dispatched on the config's type.

* ``MagnitudePruning`` — unstructured, smallest |w| first, per layer or with one global
  threshold (Han et al., NeurIPS 2015).
* ``NMPruning`` — N:M structured (2:4 as on sparse tensor cores): of every M consecutive
  weights along the reduction (input) dimension, keep the N largest.
* ``ChannelPruning`` — whole filters / output channels by L1 or L2 norm (Li et al., ICLR 2017).
  Mask-based: pruned filters (and their biases) are zeroed, the tensors keep their shapes.
* ``GradualPruning`` — magnitude pruning in steps on Zhu & Gupta's cubic schedule, calling a
  ``fine_tune`` callback between steps.

Masks live as buffers of a ``WeightMask`` parametrization, so ``module.weight`` always reads
with pruned entries at exactly zero, during and after fine-tuning. Every pruned module carries
``picojoule_sparsity: SparsityRecord``. Calls are transactional: all validation and all masks
are computed before the model is touched, and ``transaction`` undoes any partial change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

import torch
from torch import nn

from picojoule.compress.config import TransformConfig, register_config, resolve, transaction
from picojoule.compress.prune_masks import (
    apply_mask_,
    channel_mask,
    cubic_schedule,
    magnitude_masks,
    module_tensor,
    nm_mask,
    reduction_view,
)
from picojoule.compress.reuse import memoized
from picojoule.errors import Collector, SpecError

__all__ = [
    "ChannelPruning",
    "GradualPruning",
    "MagnitudePruning",
    "NMPruning",
    "SparsityRecord",
    "cubic_schedule",
    "prune_",
]

FineTune = Callable[[nn.Module, int], None]


@dataclass(frozen=True)
class SparsityRecord:
    """What pruning left in one module: measured weight density and the pattern's structure.

    ``pattern`` is the last pruning applied ("unstructured", "N:M" with ``n``/``m``, or
    "channel"); ``weight_density`` = non-zero weights / weights, measured after pruning.
    """

    weight_density: float
    pattern: Literal["unstructured", "N:M", "channel"]
    n: int | None = None
    m: int | None = None


def _check_fraction(c: Collector, field: str, value: object) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0.0 <= value < 1.0:
        return
    c.add(field, f"a fraction in [0, 1) (share of weights removed), got {value!r}")


@register_config
@dataclass(frozen=True, kw_only=True)
class MagnitudePruning(TransformConfig):
    """Zero the ``sparsity`` fraction of weights with the smallest magnitude.

    ``scope="layer"`` prunes each layer to ``sparsity``; ``"global"`` ranks all layers this
    config applies to together, so layers with many small weights lose more.
    """

    kind = "magnitude_pruning"
    family = "prune"
    sparsity: float
    scope: Literal["layer", "global"] = "layer"

    def _check(self, c: Collector) -> None:
        _check_fraction(c, "sparsity", self.sparsity)
        if self.scope not in ("layer", "global"):
            c.add("scope", f"'layer' or 'global', got {self.scope!r}")


@register_config
@dataclass(frozen=True, kw_only=True)
class NMPruning(TransformConfig):
    """Keep ``n`` of every ``m`` consecutive weights along the reduction dimension (2:4)."""

    kind = "nm_pruning"
    family = "prune"
    n: int = 2
    m: int = 4

    def _check(self, c: Collector) -> None:
        for field, value in (("n", self.n), ("m", self.m)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                c.add(field, f"a positive integer, got {value!r}")
        if not c.problems and not self.n < self.m:
            c.add("n", f"fewer than m={self.m} kept weights per group (n < m), got n={self.n}")


@register_config
@dataclass(frozen=True, kw_only=True)
class ChannelPruning(TransformConfig):
    """Zero the ``sparsity`` fraction of output channels (filters) with the smallest norm.

    Mask-based: shapes are unchanged; the following layer's inputs from a pruned channel are
    then constant (its bias, here zeroed too), which a compiler can fold away.
    """

    kind = "channel_pruning"
    family = "prune"
    sparsity: float
    criterion: Literal["l1", "l2"] = "l1"

    def _check(self, c: Collector) -> None:
        _check_fraction(c, "sparsity", self.sparsity)
        if self.criterion not in ("l1", "l2"):
            c.add("criterion", f"'l1' or 'l2', got {self.criterion!r}")


@register_config
@dataclass(frozen=True, kw_only=True)
class GradualPruning(TransformConfig):
    """Magnitude pruning from ``initial_sparsity`` to ``final_sparsity`` in ``steps`` steps on
    Zhu & Gupta's (2017) cubic schedule, fine-tuning between steps: pruning fast while many
    weights are redundant and slowly near the target lets the network recover."""

    kind = "gradual_pruning"
    family = "prune"
    final_sparsity: float
    initial_sparsity: float = 0.0
    steps: int = 4
    scope: Literal["layer", "global"] = "layer"

    def _check(self, c: Collector) -> None:
        _check_fraction(c, "final_sparsity", self.final_sparsity)
        _check_fraction(c, "initial_sparsity", self.initial_sparsity)
        if not isinstance(self.steps, int) or isinstance(self.steps, bool) or self.steps < 1:
            c.add("steps", f"a positive integer, got {self.steps!r}")
        if not c.problems and self.initial_sparsity > self.final_sparsity:
            c.add("initial_sparsity", f"at most final_sparsity={self.final_sparsity}")
        if self.scope not in ("layer", "global"):
            c.add("scope", f"'layer' or 'global', got {self.scope!r}")

    def schedule(self) -> list[float]:
        """Sparsity reached after each step."""
        return cubic_schedule(self.initial_sparsity, self.final_sparsity, self.steps)


@dataclass
class _Plan:
    """The change for one module, computed before anything is touched."""

    module: nn.Module
    weight_mask: torch.Tensor
    bias_mask: torch.Tensor | None
    pattern: Literal["unstructured", "N:M", "channel"]
    n: int | None = None
    m: int | None = None


def _one_magnitude_mask(weight: torch.Tensor, sparsity: float) -> torch.Tensor:
    return magnitude_masks([weight], sparsity)[0]


def _plan(entries: list[tuple[str, nn.Module, TransformConfig]]) -> list[_Plan]:
    c = Collector("prune_")
    plans: list[_Plan] = []
    global_groups: dict[int, tuple[MagnitudePruning, list[nn.Module]]] = {}
    for name, module, cfg in entries:
        weight = module_tensor(module, "weight")
        if isinstance(cfg, MagnitudePruning):
            if cfg.scope == "global":
                global_groups.setdefault(id(cfg), (cfg, []))[1].append(module)
                continue
            mask = memoized("magnitude", weight, cfg.sparsity,
                            partial(_one_magnitude_mask, weight, cfg.sparsity))
            plans.append(_Plan(module, mask, None, "unstructured"))
        elif isinstance(cfg, NMPruning):
            reduction = reduction_view(weight).shape[1]
            if reduction % cfg.m:
                c.add(f"layer {name!r}", f"a reduction size divisible by m={cfg.m}, got "
                      f"{reduction} (skip it with LayerOverride({name!r}, None))")
                continue
            mask = memoized("N:M", weight, (cfg.n, cfg.m),
                            partial(nm_mask, weight, cfg.n, cfg.m))
            plans.append(_Plan(module, mask, None, "N:M", cfg.n, cfg.m))
        elif isinstance(cfg, ChannelPruning):
            keep = channel_mask(weight, cfg.sparsity, cfg.criterion)
            shape = (-1,) + (1,) * (weight.ndim - 1)
            wmask = keep.reshape(shape).expand_as(weight).clone()
            bias = module.bias if isinstance(module.bias, torch.Tensor) else None
            plans.append(_Plan(module, wmask, keep if bias is not None else None, "channel"))
        else:
            c.add(f"layer {name!r}", "a one-shot pruning config (MagnitudePruning, NMPruning "
                  f"or ChannelPruning), got {type(cfg).__name__}")
    for global_cfg, group in global_groups.values():
        weights = [module_tensor(m, "weight") for m in group]
        masks = magnitude_masks(weights, global_cfg.sparsity)
        plans.extend(
            _Plan(m, mask, None, "unstructured") for m, mask in zip(group, masks, strict=True)
        )
    c.raise_if_any()
    return plans


def _apply(plans: list[_Plan]) -> None:
    for plan in plans:
        apply_mask_(plan.module, "weight", plan.weight_mask)
        if plan.bias_mask is not None:
            apply_mask_(plan.module, "bias", plan.bias_mask)
        with torch.no_grad():
            weight = module_tensor(plan.module, "weight")
            density = float(torch.count_nonzero(weight)) / weight.numel()
        record = SparsityRecord(density, plan.pattern, plan.n, plan.m)
        vars(plan.module)["picojoule_sparsity"] = record


def prune_(
    model: nn.Module, config: TransformConfig, *, fine_tune: FineTune | None = None
) -> nn.Module:
    """Prune ``model`` in place as ``config`` says; returns the model.

    ``fine_tune(model, step)`` is called after each step of ``GradualPruning`` (the one-shot
    configs refuse it: fine-tune after them yourself). On any error the model is left exactly
    as it was, including errors raised by ``fine_tune``.
    """
    if isinstance(config, GradualPruning):
        return _prune_gradually(model, config, fine_tune)
    if fine_tune is not None:
        raise SpecError.single("prune_", "fine_tune", "None for a one-shot config (only "
                               f"GradualPruning fine-tunes between steps), got {fine_tune!r}")
    if not isinstance(config, MagnitudePruning | NMPruning | ChannelPruning):
        raise SpecError.single(
            "prune_", "config", "MagnitudePruning, NMPruning, ChannelPruning or GradualPruning, "
            f"got {type(config).__name__}")
    entries = resolve(model, config)
    with transaction(model):
        _apply(_plan(entries))
    return model


def _prune_gradually(
    model: nn.Module, config: GradualPruning, fine_tune: FineTune | None
) -> nn.Module:
    if fine_tune is not None and not callable(fine_tune):
        raise SpecError.single("prune_", "fine_tune", "a callable (model, step) -> None or None")
    steps = [
        MagnitudePruning(sparsity=s, scope=config.scope, overrides=config.overrides)
        for s in config.schedule()
    ]
    resolve(model, steps[0])  # validate overrides before the first step touches anything
    with transaction(model):
        for step, step_config in enumerate(steps, start=1):
            _apply(_plan(resolve(model, step_config)))
            if fine_tune is not None:
                fine_tune(model, step)
    return model
