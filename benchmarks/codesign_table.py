"""Accuracy and joules in one loop, on real data: LeNet-5 (MNIST) and MiniLM (sentence
embeddings, cosine agreement with FP32) on eyeriss and nvdla-small.

For each (model, arch): a sweep (uniform precisions and sparsities, plus random per-layer
mixes) and its Pareto front; (a) energy-aware vs global magnitude pruning at the same
metric floor; (b) mixed precision (energy share x measured sensitivity) vs uniform INT8 at
equal accuracy (for MiniLM, each activation rung a6/a4 of each group uses the clipping
calibration with the smallest drop measured alone, of max/percentile/MSE/KL/OCTAV; uniform
INT8 and every a8 input are max-calibrated on both sides); (c) INT4 with per-vector scales
vs INT8; and the Keller et al. INT4-VSQ vs INT8 datapath check. Every point is measured
(metric on real data, energy by the mapper).

    PYTHONPATH=src python benchmarks/codesign_table.py [--out DIR] [--models lenet5,minilm]
        [--archs eyeriss,nvdla-small]

Results (table, JSON, HTML plot per model x arch) go to DIR (default
~/.cache/picojoule/codesign-bench); points are stored there, so a rerun resumes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import torch

from minilm_bench import bench_task, kinds
from picojoule.arch import load_preset
from picojoule.codesign.config import ACT_CALIBRATIONS, INT8, CodesignConfig, LayerChoice
from picojoule.codesign.hardware import keller_check
from picojoule.codesign.pipeline import Codesign, Point, default_cache
from picojoule.codesign.pruning import (
    STEPS,
    PruningRun,
    energy_aware_pruning,
    magnitude_pruning,
    max_saving_ratio,
    saving_bound,
)
from picojoule.codesign.report import format_table, render_html, to_json
from picojoule.codesign.search import config_space, mixed_precision, pareto_front, rung_label
from picojoule.codesign.task import Task, mnist_task
from picojoule.errors import SpecError
from picojoule.workload import parse_layer

ARCHS = ("eyeriss", "nvdla-small")
def per_layer(p: Point) -> str:
    """Each layer's energy (uJ) and measured weight density."""
    return "  ".join(f"{n} {v['energy_pj'] / 1e6:.2f}uJ d={v['density'].get('weights', 1):.3f}"
                     for n, v in p.layers.items())


def ladder_of(spec: tuple[tuple[int, str, str], ...]) -> tuple[LayerChoice, ...]:
    """Rungs as (weight bits, granularity, rounding)."""
    return tuple(dataclasses.replace(INT8, weight_bits=b, granularity=g, rounding=r)
                 for b, g, r in spec)


def show(p: Point, metric: str) -> str:
    return f"{p.label[:60]:<60} {metric} {p.metric:.4f}  {p.energy_uj:10.3f} uJ"


def by_group(p: Point, groups: dict[str, list[str]] | None) -> str:
    """The groups ``p`` moves off its default, each by its first member's choice."""
    config = CodesignConfig.from_dict(p.config)
    moved = {n for n, _ in config.layers}
    return " ".join(f"{g}={config.choice(m[0]).label()}"
                    for g, m in (groups or {n: [n] for n in sorted(moved)}).items()
                    if m[0] in moved) or p.label


def ratio(run_: PruningRun, mag: PruningRun) -> float:
    return run_.saved_pj / mag.saved_pj if mag.saved_pj > 0 else float("inf")


def report_pruning(runs: list[PruningRun], mag: PruningRun, bound: Point, m: str,
                   ft: int, batch: int = 1,
                   steps: tuple[float, ...] = STEPS) -> tuple[list[float], float]:
    dense = mag.dense
    print(f"\n(a) pruning at batch {batch}, floor {m} >= {mag.floor:.4f} (dense INT8 "
          f"{dense.metric:.4f}, {dense.energy_uj:.3f} uJ), fine-tuning {ft} steps per point, "
          f"sparsity grid {steps}")
    for run_ in (*runs, mag):
        for p in run_.path:
            print(f"  {run_.method:<24}{show(p, m)}")
    print("  per layer (energy, weight density):")
    for tag, p in (("dense", dense), *((r.method, r.best) for r in runs),
                   ("magnitude", mag.best), (f"bound ({bound.label})", bound)):
        print(f"    {tag:<26} {p.metric:.4f} {p.energy_uj:8.3f} uJ  {per_layer(p)}")
    cap = max_saving_ratio(dense.energy_pj, bound.energy_pj, mag.best.energy_pj)
    for r in runs:
        print(f"  {r.method}: {r.best.metric:.4f} at {r.best.energy_uj:.3f} uJ (saved "
              f"{r.saved_pj / 1e6:.3f} uJ) -> {ratio(r, mag):.2f}x magnitude's saving")
    print(f"  magnitude: {mag.best.metric:.4f} at {mag.best.energy_uj:.3f} uJ (saved "
          f"{mag.saved_pj / 1e6:.3f} uJ); the most any pruning on this grid could save is "
          f"{(dense.energy_pj - bound.energy_pj) / 1e6:.3f} uJ -> at most {cap:.2f}x "
          "(goal >= 1.3x)")
    return [ratio(r, mag) for r in runs], cap


def pruning(cd: Codesign, max_drop: float, steps: tuple[float, ...] = STEPS,
            groups: dict[str, list[str]] | None = None,
            ) -> tuple[list[PruningRun], PruningRun, Point]:
    """Energy-aware pruning in both orders, magnitude pruning, and the grid's bound."""
    runs = [energy_aware_pruning(cd, max_drop, steps, groups=groups, order=o)
            for o in ("consumed", "removed")]
    return runs, magnitude_pruning(cd, max_drop, steps), saving_bound(cd, steps)


def batch_bound(task: Task, arch_name: str, out: Path, ft: int, batch: int,
                max_drop: float, m: str) -> tuple[list[float], float]:
    """The pruning comparison again with ``batch`` images per inference call (fc weights
    fetched once per batch), where the energy moves to the convolutions: Yang et al.'s
    situation. The metric does not depend on the batch, so the task keeps its name (metrics
    are read back from the store) and the arch is renamed (the points are new)."""
    maps, store = default_cache(out)
    tb = dataclasses.replace(task, example_inputs=(torch.zeros(batch, *task.example_inputs[0]
                                                               .shape[1:]),))
    arch = dataclasses.replace(load_preset(arch_name), name=f"{arch_name}-batch{batch}")
    cd = Codesign(tb, arch, cache_dir=maps, store=store, fine_tune_steps=ft)
    runs, mag, bound = pruning(cd, max_drop)
    return report_pruning(runs, mag, bound, m, ft, batch)


def run(task: Task, arch_name: str, out: Path, tol: float, max_drop: float,
        ft_steps: int, n_random: int, groups: dict[str, list[str]] | None,
        ladder: tuple[tuple[int, str, str], ...], only: tuple[str, ...] = (),
        prune: bool = True, batch: int = 0, act_bits: tuple[int, ...] = (),
        act_cals: tuple[str, ...] = ("max",), steps: tuple[float, ...] = STEPS) -> dict:
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
    mp = mixed_precision(cd, int8.metric - tol, groups=groups, ladder=ladder_of(ladder),
                         act_bits=act_bits, act_calibrations=act_cals)
    best_mp = mp.best
    # (a) pruning with fine-tuning (when the task has training data)
    cd_ft = Codesign(task, arch, cache_dir=maps, store=store,
                     fine_tune_steps=ft_steps if task.fine_tune else 0)
    ratio_a, cap_a = [float("nan")] * 2, float("nan")
    ratio_ab, cap_ab = [float("nan")] * 2, float("nan")
    if not prune:
        print("\n(a) pruning: not run for this model (see docs/codesign.md)")
    else:
        runs, mag, bound = pruning(cd_ft, max_drop, steps, groups)
        ratio_a, cap_a = report_pruning(runs, mag, bound, m, cd_ft.fine_tune_steps,
                                        steps=steps)
        if batch:
            ratio_ab, cap_ab = batch_bound(task, arch_name, out, cd_ft.fine_tune_steps,
                                           batch, max_drop, m)
    print(f"\n(b) mixed precision, floor {m} >= {int8.metric - tol:.4f} "
          f"(uniform INT8 {int8.metric:.4f} at {int8.energy_uj:.3f} uJ), ladder "
          f"{' > '.join(rung_label(r) for r in ladder_of(ladder))}, activations "
          f"{' > '.join(f'a{b}' for b in act_bits) or 'a8 only'} (calibration of each "
          f"activation rung: the best of {', '.join(act_cals)} per group, measured alone; "
          "uniform INT8 and every a8 input: max)")
    for tag, pts in (("accepted", mp.path), ("rejected", mp.rejected)):
        for p in pts:
            print(f"  {tag:<9} {m} {p.metric:.4f} {p.energy_uj:10.3f} uJ  {by_group(p, groups)}")
    print("  sensitivity (metric drop, one group alone): " + json.dumps(
        {g: {b: round(v, 4) for b, v in s.items()} for g, s in mp.sensitivity.items()}))
    if act_cals != ("max",):
        print("  activation calibration per rung (best measured alone): "
              + json.dumps(mp.act_calibration))
    print("  energy share at INT8: " + json.dumps({g: round(v, 3)
                                                   for g, v in mp.shares.items()}))
    ratio_b = int8.energy_pj / best_mp.energy_pj
    lowest = {n: p for n, p in by_name.items() if n in ("int4", "int4-vsq", "int6")}
    print("  uniform lower precisions: " + ", ".join(
        f"{n} {p.metric:.4f} ({int8.energy_pj / p.energy_pj:.2f}x)" for n, p in lowest.items()))
    chosen = CodesignConfig.from_dict(best_mp.config)
    print("  best mixed: " + ", ".join(
        f"{g}={chosen.choice(members[0]).label()}"
        for g, members in (groups or {n: [n] for n in task.layers()}).items()))
    print(f"    {best_mp.metric:.4f} at "
          f"{best_mp.energy_uj:.3f} uJ -> {ratio_b:.2f}x less energy than uniform INT8 "
          f"(goal >= 1.5x)")
    ratio_c = int8.energy_pj / vsq.energy_pj
    print(f"\n(c) INT4 per-vector (V=16, 4-bit scales): {vsq.metric:.4f} at "
          f"{vsq.energy_uj:.3f} uJ vs INT8 {int8.metric:.4f} at {int8.energy_uj:.3f} uJ: "
          f"{ratio_c:.2f}x less energy")
    points = list({p.key: p for p in [*sweep, *mp.path, *mp.rejected]}.values())
    front = pareto_front(points)
    print(f"\nPareto front ({len(front)} of {len(points)} points):")
    for p in front:
        print("  " + show(p, m))
    stem = out / f"{task.name}-{arch_name}"
    stem.with_suffix(".html").write_text(render_html(f"{task.name} on {arch_name}", points, m))
    summary = {"a_consumed": ratio_a[0], "a_removed": ratio_a[1], "a_bound": cap_a,
               "a_batch": batch, "a_consumed_batch": ratio_ab[0], "a_removed_batch": ratio_ab[1],
               "a_bound_batch": cap_ab,
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
    parser.add_argument("--archs", default=",".join(ARCHS))
    args = parser.parse_args()
    torch.manual_seed(0)
    print("Keller et al. check: INT4-VSQ vs INT8 on one datapath, inputs 50 % non-zero")
    for arch_name in ARCHS:
        for text in ("fc N=16 C=1024 M=1024", "conv2d N=1 C=64 M=64 P=28 Q=28 R=3 S=3"):
            print("  " + keller_check(load_preset(arch_name), parse_layer(text)).row())
    results = {}
    for model in args.models.split(","):
        if model == "minilm":
            task = bench_task()
            # one evaluation of MiniLM (PTQ of 37 layers with activation calibration, then
            # 50 sentences) is minutes on a loaded 2-core box: a reduced plan
            kw = {"tol": 0.005, "max_drop": 0.02, "ft_steps": 0, "n_random": 0,
                  "groups": kinds(task, others=True),
                  "ladder": ((6, "per_channel", "gptq"), (4, "per_vector", "gptq")),
                  "only": ("fp32", "int8", "int6", "int4", "int4-vsq"),
                  # no training text apart from the evaluation sentences: pruning without
                  # fine-tuning, on a grid that starts where MiniLM still holds the floor
                  "steps": (0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.98),
                  "act_bits": (6, 4), "act_cals": ACT_CALIBRATIONS}
        else:
            task = mnist_task(model, eval_limit=2000)
            kw = {"tol": 0.005, "max_drop": 0.01, "ft_steps": 100, "n_random": 20,
                  "groups": None, "batch": 16, "act_bits": (6, 4),
                  "ladder": tuple((b, g, "nearest") for b, g in (
                      (6, "per_channel"), (4, "per_vector"), (4, "per_channel"),
                      (3, "per_vector"), (3, "per_channel"), (2, "per_vector")))}
        for arch_name in args.archs.split(","):
            results[f"{model}/{arch_name}"] = run(task, arch_name, args.out, **kw)  # type: ignore[arg-type]
    print("\nSummary: (a) energy saved, energy-aware (order consumed / removed) / magnitude, "
          "with the grid's bound; (b) INT8 / mixed energy; (c) INT8 / INT4-VSQ energy")
    for key, s in results.items():
        batch = (f"; batch {s['a_batch']}: {s['a_consumed_batch']:.2f}x / "
                 f"{s['a_removed_batch']:.2f}x (at most {s['a_bound_batch']:.2f}x)"
                 if s["a_batch"] else "")
        print(f"  {key:<22} (a) {s['a_consumed']:.2f}x / {s['a_removed']:.2f}x (at most "
              f"{s['a_bound']:.2f}x){batch}"
              f"  (b) {s['b_mixed_vs_int8']:.2f}x  (c) {s['c_int4vsq_vs_int8']:.2f}x"
              f"  [{s['seconds']:.0f} s]")


if __name__ == "__main__":
    main()
