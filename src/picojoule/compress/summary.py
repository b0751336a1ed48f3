"""What compression did to a model, per layer and operand: the object [workloads] accepts.

``summarize(model)`` reads each layer's actual tensors and records: bits per operand from
``picojoule_quant`` (``None`` = 32-bit float) or from weight sharing (index bits), weight
density from the weight tensor's real non-zeros (inputs and outputs are 1.0: activation
sparsity is data-dependent and not measured here), and the storage the weights need.

Compressed size of a layer, in bits (biases are kept dense at 32 bits; ``params`` counts them):
* ``dense``:   weights x bits;
* ``bitmask``: non-zeros x bits + 1 bit per weight (unstructured pruning);
* ``N:M``:     (weights x N/M) x (bits + ceil(log2 M)) - the kept slots and their in-group
  position (2 bits per kept weight for 2:4), as sparse tensor cores store them;
* ``channel``: kept filters x filter size x bits, no metadata (the layer is smaller);
plus the codebook (k x 32 bits) of a shared layer and quantization scales
(``scale_bits_per_weight`` x weights). The Huffman-coded storage size of weight sharing is in
``picojoule_sharing`` (``SharingRecord.huffman_bits``), not here: this is what the hardware holds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn.utils import parametrize

from picojoule.compress.config import DEFAULT_TARGET_TYPES
from picojoule.errors import SpecError

__all__ = ["CompressionSummary", "LayerSummary", "summarize"]

FLOAT_BITS = 32  # an unquantized operand is a 32-bit float
OPERANDS = ("inputs", "weights", "outputs")


@dataclass(frozen=True)
class LayerSummary:
    """One layer: bits and density per operand (inputs, weights, outputs) and its size."""

    name: str
    kind: str
    params: int
    bits: dict[str, int]
    density: dict[str, float]
    sparsity_format: str  # "dense" | "bitmask" | "N:M" | "channel"
    compressed_bits: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "params": self.params,
            "bits": dict(self.bits),
            "density": dict(self.density),
            "sparsity_format": self.sparsity_format,
            "compressed_bits": self.compressed_bits,
        }


@dataclass(frozen=True)
class CompressionSummary:
    """Per-layer summary of a compressed model and its totals (sizes in bits)."""

    model: str
    layers: tuple[LayerSummary, ...]
    total_params: int
    dense_bits: int
    compressed_bits: int

    @property
    def compression_ratio(self) -> float:
        """Dense 32-bit size over compressed size."""
        return self.dense_bits / self.compressed_bits if self.compressed_bits else math.inf

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "layers": [layer.to_dict() for layer in self.layers],
            "total_params": self.total_params,
            "dense_bits": self.dense_bits,
            "compressed_bits": self.compressed_bits,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def format_table(self) -> str:
        """A plain-text table, one row per layer, then the totals."""
        header = ("layer", "kind", "params", "bits i/w/o", "w density", "format", "size_kbit")
        rows = [
            (
                layer.name,
                layer.kind,
                str(layer.params),
                "/".join(str(layer.bits[o]) for o in OPERANDS),
                f"{layer.density['weights']:.3f}",
                layer.sparsity_format,
                f"{layer.compressed_bits / 1e3:.1f}",
            )
            for layer in self.layers
        ]
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                           for i, (c, w) in enumerate(zip(r, widths, strict=True)))
                 for r in (header, *rows)]
        lines.insert(1, "-" * len(lines[0]))
        lines.append(
            f"{self.model}: {self.total_params} params, dense {self.dense_bits / 8e3:.1f} kB, "
            f"compressed {self.compressed_bits / 8e3:.1f} kB ({self.compression_ratio:.1f}x)"
        )
        return "\n".join(lines)


def _tensor(module: nn.Module, name: str) -> torch.Tensor | None:
    value = getattr(module, name, None)
    return value if isinstance(value, torch.Tensor) else None


def _layer(name: str, module: nn.Module) -> LayerSummary:
    weight = _tensor(module, "weight")
    if weight is None:
        raise SpecError.single("summarize", f"layer {name!r}", "a module with a weight tensor")
    bias = _tensor(module, "bias")
    numel = weight.numel()
    bias_numel = bias.numel() if bias is not None else 0
    quant = getattr(module, "picojoule_quant", None)
    sharing = getattr(module, "picojoule_sharing", None)
    sparsity = getattr(module, "picojoule_sparsity", None)

    def bits_of(value: int | None) -> int:
        return int(value) if value is not None else FLOAT_BITS

    bits = {
        "inputs": bits_of(getattr(quant, "input_bits", None)),
        "weights": bits_of(getattr(quant, "weight_bits", None)),
        "outputs": bits_of(getattr(quant, "output_bits", None)),
    }
    if sharing is not None:
        bits["weights"] = int(sharing.bits)
    with torch.no_grad():
        nnz = int(torch.count_nonzero(weight))
        kept_rows = int(torch.count_nonzero(weight.reshape(weight.shape[0], -1).abs().sum(1)))
    density = {"inputs": 1.0, "weights": nnz / numel, "outputs": 1.0}

    pattern = getattr(sparsity, "pattern", None)
    w_bits = bits["weights"]
    if nnz == numel or pattern is None:
        fmt, size = "dense", numel * w_bits
    elif pattern == "N:M":
        n, m = int(getattr(sparsity, "n", 1)), int(getattr(sparsity, "m", 1))
        slots = numel * n // m
        fmt, size = "N:M", slots * (w_bits + math.ceil(math.log2(m)))
    elif pattern == "channel":
        fmt, size = "channel", kept_rows * (numel // weight.shape[0]) * w_bits
    else:
        fmt, size = "bitmask", nnz * w_bits + numel
    if sharing is not None:
        size += int(sharing.codebook_bits)
    size += round(numel * float(getattr(quant, "scale_bits_per_weight", 0.0) or 0.0))
    size += bias_numel * FLOAT_BITS
    kind = parametrize.type_before_parametrizations(module).__name__.lower()
    return LayerSummary(name, kind, numel + bias_numel, bits, density, fmt, size)


def summarize(model: nn.Module, name: str | None = None) -> CompressionSummary:
    """Summarize every Linear/Conv layer of ``model`` (and any other module that carries a
    quantization, sparsity or sharing record)."""
    if not isinstance(model, nn.Module):
        raise SpecError.single("summarize", "model", f"a torch.nn.Module, got {type(model)}")
    layers = []
    for module_name, module in model.named_modules():
        recorded = any(
            hasattr(module, a)
            for a in ("picojoule_quant", "picojoule_sparsity", "picojoule_sharing")
        )
        if isinstance(module, DEFAULT_TARGET_TYPES) or recorded:
            layers.append(_layer(module_name, module))
    if not layers:
        raise SpecError.single("summarize", "model", "a model with at least one Linear or Conv")
    total = sum(layer.params for layer in layers)
    return CompressionSummary(
        model=name or parametrize.type_before_parametrizations(model).__name__,
        layers=tuple(layers),
        total_params=total,
        dense_bits=total * FLOAT_BITS,
        compressed_bits=sum(layer.compressed_bits for layer in layers),
    )
