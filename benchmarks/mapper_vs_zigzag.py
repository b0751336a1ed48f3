"""picojoule's mapper against ZigZag on the same layers, architecture and per-action energies.

ZigZag 3.9.1 (``pip install zigzag-dse==3.9.1 six``, in its own venv under
``~/.cache/picojoule/peers/zigzag``, installed here when missing) gets our ``eyeriss``
preset translated into its hardware YAML: the same memories, sizes in bits, ports as wide
as our words, and *our* per-access energies (``picojoule.cost.energy_model``) and MAC energy;
per-PE scratchpads serve no array dimension, the global buffer and DRAM serve both. ZigZag
is free to choose its spatial mapping (hints: every loop dim on both array axes) and runs
LOMA for the temporal mapping, optimizing energy. picojoule analyzes the same layers on the
same preset with static power and on-chip wire energy set to zero (ZigZag models neither),
dataflow unconstrained, default budget, 2 worker processes.

Both tools model the same hardware at the MAC: ZigZag (``access_same_data_considered_as_no_access``,
on in its API) reads an input operand from its innermost memory only when it changes -- once
per run of innermost temporal loops that do not index it, when one port word carries what
the MACs below take per cycle -- so the compared presets set ``compute.operand_latch:
[inputs, weights]``, which makes picojoule count the same (docs/cost-model.md). ZigZag holds
no output at the MAC (every MAC updates the innermost output memory), nor does picojoule.

Three presets by default (``--archs eyeriss tpu-v1 nvdla-small``); ``--padding any`` lets
picojoule also pad bounds below an array axis. Each distinct ResNet-18 layer runs in ZigZag
once (its time for the whole network would be larger: it does not deduplicate repeated
layers); its time is the sum of its per-layer wall
times (process start-up excluded), kept with its results under RESULTS so an interrupted run
resumes. Energies are compared layer by layer and in total over all 21 layers; our time is
the wall time of the whole analysis.

Run: ``python benchmarks/mapper_vs_zigzag.py --fresh [--layers N]`` (ZigZag takes minutes;
without ``--fresh`` saved ZigZag results are reused, e.g. to resume a killed run).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from picojoule.analysis import analyze
from picojoule.arch import Arch, load_preset
from picojoule.cost import energy_model
from picojoule.importers import load_model
from picojoule.mapper import Budget, SearchOptions, dataflow
from picojoule.mapper.constraints import Constraints
from picojoule.workload import Layer
from picojoule.workload.network import Network

PEER = Path.home() / ".cache" / "picojoule" / "peers" / "zigzag"
RESULTS = Path.home() / ".cache" / "picojoule" / "peers" / "zigzag-results"
OPERAND = {"inputs": "I1", "weights": "I2", "outputs": "O"}

DRIVER = r'''
import json, logging, sys, time
logging.basicConfig(level=logging.WARNING)
logging.getLogger().setLevel(logging.WARNING)
from zigzag.api import get_hardware_performance_zigzag
job = json.load(open(sys.argv[1]))
for item in job["layers"]:
    start = time.perf_counter()
    energy, latency, _ = get_hardware_performance_zigzag(
        item["workload"], job["accelerator"], job["mapping"], opt="energy",
        temporal_mapping_type=job["tm_type"],
        dump_folder=job["dump"] + "/" + item["name"], loma_show_progress_bar=False)
    logging.getLogger().setLevel(logging.WARNING)
    print(json.dumps({"name": item["name"], "energy_pj": float(energy),
                      "latency": float(latency), "seconds": time.perf_counter() - start}),
          flush=True)
'''


def ensure_peer() -> Path:
    python = PEER / "bin" / "python"
    if not python.exists():
        print(f"installing zigzag-dse==3.9.1 into {PEER} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER)], check=True)
        subprocess.run([str(PEER / "bin" / "pip"), "install", "-q", "zigzag-dse==3.9.1", "six"],
                       check=True)
    return python


def comparison_arch(name: str = "eyeriss") -> Arch:
    """A preset without what ZigZag does not model (static power, on-chip wire energy) and
    with what it assumes (input operands latched at the MAC: ``compute.operand_latch``)."""
    arch = load_preset(name)
    levels = tuple(dataclasses.replace(lv, fanout=dataclasses.replace(lv.fanout, pe_pitch_um=0.0))
                   for lv in arch.levels)
    compute = dataclasses.replace(arch.compute, operand_latch=frozenset({"inputs", "weights"}))
    return dataclasses.replace(arch, levels=levels, compute=compute, static_power_mw=0.0,
                               wire_energy_pj_per_bit_mm=0.0)


def zigzag_hardware(arch: Arch, layer: Layer) -> dict[str, Any]:
    energy = energy_model(arch, layer)
    fan = [lv for lv in arch.levels if lv.fanout.size > 1][-1]
    array_index = [lv.name for lv in arch.levels].index(fan.name)
    memories: dict[str, Any] = {}
    for i in range(len(arch.levels) - 1, -1, -1):  # innermost first
        lv, en = arch.levels[i], energy.levels[i]
        ops = [OPERAND[o] for o in ("inputs", "weights", "outputs") if o in lv.keeps]
        reads = [f"{o}, tl" for o in ops] + (["O, th"] if "O" in ops else [])
        writes = [f"{o}, fh" for o in ops] + (["O, fl"] if "O" in ops else [])
        ports = [{"name": "r_port_1", "type": "read", "bandwidth_min": lv.width_bits,
                  "bandwidth_max": lv.width_bits, "allocation": reads},
                 {"name": "w_port_1", "type": "write", "bandwidth_min": lv.width_bits,
                  "bandwidth_max": lv.width_bits, "allocation": writes}]
        memories[lv.name] = {
            "size": int(lv.capacity_bits or 10**12), "r_cost": float(en.read_pj),
            "w_cost": float(en.write_pj), "area": 0.0, "latency": 1, "operands": ops,
            "ports": ports, "served_dimensions": [] if i > array_index else ["D1", "D2"]}
    return {"name": arch.name, "memories": memories,
            "operational_array": {"unit_energy": float(energy.mac_pj), "unit_area": 0.0,
                                  "dimensions": ["D1", "D2"], "sizes": [fan.fanout.x,
                                                                         fan.fanout.y]}}


def zigzag_layer(layer: Layer) -> dict[str, Any]:
    b = layer.bound
    bits = {op.name: op.bits for op in layer.operands}
    precision = {"O": layer.output.partial_bits, "O_final": bits["outputs"],
                 "W": bits["weights"], "I": bits["inputs"]}
    if layer.kind == "fc":
        return {"id": 0, "name": layer.name, "operator_type": "Gemm",
                "equation": "O[b][k]+=W[k][c]*I[b][c]", "loop_dims": ["B", "K", "C"],
                "loop_sizes": [b["N"], b["M"], b["C"]], "operand_precision": precision}
    stride = dict(layer.params).get("stride", 1)
    return {"id": 0, "name": layer.name, "operator_type": "Conv",
            "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
            "dimension_relations": [f"ix={stride}*ox+1*fx", f"iy={stride}*oy+1*fy"],
            "loop_dims": ["B", "K", "C", "OY", "OX", "FY", "FX"],
            "loop_sizes": [b["N"], b["M"], b["C"], b["P"], b["Q"], b["R"], b["S"]],
            "operand_precision": precision}


def run_zigzag(python: Path, arch: Arch, layers: list[Layer], tmp: Path,
               tm_type: str, fresh: bool) -> list[dict[str, Any]]:
    """ZigZag's result for each layer; each is kept in RESULTS as it finishes (keyed by the
    exact inputs), so an interrupted run resumes and a rerun only prints."""
    dims = ["K", "C", "OX", "OY", "FX", "FY", "B"]
    hw = yaml.safe_dump(zigzag_hardware(arch, layers[0]), sort_keys=False)
    (tmp / "hw.yaml").write_text(hw)
    (tmp / "map.yaml").write_text(yaml.safe_dump([{
        "name": "default", "spatial_mapping_hint": {"D1": dims, "D2": dims},
        "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"}}]))
    keys, items = [], []
    for i, layer in enumerate(layers):
        text = yaml.safe_dump([zigzag_layer(layer)])
        key = hashlib.sha256(f"{hw}\n{text}\n{tm_type}".encode()).hexdigest()[:20]
        keys.append(key)
        if fresh or not (RESULTS / f"{key}.json").exists():
            (tmp / f"layer{i}.yaml").write_text(text)
            items.append({"name": layer.name, "workload": str(tmp / f"layer{i}.yaml"),
                          "key": key})
    if items:
        job = tmp / "job.json"
        job.write_text(json.dumps({"accelerator": str(tmp / "hw.yaml"),
                                   "mapping": str(tmp / "map.yaml"), "layers": items,
                                   "dump": str(tmp / "out"), "tm_type": tm_type}))
        (tmp / "driver.py").write_text(DRIVER)
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        proc = subprocess.Popen([str(python), str(tmp / "driver.py"), str(job)], cwd=tmp,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                env=env)
        assert proc.stdout is not None
        for line, item in zip(proc.stdout, items, strict=False):
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / f"{item['key']}.json").write_text(line)
        if proc.wait() != 0:
            raise SystemExit("ZigZag failed; run the driver by hand to see why")
    out = [json.loads((RESULTS / f"{key}.json").read_text()) for key in keys]
    for rec in out:
        print(f"  zigzag ({tm_type}) {rec['name']}: {rec['energy_pj']:,.0f} pJ in "
              f"{rec['seconds']:.1f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=0, help="only the first N distinct layers")
    parser.add_argument("--fresh", action="store_true",
                        help="re-run ZigZag now (side by side in this process) instead of "
                             "reusing results saved by an earlier, possibly interrupted, run")
    parser.add_argument("--budgets", type=int, nargs="+", default=[10_000],
                        help="picojoule evaluations per distinct layer (default 10000)")
    parser.add_argument("--zigzag", nargs="+", default=["uneven", "even"],
                        choices=["uneven", "even"], help="ZigZag temporal mapping types")
    parser.add_argument("--archs", nargs="+", default=["eyeriss", "tpu-v1", "nvdla-small"],
                        help="presets to compare on (default eyeriss tpu-v1 nvdla-small)")
    parser.add_argument("--padding", default="above-axis", choices=["above-axis", "any"],
                        help="picojoule's padding option (default above-axis)")
    args = parser.parse_args()
    python = ensure_peer()
    net = load_model("resnet18")
    distinct = [layer for layer, _ in net.distinct_layers()]
    if args.layers:
        distinct = distinct[: args.layers]
        keep = {layer.signature for layer in distinct}
        net = Network(net.name, tuple(n for n in net.nodes
                                      if n.is_layer and n.op.signature in keep))
    counts: dict[Any, int] = {}
    for layer in net.layers:
        counts[layer.signature] = counts.get(layer.signature, 0) + 1
    summary = []
    for arch_name in args.archs:
        arch = comparison_arch(arch_name)
        print(f"\n##### {arch_name}", flush=True)
        ours = {}
        for budget in args.budgets:
            start = time.perf_counter()
            result = analyze(net, arch, SearchOptions(constraints=constraints(args.padding),
                                                      budget=Budget(budget)), workers=2)
            ours[budget] = (result, time.perf_counter() - start)
            print(f"picojoule ({budget:,} evaluations per layer): {len(net.layers)} layers "
                  f"({len(distinct)} distinct) in {ours[budget][1]:.2f} s", flush=True)
        theirs = {}
        for tm_type in args.zigzag:
            with tempfile.TemporaryDirectory() as tmp:
                recs = run_zigzag(python, arch, distinct, Path(tmp), tm_type, args.fresh)
                theirs[tm_type] = (recs, sum(rec["seconds"] for rec in recs))
        for budget, (result, ours_s) in ours.items():
            for tm_type, (recs, zz_s) in theirs.items():
                ratio, speed = compare(net, distinct, counts, result, ours_s, budget, recs,
                                       zz_s, tm_type)
                summary.append((arch_name, budget, tm_type, ratio, speed))
    print("\n== summary: energy ours / ZigZag over the whole network, and speed-up")
    for arch_name, budget, tm_type, ratio, speed in summary:
        print(f"{arch_name:12s} {budget:>7,} evals  ZigZag {tm_type:7s} energy ratio "
              f"{ratio:.4f}  speed-up {speed:,.0f}x")
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} cores (shared machine)")


def constraints(padding: str) -> Constraints:
    return replace(dataflow("any"), padding=padding)


def compare(net: Network, distinct: list[Layer], counts: dict[Any, int], result: Any,
            ours_s: float, budget: int, recs: list[dict[str, Any]], zz_s: float,
            tm_type: str) -> tuple[float, float]:
    by_sig = {r.layer.signature: r for r in result.layers}
    print(f"\n== picojoule ({budget:,} evaluations per layer, 2 workers) vs ZigZag "
          f"(LOMA, {tm_type} temporal mapping, 1 process)")
    print(f"{'layer':22s} {'count':>5s} {'ZigZag pJ/MAC':>13s} {'ours pJ/MAC':>11s} "
          f"{'E ratio':>8s} {'ZigZag s':>9s} {'ours s':>7s} {'speed-up':>9s}")
    zz_total = our_total = 0.0
    for layer, rec in zip(distinct, recs, strict=True):
        r = by_sig[layer.signature]
        assert r.stats is not None
        n = counts[layer.signature]
        zz_total += n * rec["energy_pj"]
        our_total += n * r.stats.energy_pj
        secs = r.search.get("seconds", 0.0)
        print(f"{layer.name[:22]:22s} {n:>5} {rec['energy_pj'] / layer.macs:13.4f} "
              f"{r.stats.pj_per_mac:11.4f} {r.stats.energy_pj / rec['energy_pj']:8.3f} "
              f"{rec['seconds']:9.1f} {secs:7.2f} {rec['seconds'] / max(secs, 1e-9):8.0f}x")
    print(f"total energy over {len(net.layers)} layers: ZigZag {zz_total / 1e6:,.1f} uJ, "
          f"picojoule {our_total / 1e6:,.1f} uJ (ratio {our_total / zz_total:.3f})")
    print(f"time: ZigZag {zz_s:.1f} s (sum over its {len(distinct)} distinct layers), "
          f"picojoule {ours_s:.2f} s for the whole network -> {zz_s / ours_s:,.0f}x faster")
    return our_total / zz_total, zz_s / ours_s


if __name__ == "__main__":
    main()
