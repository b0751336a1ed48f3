"""The guided search of ``mapper_throughput.py`` alone, for side-by-side timing of two sources.

Runs the guided search (200,000 evaluations, seed 0, one core; ResNet-18 layer1 3x3 conv on
``eyeriss``) ``N`` times and prints, per run, the mappings costed and explored, wall and CPU
seconds, costed mappings per second and the best energy (to the last printed digit: equal
figures across sources mean the same search). Alternate it between two checkouts:

    PYTHONPATH=/path/to/before/src python benchmarks/guided_throughput.py 1
    PYTHONPATH=src python benchmarks/guided_throughput.py 1

Run: ``python benchmarks/guided_throughput.py [N]``.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from picojoule.arch import load_preset
from picojoule.mapper import Budget, SearchOptions, search
from picojoule.workload import parse_layer

LAYER = "conv2d N=1 C=64 M=64 P=56 Q=56 R=3 S=3 name=resnet18.layer1.0.conv1"


def main(runs: int) -> None:
    arch, layer = load_preset("eyeriss"), parse_layer(LAYER)
    for _ in range(runs):
        cpu = time.process_time()
        r = search(layer, arch, SearchOptions(budget=Budget(200_000), strategy="guided"))
        cpu = time.process_time() - cpu
        print(f"costed {r.evaluated} explored {r.considered} wall {r.seconds:.2f} s "
              f"{r.evaluated / r.seconds:>7,.0f}/s  cpu {cpu:.2f} s  "
              f"best {r.stats.energy_pj:.6f} pJ  load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
