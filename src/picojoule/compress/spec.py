"""How one operand (weights, inputs or outputs of a layer) is quantized: ``QuantSpec``.

A spec names the number format, its width, how scales are shared (granularity) and how the
clipping range is chosen (calibration). It is validated when built, so a bad width or an
impossible combination (OCTAV on a float format, per-vector scales on activations) fails
with a ``SpecError`` naming the field before any model is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from picojoule.decode import literal_problems
from picojoule.errors import Collector
from picojoule.rounding import GPTQ_DAMPING, check_damping

from .formats import FORMAT_BITS

__all__ = ["BLOCK_SIZES", "QuantSpec"]

FormatName = Literal["int", "uint", "log", "fp8_e4m3", "fp8_e5m2", "fp6_e3m2", "fp6_e2m3",
                     "fp4_e2m1", "mxfp8", "mxfp6", "mxfp4", "nvfp4"]
Granularity = Literal["auto", "per_tensor", "per_channel", "per_group", "per_vector"]
Calibration = Literal["max", "percentile", "mse", "entropy", "octav"]
Rounding = Literal["nearest", "gptq"]
#: Elements sharing one scale in the block formats (OCP MX v1.0: 32; NVFP4: 16).
BLOCK_SIZES = {"mxfp8": 32, "mxfp6": 32, "mxfp4": 32, "nvfp4": 16}


@dataclass(frozen=True)
class QuantSpec:
    """Quantization of one operand.

    ``bits`` is required for ``int``/``uint``/``log`` (2..8) and implied by the other formats.
    ``symmetric=False`` makes integer formats affine (a zero point per scale). ``granularity``
    ``auto`` means per-channel for weights, per-tensor for activations and the format's block
    for ``mx*``/``nvfp4``. ``group_size`` is the elements per group (``per_group``) or per
    vector (``per_vector``, VS-Quant's V); ``scale_bits`` is VS-Quant's M, the width of the
    unsigned integer per-vector scale that multiplies a floating per-channel scale.

    ``rounding`` decides the integer codes once the scales are set: ``nearest`` rounds each
    weight on its own; ``gptq`` (weights of symmetric ``int`` formats only) rounds the
    columns of a layer's weight one after another and moves each column's error onto the
    columns not yet rounded, weighted by the layer's calibration inputs (``compress.gptq``);
    ``gptq_damping`` is the fraction of the mean of the Hessian's diagonal added to it (the
    paper's 0.01; more pulls GPTQ towards nearest rounding, which helps when there are few
    calibration inputs per weight column).
    """

    format: FormatName = "int"
    bits: int | None = None
    symmetric: bool = True
    granularity: Granularity = "auto"
    group_size: int = 16
    scale_bits: int = 4
    calibration: Calibration = "max"
    percentile: float = 99.99
    rounding: Rounding = "nearest"
    gptq_damping: float = GPTQ_DAMPING

    def __post_init__(self) -> None:
        c = Collector("QuantSpec")
        self.check(c, "")
        c.raise_if_any()

    @property
    def is_block(self) -> bool:
        return self.format in BLOCK_SIZES

    @property
    def is_integer(self) -> bool:
        return self.format in ("int", "uint")

    @property
    def width_bits(self) -> int:
        """Bits per element."""
        return self.bits if self.bits is not None else FORMAT_BITS[self.format]

    def resolved_granularity(self, operand: str) -> str:
        if self.is_block:
            return "per_group"
        if self.granularity == "auto":
            return "per_channel" if operand == "weight" else "per_tensor"
        return self.granularity

    def resolved_group_size(self) -> int:
        return BLOCK_SIZES.get(self.format, self.group_size)

    def label(self, operand: str = "weight") -> str:
        """Short name such as ``int4``, ``uint8-affine``, ``fp8_e4m3``, ``mxfp4``."""
        if self.is_integer:
            base = f"{self.format}{self.bits}"
            return base if self.symmetric else base + "-affine"
        return f"log{self.bits}" if self.format == "log" else self.format

    def check(self, c: Collector, prefix: str) -> None:
        """Add a problem per invalid field, with field names under ``prefix``."""
        p = f"{prefix}." if prefix else ""
        before = len(c.problems)
        literal_problems(self, c, prefix)  # what load_config refuses, refused here too
        if len(c.problems) > before:
            return
        fixed = FORMAT_BITS.get(self.format)
        if self.format not in FORMAT_BITS and self.format not in ("int", "uint", "log"):
            c.add(p + "format", f"one of int, uint, log, {', '.join(sorted(FORMAT_BITS))}")
            return
        if fixed is None:
            if (not isinstance(self.bits, int) or isinstance(self.bits, bool)
                    or not 2 <= self.bits <= 8):
                c.add(p + "bits", f"an integer in [2, 8] for format {self.format!r}, "
                      f"got {self.bits!r}")
        elif self.bits is not None and self.bits != fixed:
            c.add(p + "bits", f"None or {fixed} for format {self.format!r}, got {self.bits!r}")
        if not self.symmetric and not self.is_integer:
            c.add(p + "symmetric", f"true for format {self.format!r} (only int/uint are affine)")
        if self.is_block:
            if self.granularity not in ("auto", "per_group"):
                c.add(p + "granularity", f"'auto' for block format {self.format!r}")
            if self.calibration != "max":
                c.add(p + "calibration", f"'max' for block format {self.format!r} "
                      "(its shared scales are defined by the block maximum)")
        if self.calibration in ("octav", "entropy") and not (self.is_integer and self.symmetric):
            c.add(p + "calibration", f"max, percentile or mse for {self.label()} "
                  f"({self.calibration} assumes a symmetric uniform integer grid)")
        if not self.symmetric and self.calibration not in ("max", "percentile", "mse"):
            c.add(p + "calibration", "max, percentile or mse for affine formats")
        if (not isinstance(self.group_size, int) or isinstance(self.group_size, bool)
                or not 2 <= self.group_size <= 4096):
            c.add(p + "group_size", f"an integer in [2, 4096], got {self.group_size!r}")
        if (not isinstance(self.scale_bits, int) or isinstance(self.scale_bits, bool)
                or not 1 <= self.scale_bits <= 16):
            c.add(p + "scale_bits", f"an integer in [1, 16], got {self.scale_bits!r}")
        if (not isinstance(self.percentile, int | float) or isinstance(self.percentile, bool)
                or not 50.0 < float(self.percentile) <= 100.0):
            c.add(p + "percentile", f"a number in (50, 100], got {self.percentile!r}")
        if self.rounding == "gptq" and not (self.format == "int" and self.symmetric):
            c.add(p + "rounding", f"'nearest' for {self.label()} (gptq rounds weights of "
                  "the symmetric 'int' formats only)")
        check_damping(c, p, self.rounding, self.gptq_damping)

    def check_activation(self, c: Collector, prefix: str) -> None:
        """Activations take one scale per tensor (a batch has no fixed channel layout here)."""
        if self.granularity not in ("auto", "per_tensor") or self.is_block:
            c.add(f"{prefix}.granularity", "'auto' or 'per_tensor' for activations "
                  f"(got {self.format if self.is_block else self.granularity!r})")
        if self.rounding != "nearest":
            c.add(f"{prefix}.rounding", "'nearest' for activations (gptq rounds weights, "
                  f"got {self.rounding!r})")

