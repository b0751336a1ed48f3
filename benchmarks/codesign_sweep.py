"""Time a 200-config codesign sweep of LeNet-5 on eyeriss and show where the time goes.

Each config: compress a copy (prune, quantize with calibration), measure accuracy on the
first ``--eval-limit`` MNIST test images, cost the compressed network on the arch (each
distinct layer signature searched once; the rest from the mapping cache).

    PYTHONPATH=src python benchmarks/codesign_sweep.py [--configs 200] [--eval-limit 1000]

A fresh store and mapping cache are made in a temporary folder unless ``--out`` is given
(then a rerun resumes: finished configs are read back, not evaluated).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from picojoule.arch import load_preset
from picojoule.codesign.pipeline import Codesign, default_cache
from picojoule.codesign.search import config_space, pareto_front
from picojoule.compress.task import mnist_task


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", type=int, default=200)
    parser.add_argument("--eval-limit", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="codesign-sweep-"))
    task = mnist_task("lenet5", eval_limit=args.eval_limit)
    maps, store = default_cache(out)
    cd = Codesign(task, load_preset("eyeriss"), cache_dir=maps, store=store)
    done_before = cd.stored_keys()
    configs = config_space(task.layers(), args.configs, seed=0, nm_layers=task.nm_layers())
    print(f"{len(configs)} configs of LeNet-5 on eyeriss, accuracy on {args.eval_limit} "
          f"MNIST test images, {os.cpu_count()} cores; store {out}")
    started = time.perf_counter()
    points = cd.sweep(configs)
    wall = time.perf_counter() - started
    fresh = [p for p in points if p.key not in done_before]  # timings of this run only
    evals = sum(p.eval_seconds for p in fresh)
    costs = sum(p.cost_seconds for p in fresh)
    searched = sum(p.searched for p in points)
    files = len(list(maps.glob("*.json")))
    print(f"wall {wall:.0f} s: accuracy (compress + evaluate) {evals:.0f} s, costing "
          f"{costs:.0f} s, other {wall - evals - costs:.0f} s")
    print(f"layer mappings searched {searched} for {4 * len(points)} layer evaluations "
          f"(all runs on this store); distinct signatures on disk {files}")
    started_now = [k for run, _t, _a, k, event in store.events()
                   if run == cd.run_id and event == "start"]
    print(f"this run: {len(done_before)} configs were already in the store (read, not "
          f"evaluated); {len(started_now)} evaluated; evaluated again after finishing "
          f"before: {len(set(started_now) & done_before)}; per-layer masks and quantized "
          f"weights cached: {len(cd.weight_cache or {})}")
    front = pareto_front(points)
    print(f"Pareto front: {len(front)} points")
    for p in front:
        print(f"  {p.label[:70]:<70} acc {p.metric:.4f} {p.energy_uj:8.3f} uJ")


if __name__ == "__main__":
    main()
