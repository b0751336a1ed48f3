"""Systolic timing against SCALE-Sim: compute cycles per layer on a 32 x 32 array, OS/WS/IS.

SCALE-Sim 3.0 (``pip install scalesim==3.0.0 'numpy<2.4'``, in its own venv under
``~/.cache/picojoule/peers/scalesim``, installed here when missing) maps a convolution as a
GEMM: ``px = N P Q`` output pixels, ``window = R S C``, ``filters = M``. We drive its compute
modules (``systolic_compute_{os,ws,is}``, the classes that build its demand matrices) with
operand matrices of those shapes and count the demand-matrix rows: the cycles its
COMPUTE_REPORT gives when memory never stalls. (Its full memory simulation takes ~500 s and
3.6 GB for ResNet-18 alone and adds stalls, not compute cycles.)

On our side the same layer is the einsum ``gemm M=px N=filters K=window`` on a 32 x 32
systolic architecture, mapped the way SCALE-Sim maps it (rows/cols unrolled and folded,
padded to whole folds; the stationary operand's irrelevant loop innermost), and costed by
``picojoule.cost.systolic``. We also print the throughput-only cycles (Timeloop's model,
``picojoule.cost``) and the cycles of the mapping our mapper finds for the *convolution*
itself under the same dataflow with the cycles objective.

Run: ``python benchmarks/systolic_vs_scalesim.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from picojoule.arch import arch_from_mapping
from picojoule.cost.systolic import systolic_cycles
from picojoule.importers import load_model
from picojoule.mapper import Budget, Objective, SearchOptions, dataflow, search
from picojoule.mapping import LevelMapping, Mapping, batch_of_one
from picojoule.workload import gemm

PEER = Path.home() / ".cache" / "picojoule" / "peers" / "scalesim"
ROWS = COLS = 32
STATIONARY = {"os": "outputs", "ws": "weights", "is": "inputs"}

DRIVER = r'''
import json, sys
import numpy as np
from scalesim.compute.systolic_compute_is import systolic_compute_is
from scalesim.compute.systolic_compute_os import systolic_compute_os
from scalesim.compute.systolic_compute_ws import systolic_compute_ws
from scalesim.scale_config import scale_config

class Cfg(scale_config):
    def __init__(self, rows, cols):
        super().__init__()
        self.array_rows, self.array_cols, self.valid_conf_flag = rows, cols, True
    def get_array_dims(self):
        return self.array_rows, self.array_cols

for line in sys.stdin:
    q = json.loads(line)
    px, window, filters = q["px"], q["window"], q["filters"]
    ifm = np.arange(px * window, dtype=np.float64).reshape(px, window)
    flt = np.arange(window * filters, dtype=np.float64).reshape(window, filters)
    ofm = np.arange(px * filters, dtype=np.float64).reshape(px, filters)
    cls = {"os": systolic_compute_os, "ws": systolic_compute_ws, "is": systolic_compute_is}
    c = cls[q["df"]]()
    kw = dict(config_obj=Cfg(q["rows"], q["cols"]), ifmap_op_mat=ifm, filter_op_mat=flt,
              ofmap_op_mat=ofm)
    if q["df"] == "ws":
        kw.update(sparsity_ratio_N=1, sparsity_ratio_M=1, ifmap_op_mat_original=ifm,
                  sparsity_filter_array=np.ones_like(flt))
    c.set_params(**kw)
    demand = c.get_demand_matrices()
    print(json.dumps(int(demand[0].shape[0])), flush=True)
'''


def ensure_peer() -> Path:
    python = PEER / "bin" / "python"
    if not python.exists():
        print(f"installing scalesim==3.0.0 into {PEER} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER)], check=True)
        subprocess.run([str(PEER / "bin" / "pip"), "install", "-q", "scalesim==3.0.0",
                        "numpy<2.4"], check=True)
    return python


def systolic_arch():
    return arch_from_mapping({
        "name": "systolic-32x32", "clock_hz": 1e9, "voltage_v": 0.9, "node_nm": 45,
        "systolic": True, "compute": {"precisions": ["int8"]},
        "levels": [
            {"name": "DRAM", "kind": "lpddr4", "width_bits": 64},
            {"name": "sram", "kind": "sram", "width_bits": 256, "capacity_bits": 1 << 40,
             "fanout": {"x": COLS, "y": ROWS}},
            {"name": "pe", "kind": "regfile", "width_bits": 8, "capacity_bits": 1 << 30},
        ]}, "systolic-32x32")


def scalesim_mapping(df: str, px: int, window: int, filters: int) -> Mapping:
    """SCALE-Sim's mapping in our terms: gemm dims M=px, N=filters, K=window."""
    rows_dim, cols_dim, t_dim = {"os": ("M", "N", "K"), "ws": ("K", "N", "M"),
                                 "is": ("K", "M", "N")}[df]
    bound = {"M": px, "N": filters, "K": window}
    r, c = min(bound[rows_dim], ROWS), min(bound[cols_dim], COLS)
    folds = ((rows_dim, math.ceil(bound[rows_dim] / r)), (cols_dim, math.ceil(bound[cols_dim] / c)))
    return Mapping((LevelMapping("DRAM", tuple(f for f in folds if f[1] > 1)),
                    LevelMapping("sram", ((t_dim, bound[t_dim]),), ((cols_dim, c),),
                                 ((rows_dim, r),)),
                    LevelMapping("pe")))


def layers(quick: bool):
    out = []
    for model in ("alexnet", "resnet18"):
        net = load_model(model)
        for layer in net.layers:
            b = layer.bound
            if layer.kind == "conv2d" and "G" not in b:
                px, window, filters = b["N"] * b["P"] * b["Q"], b["R"] * b["S"] * b["C"], b["M"]
            elif layer.kind == "fc":
                px, window, filters = b["N"], b["C"], b["M"]
            else:
                continue
            out.append((model, layer, px, window, filters))
    seen, unique = set(), []
    for row in out:  # repeated shapes once
        key = (row[0], row[2], row[3], row[4])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique[::3] if quick else unique


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every third layer only")
    args = parser.parse_args()
    python = ensure_peer()
    arch = systolic_arch()
    rows = layers(args.quick)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "driver.py"
        script.write_text(DRIVER)
        queries = [json.dumps({"df": df, "px": px, "window": w, "filters": f, "rows": ROWS,
                               "cols": COLS}) for df in ("os", "ws", "is")
                   for _, _, px, w, f in rows]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        done = subprocess.run([str(python), str(script)], input="\n".join(queries) + "\n",
                              capture_output=True, text=True, check=True, env=env)
    theirs = [int(x) for x in done.stdout.split()]
    print(f"{'net':8s} {'layer':22s} {'df':3s} {'px':>6s} {'window':>6s} {'filt':>5s} "
          f"{'SCALE-Sim':>10s} {'picojoule':>10s} {'error':>7s} {'thru-only':>10s} "
          f"{'mapper':>10s}")
    k, worst, totals = 0, 0.0, {}
    for df in ("os", "ws", "is"):
        for model, layer, px, w, f in rows:
            g = gemm(M=px, N=f, K=w)
            mapping = scalesim_mapping(df, px, w, f)
            batch = batch_of_one(mapping, g, arch)
            ours = float(systolic_cycles(batch, g, arch, STATIONARY[df])[0])
            thru = float(batch.temporal.prod())
            best = search(layer, arch, SearchOptions(
                constraints=dataflow(df), objective=Objective(0, 1), budget=Budget(3000)))
            err = ours / theirs[k] - 1
            worst = max(worst, abs(err))
            t = totals.setdefault((model, df), [0, 0.0])
            t[0] += theirs[k]
            t[1] += ours
            print(f"{model:8s} {layer.name[:22]:22s} {df:3s} {px:>6} {w:>6} {f:>5} "
                  f"{theirs[k]:>10,} {ours:>10,.0f} {100 * err:6.2f}% {thru:>10,.0f} "
                  f"{best.stats.cycles:>10,.0f}")
            k += 1
    for (model, df), (a, b) in totals.items():
        print(f"total {model:8s} {df}: SCALE-Sim {a:,} cycles, picojoule {b:,.0f} "
              f"({100 * (b / a - 1):+.2f}%)")
    print(f"largest per-layer difference: {100 * worst:.2f}% (goal: within 2%)")


if __name__ == "__main__":
    main()
