"""Quantization-aware training: trainable fake-quantizers with a straight-through estimator.

``quantize_(model, QATConfig(...))`` calibrates initial clips like PTQ, then inserts
fake-quantizers whose forward value is exactly ``decode(encode(x / s)) * s`` of the integer
format and whose backward passes gradients straight through inside the clip. How the clip
moves during training (``clip_learning``):

* ``lsq``: the clip is a parameter trained by the full autograd gradient of the quantizer
  (LSQ, Esser et al. ICLR 2020), with LSQ's gradient scale 1/sqrt(n q);
* ``pact``: the clip is a parameter that only sees the clipped values (PACT, Choi et al. 2018:
  d y / d clip = 1 beyond it, 0 inside);
* ``octav``: the clip is recomputed by OCTAV on every forward in training (Sakr et al. 2022;
  activations keep an exponential moving average for evaluation);
* ``fixed``: the calibrated clip stays.

``magnitude_aware_grad`` replaces the zero gradient of clipped inputs by clip/|x| (OCTAV's
magnitude-attenuated gradient), which keeps large weights trainable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from picojoule.errors import Collector

from .calibrate import octav_clip
from .config import TransformConfig as _Base
from .config import register_config
from .formats import IntFormat
from .prune_masks import register_parametrization_
from .quantize import (
    _check_spec,
    _weight,
    attach_activation_quant,
    format_of,
    make_record,
    observe,
    register_quantizer,
)
from .scales import _group, _ungroup, quantize_tensor
from .spec import QuantSpec

__all__ = ["LearnedQuant", "QATConfig"]

ClipLearning = Literal["lsq", "pact", "octav", "fixed"]


@register_config
@dataclass(frozen=True, kw_only=True)
class QATConfig(_Base):
    """Fake quantization for training; integer symmetric formats, scales per tensor, channel or
    group (two-level per-vector scales are PTQ-only)."""

    kind = "qat"
    family = "quantize"
    weight: QuantSpec | None = QuantSpec(bits=4)  # noqa: RUF009 - frozen, shared safely
    input: QuantSpec | None = None
    output: QuantSpec | None = None
    clip_learning: ClipLearning = "lsq"
    magnitude_aware_grad: bool = False
    max_samples: int = 1 << 20

    def _check(self, c: Collector) -> None:
        for name in ("weight", "input", "output"):
            spec = getattr(self, name)
            _check_spec(c, name, spec, activation=name != "weight")
            if isinstance(spec, QuantSpec):
                if not (spec.is_integer and spec.symmetric):
                    c.add(f"{name}.format", "'int' or 'uint' with symmetric=true for QAT, "
                          f"got {spec.label()}")
                if spec.granularity == "per_vector":
                    c.add(f"{name}.granularity", "per_tensor, per_channel or per_group for QAT")
                if name == "weight" and spec.rounding != "nearest":
                    c.add("weight.rounding", "'nearest' for QAT (training moves the weights; "
                          "gptq is a post-training rounding)")
        if self.weight is None and self.input is None and self.output is None:
            c.add("weight", "a QuantSpec for at least one of weight, input, output")
        if self.clip_learning not in ("lsq", "pact", "octav", "fixed"):
            c.add("clip_learning", "one of lsq, pact, octav, fixed")
        if not isinstance(self.magnitude_aware_grad, bool):
            c.add("magnitude_aware_grad", "true or false")
        if isinstance(self.max_samples, bool) or not isinstance(self.max_samples, int) \
                or self.max_samples < 1024:
            c.add("max_samples", f"an integer >= 1024, got {self.max_samples!r}")


def _ste_fake_quant(g: torch.Tensor, clip: torch.Tensor, fmt: IntFormat) -> torch.Tensor:
    """round(clamp(g / s)) * s with s = clip / qmax; identity gradient inside the clip."""
    s = clip / fmt.qmax
    v = torch.clamp(g / s, fmt.qmin, fmt.qmax)
    return (v + (torch.round(v) - v).detach()) * s


class LearnedQuant(nn.Module):
    """Trainable fake-quantizer for weights (as a parametrization) or activations (per tensor)."""

    def __init__(self, init_clip: torch.Tensor, fmt: IntFormat, mode: str, mad: bool,
                 granularity: str, group_size: int, is_weight: bool) -> None:
        super().__init__()
        self.fmt, self.mode, self.mad = fmt, mode, mad
        self.granularity, self.group_size, self.is_weight = granularity, group_size, is_weight
        clip = init_clip.detach().float().clamp(min=1e-8).reshape(-1, 1)
        if mode in ("lsq", "pact"):
            self.clip = nn.Parameter(clip)
        else:
            self.register_buffer("clip", clip)

    def _rows(self, x: torch.Tensor) -> torch.Tensor:
        if not self.is_weight:
            return x.float().reshape(1, -1)
        return _group(x, self.granularity, self.group_size, detach=False, pad_value=0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = self._rows(x)
        fmt = self.fmt
        if self.mode == "octav" and self.training:
            with torch.no_grad():
                nan_rows = self._rows(x.detach()) if not self.is_weight else _group(
                    x, self.granularity, self.group_size)
                new = octav_clip(nan_rows, fmt.qmax)[0].reshape(-1, 1).clamp(min=1e-8)
                self.clip.copy_(new if self.is_weight else 0.9 * self.clip + 0.1 * new)
        clip = self.clip.clamp(min=1e-8)
        if self.mode == "lsq":
            n = g.shape[1]
            scale = 1.0 / math.sqrt(n * fmt.qmax)
            clip = (clip - clip * scale).detach() + clip * scale
        if self.mode == "pact":
            lo = torch.zeros_like(clip) if fmt.qmin == 0 else -clip
            clamped = torch.maximum(torch.minimum(g, clip), lo)
            y = clamped + (_ste_fake_quant(g, clip.detach(), fmt) - clamped).detach()
        else:
            y = _ste_fake_quant(g, clip if self.mode == "lsq" else clip.detach(), fmt)
        if self.mad:
            c = clip.detach()
            beyond = g.abs() > c
            extra = torch.where(beyond, torch.sign(g) * c * torch.log(
                torch.where(beyond, g.abs() / c, torch.ones_like(g))), torch.zeros_like(g))
            y = y + (extra - extra.detach())
        if self.is_weight:
            return _ungroup(y, x.shape).to(x.dtype)
        return y.reshape(x.shape).to(x.dtype)


@register_quantizer(QATConfig)
def _qat(model: nn.Module, plan: list[tuple[str, nn.Module, Any]], batches: list[Any]) -> None:
    samples = observe(model, plan, batches) if batches else {}
    for name, module, eff in plan:
        if eff.weight is not None:
            spec = eff.weight
            init = quantize_tensor(_weight(module, name), _calibration_spec(spec, eff),
                                   "weight").clip
            fmt = format_of(spec)
            if not isinstance(fmt, IntFormat):  # pragma: no cover - QATConfig checks this
                raise TypeError("QAT needs an integer format")
            wq = LearnedQuant(init, fmt, eff.clip_learning, eff.magnitude_aware_grad,
                              spec.resolved_granularity("weight"), spec.resolved_group_size(),
                              is_weight=True)
            register_parametrization_(module, "weight", wq)
        act: dict[str, nn.Module] = {}
        for operand in ("input", "output"):
            spec = getattr(eff, operand)
            if spec is not None:
                clip = quantize_tensor(samples[(name, operand)],
                                       _calibration_spec(spec, eff), operand).clip
                fmt = format_of(spec)
                if isinstance(fmt, IntFormat):
                    act[operand] = LearnedQuant(clip, fmt, eff.clip_learning,
                                                eff.magnitude_aware_grad, "per_tensor", 1,
                                                is_weight=False)
        attach_activation_quant(module, act.get("input"), act.get("output"))
        setattr(module, "picojoule_quant",  # noqa: B010
                make_record(eff, weight_calibration=eff.clip_learning))


def _calibration_spec(spec: QuantSpec, eff: QATConfig) -> QuantSpec:
    """OCTAV clip learning starts from the OCTAV clip; other modes from the spec's method."""
    if eff.clip_learning == "octav" and spec.calibration != "octav":
        return QuantSpec(format=spec.format, bits=spec.bits, granularity=spec.granularity,
                         group_size=spec.group_size, calibration="octav")
    return spec
