"""Accuracy and joules in one loop, on real data: LeNet-5 (MNIST) and MiniLM (sentence
embeddings, cosine agreement with FP32) on eyeriss and nvdla-small.

For each (model, arch): a sweep (uniform precisions and sparsities, plus random per-layer
mixes) and its Pareto front; (a) energy-aware vs global magnitude pruning at the same
metric floor; (b) mixed precision (energy share x measured sensitivity) vs uniform INT8 at
equal accuracy; (c) INT4 with per-vector scales vs INT8; and the Keller et al. INT4-VSQ vs
INT8 datapath check. Every point is measured (metric on real data, energy by the mapper).

    PYTHONPATH=src python benchmarks/codesign_table.py [--out DIR] [--quick]

Results (table, JSON, HTML plot per model x arch) go to DIR (default
~/.cache/picojoule/codesign-bench); points are stored there, so a rerun resumes.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from picojoule.arch import load_preset
from picojoule.codesign.hardware import keller_check
from picojoule.codesign.pipeline import Codesign, Point, default_cache
from picojoule.codesign.pruning import PruningRun, energy_aware_pruning, magnitude_pruning
from picojoule.codesign.report import format_table, render_html, to_json
from picojoule.codesign.search import config_space, mixed_precision, pareto_front
from picojoule.codesign.task import Task, minilm_task, mnist_task
from picojoule.errors import SpecError
from picojoule.workload import parse_layer

ARCHS = ("eyeriss", "nvdla-small")
def minilm_groups(task: Task) -> dict[str, list[str]]:
    """Three groups: attention projections (q, k, v, out), FFN up, FFN down (+ pooler)."""
    groups: dict[str, list[str]] = {}
    for name in task.layers():
        kind = ("attention" if ".attention." in name else
                "ffn-up" if name.endswith("intermediate.dense") else "ffn-down+pooler")
        groups.setdefault(kind, []).append(name)
    return groups


def show(p: Point, metric: str) -> str:
    return f"{p.label[:60]:<60} {metric} {p.metric:.4f}  {p.energy_uj:10.3f} uJ"


def report_pruning(ea: PruningRun, mag: PruningRun, m: str, ft: int) -> tuple[float, float]:
    print(f"\n(a) pruning, floor {m} >= {ea.floor:.4f} (dense INT8 {ea.dense.metric:.4f}, "
          f"{ea.dense.energy_uj:.3f} uJ), fine-tuning {ft} steps per point")
    for run_ in (ea, mag):
        for p in run_.path:
            print(f"  {run_.method:<13}{show(p, m)}")
    eq = min(ea.best.metric, mag.best.metric)
    ratio_a = ea.saved_pj / mag.saved_pj if mag.saved_pj > 0 else float("inf")
    print(f"  energy-aware: {ea.best.metric:.4f} at {ea.best.energy_uj:.3f} uJ "
          f"(saved {ea.saved_pj / 1e6:.3f} uJ); magnitude: {mag.best.metric:.4f} at "
          f"{mag.best.energy_uj:.3f} uJ (saved {mag.saved_pj / 1e6:.3f} uJ); "
          f"ratio of energy saved {ratio_a:.2f}x (goal >= 1.3x)")
    return ratio_a, eq


def run(task: Task, arch_name: str, out: Path, tol: float, max_drop: float,
        ft_steps: int, n_random: int, groups: dict[str, list[str]] | None,
        mp_bits: tuple[int, ...], mpv_bits: tuple[int, ...],
        prune_steps: tuple[float, ...], only: tuple[str, ...] = (),
        prune: bool = True) -> dict:
    maps, store = default_cache(out)
    arch = load_preset(arch_name)
    cd = Codesign(task, arch, cache_dir=maps, store=store)
    m = task.metric_name
    started = time.perf_counter()
    nm = task.nm_layers()
    space = config_space(task.layers(), 10 + n_random, seed=0, nm_layers=nm)
    sweep = []
    for config in (c for c in space if not only or c.name in only):
        try:
            sweep.append(cd.measure(config))
        except SpecError as exc:  # e.g. FP32 weights do not fit an INT8 NPU's registers
            print(f"  {config.label()}: not mappable on {arch_name} ({exc.problems[0]})"[:160])
    by_name = {p.label: p for p in sweep}
    print(f"\n=== {task.name} on {arch_name}: sweep of {len(sweep)} configs ===")
    print(format_table(sweep, m))
    int8, vsq = by_name["int8"], by_name["int4-vsq"]
    # (b) mixed precision at equal accuracy (within tol of uniform INT8)
    mp = mixed_precision(cd, int8.metric - tol, bits=mp_bits, groups=groups)
    mpv = mixed_precision(cd, int8.metric - tol, bits=mpv_bits, groups=groups,
                          granularity="per_vector") if mpv_bits else mp
    best_mp = min((mp.best, mpv.best), key=lambda p: p.energy_pj)
    # (a) pruning with fine-tuning (when the task has training data)
    cd_ft = Codesign(task, arch, cache_dir=maps, store=store,
                     fine_tune_steps=ft_steps if task.fine_tune else 0)
    ea = energy_aware_pruning(cd_ft, max_drop, prune_steps, groups=groups) if prune else None
    mag = magnitude_pruning(cd_ft, max_drop, prune_steps) if prune else None
    ratio_a, eq = float("nan"), float("nan")
    if ea is None or mag is None:
        print("\n(a) pruning: not run for this model (see docs/codesign.md)")
    else:
        ratio_a, eq = report_pruning(ea, mag, m, cd_ft.fine_tune_steps)
    print(f"\n(b) mixed precision, floor {m} >= {int8.metric - tol:.4f} "
          f"(uniform INT8 {int8.metric:.4f} at {int8.energy_uj:.3f} uJ)")
    for name, run_ in (("per-channel", mp), ("per-vector", mpv)):
        for p in run_.path:
            print(f"  {name:<12}{show(p, m)}")
    print("  sensitivity (metric drop, one layer alone): " + json.dumps(
        {g: {b: round(v, 4) for b, v in s.items()} for g, s in mp.sensitivity.items()}))
    print("  energy share at INT8: " + json.dumps({g: round(v, 3)
                                                   for g, v in mp.shares.items()}))
    ratio_b = int8.energy_pj / best_mp.energy_pj
    print(f"  best mixed: {best_mp.metric:.4f} at {best_mp.energy_uj:.3f} uJ -> "
          f"{ratio_b:.2f}x less energy than uniform INT8 (goal >= 1.5x)")
    ratio_c = int8.energy_pj / vsq.energy_pj
    print(f"\n(c) INT4 per-vector (V=16, 4-bit scales): {vsq.metric:.4f} at "
          f"{vsq.energy_uj:.3f} uJ vs INT8 {int8.metric:.4f} at {int8.energy_uj:.3f} uJ: "
          f"{ratio_c:.2f}x less energy")
    points = list({p.key: p for p in [*sweep, *mp.path, *mpv.path, *mp.rejected,
                                      *mpv.rejected]}.values())
    front = pareto_front(points)
    print(f"\nPareto front ({len(front)} of {len(points)} points):")
    for p in front:
        print("  " + show(p, m))
    stem = out / f"{task.name}-{arch_name}"
    stem.with_suffix(".html").write_text(render_html(f"{task.name} on {arch_name}", points, m))
    summary = {"a_energy_saved_ratio": ratio_a, "a_equal_metric": eq,
               "b_mixed_vs_int8": ratio_b, "b_metric": best_mp.metric,
               "c_int4vsq_vs_int8": ratio_c, "seconds": time.perf_counter() - started}
    stem.with_suffix(".json").write_text(to_json(points, {"summary": summary}))
    print(f"({time.perf_counter() - started:.0f} s; {stem}.json/.html)")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path.home() / ".cache" / "picojoule" / "codesign-bench")
    parser.add_argument("--models", default="lenet5,minilm")
    args = parser.parse_args()
    torch.manual_seed(0)
    print("Keller et al. check: INT4-VSQ vs INT8 on one datapath, inputs 50 % non-zero")
    for arch_name in ARCHS:
        for text in ("fc N=16 C=1024 M=1024", "conv2d N=1 C=64 M=64 P=28 Q=28 R=3 S=3"):
            print("  " + keller_check(load_preset(arch_name), parse_layer(text)).row())
    results = {}
    for model in args.models.split(","):
        if model == "minilm":
            sentences = [s for s in (Path(__file__).parent / "data" / "sentences.txt")
                         .read_text().splitlines() if s.strip()]
            task = minilm_task(sentences)
            # one evaluation of MiniLM (PTQ of 37 layers with activation calibration, then
            # 50 sentences) is minutes on a loaded 2-core box: a reduced plan
            kw = {"tol": 0.005, "max_drop": 0.02, "ft_steps": 0, "n_random": 0,
                  "groups": minilm_groups(task), "mp_bits": (4,), "mpv_bits": (),
                  "prune_steps": (0.5, 0.75), "only": ("fp32", "int8", "int4", "int4-vsq"),
                  "prune": False}
        else:
            task = mnist_task(model, eval_limit=2000)
            kw = {"tol": 0.005, "max_drop": 0.01, "ft_steps": 100, "n_random": 20,
                  "groups": None, "mp_bits": (6, 4, 3), "mpv_bits": (4, 3, 2),
                  "prune_steps": (0.5, 0.7, 0.8, 0.9, 0.95)}
        for arch_name in ARCHS:
            results[f"{model}/{arch_name}"] = run(task, arch_name, args.out, **kw)  # type: ignore[arg-type]
    print("\nSummary: (a) energy saved, energy-aware / magnitude; (b) INT8 / mixed energy; "
          "(c) INT8 / INT4-VSQ energy")
    for key, s in results.items():
        print(f"  {key:<22} (a) {s['a_energy_saved_ratio']:.2f}x  (b) {s['b_mixed_vs_int8']:.2f}x"
              f"  (c) {s['c_int4vsq_vs_int8']:.2f}x  [{s['seconds']:.0f} s]")


if __name__ == "__main__":
    main()
