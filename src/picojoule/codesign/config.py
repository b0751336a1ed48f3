"""What one codesign point compresses: a frozen, validated, JSON-able config.

A ``CodesignConfig`` gives every compressible layer a ``LayerChoice``: weight precision and
format, scale granularity (per channel or VS-Quant per vector), activation precision and
clipping calibration, and weight sparsity (unstructured magnitude or N:M). ``key`` is a
stable digest of the config, which is what the result store and the sweep use to recognise
a config already evaluated (an ``act_calibration`` left at ``max`` is not part of the
digest, nor are ``rounding`` and ``gptq_damping`` at their defaults, so configs written
before those fields existed keep their keys).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Annotated, Any

from picojoule.decode import OneOf, Range, decode_dataclass, field_problems
from picojoule.errors import Collector, Problem, SpecError
from picojoule.rounding import GPTQ_DAMPING, ROUNDINGS, check_damping

__all__ = ["ACT_CALIBRATIONS", "INT8", "CodesignConfig", "LayerChoice"]

GRANULARITIES = ("per_channel", "per_vector")
PATTERNS = ("none", "unstructured", "N:M")
CALIBRATIONS = ("max", "mse", "octav")
#: Clipping of the per-tensor activation scale (``compress.calibrate``): max, the 99.99th
#: percentile of |x|, MSE sweep, KL divergence (TensorRT's entropy), OCTAV.
ACT_CALIBRATIONS = ("max", "percentile", "mse", "entropy", "octav")
Bits = Annotated[int, Range(2, 8)]  # integer precisions codesign sweeps


@dataclass(frozen=True)
class LayerChoice:
    """How one layer is compressed; ``None`` bits keep that operand in 32-bit float.

    ``vector_size`` and ``scale_bits`` are VS-Quant's V and M (an M-bit integer scale per
    V weights, on top of a float scale per channel); used when ``granularity`` is per_vector.
    ``calibration`` clips per-channel weight scales; ``act_calibration`` clips the layer's
    input (activation) scale, calibrated on the task's calibration batches. ``rounding``
    ``gptq`` rounds the weights with GPTQ on those batches instead of to nearest (same bits
    and scales, so the same energy), damping its Hessian by ``gptq_damping``.
    """

    weight_bits: Bits | None = 8
    act_bits: Bits | None = 8
    granularity: Annotated[str, OneOf(GRANULARITIES)] = "per_channel"
    calibration: Annotated[str, OneOf(CALIBRATIONS)] = "max"
    sparsity: float = 0.0
    pattern: Annotated[str, OneOf(PATTERNS)] = "none"
    n: int = 2
    m: int = 4
    vector_size: int = 16
    scale_bits: int = 4
    act_calibration: Annotated[str, OneOf(ACT_CALIBRATIONS)] = "max"
    rounding: Annotated[str, OneOf(ROUNDINGS)] = "nearest"
    gptq_damping: float = GPTQ_DAMPING

    def check(self, c: Collector, at: str) -> None:
        field_problems(self, c, at)  # types, bit ranges and choices, as declared above
        if (isinstance(self.sparsity, bool) or not isinstance(self.sparsity, int | float)
                or not 0.0 <= self.sparsity < 1.0):
            c.add(f"{at}.sparsity", f"a fraction in [0, 1), got {self.sparsity!r}")
        if self.pattern == "N:M" and not (isinstance(self.n, int) and isinstance(self.m, int)
                                          and 1 <= self.n < self.m):
            c.add(f"{at}.n", f"1 <= n < m for N:M, got {self.n}:{self.m}")
        if self.pattern == "unstructured" and not self.sparsity > 0:
            c.add(f"{at}.sparsity", "a positive fraction for unstructured pruning")
        if self.rounding == "gptq" and self.weight_bits is None:
            c.add(f"{at}.rounding", "'nearest' for float weights (nothing to round)")
        check_damping(c, f"{at}.", self.rounding, self.gptq_damping)
        if self.granularity == "per_vector" and self.weight_bits is None:
            c.add(f"{at}.granularity", "per_channel for float weights (nothing to scale)")
        for name, value, lo in (("vector_size", self.vector_size, 2),
                                ("scale_bits", self.scale_bits, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < lo:
                c.add(f"{at}.{name}", f"an integer >= {lo}, got {value!r}")

    @property
    def density(self) -> float:
        """Weight density this choice aims at (measured values come from the model)."""
        if self.pattern == "N:M":
            return self.n / self.m
        return 1.0 - self.sparsity if self.pattern == "unstructured" else 1.0

    @property
    def sparse_format(self) -> str:
        """How the accelerator stores the weights: bitmask, coordinate (N:M index) or none."""
        return {"none": "none", "unstructured": "bitmask", "N:M": "coordinate"}[self.pattern]

    @property
    def metadata_bits(self) -> int:
        """Index bits per kept weight of N:M (2 for 2:4)."""
        return max(1, math.ceil(math.log2(self.m))) if self.pattern == "N:M" else 4

    def label(self) -> str:
        w = "fp32" if self.weight_bits is None else f"w{self.weight_bits}"
        if self.granularity == "per_vector":
            w += "v"
        a = "a32" if self.act_bits is None else f"a{self.act_bits}"
        if self.act_bits is not None and self.act_calibration != "max":
            a += self.act_calibration
        s = {"none": "", "unstructured": f"s{round(self.sparsity * 100)}",
             "N:M": f"{self.n}:{self.m}"}[self.pattern]
        r = "" if self.rounding == "nearest" else f"-{self.rounding}"
        if self.gptq_damping != GPTQ_DAMPING:
            r += f"{self.gptq_damping:g}"
        return f"{w}{a}{s}{r}"


@dataclass(frozen=True)
class CodesignConfig:
    """A default ``LayerChoice`` and per-layer exceptions (by exact layer name)."""

    default: LayerChoice = LayerChoice()
    layers: tuple[tuple[str, LayerChoice], ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        c = Collector("CodesignConfig")
        if not isinstance(self.default, LayerChoice):
            c.add("default", "a LayerChoice")
        else:
            self.default.check(c, "default")
        names = [n for n, _ in self.layers] if isinstance(self.layers, tuple) else []
        if not isinstance(self.layers, tuple) or not all(
                isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str)
                and isinstance(x[1], LayerChoice) for x in self.layers):
            c.add("layers", "a tuple of (layer name, LayerChoice)")
        else:
            for name, choice in self.layers:
                choice.check(c, f"layers[{name}]")
            for name in {n for n in names if names.count(n) > 1}:
                c.add(f"layers[{name}]", "one choice per layer name")
        c.raise_if_any()

    def choice(self, layer: str) -> LayerChoice:
        for name, choice in self.layers:
            if name == layer:
                return choice
        return self.default

    def with_layer(self, layer: str, choice: LayerChoice) -> CodesignConfig:
        rest = tuple((n, c) for n, c in self.layers if n != layer)
        merged = tuple(sorted((*rest, (layer, choice)))) if choice != self.default else rest
        return replace(self, layers=tuple(sorted(merged)), name="")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "default": _as_dict(self.default),
                "layers": {n: _as_dict(c) for n, c in sorted(self.layers)}}

    @classmethod
    def from_dict(cls, data: Any, where: str = "config") -> CodesignConfig:
        """The inverse of ``to_dict``, decoded by ``picojoule.decode``: every problem at once,
        each naming its field."""
        form = decode_dataclass(_ConfigForm, data, where, "")
        try:
            return cls(form.default, tuple(sorted(form.layers.items())), form.name)
        except SpecError as exc:  # __post_init__'s checks, anchored to ``where``
            raise SpecError(Problem(where, p.field, p.expected) for p in exc.problems) from None

    @property
    def key(self) -> str:
        """Stable digest of what the config does (its name is a label, not part of it)."""
        body = {"default": _as_dict(self.default),
                "layers": {n: _as_dict(c) for n, c in sorted(self.layers)}}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:20]

    def label(self) -> str:
        if self.name:
            return self.name
        if not self.layers:
            return self.default.label()
        return f"{self.default.label()}+" + ",".join(f"{n}={c.label()}" for n, c in self.layers)


def _as_dict(choice: LayerChoice) -> dict[str, Any]:
    """``asdict`` without ``act_calibration``, ``rounding`` and ``gptq_damping`` at their
    defaults (keys stay as before these fields existed)."""
    out = asdict(choice)
    for name, default in (("act_calibration", "max"), ("rounding", "nearest"),
                          ("gptq_damping", GPTQ_DAMPING)):
        if out[name] == default:
            del out[name]
    return out


@dataclass(frozen=True)
class _ConfigForm:
    """``CodesignConfig``'s dict form: its layers keyed by name."""

    name: str = ""
    default: LayerChoice = LayerChoice()
    layers: dict[str, LayerChoice] = field(default_factory=dict)


INT8 = LayerChoice(8, 8)  #: INT8 weights and activations, per-channel weight scales
