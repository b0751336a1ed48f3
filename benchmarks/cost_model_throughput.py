"""Cost-model throughput: mappings evaluated per second on one core.

A ResNet-50 layer (conv3_x 3x3: C=M=128, P=Q=28, R=S=3) on the ``eyeriss`` preset; at least
100,000 random *valid* mappings (exact factorizations, random loop orders, every tile fits)
are drawn first, then evaluated as one batch and timed. Run: ``python
benchmarks/cost_model_throughput.py [--count N] [--repeat R] [--sparse]``.

``--sparse`` turns Sparseloop-class sparsity on (``picojoule.cost.sparse``): the
``eyeriss-rle`` preset (run-length-coded inputs and outputs in DRAM, zero inputs gating the
weight-scratchpad reads and the MACs) with inputs at density 0.45, weights 0.4 and outputs 0.5
(illustrative densities). ``--sparse-arch eie`` uses the ``eie`` preset instead, whose
``[UOP, RLE]`` weights order their ranks by each mapping's loop nest (``picojoule.cost.ranks``).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: keep BLAS from fanning out

from dataclasses import replace

import numpy as np

from picojoule.arch import load_preset
from picojoule.cost import energy_model, evaluate_batch
from picojoule.mapping import concat
from picojoule.mapping.sample import random_mappings
from picojoule.workload import parse_layer

LAYER = "conv2d N=1 C=128 M=128 P=28 Q=28 R=3 S=3 name=resnet50.layer2.0.conv2"


def valid_mappings(layer, arch, energy, count, seed):
    rng = np.random.default_rng(seed)
    parts, have = [], 0
    while have < count:
        draw = random_mappings(layer, arch, 50_000, rng, outer_weight=8.0)
        keep = evaluate_batch(layer, arch, draw, energy).valid
        parts.append(draw.take(np.flatnonzero(keep)))
        have += int(keep.sum())
    return concat(parts).take(slice(0, count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sparse", action="store_true",
                        help="per-rank formats and gating on (picojoule.cost.sparse)")
    parser.add_argument("--sparse-arch", default="eyeriss-rle",
                        help="the sparse preset with --sparse (eie: multi-rank formats)")
    args = parser.parse_args()
    layer = parse_layer(LAYER)
    arch = load_preset(args.sparse_arch if args.sparse else "eyeriss")
    if args.sparse:
        layer = layer.with_density(inputs=0.45, weights=0.4, outputs=0.5)
    energy = energy_model(arch, layer)
    batch = valid_mappings(layer, arch, energy, args.count, args.seed)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        stats = evaluate_batch(layer, arch, batch, energy)
        times.append(time.perf_counter() - start)
    best = float(np.min(times))
    i = int(np.argmin(stats.energy_pj))
    print(f"layer      {layer.to_text()}  ({layer.macs:,} MACs)")
    print(f"arch       {arch.name}  ({arch.num_pes} PEs)")
    print(f"mappings   {len(batch):,} random valid mappings, all valid: {bool(stats.valid.all())}")
    print(f"time       best of {args.repeat}: {best:.3f} s  (all: "
          f"{', '.join(f'{t:.3f}' for t in times)})")
    print(f"throughput {len(batch) / best:,.0f} mappings/s on one core")
    print(f"best found {stats.energy_pj[i] / layer.macs:.3f} pJ/MAC, "
          f"{stats.cycles[i]:,.0f} cycles (random sampling, not a search)")
    if args.sparse:  # the same batch on the dense twin (no sparse: entries), interleaved
        twin = replace(arch, levels=tuple(replace(lv, sparse=None) for lv in arch.levels))
        pairs = []
        for _ in range(args.repeat):
            row = []
            for a in (twin, arch):
                start = time.perf_counter()
                evaluate_batch(layer, a, batch, energy)
                row.append(time.perf_counter() - start)
            pairs.append(row)
        dense_best, sparse_best = np.min(pairs, axis=0)
        print(f"dense twin {len(batch) / dense_best:,.0f} mappings/s vs sparse "
              f"{len(batch) / sparse_best:,.0f} on the same batch, interleaved "
              f"(sparse at {100 * dense_best / sparse_best:.0f} %)")


if __name__ == "__main__":
    main()
