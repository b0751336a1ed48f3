"""Design-space exploration of ResNet-18 around ``eyeriss``, within eyeriss's own area.

Runs ``examples/eyeriss_space.yaml`` (NSGA-II over array shape, global buffer and scratchpad
sizes; EDP and area; every design's layers mapped with 3,000 evaluations each) twice on a Dask
LocalCluster, with 1 and then 2 worker processes, each into a fresh SQLite store, and prints:
the best EDP found against the eyeriss preset's own EDP (same mapper settings), the design,
its area against the budget, the wall time of each run, the speed-up of 2 workers over 1, and
each run's worker idle fraction: the share of workers x wall time not spent in a layer search
(waiting for work, or doing the cluster's own bookkeeping). The idle fraction says how well
the schedule keeps the workers fed and is less sensitive than the speed-up to other load on
the machine. Both runs must find the same designs, bit for bit (same seed): the script checks.

Run: ``python benchmarks/explore_resnet18.py [--trials N]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from picojoule.explore import DaskExecutor, explore, load_space
from picojoule.explore.run import SweepResult

SPACE = Path(__file__).resolve().parent.parent / "examples" / "eyeriss_space.yaml"


def timed(trials: int, workers: int, store: Path) -> tuple[SweepResult, float]:
    space = dataclasses.replace(load_space(SPACE), trials=trials)
    executor = DaskExecutor.local(workers)
    try:
        started = time.perf_counter()
        result = explore(space, store, executor)
        return result, time.perf_counter() - started
    finally:
        executor.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=96)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        one, t1 = timed(args.trials, 1, Path(tmp) / "one.db")
        two, t2 = timed(args.trials, 2, Path(tmp) / "two.db")
    if [(t.params, t.values) for t in one.trials] != [(t.params, t.values) for t in two.trials]:
        raise SystemExit("1 and 2 workers found different designs: a determinism bug")
    best = two.best("edp")
    base = two.base.values
    print(f"space      {SPACE.name}: {args.trials} designs, NSGA-II seed 0, "
          f"{sum(t.feasible for t in two.trials)} feasible")
    print(f"base       eyeriss preset: EDP {base['edp']:.4g} pJ*cycles, energy "
          f"{base['energy_pj'] / 1e6:,.1f} uJ, {base['cycles']:,.0f} cycles, area "
          f"{base['area_um2'] / 1e6:.3f} mm2 (the budget)")
    if best is None:
        print("best       no feasible design")
    else:
        v = best.values
        print(f"best EDP   trial {best.number}: " + ", ".join(
            f"{k}={x}" for k, x in sorted(best.params.items())))
        print(f"           EDP {v['edp']:.4g} ({base['edp'] / v['edp']:.2f}x lower), energy "
              f"{v['energy_pj'] / 1e6:,.1f} uJ ({base['energy_pj'] / v['energy_pj']:.2f}x), "
              f"{v['cycles']:,.0f} cycles ({base['cycles'] / v['cycles']:.2f}x), area "
              f"{v['area_um2'] / 1e6:.3f} mm2")
    print(f"time       1 worker {t1:.1f} s, 2 workers {t2:.1f} s: speed-up {t1 / t2:.2f}x "
          f"(load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f})")
    print(f"idle       1 worker {one.idle_fraction(1):.1%}, 2 workers "
          f"{two.idle_fraction(2):.1%} of worker time outside layer searches "
          f"({one.searched_layers} searches each)")


if __name__ == "__main__":
    main()
