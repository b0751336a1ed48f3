"""GPTQ rounding of a layer's weights (Frantar et al., ICLR 2023).

Rounding each weight to its nearest code minimises the error of the weights; GPTQ minimises
the error of the layer's *outputs* on calibration inputs X, ``||X W_q^T - X W^T||^2``. With
``H = 2 X^T X`` (inputs along columns of W), it rounds the columns of W one at a time and
moves the error of column j onto the columns not yet rounded, in proportion to how the
inputs correlate: with ``U`` the upper Cholesky factor of ``H^-1`` (``H^-1 = U^T U``),

    err = (w_j - q_j) / U[j, j];   W[:, k] -= err * U[j, k]   for k > j.

Variant implemented here (``rounding="gptq"`` in ``QuantSpec``):

* One calibration pass for all layers at once: each layer's ``H`` is accumulated from the
  inputs it sees in the float model (the same pass that observes activations), not from the
  outputs of layers already quantized, as the paper's layer-by-layer pass does.
* Damping ``lambda = gptq_damping * mean(diag H)`` on the diagonal (the paper's 0.01 by
  default); an input that is always zero
  (``diag H = 0``) gets ``H[i, i] = 1`` and its weight column is set to 0.
* Columns in their natural order (no act-order), in blocks of 128 with lazy batch updates
  (a block's error reaches the columns after it in one matrix product). Deterministic.
* Scales: per tensor and per channel, calibrated once on the whole weight as
  ``calibration`` says. Per group and per vector (groups of ``group_size`` consecutive
  inputs of a row), a group's scale is calibrated when the sweep reaches its first column,
  on that group's error-updated weights; per vector, the M-bit integer scale is chosen then,
  on top of the per-channel float scale that VS-Quant computes from the whole weight.
* Weights that are exactly zero (pruned by a mask) stay zero; their error moves on too.

``nn.Linear`` and ``nn.Conv2d`` (one group, zero padding; inputs unfolded into patches) are
supported. The result is a ``QTensor`` whose codes and scales are what the layer then uses.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .formats import IntFormat, element_format
from .scales import (
    QTensor,
    _scale_from_clip,
    _scale_meta_bits,
    quantize_tensor,
    symmetric_clip,
    vsq_gamma,
    vsq_snap,
)
from .spec import QuantSpec

__all__ = ["BLOCK_COLUMNS", "HessianAccumulator", "gptq_quantize", "unsupported"]

#: Columns per lazy-update block (the paper's B = 128).
BLOCK_COLUMNS = 128


def unsupported(module: nn.Module) -> str | None:
    """Why GPTQ cannot round ``module``'s weight, or None if it can."""
    if isinstance(module, nn.Linear):
        return None
    if isinstance(module, nn.Conv2d):
        if module.groups != 1:
            return f"Conv2d with groups={module.groups}"
        if module.padding_mode != "zeros" or isinstance(module.padding, str):
            return f"Conv2d with padding {module.padding!r} ({module.padding_mode})"
        return None
    return type(module).__name__


class HessianAccumulator:
    """Sums ``X^T X`` (float64) over every input a Linear or Conv2d layer sees."""

    def __init__(self, module: nn.Module) -> None:
        self.module = module
        self.total: torch.Tensor | None = None
        self.rows = 0

    def __call__(self, x: torch.Tensor) -> None:
        m = self.module
        x = x.detach()
        if isinstance(m, nn.Conv2d):
            padding = m.padding if isinstance(m.padding, tuple) else 0  # str refused before
            patches = F.unfold(x.reshape(-1, *x.shape[-3:]).double(), m.kernel_size,
                               dilation=m.dilation, padding=padding, stride=m.stride)
            rows = patches.transpose(1, 2).reshape(-1, patches.shape[1])
        else:
            rows = x.reshape(-1, x.shape[-1]).double()
        add = rows.T @ rows
        self.total = add if self.total is None else self.total + add
        self.rows += rows.shape[0]

    def hessian(self) -> torch.Tensor:
        """``2 X^T X / rows`` (the mean keeps H's scale independent of the sample count)."""
        if self.total is None:
            raise ValueError("no inputs were seen")
        return 2.0 * self.total / max(1, self.rows)


def _upper_inverse_cholesky(h: torch.Tensor, damping: float) -> torch.Tensor:
    """Upper ``U`` with ``U^T U = (H + lambda I)^-1``, ``lambda = damping * mean(diag H)``."""
    damp = damping * float(torch.diagonal(h).mean())
    h = h + damp * torch.eye(h.shape[0], dtype=h.dtype)
    lower = torch.linalg.cholesky(h)
    inverse = torch.cholesky_inverse(lower)
    return torch.linalg.cholesky(inverse, upper=True)


class _Scales:
    """The scale of every (row, column), fixed up front or when a group's sweep begins."""

    def __init__(self, w: torch.Tensor, spec: QuantSpec, fmt: IntFormat) -> None:
        self.spec, self.fmt = spec, fmt
        self.granularity = spec.resolved_granularity("weight")
        self.gs = spec.resolved_group_size()
        self.grouped = self.granularity in ("per_group", "per_vector")
        rows, cols = w.shape
        self.gamma: torch.Tensor | None = None
        if not self.grouped:
            base = quantize_tensor(w, spec, "weight")  # per tensor or per channel: fixed now
            self.scale, self.clip = base.scale.expand(rows, 1), base.clip
            return
        groups = math.ceil(cols / self.gs)
        self.scale, self.clip = torch.ones(rows, groups), torch.zeros(rows, groups)
        if self.granularity == "per_vector":
            # VS-Quant's float scale per channel, from the whole (original) weight
            vec = _scale_from_clip(symmetric_clip(self._padded(w), spec, fmt), fmt)
            self.gamma = vsq_gamma(vec.reshape(rows, groups), spec.scale_bits)

    def _padded(self, w: torch.Tensor) -> torch.Tensor:
        pad = (-w.shape[1]) % self.gs
        rows = F.pad(w.float(), (0, pad), value=float("nan")) if pad else w.float()
        return rows.reshape(-1, self.gs)

    def start_group(self, g: int, block: torch.Tensor) -> None:
        """Calibrate group ``g``'s scales on its (error-updated) columns ``block``."""
        clip = symmetric_clip(self._padded(block), self.spec, self.fmt)
        s = _scale_from_clip(clip, self.fmt)
        if self.gamma is not None:
            s = vsq_snap(s[:, None], self.gamma, self.spec.scale_bits)[:, 0]
        self.scale[:, g], self.clip[:, g] = s, clip

    def column(self, j: int) -> torch.Tensor:
        return self.scale[:, j // self.gs] if self.grouped else self.scale[:, 0]

    def qtensor_rows(self, levels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Levels and scales in ``QTensor`` row layout (one row per tensor, channel or group;
        the last group padded with zeros)."""
        if self.granularity == "per_tensor":
            return levels.reshape(1, -1), self.scale[:1].clone()
        if not self.grouped:
            return levels, self.scale.clone()
        pad = (-levels.shape[1]) % self.gs
        return F.pad(levels, (0, pad)).reshape(-1, self.gs), self.scale.reshape(-1, 1).clone()


def gptq_quantize(w: torch.Tensor, hessian: torch.Tensor, spec: QuantSpec) -> QTensor:
    """GPTQ's codes for ``w`` (``(out, ...)``, inputs flattened as the layer unfolds them)
    given ``hessian = 2 X^T X`` of the layer's calibration inputs, as a ``QTensor``."""
    fmt = element_format(spec.format, spec.width_bits, True, True)
    if not isinstance(fmt, IntFormat) or spec.rounding != "gptq":
        raise ValueError(f"gptq_quantize needs an int spec with rounding='gptq', got {spec}")
    shape = w.shape
    rows, cols = shape[0], math.prod(shape[1:])
    original = w.detach().reshape(rows, cols).float()
    if hessian.shape != (cols, cols):
        raise ValueError(f"hessian of shape {tuple(hessian.shape)} for {cols} inputs")
    h = hessian.double().clone()
    work = original.double().clone()
    dead = torch.diagonal(h) == 0
    h[dead, dead] = 1.0
    work[:, dead] = 0.0
    keep_zero = original == 0
    scales = _Scales(original, spec, fmt)
    u = _upper_inverse_cholesky(h, float(spec.gptq_damping))
    levels = torch.zeros(rows, cols)
    gs = scales.gs
    block = BLOCK_COLUMNS if not scales.grouped else gs * max(1, BLOCK_COLUMNS // gs)
    for i1 in range(0, cols, block):
        i2 = min(i1 + block, cols)
        w1 = work[:, i1:i2].clone()
        err1 = torch.zeros_like(w1)
        u1 = u[i1:i2, i1:i2]
        for j in range(i2 - i1):
            col = i1 + j
            if scales.grouped and col % gs == 0:  # pruned weights count as the zeros they become
                group = w1[:, j:j + gs]
                scales.start_group(col // gs, group.masked_fill(keep_zero[:, col:col + gs], 0.0))
            s = scales.column(col)
            level = fmt.fake_quant(w1[:, j].float() / s)
            level = torch.where(keep_zero[:, col], 0.0, level) + 0.0
            levels[:, col] = level
            q = level.double() * s.double()
            err = (w1[:, j] - q) / u1[j, j]
            w1[:, j:] -= err[:, None] * u1[j, j:][None, :]
            err1[:, j] = err
        work[:, i2:] -= err1 @ u[i1:i2, i2:]
    grouped, scale = scales.qtensor_rows(levels)
    meta = _scale_meta_bits(scales.granularity, gs, original.numel(), rows, spec)
    return QTensor(fmt.encode(grouped), scale, None, fmt, shape, scales.clip.reshape(-1), meta)
