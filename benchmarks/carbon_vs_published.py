"""picojoule.carbon against published training carbon: each paper's own inputs, its own method.

Part 1: operational CO2e. Each row of benchmarks/data/published_training_carbon.csv gives a
paper's inputs (devices x days, or device-hours; average power per device; PUE; kgCO2e/kWh; or
an energy) and its published MWh and tCO2e; picojoule recomputes both through its public API
(``make_job`` + ``carbon_of_job``, or ``carbon_of_energy``) and prints the relative error.
Sources: Patterson et al. 2021 Table 4 (T5, Meena, GShard, Switch, GPT-3, Evolved Transformer
NAS; gross and net intensity where they differ), LLaMA (Touvron et al. 2023a, Table 15),
Llama 2 (Touvron et al. 2023b, Table 2), BLOOM (Luccioni et al. 2023).

Part 2: embodied CO2e of dies, picojoule's ACT model against ACT's own code
(github.com/facebookresearch/ACT) when it is installed as a peer:
    python3 -m venv ~/.cache/picojoule/peers/act-venv
    ~/.cache/picojoule/peers/act-venv/bin/pip install pint pyyaml
    git clone https://github.com/facebookresearch/ACT ~/.cache/picojoule/peers/act
Run: .venv/bin/python benchmarks/carbon_vs_published.py
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

from picojoule.carbon import (
    Die,
    Hardware,
    carbon_of_energy,
    carbon_of_job,
    embodied,
    make_job,
    user_intensity,
)

DATA = Path(__file__).parent / "data" / "published_training_carbon.csv"
PEERS = Path.home() / ".cache" / "picojoule" / "peers"
TOLERANCE = 0.02


def _f(text: str) -> float | None:
    return float(text) if text.strip() else None


def part1() -> int:
    print(f"{'run':36s} {'MWh':>9s} {'paper':>9s} {'err':>7s} {'tCO2e':>8s} {'paper':>8s} "
          f"{'err':>7s}")
    worst, fails = 0.0, 0
    for row in csv.DictReader(DATA.open()):
        pue, intensity = float(row["pue"]), user_intensity(float(row["kg_per_kwh"]) * 1000)
        devices, days, hours = _f(row["devices"]), _f(row["days"]), _f(row["device_hours"])
        power, energy = _f(row["avg_power_w"]), _f(row["energy_kwh"])
        if devices and days and power:
            r = carbon_of_job(make_job(int(devices), power, days * 86400), intensity, pue)
        elif hours and power:  # device-hours x power = IT energy
            r = carbon_of_energy(hours * power / 1000, 0.0, intensity, pue)
        else:
            r = carbon_of_energy(energy or 0.0, 0.0, intensity, pue)
        mwh, t = r.operational.facility_energy_kwh / 1000, r.operational_kg / 1000
        pub_mwh, pub_t = _f(row["published_mwh"]), float(row["published_tco2e"])
        e_mwh = (mwh / pub_mwh - 1) if pub_mwh else None
        e_t = t / pub_t - 1
        for e in (e_mwh, e_t):
            if e is not None:
                worst = max(worst, abs(e))
                fails += abs(e) > TOLERANCE
        print(f"{row['run']:36s} {mwh:9.1f} {pub_mwh or float('nan'):9.1f} "
              f"{'' if e_mwh is None else f'{e_mwh:+.2%}':>7s} {t:8.2f} {pub_t:8.2f} "
              f"{e_t:+7.2%}")
    print(f"worst relative error {worst:.2%}; {fails} figures beyond {TOLERANCE:.0%} "
          "(published figures are rounded to 2-4 digits)")
    return fails


DIES = [(100.0, 7, 0.875), (815.0, 14, 0.875), (826.0, 7, 0.9), (10.0, 28, 0.5),
        (50.0, 3, 0.8), (300.0, 10, 0.875)]
ACT_SNIPPET = """
import json, sys
from act.core.logic_model import LogicModel
from act.core.common import LogicProcess
from act.core.units import mm2
m = LogicModel()
out = []
for area, node, y in json.loads(sys.argv[1]):
    c = m.get_carbon(LogicProcess(f"{node}nm"), area * mm2, fab_yield=y, n_ics=1)
    out.append(sum(v.to("g").magnitude for v in c.carbon_by_type.values()))
print(json.dumps(out))
"""


def part2() -> int:
    ours = [embodied(Hardware("die", (Die(a, n, y),), (), 1)).kg_co2e * 1000 for a, n, y in DIES]
    python, repo = PEERS / "act-venv" / "bin" / "python", PEERS / "act"
    if not python.exists() or not (repo / "act").exists():
        print("ACT peer not installed (see this file's docstring); picojoule's figures:")
        for (a, n, y), g in zip(DIES, ours, strict=True):
            print(f"  {a:7.1f} mm² {n:3d} nm yield {y:.3f}: {g:10.1f} gCO2e")
        return 0
    done = subprocess.run([str(python), "-c", ACT_SNIPPET, json.dumps(DIES)], cwd=repo,
                          capture_output=True, text=True, check=True)
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    print(f"die embodied CO2e (fab + materials + gases at GPA97, Taiwan grid, 1 package), "
          f"picojoule vs ACT {commit}:")
    fails = 0
    for (a, n, y), g, t in zip(DIES, ours, theirs, strict=True):
        err = g / t - 1
        fails += abs(err) > 1e-9
        print(f"  {a:7.1f} mm² {n:3d} nm yield {y:.3f}: picojoule {g:10.3f} g, ACT {t:10.3f} g,"
              f" {err:+.1e}")
    return fails


if __name__ == "__main__":
    failures = part1()
    print()
    failures += part2()
    raise SystemExit(1 if failures else 0)
