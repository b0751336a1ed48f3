"""Deep Compression's weight sharing and Huffman-coded size (Han et al., ICLR 2016).

``share_weights_(model, WeightSharing(bits=4))`` clusters each layer's non-zero weights with
1-D k-means into k = 2^bits centroids (linear initialisation over [min, max], which the paper
found best) and replaces each weight by its centroid. The layer is then re-parametrized so
that its trainable tensor *is* the codebook: fine-tuning updates each centroid by the sum of
its weights' gradients, as in the paper, and pruned weights stay exactly zero.

Size accounting per layer (``SharingRecord``), in bits:
* cluster indices: one per non-zero weight, Huffman-coded (fixed-length: ``bits`` each);
* positions, only if the layer has zeros: relative indices of ``r`` bits (5 for FC, 8 for
  conv layers as in the paper), also Huffman-coded. Departure from the paper: a gap larger than
  2^r - 2 zeros is coded with an escape symbol (2^r - 1 = "skip that many zeros, no weight")
  instead of a padding zero weight, so no weight slot is spent on filler;
* codebook: k centroids of 32-bit floats. Biases are not shared (counted by the summary).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn
from torch.nn.utils import parametrize

from picojoule.compress.config import TransformConfig, register_config, resolve, transaction
from picojoule.compress.prune_masks import (
    module_tensor,
    register_parametrization_,
    remove_parametrizations_,
)
from picojoule.errors import Collector, SpecError

__all__ = [
    "SharingRecord",
    "WeightSharing",
    "huffman_code_lengths",
    "huffman_size_bits",
    "kmeans_1d",
    "share_weights_",
]

CODEBOOK_ENTRY_BITS = 32  # centroids stored as float32


@register_config
@dataclass(frozen=True, kw_only=True)
class WeightSharing(TransformConfig):
    """k-means weight sharing with k = 2^``bits`` shared values per layer."""

    kind = "weight_sharing"
    family = "share"
    bits: int = 4
    init: Literal["linear", "density"] = "linear"
    iterations: int = 30
    relative_index_bits_fc: int = 5
    relative_index_bits_conv: int = 8

    def _check(self, c: Collector) -> None:
        ints = {
            "bits": (self.bits, 1, 16),
            "iterations": (self.iterations, 1, 10_000),
            "relative_index_bits_fc": (self.relative_index_bits_fc, 2, 32),
            "relative_index_bits_conv": (self.relative_index_bits_conv, 2, 32),
        }
        for field, (value, low, high) in ints.items():
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                c.add(field, f"an integer in [{low}, {high}], got {value!r}")
        if self.init not in ("linear", "density"):
            c.add("init", f"'linear' or 'density', got {self.init!r}")


@dataclass(frozen=True)
class SharingRecord:
    """What weight sharing did to one layer and what its weights cost to store, in bits."""

    bits: int
    codebook: tuple[float, ...]
    nonzero_weights: int
    index_bits_fixed: int
    index_bits_huffman: int
    position_bits_fixed: int
    position_bits_huffman: int
    codebook_bits: int

    @property
    def fixed_bits(self) -> int:
        return self.index_bits_fixed + self.position_bits_fixed + self.codebook_bits

    @property
    def huffman_bits(self) -> int:
        return self.index_bits_huffman + self.position_bits_huffman + self.codebook_bits


def huffman_code_lengths(counts: dict[int, int]) -> dict[int, int]:
    """Code length in bits of each symbol of a Huffman code for these counts.

    Ties are broken by symbol order, so the code is deterministic. One symbol gets 1 bit.
    """
    symbols = sorted(s for s, n in counts.items() if n > 0)
    if len(symbols) == 1:
        return {symbols[0]: 1}
    heap: list[tuple[int, int, list[int]]] = [(counts[s], i, [s]) for i, s in enumerate(symbols)]
    heapq.heapify(heap)
    lengths = dict.fromkeys(symbols, 0)
    tie = len(symbols)
    while len(heap) > 1:
        n1, _, group1 = heapq.heappop(heap)
        n2, _, group2 = heapq.heappop(heap)
        for s in (*group1, *group2):
            lengths[s] += 1
        heapq.heappush(heap, (n1 + n2, tie, group1 + group2))
        tie += 1
    return lengths


def huffman_size_bits(symbols: Iterable[int]) -> int:
    """Bits to store ``symbols`` with a Huffman code built on their own counts (the code
    table itself is not counted)."""
    counts = Counter(int(s) for s in symbols)
    if not counts:
        return 0
    lengths = huffman_code_lengths(dict(counts))
    return sum(n * lengths[s] for s, n in counts.items())


def kmeans_1d(
    values: torch.Tensor, k: int, iterations: int, init: str = "linear"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Lloyd's k-means on a 1-D tensor: (sorted centroids [k], cluster index per value).

    Deterministic; an empty cluster keeps its previous centroid.
    """
    x = values.detach().reshape(-1).to(torch.float64)
    if init == "linear":
        centroids = torch.linspace(float(x.min()), float(x.max()), k, dtype=torch.float64)
    else:  # "density": evenly spaced quantiles of the weights' distribution
        centroids = torch.quantile(x, torch.linspace(0.0, 1.0, k, dtype=torch.float64))
    index = torch.zeros_like(x, dtype=torch.long)
    for _ in range(iterations):
        centroids, _ = torch.sort(centroids)
        index = torch.bucketize(x, (centroids[1:] + centroids[:-1]) / 2)
        sums = torch.zeros(k, dtype=torch.float64).index_add_(0, index, x)
        sizes = torch.bincount(index, minlength=k).to(torch.float64)
        updated = torch.where(sizes > 0, sums / sizes.clamp(min=1.0), centroids)
        if torch.equal(updated, centroids):
            break
        centroids = updated
    index = torch.bucketize(x, (centroids[1:] + centroids[:-1]) / 2)
    return centroids, index


class SharedWeight(nn.Module):
    """Parametrization codebook -> weight: ``weight[i] = codebook[index[i]]``, 0 where pruned.

    Its ``right_inverse`` turns the current weight into the codebook, so the trainable
    ``original`` has k entries and each receives the summed gradient of its cluster.
    """

    index: torch.Tensor

    def __init__(self, index: torch.Tensor, codebook: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("index", index)  # -1 marks a pruned (zero) weight
        self._codebook = codebook

    def forward(self, codebook: torch.Tensor) -> torch.Tensor:
        gathered = codebook[self.index.clamp(min=0)]
        return torch.where(self.index >= 0, gathered, torch.zeros((), dtype=codebook.dtype))

    def right_inverse(self, weight: torch.Tensor) -> torch.Tensor:
        return self._codebook.to(dtype=weight.dtype)


def _relative_gaps(nonzero_mask: torch.Tensor, index_bits: int) -> list[int]:
    """Position symbols of the relative-index stream with escape (see module docstring)."""
    positions = torch.nonzero(nonzero_mask.reshape(-1)).reshape(-1)
    gaps = torch.diff(positions, prepend=torch.tensor([-1])) - 1
    escape = 2**index_bits - 1
    symbols: list[int] = []
    for gap in gaps.tolist():
        symbols.extend([escape] * (gap // escape))
        symbols.append(gap % escape)
    return symbols


def _share_layer(module: nn.Module, weight: torch.Tensor, cfg: WeightSharing) -> SharingRecord:
    with torch.no_grad():
        nonzero = weight != 0
        k = 2**cfg.bits
        centroids, cluster = kmeans_1d(weight[nonzero], k, cfg.iterations, cfg.init)
        index = torch.full(weight.shape, -1, dtype=torch.long)
        index[nonzero] = cluster
        dense = bool(nonzero.all())
        r = cfg.relative_index_bits_conv if weight.ndim > 2 else cfg.relative_index_bits_fc
        gaps = [] if dense else _relative_gaps(nonzero, r)
        if parametrize.is_parametrized(module, "weight"):  # bake the pruning mask in
            remove_parametrizations_(module, "weight")
        codebook = centroids.to(weight.dtype)
        register_parametrization_(module, "weight", SharedWeight(index, codebook))
    nnz = int(nonzero.sum())
    return SharingRecord(
        bits=cfg.bits,
        codebook=tuple(float(c) for c in codebook),
        nonzero_weights=nnz,
        index_bits_fixed=nnz * cfg.bits,
        index_bits_huffman=huffman_size_bits(cluster.tolist()),
        position_bits_fixed=len(gaps) * r,
        position_bits_huffman=huffman_size_bits(gaps),
        codebook_bits=k * CODEBOOK_ENTRY_BITS,
    )


def share_weights_(model: nn.Module, config: WeightSharing) -> nn.Module:
    """Share weights in place; each shared module carries ``picojoule_sharing``.

    Quantized layers are refused (sharing replaces their number format). Transactional.
    """
    if not isinstance(config, WeightSharing):
        raise SpecError.single("share_weights_", "config",
                               f"a WeightSharing config, got {type(config).__name__}")
    entries = resolve(model, config)
    c = Collector("share_weights_")
    plans: list[tuple[nn.Module, torch.Tensor, WeightSharing]] = []
    for name, module, cfg in entries:
        if not isinstance(cfg, WeightSharing):
            c.add(f"layer {name!r}", f"a WeightSharing config, got {type(cfg).__name__}")
            continue
        if getattr(module, "picojoule_quant", None) is not None:
            c.add(f"layer {name!r}", "an unquantized layer (sharing replaces its number format)")
            continue
        weight = module_tensor(module, "weight").detach().clone()
        if not bool((weight != 0).any()):
            c.add(f"layer {name!r}", "a layer with at least one non-zero weight")
            continue
        plans.append((module, weight, cfg))
    c.raise_if_any()
    with transaction(model):
        for module, weight, cfg in plans:
            vars(module)["picojoule_sharing"] = _share_layer(module, weight, cfg)
    return model
