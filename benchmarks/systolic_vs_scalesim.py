"""picojoule against SCALE-Sim 3.0 on output-stationary systolic arrays, end to end.

Headline: the convolution layers of AlexNet and ResNet-18 written as ``conv2d`` (the zoo's
layers, as a user writes them) go through ``picojoule analyze LAYERS.txt --arch ARRAY.yaml
--dataflow os --objective cycles`` -- the mapper chooses the mapping -- on a 32 x 32 and a
128 x 128 array whose fan-out can stream flattened pixels (``im2col: true``); we compare the
cycles per layer and in total with SCALE-Sim's for the same layers. The column ``no im2col``
is the same analysis with the flag off (P and Q factored separately).

SCALE-Sim 3.0 (``pip install scalesim==3.0.0 'numpy<2.4'``, in its own venv under
``~/.cache/picojoule/peers/scalesim``, installed here when missing) maps a convolution as a
GEMM: ``px = N P Q`` output pixels, ``window = R S C``, ``filters = M`` (its topology's output
size is ceil((H - R + stride) / stride): an input of H = (P - 1) stride + R gives our P). We
drive its compute modules (``systolic_compute_{os,ws,is}``, the classes that build its demand
matrices) with operand matrices of those shapes and count the demand-matrix rows: the cycles
its COMPUTE_REPORT gives when memory never stalls. (Its full memory simulation takes ~500 s
and 3.6 GB for ResNet-18 alone and adds stalls, not compute cycles.)

Second table (``--timing``): the systolic timing model alone, on a hand-built mapping (the
einsum ``gemm M=px N=filters K=window`` mapped as SCALE-Sim maps it) for OS, WS and IS at
32 x 32, against the same SCALE-Sim counts, with the throughput-only cycles (Timeloop's
model) for contrast.

Run: ``python benchmarks/systolic_vs_scalesim.py [--quick] [--timing]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from picojoule.arch import arch_from_mapping
from picojoule.cost.systolic import systolic_cycles
from picojoule.importers import load_model
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


def array_yaml(size: int, im2col: bool) -> str:
    return "\n".join([
        f"name: os-{size}x{size}{'' if im2col else '-no-im2col'}", "clock_hz: 1.0e+9",
        "voltage_v: 0.9", "node_nm: 45", "dataflow: output-stationary", "systolic: true",
        "compute: {precisions: [int8, int16]}", "levels:",
        "  - {name: DRAM, kind: lpddr4, width_bits: 64, keeps: [inputs, weights, outputs]}",
        "  - {name: sram, kind: sram, width_bits: 256, capacity_bits: 1099511627776,",
        "     keeps: [inputs, weights, outputs],",
        f"     fanout: {{x: {size}, y: {size}, im2col: {str(im2col).lower()}}}}}",
        "  - {name: pe, kind: regfile, width_bits: 8, capacity_bits: 64,",
        "     keeps: [inputs, weights, outputs]}", ""])


def scalesim_cycles(python: Path, queries: list[dict[str, int | str]]) -> list[int]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "driver.py"
        script.write_text(DRIVER)
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        done = subprocess.run([str(python), str(script)],
                              input="\n".join(json.dumps(q) for q in queries) + "\n",
                              capture_output=True, text=True, check=True, env=env)
    return [int(x) for x in done.stdout.split()]


def analyze_cli(layer_file: Path, arch_file: Path) -> tuple[list[dict], float]:
    """``picojoule analyze`` as a user runs it; per-layer records and wall seconds."""
    cmd = [sys.executable, "-m", "picojoule.cli.main", "analyze", str(layer_file), "--arch",
           str(arch_file), "--dataflow", "os", "--objective", "cycles", "--json"]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["layers"], time.perf_counter() - start


def end_to_end(python: Path, quick: bool) -> float:
    rows = [r for r in layers(quick) if r[1].kind == "conv2d"]
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        layer_file = Path(tmp) / "convs.txt"
        layer_file.write_text("".join(r[1].to_text() + "\n" for r in rows))
        for size in (32, 128):
            theirs = scalesim_cycles(python, [{"df": "os", "px": px, "window": w,
                                               "filters": f, "rows": size, "cols": size}
                                              for _, _, px, w, f in rows])
            found = {}
            for im2col in (True, False):
                arch_file = Path(tmp) / f"array-{size}-{im2col}.yaml"
                arch_file.write_text(array_yaml(size, im2col))
                found[im2col] = analyze_cli(layer_file, arch_file)
            recs, secs = found[True]
            print(f"\n== {size} x {size} output-stationary: picojoule analyze convs.txt --arch "
                  f"os-{size}x{size}.yaml --dataflow os --objective cycles ({secs:.1f} s)")
            print(f"{'net':8s} {'layer':22s} {'layer text':48s} {'SCALE-Sim':>10s} "
                  f"{'picojoule':>10s} {'error':>7s} {'no im2col':>10s} {'error':>7s}  "
                  f"array axes")
            totals: dict[str, list[float]] = {}
            for (model, layer, *_), ref, rec, old in zip(rows, theirs, recs, found[False][0],
                                                         strict=True):
                ours, before = float(rec["cycles"]), float(old["cycles"])
                err = ours / ref - 1
                worst = max(worst, abs(err))
                for key in (model, "all"):
                    t = totals.setdefault(key, [0.0, 0.0, 0.0])
                    t[0], t[1], t[2] = t[0] + ref, t[1] + ours, t[2] + before
                axes = " ".join("X:" + line.split("X:", 1)[1].split("bypass:")[0].strip()
                                for line in rec["mapping"].splitlines() if "X:" in line)
                text = layer.to_text().replace("conv2d ", "")
                print(f"{model:8s} {layer.name[:22]:22s} {text[:48]:48s} {ref:>10,} "
                      f"{ours:>10,.0f} {100 * err:+6.2f}% {before:>10,.0f} "
                      f"{100 * (before / ref - 1):+6.1f}%  {axes}")
            for key, (ref, ours, before) in totals.items():
                print(f"total {key:8s} {size}x{size}: SCALE-Sim {ref:,.0f} cycles, picojoule "
                      f"{ours:,.0f} ({100 * (ours / ref - 1):+.2f}%), without im2col "
                      f"{before:,.0f} ({100 * (before / ref - 1):+.1f}%)")
    print(f"largest per-layer difference (end to end): {100 * worst:.2f}% (goal: within 2%)")
    return worst


def timing_table(python: Path, quick: bool) -> None:
    arch = systolic_arch()
    rows = layers(quick)
    theirs = scalesim_cycles(python, [{"df": df, "px": px, "window": w, "filters": f,
                                       "rows": ROWS, "cols": COLS}
                                      for df in ("os", "ws", "is") for _, _, px, w, f in rows])
    print(f"\n== the timing model alone: hand-built SCALE-Sim mappings of gemm M=px N=filters "
          f"K=window on {ROWS} x {COLS}")
    print(f"{'net':8s} {'layer':22s} {'df':3s} {'px':>6s} {'window':>6s} {'filt':>5s} "
          f"{'SCALE-Sim':>10s} {'picojoule':>10s} {'error':>7s} {'thru-only':>10s}")
    k, worst = 0, 0.0
    for df in ("os", "ws", "is"):
        for model, layer, px, w, f in rows:
            g = gemm(M=px, N=f, K=w)
            batch = batch_of_one(scalesim_mapping(df, px, w, f), g, arch)
            ours = float(systolic_cycles(batch, g, arch, STATIONARY[df])[0])
            err = ours / theirs[k] - 1
            worst = max(worst, abs(err))
            print(f"{model:8s} {layer.name[:22]:22s} {df:3s} {px:>6} {w:>6} {f:>5} "
                  f"{theirs[k]:>10,} {ours:>10,.0f} {100 * err:6.2f}% "
                  f"{float(batch.temporal.prod()):>10,.0f}")
            k += 1
    print(f"largest per-layer difference (timing model): {100 * worst:.2f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every third layer only")
    parser.add_argument("--timing", action="store_true",
                        help="also the timing model alone on hand-built mappings (OS/WS/IS)")
    args = parser.parse_args()
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} cores (shared machine)")
    python = ensure_peer()
    end_to_end(python, args.quick)
    if args.timing:
        timing_table(python, args.quick)


if __name__ == "__main__":
    main()
