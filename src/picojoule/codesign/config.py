"""What one codesign point compresses: a frozen, validated, JSON-able config.

A ``CodesignConfig`` gives every compressible layer a ``LayerChoice``: weight precision and
format, scale granularity (per channel or VS-Quant per vector), activation precision and
weight sparsity (unstructured magnitude or N:M). ``key`` is a stable digest of the config,
which is what the result store and the sweep use to recognise a config already evaluated.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from picojoule.errors import Collector, SpecError

__all__ = ["INT8", "CodesignConfig", "LayerChoice"]

GRANULARITIES = ("per_channel", "per_vector")
PATTERNS = ("none", "unstructured", "N:M")
CALIBRATIONS = ("max", "mse", "octav")


@dataclass(frozen=True)
class LayerChoice:
    """How one layer is compressed; ``None`` bits keep that operand in 32-bit float.

    ``vector_size`` and ``scale_bits`` are VS-Quant's V and M (an M-bit integer scale per
    V weights, on top of a float scale per channel); used when ``granularity`` is per_vector.
    """

    weight_bits: int | None = 8
    act_bits: int | None = 8
    granularity: str = "per_channel"
    calibration: str = "max"
    sparsity: float = 0.0
    pattern: str = "none"
    n: int = 2
    m: int = 4
    vector_size: int = 16
    scale_bits: int = 4

    def check(self, c: Collector, at: str) -> None:
        for name, bits in (("weight_bits", self.weight_bits), ("act_bits", self.act_bits)):
            if bits is not None and (isinstance(bits, bool) or not isinstance(bits, int)
                                     or not 2 <= bits <= 8):
                c.add(f"{at}.{name}", f"an integer in [2, 8] or None (float), got {bits!r}")
        if self.granularity not in GRANULARITIES:
            c.add(f"{at}.granularity", f"one of {', '.join(GRANULARITIES)}")
        if self.calibration not in CALIBRATIONS:
            c.add(f"{at}.calibration", f"one of {', '.join(CALIBRATIONS)}")
        if self.pattern not in PATTERNS:
            c.add(f"{at}.pattern", f"one of {', '.join(PATTERNS)}")
        if (isinstance(self.sparsity, bool) or not isinstance(self.sparsity, int | float)
                or not 0.0 <= self.sparsity < 1.0):
            c.add(f"{at}.sparsity", f"a fraction in [0, 1), got {self.sparsity!r}")
        if self.pattern == "N:M" and not (isinstance(self.n, int) and isinstance(self.m, int)
                                          and 1 <= self.n < self.m):
            c.add(f"{at}.n", f"1 <= n < m for N:M, got {self.n}:{self.m}")
        if self.pattern == "unstructured" and not self.sparsity > 0:
            c.add(f"{at}.sparsity", "a positive fraction for unstructured pruning")
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
        s = {"none": "", "unstructured": f"s{round(self.sparsity * 100)}",
             "N:M": f"{self.n}:{self.m}"}[self.pattern]
        return f"{w}{a}{s}"


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
        return {"name": self.name, "default": asdict(self.default),
                "layers": {n: asdict(c) for n, c in sorted(self.layers)}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CodesignConfig:
        try:
            return cls(LayerChoice(**data["default"]),
                       tuple(sorted((n, LayerChoice(**c)) for n, c in data["layers"].items())),
                       str(data.get("name", "")))
        except (KeyError, TypeError, AttributeError) as exc:
            raise SpecError.single("config", "", f"a codesign config dict ({exc})") from None

    @property
    def key(self) -> str:
        """Stable digest of what the config does (its name is a label, not part of it)."""
        body = {"default": asdict(self.default),
                "layers": {n: asdict(c) for n, c in sorted(self.layers)}}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:20]

    def label(self) -> str:
        if self.name:
            return self.name
        if not self.layers:
            return self.default.label()
        return f"{self.default.label()}+" + ",".join(f"{n}={c.label()}" for n, c in self.layers)


INT8 = LayerChoice(8, 8)  #: INT8 weights and activations, per-channel weight scales
