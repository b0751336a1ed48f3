"""The torch side of codesign: everything codesign does to a ``Task``'s model, in one place.

``picojoule.codesign`` decides which layers, in what order and when to stop, and costs the
result; it never touches a tensor. It calls these functions (importing this module only
when a model is measured), passing per-layer choices as any object with the attributes of
``LayerRecipe`` (``picojoule.codesign.config.LayerChoice`` is one) and getting back plain
Python and numpy values:

* ``compressed_copy(task, choice, fine_tune_steps, cache)``: a deep copy, pruned,
  fine-tuned, quantized (the task's model is never touched); ``quantize_copy(task, model,
  choice)`` quantizes a copy of an already pruned model. With a ``cache`` dict, each layer's
  pruning mask and quantized weights are computed once per distinct (weights, choice) and
  reused (``compress.reuse``; bit for bit the same model).
* ``measure(task, model)``: ``{"metric": float, "summary": CompressionSummary dict}``.
* ``magnitude_fractions(task, sparsity)``: per layer, the fraction of its weights at or
  below one global magnitude threshold (global magnitude pruning in per-layer form).
* ``copy_model``, ``keep_largest_channels``, ``zero_channels_and_fine_tune``: channel
  shrinking (NetAdapt) as zeroed output channels, with masked gradients while fine-tuning.

``choice`` is a function from a layer name to its ``LayerRecipe``. Compression and
measurement run torch on one thread (restored afterwards): the numbers do not depend on the
machine's core count, and on a shared or small machine one thread per process is faster.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from picojoule.compress.config import LayerOverride
from picojoule.compress.prune import MagnitudePruning, NMPruning, prune_
from picojoule.compress.quantize import PTQConfig, quantize_
from picojoule.compress.reuse import reuse
from picojoule.compress.spec import QuantSpec
from picojoule.compress.summary import summarize
from picojoule.compress.task import Task, layer_names, weight_of
from picojoule.errors import SpecError

__all__ = ["LayerRecipe", "compressed_copy", "copy_model", "keep_largest_channels",
           "magnitude_fractions", "measure", "one_thread", "quantize_copy",
           "zero_channels_and_fine_tune"]


class LayerRecipe(Protocol):
    """How one layer is compressed (the fields of ``codesign.config.LayerChoice``)."""

    @property
    def weight_bits(self) -> int | None: ...
    @property
    def act_bits(self) -> int | None: ...
    @property
    def granularity(self) -> str: ...
    @property
    def calibration(self) -> str: ...
    @property
    def sparsity(self) -> float: ...
    @property
    def pattern(self) -> str: ...
    @property
    def n(self) -> int: ...
    @property
    def m(self) -> int: ...
    @property
    def vector_size(self) -> int: ...
    @property
    def scale_bits(self) -> int: ...
    @property
    def act_calibration(self) -> str: ...
    @property
    def rounding(self) -> str: ...
    @property
    def gptq_damping(self) -> float: ...


Choice = Callable[[str], LayerRecipe]


def _only(name: str, cfg: Any) -> LayerOverride:
    return LayerOverride(re.escape(name), cfg)


def _prune_config(recipe: LayerRecipe) -> MagnitudePruning | NMPruning | None:
    if recipe.pattern == "unstructured":
        return MagnitudePruning(sparsity=recipe.sparsity)
    if recipe.pattern == "N:M":
        return NMPruning(n=recipe.n, m=recipe.m)
    return None


def _quant_config(recipe: LayerRecipe) -> PTQConfig | None:
    weight = None
    if recipe.weight_bits is not None:
        cal = recipe.calibration if recipe.granularity == "per_channel" else "max"
        weight = QuantSpec(bits=recipe.weight_bits, granularity=recipe.granularity,  # type: ignore[arg-type]
                           group_size=recipe.vector_size, scale_bits=recipe.scale_bits,
                           calibration=cal, rounding=recipe.rounding,  # type: ignore[arg-type]
                           gptq_damping=recipe.gptq_damping)
    act = (QuantSpec(bits=recipe.act_bits, calibration=recipe.act_calibration)  # type: ignore[arg-type]
           if recipe.act_bits is not None else None)
    if weight is None and act is None:
        return None
    return PTQConfig(weight=weight, input=act)


def _prune_layers(module: nn.Module, choice: Choice) -> None:
    """Apply every layer's sparsity choice in one transactional ``prune_`` call."""
    names = layer_names(module)
    overrides = tuple(_only(n, _prune_config(choice(n))) for n in names)
    if any(o.config is not None for o in overrides):
        prune_(module, MagnitudePruning(sparsity=0.0, overrides=overrides))


def _quantize_layers(task: Task, model: nn.Module, choice: Choice) -> None:
    module = task.target(model)
    names = layer_names(module)
    overrides = tuple(_only(n, _quant_config(choice(n))) for n in names)
    if not any(o.config is not None for o in overrides):
        return
    base = next(o.config for o in overrides if isinstance(o.config, PTQConfig))
    needs_cal = any(isinstance(o.config, PTQConfig) and (
        o.config.input is not None
        or (o.config.weight is not None and o.config.weight.rounding == "gptq"))
        for o in overrides)
    forward = None
    if task.forward is not None:
        task_forward = task.forward

        def forward(_m: nn.Module, batch: Any) -> Any:
            return task_forward(model, batch)

    quantize_(module, PTQConfig(weight=base.weight, input=base.input,
                                overrides=overrides),
              calibration=list(task.calibration) if needs_cal else None, forward=forward)


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, then restore the thread count."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def copy_model(model: nn.Module) -> nn.Module:
    return copy.deepcopy(model)


def compressed_copy(task: Task, choice: Choice, fine_tune_steps: int = 0,
                    cache: dict[Any, Any] | None = None) -> nn.Module:
    """A compressed deep copy: prune, fine-tune ``fine_tune_steps`` (if > 0), quantize."""
    model = copy.deepcopy(task.model)
    with one_thread(), reuse(cache):
        _prune_layers(task.target(model), choice)
        if fine_tune_steps > 0:
            if task.fine_tune is None:
                raise SpecError.single(task.name, "fine_tune_steps", "0 (this task has no "
                                       "fine-tuning data)")
            task.fine_tune(model, fine_tune_steps)
        _quantize_layers(task, model, choice)
    model.eval()
    return model


def quantize_copy(task: Task, model: nn.Module, choice: Choice) -> nn.Module:
    """A deep copy of ``model`` (the task's model or a modified one) quantized as chosen."""
    q = copy.deepcopy(model)
    with one_thread():
        _quantize_layers(task, q, choice)
    return q


def measure(task: Task, model: nn.Module) -> dict[str, Any]:
    """The task's metric on ``model`` and the compression summary of its target (each
    parametrized weight computed once for both)."""
    with one_thread(), parametrize.cached():
        return {"metric": float(task.metric(model)),
                "summary": summarize(task.target(model)).to_dict()}


def magnitude_fractions(task: Task, sparsity: float) -> dict[str, float]:
    """Per layer, the fraction of weights whose magnitude is at or below the global
    threshold that removes ``sparsity`` of all weights (ties broken by ``torch.kthvalue``)."""
    module = task.target(task.model)
    names = layer_names(module)
    modules = dict(module.named_modules())
    with torch.no_grad():
        weights = [weight_of(modules[n]).detach().abs().flatten() for n in names]
        everything = torch.cat(weights)
        k = max(1, round(sparsity * everything.numel()))
        threshold = float(torch.kthvalue(everything, k).values)
        return {n: float((w <= threshold).sum()) / w.numel()
                for n, w in zip(names, weights, strict=True)}


def keep_largest_channels(task: Task, model: nn.Module, layer: str, keep: int) -> np.ndarray:
    """Boolean mask of ``layer``'s output channels: the ``keep`` with the largest L2 norm."""
    weight = weight_of(dict(task.target(model).named_modules())[layer])
    norms = weight.detach().reshape(weight.shape[0], -1).norm(dim=1)
    mask = torch.zeros(weight.shape[0], dtype=torch.bool)
    mask[torch.argsort(norms, descending=True, stable=True)[:keep]] = True
    return mask.numpy()


def zero_channels_and_fine_tune(task: Task, model: nn.Module, masks: dict[str, np.ndarray],
                                steps: int) -> None:
    """Zero the output channels each mask drops (weights and bias, in place), then fine-tune
    ``steps`` with their gradients masked so they stay zero."""
    modules = dict(task.target(model).named_modules())
    hooks = []
    for name, keep in masks.items():
        mod = modules[name]
        for p in (mod.weight, mod.bias):
            if isinstance(p, torch.Tensor):
                shape = (-1,) + (1,) * (p.ndim - 1)
                m = torch.from_numpy(keep).reshape(shape).to(p.dtype)
                with torch.no_grad():
                    p.mul_(m)
                hooks.append(p.register_hook(lambda g, m=m: g * m))
    try:
        if steps > 0 and task.fine_tune is not None:
            task.fine_tune(model, steps)
    finally:
        for h in hooks:
            h.remove()
