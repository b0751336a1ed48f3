"""ZigZag's own example inputs read by picojoule and mapped, side by side with ZigZag.

ZigZag 3.9.1 ships a TPU-like hardware file, its mapping, and ResNet-18 as ONNX. This reads
the hardware with ``picojoule.interop.zigzag`` (same memories, sizes, per-access energies and
port bandwidths, the array as the global buffer's fan-out) and the ONNX file with picojoule's
importer, maps every layer with ``analyze`` (energy objective), and runs ZigZag 3.9.1 (in its
own venv under ``~/.cache/picojoule/peers/zigzag``, installed when missing) on the very same
files with its own mapping file, energy objective. Prints energy and latency per layer and in
total, over the layers both tools map (convolutions and the fully connected layer).

Run: ``python benchmarks/zigzag_inputs.py [--hardware tpu_like]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from picojoule.analysis import analyze
from picojoule.arch.loader import arch_from_mapping
from picojoule.importers import load_model
from picojoule.interop.zigzag import arch_data_from_zigzag

PEER = Path.home() / ".cache" / "picojoule" / "peers" / "zigzag"
RESULTS = Path.home() / ".cache" / "picojoule" / "peers" / "zigzag-results"
DRIVER = r'''
import json, logging, sys, time
logging.disable(logging.WARNING)
from zigzag.api import get_hardware_performance_zigzag
hw, mapping, onnx, dump = sys.argv[1:5]
start = time.perf_counter()
energy, latency, cmes = get_hardware_performance_zigzag(onnx, hw, mapping, opt="energy",
    dump_folder=dump, loma_show_progress_bar=False)
layers = []
for cme, _ in cmes[0][1]:
    layers.append({"name": str(cme.layer.name), "energy_pj": float(cme.energy_total),
                   "cycles": float(cme.latency_total2)})
print(json.dumps({"energy_pj": float(energy), "cycles": float(latency), "layers": layers,
                  "seconds": time.perf_counter() - start}))
'''


def ensure_peer() -> Path:
    python = PEER / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER)], check=True)
        subprocess.run([str(PEER / "bin" / "pip"), "install", "-q", "zigzag-dse==3.9.1", "six"],
                       check=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hardware", default="tpu_like")
    parser.add_argument("--fresh", action="store_true", help="rerun ZigZag (else reuse its "
                        "saved result for the same inputs)")
    args = parser.parse_args()
    python = ensure_peer()
    inputs = Path(subprocess.run([str(python), "-c", "import zigzag, os; print(os.path.dirname("
                                  "zigzag.__file__))"], capture_output=True, text=True,
                                 check=True).stdout.strip()) / "inputs"
    hw_file = inputs / "hardware" / f"{args.hardware}.yaml"
    map_file = inputs / "mapping" / f"{args.hardware}.yaml"
    onnx_file = inputs / "workload" / "resnet18.onnx"
    arch = arch_from_mapping(arch_data_from_zigzag(yaml.safe_load(hw_file.read_text()),
                                                   str(hw_file)), str(hw_file))
    net = load_model(str(onnx_file))
    started = time.perf_counter()
    ours = analyze(net, arch, workers=2)
    ours_s = time.perf_counter() - started
    saved = RESULTS / f"inputs-{args.hardware}.json"
    if saved.exists() and not args.fresh:
        zz = json.loads(saved.read_text())
    else:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "driver.py").write_text(DRIVER)
            out = subprocess.run([str(python), str(Path(tmp) / "driver.py"), str(hw_file),
                                  str(map_file), str(onnx_file), tmp], capture_output=True,
                                 text=True, check=True)
        zz = json.loads(out.stdout.strip().splitlines()[-1])
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps(zz))
    zz_layers = {x["name"]: x for x in zz["layers"]}
    print(f"hardware {hw_file.name} ({arch.num_pes} MACs), workload {onnx_file.name}: "
          f"{len(ours.layers)} einsum layers in picojoule, {len(zz_layers)} layers in ZigZag")
    print(f"{'layer':28s} {'ours uJ':>9s} {'ZigZag uJ':>9s} {'ratio':>6s} {'ours cyc':>10s} "
          f"{'ZigZag cyc':>10s}")
    e_ours = e_zz = c_ours = c_zz = 0.0
    for r in ours.layers:
        z = zz_layers.get(r.name)
        if r.stats is None or z is None:
            continue
        e_ours += r.stats.energy_pj
        e_zz += z["energy_pj"]
        c_ours += r.stats.cycles
        c_zz += z["cycles"]
        print(f"{r.name[:28]:28s} {r.stats.energy_pj / 1e6:9.2f} {z['energy_pj'] / 1e6:9.2f} "
              f"{r.stats.energy_pj / z['energy_pj']:6.3f} {r.stats.cycles:10,.0f} "
              f"{z['cycles']:10,.0f}")
    print(f"{'total (layers in both)':28s} {e_ours / 1e6:9.2f} {e_zz / 1e6:9.2f} "
          f"{e_ours / e_zz if e_zz else 0:6.3f} {c_ours:10,.0f} {c_zz:10,.0f}")
    print(f"time: picojoule {ours_s:.1f} s (2 workers), ZigZag {zz['seconds']:.1f} s")


if __name__ == "__main__":
    main()
