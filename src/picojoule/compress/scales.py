"""Scale granularity and the real encoding of a tensor: codes plus the scales that share them.

``quantize_tensor(x, spec)`` returns a ``QTensor`` holding integer codes (the bit patterns a
memory would store) and the scales; ``QTensor.dequantize()`` is the only way values come back,
so fake quantization is bit-exact with the encoding by construction.

Granularities (scales along the output-channel axis 0, groups along the flattened rest):
per-tensor, per-channel, per-group (one FP32 scale per ``group_size`` elements), per-vector
(VS-Quant, Dai et al. MLSys 2021: each vector of V elements gets an M-bit unsigned integer
scale that multiplies one FP32 scale per channel), and the block formats' own scales: MX (one
E8M0 power-of-two scale per 32, OCP MX v1.0: 2^(floor(log2 amax) - emax_elem)) and NVFP4 (one
FP8 E4M3 scale per 16 elements times an FP32 scale per tensor). Rows that do not fill the last
group are padded; padding is ignored by calibration and cropped from the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from . import calibrate as cal
from .formats import FP8_E4M3, Format, IntFormat, e8m0_decode, e8m0_encode_floor, element_format
from .spec import QuantSpec

__all__ = ["FP32_SCALE_BITS", "QTensor", "fake_quant_fixed", "quantize_tensor", "sqnr_db"]

#: Width of a floating scale as stored next to the codes (FP32).
FP32_SCALE_BITS = 32


@dataclass
class QTensor:
    """Codes ``(groups, n)`` with one scale (and zero point) per row, and how to undo grouping."""

    codes: torch.Tensor
    scale: torch.Tensor  # (groups, 1) float32, the effective scale of each row
    zero_point: torch.Tensor | None  # (groups, 1) int64 for affine formats
    fmt: Format
    shape: torch.Size
    clip: torch.Tensor  # (groups,) calibrated clip before any scale quantization
    scale_bits_per_element: float

    def dequantize(self) -> torch.Tensor:
        values = self.fmt.decode(self.codes)
        if self.zero_point is not None:
            values = values - self.zero_point
        out = values * self.scale
        return _ungroup(out, self.shape)


def _group(x: torch.Tensor, granularity: str, group_size: int, detach: bool = True,
           pad_value: float = float("nan")) -> torch.Tensor:
    """Rows sharing one scale; ragged last groups padded with ``pad_value`` (NaN: ignored)."""
    x = x.detach().float() if detach else x.float()
    if granularity == "per_tensor":
        return x.reshape(1, -1)
    rows = x.reshape(x.shape[0], -1) if x.dim() > 1 else x.reshape(1, -1)
    if granularity == "per_channel":
        return rows
    pad = (-rows.shape[1]) % group_size
    if pad:
        rows = torch.nn.functional.pad(rows, (0, pad), value=pad_value)
    return rows.reshape(-1, group_size)


def _ungroup(g: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    n = math.prod(shape)
    channels = shape[0] if len(shape) > 1 else 1
    rows = g.reshape(channels, -1)[:, : n // channels]
    return rows.reshape(shape)


def _scale_from_clip(clip: torch.Tensor, fmt: Format) -> torch.Tensor:
    return torch.where(clip > 0, clip, 1.0) / fmt.max_value


def _sym_fake_quant(fmt: Format) -> cal.FakeQuant:
    def fq(g: torch.Tensor, clip: torch.Tensor) -> torch.Tensor:
        s = _scale_from_clip(clip, fmt)
        return fmt.fake_quant(g / s) * s
    return fq


def _affine_params(lo: torch.Tensor, hi: torch.Tensor,
                   fmt: IntFormat) -> tuple[torch.Tensor, torch.Tensor]:
    span = (hi - lo).clamp(min=1e-30)
    scale = torch.where(hi > lo, span / (fmt.qmax - fmt.qmin), 1.0)
    zp = torch.round(fmt.qmin - lo / scale).clamp(fmt.qmin, fmt.qmax).to(torch.int64)
    return scale, zp


def _affine_encode(g: torch.Tensor, scale: torch.Tensor, zp: torch.Tensor,
                   fmt: IntFormat) -> torch.Tensor:
    return fmt.to_int(g / scale, zp) & (2**fmt.bits - 1)


def _affine_fake_quant(fmt: IntFormat) -> cal.FakeQuant:
    def fq(g: torch.Tensor, rng: torch.Tensor) -> torch.Tensor:
        scale, zp = _affine_params(rng[:, 0], rng[:, 1], fmt)
        codes = _affine_encode(g, scale[:, None], zp[:, None], fmt)
        return (fmt.decode(codes) - zp[:, None]) * scale[:, None]
    return fq


def symmetric_clip(g: torch.Tensor, spec: QuantSpec, fmt: Format) -> torch.Tensor:
    """The calibrated clip of each row for a symmetric format."""
    method = spec.calibration
    if method == "percentile":
        return cal.percentile_clip(g, spec.percentile)
    if method == "mse":
        return cal.mse_sweep_clip(g, _sym_fake_quant(fmt))
    if method == "entropy" and isinstance(fmt, IntFormat):
        return cal.entropy_clip(g, fmt.qmax + 1)
    if method == "octav" and isinstance(fmt, IntFormat):
        return _octav_or_max(g, fmt)
    return cal.absmax(g)


def _octav_or_max(g: torch.Tensor, fmt: IntFormat) -> torch.Tensor:
    """OCTAV's clip, except on rows where the max clip has less error.

    OCTAV's noise model (Delta^2/12 on every unclipped value) fails on rows that are nearly all
    tiny values plus a lone outlier: the fixed point then clips the outlier although keeping
    it costs less (seen on MiniLM ``output.dense`` rows). Two fake-quant passes catch that.
    """
    octav = cal.octav_clip(g, fmt.qmax)[0]
    amax = cal.absmax(g)
    fq = _sym_fake_quant(fmt)
    err_octav = torch.nansum((fq(g, octav[:, None]) - g) ** 2, dim=1)
    err_max = torch.nansum((fq(g, amax[:, None]) - g) ** 2, dim=1)
    return torch.where(err_max < err_octav, amax, octav)


def quantize_tensor(x: torch.Tensor, spec: QuantSpec, operand: str = "weight") -> QTensor:
    """Calibrate and encode ``x`` by ``spec``; ``operand`` picks what ``auto`` granularity means."""
    fmt = element_format(spec.format, spec.width_bits, spec.format == "int", spec.symmetric)
    granularity = spec.resolved_granularity(operand)
    gs = spec.resolved_group_size()
    g = _group(x, granularity, gs)
    n, channels = x.numel(), (x.shape[0] if x.dim() > 1 else 1)
    zp: torch.Tensor | None = None
    if spec.format in ("mxfp8", "mxfp6", "mxfp4"):
        clip = cal.absmax(g)
        emax_elem = math.floor(math.log2(fmt.max_value))
        scale = e8m0_decode((e8m0_encode_floor(clip) - emax_elem).clamp(0, 254))[:, None]
        meta = 8 / gs
    elif spec.format == "nvfp4":
        clip = cal.absmax(g)
        amax = float(clip.max())
        tensor_scale = amax / (FP8_E4M3.max_value * fmt.max_value) if amax > 0 else 1.0
        block = FP8_E4M3.encode(clip / fmt.max_value / tensor_scale).clamp(min=1)
        scale = (FP8_E4M3.decode(block) * tensor_scale)[:, None]
        meta = 8 / gs + FP32_SCALE_BITS / n
    elif not spec.symmetric and isinstance(fmt, IntFormat):
        lo, hi = cal.affine_range(g, spec.calibration, spec.percentile, _affine_fake_quant(fmt))
        clip = torch.maximum(-lo, hi)
        s, z = _affine_params(lo, hi, fmt)
        scale, zp = s[:, None], z[:, None]
        meta = _scale_meta_bits(granularity, gs, n, channels, spec) + fmt.bits * g.shape[0] / n
    else:
        clip = symmetric_clip(g, spec, fmt)
        scale = _scale_from_clip(clip, fmt)[:, None]
        meta = _scale_meta_bits(granularity, gs, n, channels, spec)
    if granularity == "per_vector":
        scale = _two_level(scale, channels, spec.scale_bits)
    if zp is not None and isinstance(fmt, IntFormat):
        codes = _affine_encode(g, scale, zp, fmt)
    else:
        codes = fmt.encode(g / scale)
    return QTensor(codes, scale, zp, fmt, x.shape, clip, meta)


def _two_level(scale: torch.Tensor, channels: int, scale_bits: int) -> torch.Tensor:
    """VS-Quant: per-vector scale = M-bit unsigned integer x FP32 per-channel scale."""
    per_ch = scale.reshape(channels, -1)
    return vsq_snap(per_ch, vsq_gamma(per_ch, scale_bits), scale_bits).reshape(-1, 1)


def vsq_gamma(per_channel: torch.Tensor, scale_bits: int) -> torch.Tensor:
    """VS-Quant's FP32 scale per channel (``(channels, 1)``) for per-vector scales laid out
    one row per channel: the largest maps to the top M-bit integer."""
    return per_channel.amax(dim=1, keepdim=True) / (2**scale_bits - 1)


def vsq_snap(scale: torch.Tensor, gamma: torch.Tensor, scale_bits: int) -> torch.Tensor:
    """Per-vector scales rounded to M-bit unsigned integers (at least 1) times ``gamma``."""
    return torch.round(scale / gamma).clamp(1, 2**scale_bits - 1) * gamma


def _scale_meta_bits(granularity: str, gs: int, n: int, channels: int,
                     spec: QuantSpec) -> float:
    if granularity == "per_tensor":
        return FP32_SCALE_BITS / n
    if granularity == "per_channel":
        return FP32_SCALE_BITS * channels / n
    if granularity == "per_vector":
        return spec.scale_bits / gs + FP32_SCALE_BITS * channels / n
    return FP32_SCALE_BITS / gs


def fake_quant_fixed(x: torch.Tensor, fmt: Format, scale: torch.Tensor,
                     zero_point: torch.Tensor | None = None) -> torch.Tensor:
    """decode(encode(x / scale)) * scale with frozen scale (and zero point): activations."""
    if zero_point is not None and isinstance(fmt, IntFormat):
        codes = _affine_encode(x, scale, zero_point, fmt)
        return (fmt.decode(codes) - zero_point) * scale
    if isinstance(fmt, IntFormat):
        # decode(encode(v)) without the int64 round trip: the same float32 integers, and
        # "+ 0.0" turns round's -0.0 into the +0.0 that the integer codes decode to (and,
        # as the codes do, the result carries no gradient)
        return (fmt.fake_quant(x.detach() / scale) + 0.0) * scale
    return fmt.decode(fmt.encode(x / scale)) * scale


def sqnr_db(x: torch.Tensor, xq: torch.Tensor) -> float:
    """Signal-to-quantization-noise ratio in dB: 10 log10(sum x^2 / sum (x - xq)^2)."""
    noise = float(((x.double() - xq.double()) ** 2).sum())
    signal = float((x.double() ** 2).sum())
    return math.inf if noise == 0 else 10 * math.log10(signal / noise)
