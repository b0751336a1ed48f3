"""Number formats as real encoders: values -> bit patterns (codes) -> values, bit for bit.

Every format maps a real value (already divided by its scale) to an unsigned bit pattern of
``bits`` bits and back. Fake quantization everywhere in ``picojoule.compress`` is literally
``decode(encode(x / scale)) * scale``, so a fake-quantized model computes what hardware that
stores these codes would compute. Rounding is round-to-nearest, ties to even code; values
beyond the largest finite magnitude saturate to it (OCP "satfinite"), NaN encodes as NaN.

* ``IntFormat``: two's-complement signed (symmetric: codes ±(2^(b-1)-1), the "narrow" range,
  so the grid is symmetric about zero; affine: the full range) or unsigned, b = 2..8.
* ``MiniFloat``: sign-exponent-mantissa formats decoded from their bit fields: FP8 E4M3 (OCP,
  "fn": no infinity, max 448), FP8 E5M2 (IEEE-like, max 57344), FP6 E3M2/E2M3 and FP4 E2M1
  (the MX element formats, no specials).
* ``LogFormat``: sign + (b-1)-bit magnitude code k, value 2^(k - kmax) for k >= 1, zero for
  k = 0, so the largest magnitude is 1 (times the scale); rounding is nearest in the linear
  domain (as in INQ), which minimizes absolute error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import torch

from picojoule.errors import SpecError

__all__ = [
    "FORMAT_BITS",
    "Format",
    "IntFormat",
    "LogFormat",
    "MiniFloat",
    "e8m0_decode",
    "e8m0_encode_floor",
    "element_format",
]


class Format:
    """A number format: ``encode`` maps values to codes (int64 bit patterns), ``decode`` back."""

    bits: int
    name: str

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def code_points(self) -> torch.Tensor:
        """Every code whose value is finite and canonical; encode(decode(c)) == c for these."""
        raise NotImplementedError

    @property
    def max_value(self) -> float:
        """Largest finite magnitude, in units of the scale."""
        raise NotImplementedError

    def fake_quant(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


@dataclass(frozen=True)
class IntFormat(Format):
    """Integer codes; ``decode`` returns the integer (times the scale outside), zero point 0."""

    bits: int
    signed: bool = True
    symmetric: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.bits, int) or isinstance(self.bits, bool) or not 2 <= self.bits <= 8:
            raise SpecError.single("format", "bits", f"an integer in [2, 8], got {self.bits!r}")

    @property
    def name(self) -> str:  # type: ignore[override]
        kind = "int" if self.signed else "uint"
        return f"{kind}{self.bits}" + ("" if self.symmetric else "-affine")

    @property
    def qmin(self) -> int:
        if not self.signed:
            return 0
        return -(2 ** (self.bits - 1)) + (1 if self.symmetric else 0)

    @property
    def qmax(self) -> int:
        return 2 ** (self.bits - 1) - 1 if self.signed else 2**self.bits - 1

    @property
    def max_value(self) -> float:
        return float(self.qmax)

    def to_int(self, x: torch.Tensor, zero_point: torch.Tensor | int = 0) -> torch.Tensor:
        """The integer value (not the bit pattern): clamp(round(x) + zero_point)."""
        q = torch.round(torch.nan_to_num(x.float(), nan=0.0)) + zero_point
        return q.clamp(self.qmin, self.qmax).to(torch.int64)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_int(x) & (2**self.bits - 1)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        c = codes.to(torch.int64)
        if self.signed:
            c = torch.where(c >= 2 ** (self.bits - 1), c - 2**self.bits, c)
        return c.to(torch.float32)

    def code_points(self) -> torch.Tensor:
        return torch.arange(self.qmin, self.qmax + 1, dtype=torch.int64) & (2**self.bits - 1)

    def fake_quant(self, x: torch.Tensor) -> torch.Tensor:
        """Same values as ``decode(encode(x))`` (tests hold it to that), without the codes."""
        return torch.round(torch.nan_to_num(x.float(), nan=0.0)).clamp(self.qmin, self.qmax)


class _SignMagnitude(Format):
    """Formats with a sign bit and monotone magnitude codes 0..n-1 (all finite, ascending)."""

    @cached_property
    def magnitudes(self) -> torch.Tensor:
        raise NotImplementedError

    @property
    def max_value(self) -> float:
        return float(self.magnitudes[-1])

    @cached_property
    def _midpoints(self) -> torch.Tensor:
        m = self.magnitudes
        return (m[:-1] + m[1:]) / 2

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float()
        sign = torch.signbit(x).to(torch.int64) << (self.bits - 1)
        a = x.abs().clamp(max=self.max_value)  # inf saturates; NaN stays NaN
        mids = self._midpoints
        idx = torch.bucketize(a, mids)  # ties land on the lower neighbour
        at_tie = (idx < len(mids)) & (a == mids[idx.clamp(max=len(mids) - 1)])
        idx = torch.where(at_tie & (idx % 2 == 1), idx + 1, idx)  # ties to even code
        codes = sign | idx
        return torch.where(torch.isnan(x), torch.full_like(codes, self._nan_code()), codes)

    def _nan_code(self) -> int:
        return 2**self.bits - 1  # formats without NaN map it to the largest negative value


@dataclass(frozen=True)
class MiniFloat(_SignMagnitude):
    """A small binary floating-point format decoded from its sign/exponent/mantissa fields."""

    exponent_bits: int
    mantissa_bits: int
    specials: str = "none"  # "ieee" (inf + NaN at max exponent), "fn" (only S.1111.111 is NaN)
    name: str = ""

    @property
    def bits(self) -> int:  # type: ignore[override]
        return 1 + self.exponent_bits + self.mantissa_bits

    @property
    def bias(self) -> int:
        return 2 ** (self.exponent_bits - 1) - 1

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        c = codes.to(torch.int64)
        eb, mb = self.exponent_bits, self.mantissa_bits
        sign = torch.where((c >> (eb + mb)) & 1 == 1, -1.0, 1.0)
        e = (c >> mb) & (2**eb - 1)
        f = (c & (2**mb - 1)).to(torch.float64)
        normal = (1 + f / 2**mb) * torch.exp2((e - self.bias).to(torch.float64))
        subnormal = f / 2**mb * 2.0 ** (1 - self.bias)
        mag = torch.where(e == 0, subnormal, normal)
        top = e == 2**eb - 1
        if self.specials == "ieee":
            mag = torch.where(top, torch.where(f == 0, math.inf, math.nan), mag)
        elif self.specials == "fn":
            mag = torch.where(top & (f == 2**mb - 1), math.nan, mag)
        return (sign * mag).to(torch.float32)

    def _finite_magnitude_codes(self) -> int:
        n = 2 ** (self.bits - 1)
        if self.specials == "ieee":
            return n - 2**self.mantissa_bits
        return n - 1 if self.specials == "fn" else n

    @cached_property
    def magnitudes(self) -> torch.Tensor:
        return self.decode(torch.arange(self._finite_magnitude_codes()))

    def code_points(self) -> torch.Tensor:
        pos = torch.arange(self._finite_magnitude_codes())
        return torch.cat([pos, pos | (1 << (self.bits - 1))])


@dataclass(frozen=True)
class LogFormat(_SignMagnitude):
    """Power-of-two values: code k >= 1 means 2^(k - kmax); the largest magnitude is 1."""

    bits: int

    def __post_init__(self) -> None:
        if not isinstance(self.bits, int) or isinstance(self.bits, bool) or not 2 <= self.bits <= 8:
            raise SpecError.single("format", "bits", f"an integer in [2, 8], got {self.bits!r}")

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"log{self.bits}"

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        c = codes.to(torch.int64)
        kmax = 2 ** (self.bits - 1) - 1
        k = c & kmax
        mag = torch.where(k == 0, 0.0, torch.exp2((k - kmax).to(torch.float64)))
        sign = torch.where((c >> (self.bits - 1)) & 1 == 1, -1.0, 1.0)
        return (sign * mag).to(torch.float32)

    @cached_property
    def magnitudes(self) -> torch.Tensor:
        return self.decode(torch.arange(2 ** (self.bits - 1)))

    def code_points(self) -> torch.Tensor:
        return torch.arange(2**self.bits)


FP8_E4M3 = MiniFloat(4, 3, "fn", "fp8_e4m3")
FP8_E5M2 = MiniFloat(5, 2, "ieee", "fp8_e5m2")
FP6_E3M2 = MiniFloat(3, 2, "none", "fp6_e3m2")
FP6_E2M3 = MiniFloat(2, 3, "none", "fp6_e2m3")
FP4_E2M1 = MiniFloat(2, 1, "none", "fp4_e2m1")
_FLOATS = {f.name: f for f in (FP8_E4M3, FP8_E5M2, FP6_E3M2, FP6_E2M3, FP4_E2M1)}
#: Element format of each block format (MX: OCP Microscaling v1.0; NVFP4: E2M1 per 16).
BLOCK_ELEMENTS = {"mxfp8": "fp8_e4m3", "mxfp6": "fp6_e3m2", "mxfp4": "fp4_e2m1",
                  "nvfp4": "fp4_e2m1"}
#: Fixed element widths of the float and block formats (int and log take ``bits``).
FORMAT_BITS = {**{k: v.bits for k, v in _FLOATS.items()},
               **{k: _FLOATS[v].bits for k, v in BLOCK_ELEMENTS.items()}}


def element_format(name: str, bits: int, signed: bool = True, symmetric: bool = True) -> Format:
    """The element format for a format name (``int``, ``uint``, ``log``, a float or block)."""
    if name == "int":
        return IntFormat(bits, True, symmetric)
    if name == "uint":
        return IntFormat(bits, False, symmetric)
    if name == "log":
        return LogFormat(bits)
    name = BLOCK_ELEMENTS.get(name, name)
    if name in _FLOATS:
        return _FLOATS[name]
    raise SpecError.single("format", "format", f"one of int, uint, log, {sorted(FORMAT_BITS)}")


def e8m0_encode_floor(x: torch.Tensor) -> torch.Tensor:
    """MX shared-scale code of a positive value: floor(log2 x) + 127, clamped to [0, 254]."""
    e = torch.floor(torch.log2(x.float().clamp(min=2.0**-127)))
    return (e + 127).clamp(0, 254).to(torch.int64)


def e8m0_decode(codes: torch.Tensor) -> torch.Tensor:
    """E8M0 (unsigned exponent, bias 127; 0xFF is NaN) to float32."""
    c = codes.to(torch.int64)
    v = torch.exp2((c - 127).to(torch.float64))
    return torch.where(c == 255, math.nan, v).to(torch.float32)
