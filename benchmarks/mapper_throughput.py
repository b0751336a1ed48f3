"""Mapper throughput: mappings per second per core, and a whole ResNet-18 on ``eyeriss``.

* One process, one layer (ResNet-18 layer1 3x3 conv on ``eyeriss``, its natural
  row-stationary dataflow): the guided search and the exhaustive search of a small space,
  counting mappings *explored* (proposed, then pruned by capacity or costed) and *costed*
  (evaluated by the cost model) per second of wall time.
* The whole ResNet-18 (``picojoule analyze resnet18 --arch eyeriss`` defaults: 20,000
  evaluations per distinct layer, 2 worker processes), wall time, no cache.

Run: ``python benchmarks/mapper_throughput.py``.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from picojoule.analysis import analyze
from picojoule.arch import load_preset
from picojoule.importers import load_model
from picojoule.mapper import Budget, SearchOptions, dataflow, search
from picojoule.workload import parse_layer

LAYER = "conv2d N=1 C=64 M=64 P=56 Q=56 R=3 S=3 name=resnet18.layer1.0.conv1"
SMALL = "conv2d N=1 C=8 M=8 P=4 Q=4 R=3 S=3"


def one_core() -> None:
    arch = load_preset("eyeriss")
    layer = parse_layer(LAYER)
    print(f"== one core: {layer.to_text()} on {arch.name}")
    print(f"{'strategy':10s} {'costed':>9s} {'explored':>10s} {'seconds':>8s} "
          f"{'costed/s':>9s} {'explored/s':>10s}  best pJ/MAC")
    for strategy, budget in (("guided", 200_000), ("random", 200_000)):
        r = search(layer, arch, SearchOptions(budget=Budget(budget), strategy=strategy))
        print(f"{strategy:10s} {r.evaluated:>9,} {r.considered:>10,} {r.seconds:8.2f} "
              f"{r.evaluated / r.seconds:>9,.0f} {r.considered / r.seconds:>10,.0f}  "
              f"{r.stats.pj_per_mac:.4f}")
    small = parse_layer(SMALL)
    sys_arch = load_preset("simple-systolic")
    r = search(small, sys_arch, SearchOptions(constraints=dataflow("os"), budget=Budget(10**9),
                                              strategy="exhaustive"))
    print(f"exhaustive {r.evaluated:>9,} {r.considered:>10,} {r.seconds:8.2f} "
          f"{r.evaluated / r.seconds:>9,.0f} {r.considered / r.seconds:>10,.0f}  "
          f"{r.stats.pj_per_mac:.4f}  ({small.to_text()} on {sys_arch.name}, os, "
          f"proven={r.proven})")


def whole_network(workers: int) -> None:
    arch = load_preset("eyeriss")
    net = load_model("resnet18")
    start = time.perf_counter()
    cpu = time.process_time()
    a = analyze(net, arch, SearchOptions(budget=Budget(20_000)), workers=workers)
    wall = time.perf_counter() - start
    assert a.totals is not None
    searched = sum(r.search.get("seconds", 0.0) for r in a.layers if not r.search.get("cached"))
    print(f"== ResNet-18 on eyeriss, {workers} worker(s): {len(a.layers)} layers, "
          f"{a.distinct} distinct, {a.totals.pj_per_mac:.4f} pJ/MAC, "
          f"{a.totals.energy_pj / 1e6:,.1f} uJ, wall {wall:.2f} s "
          f"(parent CPU {time.process_time() - cpu:.2f} s)")
    del searched


def main() -> None:
    one_core()
    whole_network(2)
    whole_network(1)
    print(f"load average now: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} cores (shared machine)")


if __name__ == "__main__":
    main()
