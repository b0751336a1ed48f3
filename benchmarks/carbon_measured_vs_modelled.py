"""The same run measured and modelled: a small PyTorch MLP's inference loop on this host under
CodeCarbon's offline tracker, and picojoule's model of the same network on an accelerator.

What differs: the measured side is this machine's CPU and RAM as CodeCarbon records them (a
hardware counter where one exists, otherwise CodeCarbon's estimate, labelled so); the modelled
side is the picojoule cost model of the same layers on the ``nvdla-small`` preset (16 nm),
repeated as many times. Both are charged at the same grid and PUE, so the CO2e rows differ only
by energy. The gap between a general-purpose CPU and an accelerator is the point of the table,
not an error of either side.
Run: .venv/bin/python benchmarks/carbon_measured_vs_modelled.py
"""

from __future__ import annotations

import tempfile

import torch
from torch import nn

from picojoule.analysis import analyze
from picojoule.arch.loader import load_preset
from picojoule.carbon import lookup, measure, side_by_side
from picojoule.importers import import_torch
from picojoule.mapper.evaluator import Budget
from picojoule.mapper.search import SearchOptions

BATCH, PASSES = 64, 300


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10)).eval()
    x = torch.randn(BATCH, 784)

    def loop() -> float:
        with torch.no_grad():
            return float(sum(model(x).sum() for _ in range(PASSES)))

    with tempfile.TemporaryDirectory() as out:
        _, m = measure(loop, country_iso_code="FRA", output_dir=out, measure_power_secs=1.0)
    arch = load_preset("nvdla-small")
    net = import_torch(model, x, name="mlp")
    a = analyze(net, arch, SearchOptions(budget=Budget(2000)))
    if a.totals is None:
        raise SystemExit("no layer could be mapped")
    modelled = a.totals.to_result().times(PASSES)
    grid = lookup("FRA")
    print(f"{PASSES} passes of a 784-256-256-10 MLP at batch {BATCH}; grid {grid.name} "
          f"{grid.g_per_kwh:.1f} gCO2e/kWh ({grid.year}, {grid.dataset}); PUE 1.0")
    print(f"measured side: {m.label}; CodeCarbon {m.codecarbon_version}")
    for c in m.components:
        print(f"  {c.name}: {c.energy_kwh * 3.6e6:.3f} J at {c.power_w:.1f} W by {c.method}"
              f"{' (hardware counter)' if c.counter else ' (estimate)'}")
    for r in m.reasons:
        print(f"  why: {r}")
    print(f"modelled side: picojoule on {arch.name} ({arch.node_nm:g} nm)")
    print(f"{'':18s} {'measured':>14s} {'modelled':>14s} {'unit':>6s} {'modelled/measured':>18s}")
    for row in side_by_side(m, modelled, grid, 1.0):
        print(f"{row['quantity']:18s} {row['measured']:14.6g} {row['modelled']:14.6g} "
              f"{row['unit']:>6s} {row['modelled_over_measured']:18.3g}")


if __name__ == "__main__":
    main()
