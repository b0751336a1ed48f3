"""Mapper quality: guided search against the proven optimum, and AlexNet conv2 on Eyeriss.

1. Small layers whose whole (constrained) space can be enumerated: the exhaustive optimum is
   proven; the guided search, given a budget of a small fraction of the space, must land
   within 1% of it (for each of several seeds).
2. AlexNet conv2 (C=96, M=256, P=Q=27, R=S=5, no groups) on ``eyeriss`` with row-stationary
   constraints: best pJ/MAC found and the seconds it took, at several budgets, with random
   sampling at the same budget for comparison.

Run: ``python benchmarks/mapper_quality.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from picojoule.arch import arch_from_mapping, load_preset
from picojoule.mapper import Budget, SearchOptions, dataflow, search
from picojoule.workload import parse_layer


def toy_arch():
    """DRAM -> 2 KiB buffer (4 x 4 PEs) -> 64-bit register per PE; fixed energies."""
    return arch_from_mapping({
        "name": "toy-4x4", "clock_hz": 1e9, "voltage_v": 0.9, "node_nm": 45,
        "compute": {"precisions": ["int8"], "mac_energy_pj": 0.2, "area_um2": 1.0},
        "wire_energy_pj_per_bit_mm": 0.0,
        "levels": [
            {"name": "DRAM", "kind": "dram", "width_bits": 8, "read_energy_pj": 100.0,
             "write_energy_pj": 100.0, "area_um2": 0.0},
            {"name": "buf", "kind": "sram", "width_bits": 8, "capacity_bits": 2048,
             "read_energy_pj": 5.0, "write_energy_pj": 5.0, "area_um2": 0.0,
             "fanout": {"x": 4, "y": 4}},
            {"name": "reg", "kind": "regfile", "width_bits": 8, "capacity_bits": 64,
             "read_energy_pj": 0.5, "write_energy_pj": 0.5, "area_um2": 0.0},
        ]}, "toy arch")


SMALL = [  # (arch, layer, dataflow)
    ("toy-4x4", "conv2d N=1 C=4 M=8 P=4 Q=4 R=3 S=3", "os"),
    ("toy-4x4", "gemm M=16 N=12 K=8", "ws"),
    ("toy-4x4", "conv2d N=1 C=8 M=4 P=6 Q=6 R=1 S=1", "is"),
    ("simple-systolic", "conv2d N=1 C=8 M=8 P=4 Q=4 R=3 S=3", "os"),
    ("simple-systolic", "gemm M=32 N=16 K=16", "ws"),
]
ALEXNET_CONV2 = "conv2d N=1 C=96 M=256 P=27 Q=27 R=5 S=5 name=alexnet.conv2"


def small_spaces(seeds: int, fraction: float) -> bool:
    print("== guided vs exhaustive on small spaces "
          f"(guided budget = {fraction:.0%} of the mappings the exhaustive search costs)")
    print(f"{'arch':16s} {'layer':38s} {'flow':4s} {'costed':>9s} {'exh s':>6s} "
          f"{'optimum':>12s} {'worst guided':>12s} {'gap':>7s} {'guided s':>8s}")
    ok = True
    for arch_name, text, flow in SMALL:
        arch = toy_arch() if arch_name == "toy-4x4" else load_preset(arch_name)
        layer = parse_layer(text)
        c = dataflow(flow)
        best = search(layer, arch, SearchOptions(constraints=c, budget=Budget(10**9),
                                                 strategy="exhaustive"))
        assert best.proven
        budget = max(2000, int(best.evaluated * fraction))
        worst, secs = 0.0, 0.0
        for seed in range(seeds):
            g = search(layer, arch, SearchOptions(constraints=c, budget=Budget(budget),
                                                  strategy="guided", seed=seed))
            worst, secs = max(worst, g.score), max(secs, g.seconds)
        gap = worst / best.score - 1
        ok &= gap <= 0.01
        print(f"{arch_name:16s} {text:38s} {flow:4s} {best.evaluated:>9,} {best.seconds:6.1f} "
              f"{best.score:12.6g} {worst:12.6g} {100 * gap:6.2f}% {secs:8.2f}")
    print(f"guided within 1% of the proven optimum on every layer and seed: {ok}")
    return ok


def alexnet(budgets: list[int]) -> None:
    arch = load_preset("eyeriss")
    layer = parse_layer(ALEXNET_CONV2)
    print(f"\n== {layer.to_text()} on eyeriss, row-stationary ({layer.macs:,} MACs)")
    print(f"{'strategy':9s} {'budget':>9s} {'pJ/MAC':>8s} {'cycles':>12s} {'util':>6s} "
          f"{'seconds':>8s} {'costed/s':>9s} {'proposed/s':>10s}")
    for budget in budgets:
        for strategy in ("guided", "random"):
            start = time.perf_counter()
            r = search(layer, arch, SearchOptions(constraints=dataflow("rs"),
                                                  budget=Budget(budget), strategy=strategy))
            secs = time.perf_counter() - start
            print(f"{strategy:9s} {budget:>9,} {r.stats.pj_per_mac:8.4f} {r.stats.cycles:12,.0f} "
                  f"{r.stats.utilization:6.3f} {secs:8.2f} {r.evaluated / secs:9,.0f} "
                  f"{r.considered / secs:10,.0f}")
            if strategy == "guided" and budget == budgets[-1]:
                from picojoule.mapping import format_mapping

                print(format_mapping(r.mapping))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and budgets")
    args = parser.parse_args()
    small_spaces(2 if args.quick else 4, 0.05)
    alexnet([20_000, 100_000] if args.quick else [20_000, 100_000, 500_000])


if __name__ == "__main__":
    main()
