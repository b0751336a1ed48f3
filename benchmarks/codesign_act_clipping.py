"""Activation clipping on MiniLM: the cosine lost when one kind of layer's inputs drop to
a6 or a4, with each activation calibration the codesign config offers.

The task is the one ``benchmarks/codesign_table.py`` uses (all-MiniLM-L6-v2, the 50
sentences of ``benchmarks/data/sentences.txt``, metric: mean cosine similarity to the FP32
embedding; calibrated on the 128 sentences of ``benchmarks/data/calibration_sentences.txt``).
Every layer has INT8 per-channel weights; the reference is uniform INT8 with
max-calibrated a8 inputs. A row lowers one kind of layer (query, key, value, attention
output, FFN up, FFN down; all six blocks together) to ``aN`` with the column's calibration,
the other layers staying at a8 with max; the first row changes only the calibration of
every layer's a8 inputs. Cells are the cosine drop against the reference (lower is
better); the time is the whole script's wall clock.

    PYTHONPATH=src python benchmarks/codesign_act_clipping.py [--bits 6,4]
        [--calibrations max,percentile,mse,entropy,octav]
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import torch

from minilm_bench import bench_task, kinds
from picojoule.codesign.config import ACT_CALIBRATIONS, INT8, CodesignConfig
from picojoule.compress.codesign_ops import compressed_copy, measure
from picojoule.compress.task import Task


def metric(task: Task, config: CodesignConfig) -> float:
    return float(measure(task, compressed_copy(task, config.choice))["metric"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", default="6,4")
    parser.add_argument("--calibrations", default=",".join(ACT_CALIBRATIONS))
    args = parser.parse_args()
    bits = [int(b) for b in args.bits.split(",")]
    cals = args.calibrations.split(",")
    torch.manual_seed(0)
    started = time.perf_counter()
    task = bench_task()
    reference = metric(task, CodesignConfig(INT8))
    print("MiniLM, 50 sentences measured, calibrated on 128 others: uniform INT8 "
          f"(max-calibrated a8) cosine {reference:.4f}; cells: cosine drop against it")
    print(f"{'layers lowered':<18}" + "".join(f"{c:>12}" for c in cals))
    rows = [("all at a8", {c: CodesignConfig(dataclasses.replace(INT8, act_calibration=c))
                           for c in cals})]
    for kind, members in kinds(task).items():
        for b in bits:
            rows.append((f"{kind} a{b}", {c: CodesignConfig(INT8, tuple(
                (m, dataclasses.replace(INT8, act_bits=b, act_calibration=c))
                for m in sorted(members))) for c in cals}))
    for label, configs in rows:
        drops = {c: reference - metric(task, cfg) for c, cfg in configs.items()}
        best = min(drops, key=lambda c: (drops[c], cals.index(c)))
        print(f"{label:<18}" + "".join(f"{drops[c]:>12.4f}" for c in cals) + f"   best {best}",
              flush=True)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
