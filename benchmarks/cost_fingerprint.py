"""A fingerprint of the cost model's numbers on every preset: run it before and after a change
to the cost model to show which numbers moved (bit for bit).

For each preset and a few layers, 2,000 seeded random mappings (valid or not) are evaluated;
the SHA-256 of every count, energy, cycle, used-bits and validity array is printed per preset.
Run: ``python benchmarks/cost_fingerprint.py``.
"""

from __future__ import annotations

import hashlib
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from picojoule.arch import load_preset, preset_names
from picojoule.cost import energy_model, evaluate_batch
from picojoule.mapping.sample import random_mappings
from picojoule.workload import parse_layer

LAYERS = ("conv2d N=1 C=3 M=32 P=112 Q=112 R=3 S=3 stride=2",
          "conv2d N=1 C=128 M=256 P=56 Q=56 R=3 S=3",
          "conv2d N=2 C=64 M=64 P=14 Q=14 R=1 S=1",
          "gemm M=128 N=768 K=3072")


def fingerprint(name: str, count: int = 2000) -> str:
    arch = load_preset(name)
    digest = hashlib.sha256()
    for i, text in enumerate(LAYERS):
        layer = parse_layer(text)
        batch = random_mappings(layer, arch, count, np.random.default_rng(i), outer_weight=4.0)
        s = evaluate_batch(layer, arch, batch, energy_model(arch, layer))
        for array in (s.counts, s.level_energy_pj, s.mac_energy_pj, s.network_energy_pj,
                      s.static_energy_pj, s.energy_pj, s.cycles, s.used_bits, s.valid):
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def main() -> None:
    for name in preset_names():
        print(f"{name:16s} {fingerprint(name)}")


if __name__ == "__main__":
    main()
