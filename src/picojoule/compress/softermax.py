"""Softermax (Stevens et al., DAC 2021): base-2 softmax with online normalization.

Hardware computes 2^x with a shift plus a small table instead of e^x, and finds the max and
the normalizing sum in one pass: walking the row in chunks, it keeps a running integer max m
(so rescaling the running sum by 2^(m_old - m_new) is a shift) and a running sum d. Here the
walk is literal (chunk by chunk), ``frac_bits`` rounds the unnormalized exponentials to that
many fractional bits as a fixed-point datapath would, and ``fold_log2e`` multiplies inputs by
log2(e) first (a constant the previous layer's scale absorbs), which makes the result equal to
e-based softmax up to rounding, so it drops into a pretrained model without retraining.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from picojoule.errors import SpecError

from .config import transaction

__all__ = ["Softermax", "replace_softmax_", "softermax", "softermax_attention"]

LOG2_E = 1.0 / math.log(2.0)


def softermax(x: torch.Tensor, dim: int = -1, chunk: int = 16, fold_log2e: bool = True,
              frac_bits: int | None = None) -> torch.Tensor:
    """Softmax of ``x`` along ``dim`` computed the Softermax way (see the module docstring)."""
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise SpecError.single("softermax", "chunk", f"a positive integer, got {chunk!r}")
    if frac_bits is not None and (isinstance(frac_bits, bool) or not isinstance(frac_bits, int)
                                  or not 1 <= frac_bits <= 30):
        raise SpecError.single("softermax", "frac_bits", f"None or 1..30, got {frac_bits!r}")
    z = (x.float() * LOG2_E if fold_log2e else x.float()).movedim(dim, -1)
    m = torch.full((*z.shape[:-1], 1), -math.inf, dtype=z.dtype, device=z.device)
    d = torch.zeros_like(m)
    for start in range(0, z.shape[-1], chunk):
        block = z[..., start:start + chunk]
        m_new = torch.maximum(m, torch.ceil(block.amax(dim=-1, keepdim=True)))
        m_safe = torch.where(torch.isinf(m_new), 0.0, m_new)
        rescale = torch.where(torch.isinf(m), 0.0, torch.exp2(m - m_safe))
        d = d * rescale + _fixed(torch.exp2(block - m_safe), frac_bits).sum(-1, keepdim=True)
        m = m_new
    m_safe = torch.where(torch.isinf(m), 0.0, m)
    y = _fixed(torch.exp2(z - m_safe), frac_bits) / d.clamp(min=torch.finfo(z.dtype).tiny)
    return y.movedim(-1, dim).to(x.dtype)


def _fixed(v: torch.Tensor, frac_bits: int | None) -> torch.Tensor:
    if frac_bits is None:
        return v
    step = 2.0**frac_bits
    return torch.round(v * step) / step


class Softermax(nn.Module):
    """Drop-in replacement for ``nn.Softmax(dim)``."""

    def __init__(self, dim: int = -1, chunk: int = 16, fold_log2e: bool = True,
                 frac_bits: int | None = None) -> None:
        super().__init__()
        self.dim, self.chunk, self.fold_log2e, self.frac_bits = dim, chunk, fold_log2e, frac_bits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return softermax(x, self.dim, self.chunk, self.fold_log2e, self.frac_bits)


def replace_softmax_(model: nn.Module, **options: Any) -> int:
    """Swap every ``nn.Softmax`` child for ``Softermax`` (same dim); return how many."""
    if not isinstance(model, nn.Module):
        raise SpecError.single("model", "", f"a torch.nn.Module, got {type(model).__name__}")
    count = 0
    with transaction(model):
        for parent in list(model.modules()):
            for name, child in list(parent.named_children()):
                if isinstance(child, nn.Softmax):
                    dim = -1 if child.dim is None else child.dim
                    setattr(parent, name, Softermax(dim, **options))
                    count += 1
    return count


def softermax_attention(module: nn.Module, query: torch.Tensor, key: torch.Tensor,
                        value: torch.Tensor, attention_mask: torch.Tensor | None,
                        scaling: float | None = None, dropout: float = 0.0, *,
                        chunk: int = 16, frac_bits: int | None = None,
                        **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Eager attention with Softermax, in the signature of Hugging Face attention functions.

    Register it with ``AttentionInterface.register("softermax", softermax_attention)`` and its
    mask with ``AttentionMaskInterface.register("softermax", eager_mask)`` (without the latter,
    transformers passes no padding mask at all). Boolean masks (True = attend) also work.
    Bind ``chunk``/``frac_bits`` with ``functools.partial`` to register a fixed-point variant.
    """
    if scaling is None:
        scaling = query.size(-1) ** -0.5
    scores = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        if attention_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attention_mask, torch.finfo(scores.dtype).min)
        else:
            scores = scores + attention_mask
    weights = softermax(scores, dim=-1, chunk=chunk, frac_bits=frac_bits)
    weights = nn.functional.dropout(weights, p=dropout, training=module.training)
    out = torch.matmul(weights, value).transpose(1, 2).contiguous()
    return out, weights
