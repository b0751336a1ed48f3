"""Pure mask computations for pruning (tensor in, 0/1 mask out) and the mask parametrization.

Every function is deterministic: ties in magnitude are broken by position (stable sort), so the
same weights give the same mask on every run and the requested count is met exactly.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.utils import parametrize

from picojoule.errors import SpecError


class WeightMask(nn.Module):
    """Parametrization ``w -> w * mask``: pruned entries read as exact zeros whatever an
    optimizer does to the underlying parameter, so fine-tuning keeps them at zero."""

    mask: torch.Tensor

    def __init__(self, mask: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mask", mask.detach().clone())

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return w * self.mask


def module_tensor(module: nn.Module, tensor_name: str) -> torch.Tensor:
    """``module.<tensor_name>`` as a tensor (through any parametrization)."""
    value = getattr(module, tensor_name, None)
    if not isinstance(value, torch.Tensor):
        raise SpecError.single(
            "module", tensor_name, f"a {type(module).__name__} with a tensor {tensor_name!r}")
    return value


def own_parametrized_class_(module: nn.Module) -> None:
    """Give a parametrized module a class of its own.

    ``torch.nn.utils.parametrize`` injects one subclass per module and keeps the parametrized
    tensors as properties *on that class*; ``copy.deepcopy`` shares the class between the copy
    and the original, so removing (or adding) a parametrization on one changed the other (its
    ``.weight`` vanished). Call this before changing a module's parametrizations.
    """
    if not parametrize.is_parametrized(module):
        return
    cls = type(module)
    namespace = {k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__")}
    module.__class__ = type(cls.__name__, cls.__bases__, namespace)


def remove_parametrizations_(module: nn.Module, tensor_name: str) -> None:
    """Bake ``module.<tensor_name>``'s parametrizations into a plain parameter, touching no
    other module (not even a ``deepcopy``'s original)."""
    own_parametrized_class_(module)
    parametrize.remove_parametrizations(module, tensor_name, leave_parametrized=True)


def register_parametrization_(module: nn.Module, tensor_name: str, p: nn.Module) -> None:
    """``parametrize.register_parametrization`` on a class of the module's own."""
    own_parametrized_class_(module)
    parametrize.register_parametrization(module, tensor_name, p)


def find_mask(module: nn.Module, tensor_name: str) -> WeightMask | None:
    """The ``WeightMask`` on ``module.<tensor_name>``, if ``prune_`` registered one."""
    if not parametrize.is_parametrized(module, tensor_name):
        return None
    plist: Any = module.parametrizations
    for p in plist[tensor_name]:
        if isinstance(p, WeightMask):
            return p
    return None


def apply_mask_(module: nn.Module, tensor_name: str, mask: torch.Tensor) -> None:
    """Register ``mask`` on ``module.<tensor_name>``, or intersect it with the one already there
    (pruning again never revives a pruned weight)."""
    existing = find_mask(module, tensor_name)
    mask = mask.to(dtype=module_tensor(module, tensor_name).dtype)
    if existing is not None:
        with torch.no_grad():
            existing.mask.mul_(mask)
    else:
        register_parametrization_(module, tensor_name, WeightMask(mask))


def magnitude_masks(weights: list[torch.Tensor], sparsity: float) -> list[torch.Tensor]:
    """Masks keeping the largest-|w| entries; ``round(sparsity * total)`` zeros over the list.

    With one tensor this is layer-wise magnitude pruning; with several, global pruning (one
    threshold shared by all layers, Han et al. 2015's "global" variant).
    """
    flat = torch.cat([w.detach().abs().reshape(-1) for w in weights])
    n_prune = round(sparsity * flat.numel())
    mask = torch.ones_like(flat)
    if n_prune > 0:
        order = torch.argsort(flat, stable=True)
        mask[order[:n_prune]] = 0.0
    out, start = [], 0
    for w in weights:
        out.append(mask[start : start + w.numel()].reshape(w.shape))
        start += w.numel()
    return out


def reduction_view(weight: torch.Tensor) -> torch.Tensor:
    """The weight as [outputs, reduction] in the order a GEMM engine reduces over.

    Linear: [out, in]. Conv: [out, kh * kw * in] in channels-last order, so consecutive
    entries are consecutive input channels at one filter tap, as in NHWC implicit GEMM.
    """
    if weight.ndim == 2:
        return weight
    return weight.movedim(1, -1).reshape(weight.shape[0], -1)


def from_reduction_view(mask: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Inverse of ``reduction_view`` for a mask of the weight's shape ``shape``."""
    if len(shape) == 2:
        return mask.reshape(shape)
    channels_last = (shape[0], *shape[2:], shape[1])
    return mask.reshape(channels_last).movedim(-1, 1).contiguous()


def nm_mask(weight: torch.Tensor, n: int, m: int) -> torch.Tensor:
    """Keep the ``n`` largest-|w| of every ``m`` consecutive weights along the reduction dim.

    The caller checks that the reduction size is a multiple of ``m``.
    """
    view = reduction_view(weight.detach().abs())
    groups = view.reshape(-1, m)
    order = torch.argsort(groups, dim=1, descending=True, stable=True)
    mask = torch.zeros_like(groups)
    mask.scatter_(1, order[:, :n], 1.0)
    return from_reduction_view(mask.reshape(view.shape), weight.shape)


def channel_mask(weight: torch.Tensor, sparsity: float, criterion: str) -> torch.Tensor:
    """A [out] 0/1 vector dropping the ``floor(sparsity * out)`` filters (output channels) of
    smallest L1 or L2 norm (Li et al., ICLR 2017), always keeping at least one."""
    rows = weight.detach().reshape(weight.shape[0], -1)
    norms = rows.abs().sum(1) if criterion == "l1" else rows.pow(2).sum(1).sqrt()
    n_prune = min(int(sparsity * rows.shape[0]), rows.shape[0] - 1)
    keep = torch.ones(rows.shape[0], dtype=weight.dtype)
    if n_prune > 0:
        keep[torch.argsort(norms, stable=True)[:n_prune]] = 0.0
    return keep


def cubic_schedule(initial: float, final: float, steps: int) -> list[float]:
    """Zhu & Gupta (2017) sparsity after each of ``steps`` pruning steps:
    ``s_t = s_f + (s_i - s_f) * (1 - t / steps) ** 3`` for t = 1..steps (ends at ``final``)."""
    return [final + (initial - final) * (1.0 - t / steps) ** 3 for t in range(1, steps + 1)]
