"""GPTQ vs round-to-nearest on MiniLM: the cosine lost when one kind of layer's weights drop
to 4 or 3 bits, rounded to nearest (RTN) or by GPTQ with the same scales.

The task is the one ``benchmarks/codesign_table.py`` uses (all-MiniLM-L6-v2, the 50
sentences of ``benchmarks/data/sentences.txt``, metric: mean cosine similarity to the FP32
embedding). The reference is uniform INT8 (per-channel weight scales, max-calibrated a8
inputs, rounded to nearest). A row lowers the weights of one kind of layer across the six
blocks (query, key, value, attention output, FFN up, FFN down; the last row both FFN kinds)
to ``w4v`` (4-bit, VS-Quant: a 4-bit scale per 16 weights), ``w4`` (4-bit, per-channel
scales) or ``w3v``; everything else stays INT8 and every input a8. Cells are the cosine drop
against the reference (lower is better). GPTQ's Hessians and the activation scales (the
reference's too) come from the task's calibration batches: the 128 sentences of
``benchmarks/data/calibration_sentences.txt``, none of them measured. ``--in-sample``
calibrates on the 50 sentences measured instead, which shows how much GPTQ can fit a
calibration set smaller than a layer's input width (950 token positions, ffn-down reads
1536 values per position). Seconds: one compress + measure of the row
(GPTQ's includes its sweep), and the whole script's wall clock at the end.

``--search ARCH`` instead runs codesign's mixed-precision search (weights only, groups of
layers by kind, ladder w6 then w4v, floor: uniform INT8 minus 0.005) once with nearest
rounding and once with GPTQ on every rung, and prints each result's energy on ``ARCH``.

    PYTHONPATH=src python benchmarks/codesign_gptq.py [--rungs w4v,w4,w3v] [--kinds ...]
        [--in-sample] [--damping 0.01] [--search eyeriss [--out DIR]]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from minilm_bench import bench_task, kinds, lines
from picojoule.arch import load_preset
from picojoule.codesign.config import INT8, CodesignConfig
from picojoule.codesign.pipeline import Codesign, default_cache
from picojoule.codesign.search import mixed_precision
from picojoule.compress.codesign_ops import compressed_copy, measure
from picojoule.compress.task import Task, minilm_task
from picojoule.rounding import GPTQ_DAMPING

RUNGS = {"w4v": (4, "per_vector"), "w4": (4, "per_channel"), "w3v": (3, "per_vector"),
         "w3": (3, "per_channel")}


def metric(task: Task, config: CodesignConfig, cache: dict[Any, Any]) -> tuple[float, float]:
    started = time.perf_counter()
    value = float(measure(task, compressed_copy(task, config.choice, cache=cache))["metric"])
    return value, time.perf_counter() - started


def lowered(members: list[str], rung: str, rounding: str,
            damping: float = GPTQ_DAMPING) -> CodesignConfig:
    bits, granularity = RUNGS[rung]
    choice = dataclasses.replace(INT8, weight_bits=bits, granularity=granularity,
                                 rounding=rounding,
                                 gptq_damping=damping if rounding == "gptq" else GPTQ_DAMPING)
    return CodesignConfig(INT8, tuple((m, choice) for m in sorted(members)))


def search(task: Task, arch_name: str, out: Path, damping: float, header: str,
           tol: float = 0.005) -> None:
    """Mixed precision with nearest rounding, then with GPTQ, against uniform INT8."""
    maps, store = default_cache(out)
    cd = Codesign(task, load_preset(arch_name), cache_dir=maps, store=store)
    int8 = cd.measure(CodesignConfig(INT8))
    groups = {k: sorted(v) for k, v in kinds(task).items()}
    groups["pooler"] = [n for n in task.layers() if n.startswith("pooler")]
    print(f"{header}; mixed precision on {arch_name}, floor {int8.metric - tol:.4f} "
          f"(uniform INT8 {int8.metric:.4f} at {int8.energy_uj:.3f} uJ), GPTQ damping "
          f"{damping:g}")
    for rounding in ("nearest", "gptq"):
        started = time.perf_counter()
        ladder = tuple(dataclasses.replace(
            INT8, weight_bits=b, granularity=g, rounding=rounding,
            gptq_damping=damping if rounding == "gptq" else GPTQ_DAMPING)
            for b, g in ((6, "per_channel"), (4, "per_vector")))
        best = mixed_precision(cd, int8.metric - tol, groups=groups, ladder=ladder).best
        chosen = ", ".join(f"{g}={best_choice}" for g, best_choice in _group_labels(
            best.config, groups).items())
        print(f"  {rounding:<8} {best.metric:.4f} at {best.energy_uj:.3f} uJ -> "
              f"{int8.energy_pj / best.energy_pj:.2f}x less than INT8 "
              f"({time.perf_counter() - started:.0f} s)\n           {chosen}", flush=True)


def _group_labels(config: dict[str, Any], groups: dict[str, list[str]]) -> dict[str, str]:
    """Each group's choice label in a point's config dict."""
    decoded = CodesignConfig.from_dict(config)
    return {g: decoded.choice(members[0]).label() for g, members in groups.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rungs", default="w4v,w4,w3v")
    parser.add_argument("--kinds", default="query,key,value,attn-out,ffn-up,ffn-down")
    parser.add_argument("--in-sample", action="store_true",
                        help="calibrate on the 50 sentences measured")
    parser.add_argument("--damping", type=float, default=GPTQ_DAMPING,
                        help="GPTQ's damping, a fraction of mean(diag H)")
    parser.add_argument("--search", default="", help="an arch preset: run the search there")
    parser.add_argument("--out", default="", help="mapping cache and point store folder "
                        "(default: a new temporary folder)")
    args = parser.parse_args()
    rungs = args.rungs.split(",")
    torch.manual_seed(0)
    started = time.perf_counter()
    task = minilm_task(lines("sentences.txt")) if args.in_sample else bench_task()
    calibrated = "the same sentences" if args.in_sample else "128 others"
    header = f"MiniLM, 50 sentences measured, calibrated on {calibrated}"
    if args.search:
        search(task, args.search, Path(args.out or tempfile.mkdtemp()), args.damping, header)
        print(f"({time.perf_counter() - started:.0f} s)")
        return
    cache: dict[Any, Any] = {}  # INT8 layers quantized once for all rows
    reference, _ = metric(task, CodesignConfig(INT8), cache)
    print(f"{header}: uniform INT8 cosine {reference:.4f}; cells: cosine drop against it, "
          f"RTN / GPTQ (same bits and scales; GPTQ damping {args.damping:g})")
    print(f"{'weights lowered':<20}{'rtn':>9}{'gptq':>9}{'gptq/rtn':>10}{'s rtn':>8}"
          f"{'s gptq':>8}")
    groups = kinds(task)
    rows: list[tuple[str, list[str], str]] = [
        (f"{kind} {rung}", groups[kind], rung)
        for kind in args.kinds.split(",") for rung in rungs]
    rows.append(("ffn-up+down w4v", groups["ffn-up"] + groups["ffn-down"], "w4v"))
    for label, members, rung in rows:
        (rtn, s_rtn), (gptq, s_gptq) = (
            metric(task, lowered(members, rung, r, args.damping), cache)
            for r in ("nearest", "gptq"))
        d_rtn, d_gptq = reference - rtn, reference - gptq
        ratio = d_gptq / d_rtn if d_rtn > 0 else float("nan")
        print(f"{label:<20}{d_rtn:>9.4f}{d_gptq:>9.4f}{ratio:>10.2f}{s_rtn:>8.1f}"
              f"{s_gptq:>8.1f}", flush=True)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
