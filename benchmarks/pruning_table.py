"""Pruning and weight sharing on LeNet-300-100 and LeNet-5, trained on the full MNIST.

Run: .venv/bin/python benchmarks/pruning_table.py
Trains each model once (cached in ~/.cache/picojoule/models), then for each compression:
prune (one shot) -> fine-tune 1 epoch -> accuracy on the 10k test set and compressed size
(``summarize``: weights at 32 bits + sparse-format metadata + biases). The last rows are
Deep Compression's pipeline: prune to the paper's per-layer rates -> fine-tune -> 4-bit
k-means sharing -> fine-tune the centroids -> Huffman-code cluster indices and relative
positions, with 4-bit sharing everywhere (ours) and, like for like, at the paper's widths
(6 bits for LeNet-300-100; 8 bits for conv and 5 bits for fc layers of LeNet-5).
``se`` is the binomial standard error sqrt(p (1 - p) / n) of the accuracy on n = 10,000
images, in points: rows closer than about two of it are not distinguishable.
Deterministic (seeded, one thread; the dense models come from ``load_or_train``).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable

import torch
from torch import nn

from picojoule.compress import (
    ChannelPruning,
    LayerOverride,
    MagnitudePruning,
    NMPruning,
    WeightSharing,
    evaluate_accuracy,
    load_mnist,
    load_or_train,
    prune_,
    share_weights_,
    summarize,
    train,
)
from picojoule.compress.config import TransformConfig

FINE_TUNE_EPOCHS = 1
FINE_TUNE_LR = 5e-4


def configs(name: str) -> list[tuple[str, TransformConfig]]:
    last = "fc3" if name == "lenet300100" else "fc2"
    # 2:4 needs the reduction size divisible by 4: LeNet-5's conv1 (1 x 5 x 5) stays dense.
    nm_skip = (LayerOverride("conv1", None),) if name == "lenet5" else ()
    rows: list[tuple[str, TransformConfig]] = []
    for sparsity in (0.5, 0.8, 0.9):
        for scope in ("layer", "global"):
            rows.append((f"magnitude {sparsity:.0%} {scope}",
                         MagnitudePruning(sparsity=sparsity, scope=scope)))  # type: ignore[arg-type]
    rows.append(("2:4 (N:M)", NMPruning(n=2, m=4, overrides=nm_skip)))
    rows.append(("channel 30% (L1)",
                 ChannelPruning(sparsity=0.3, overrides=(LayerOverride(last, None),))))
    return rows


# Per-layer pruning rates of Deep Compression (Han et al., ICLR 2016, Tables 2 and 3: weights
# kept 8%/9%/26% for LeNet-300-100, 66%/12%/8%/19% for LeNet-5), as per-layer overrides.
HAN_SPARSITY = {
    "lenet300100": {"fc1": 0.92, "fc2": 0.91, "fc3": 0.74},
    "lenet5": {"conv1": 0.34, "conv2": 0.88, "fc1": 0.92, "fc2": 0.81},
}


# Deep Compression's weight-sharing widths (Han et al., ICLR 2016, Tables 2 and 3).
HAN_SHARING = {
    "lenet300100": WeightSharing(bits=6),
    "lenet5": WeightSharing(bits=5, overrides=(LayerOverride(r"conv\d", WeightSharing(bits=8)),)),
}


def deep_compression_pruning(name: str) -> MagnitudePruning:
    overrides = tuple(LayerOverride(layer, MagnitudePruning(sparsity=s))
                      for layer, s in HAN_SPARSITY[name].items())
    return MagnitudePruning(sparsity=0.9, overrides=overrides)


def weight_density(model: nn.Module) -> float:
    """Non-zero weights over weights (biases excluded), measured on the tensors."""
    layers = [m for m in model.modules() if isinstance(m, nn.Linear | nn.Conv2d)]
    return sum(int(torch.count_nonzero(m.weight)) for m in layers) / sum(
        m.weight.numel() for m in layers)


def run(name: str, data: tuple[torch.Tensor, ...], line: Callable[[str], None]) -> None:
    x_train, y_train, x_test, y_test = data
    dense = load_or_train(name)
    dense_summary = summarize(dense)

    def fine_tune(model: nn.Module, seed: int) -> None:
        train(model, (x_train, y_train), epochs=FINE_TUNE_EPOCHS, seed=seed, lr=FINE_TUNE_LR)

    def row(label: str, model: nn.Module, size_bits: int) -> None:
        acc = evaluate_accuracy(model, x_test, y_test)
        ratio = dense_summary.dense_bits / size_bits
        se = 100 * math.sqrt(acc * (1 - acc) / y_test.numel())
        line(f"{name:<12} {label:<32} {acc:>8.2%} {se:>5.2f} {weight_density(model):>7.3f} "
             f"{size_bits / 8e3:>9.1f} {ratio:>7.1f}x")

    row("dense fp32", dense, dense_summary.compressed_bits)
    for label, config in configs(name):
        model = copy.deepcopy(dense)
        prune_(model, config)
        fine_tune(model, 1)
        row(f"{label} + FT", model, summarize(model).compressed_bits)

    # Deep Compression: prune -> fine-tune -> share (4 bit) -> fine-tune centroids -> Huffman.
    model = copy.deepcopy(dense)
    prune_(model, deep_compression_pruning(name))
    fine_tune(model, 1)
    row("DC pruned (paper's rates) + FT", model, summarize(model).compressed_bits)
    pruned = copy.deepcopy(model)  # safe: a copy no longer shares parametrizations
    share_weights_(model, WeightSharing(bits=4))
    fine_tune(model, 2)
    fixed, huffman = sharing_bits(model)
    row("  + share 4b + FT, fixed-len", model, fixed)
    row("  + Huffman (ours: 4b everywhere)", model, huffman)
    row("  same model, summarize() size", model, summarize(model).compressed_bits)
    widths = "6b" if name == "lenet300100" else "8b conv/5b fc"
    share_weights_(pruned, HAN_SHARING[name])
    fine_tune(pruned, 2)
    fixed, huffman = sharing_bits(pruned)
    row(f"  + share {widths} + FT (paper)", pruned, fixed)
    row("  + Huffman (paper's widths)", pruned, huffman)


def sharing_bits(model: nn.Module) -> tuple[int, int]:
    """Fixed-length and Huffman-coded size of a shared model, biases at 32 bits."""
    records = [m.picojoule_sharing for m in model.modules() if hasattr(m, "picojoule_sharing")]
    bias_bits = 32 * sum(int(m.bias.numel()) for m in model.modules()
                         if hasattr(m, "picojoule_sharing") and m.bias is not None)
    return (sum(r.fixed_bits for r in records) + bias_bits,
            sum(r.huffman_bits for r in records) + bias_bits)


def main() -> None:
    torch.set_num_threads(1)  # same numbers on any machine load; 2 threads thrash when shared
    start = time.perf_counter()
    data = (*load_mnist("train"), *load_mnist("test"))
    lines: list[str] = []

    def line(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    line(f"{'model':<12} {'compression':<32} {'accuracy':>8} {'se':>5} {'w dens':>7} "
         f"{'size_kB':>9} {'ratio':>8}")
    for name in ("lenet300100", "lenet5"):
        run(name, data, line)
    print(f"# {time.perf_counter() - start:.0f} s, torch {torch.__version__}, "
          f"fine-tuning {FINE_TUNE_EPOCHS} epoch(s) at lr {FINE_TUNE_LR}")


if __name__ == "__main__":
    main()
