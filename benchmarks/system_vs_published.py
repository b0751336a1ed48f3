"""Predicted vs published LLM training measurements (src/picojoule/system/data/published.csv).

Run: PYTHONPATH=src python benchmarks/system_vs_published.py
"""

from __future__ import annotations

from picojoule.system.calibrate import compare
from picojoule.system.devices import efficiency_table


def main() -> None:
    out = compare()
    print(f"{'id':18} {'role':4} {'device':7} {'quantity':27} {'published':>12} "
          f"{'predicted':>12} {'error':>7}")
    for r in out["rows"]:
        print(f"{r['id']:18} {r['role']:4} {r['device']:7} {r['quantity']:27} "
              f"{r['published']:12,.4g} {r['predicted']:12,.4g} {r['error']:+7.1%}")
    table = efficiency_table()
    for device, eff in out["fitted"].items():
        print(f"fitted compute efficiency {device}: {eff:.3f} "
              f"(data/efficiency.csv: {table[device].compute:.3f})")
    print(f"test rows: {out['tests']}; median |error| {out['median_abs_error']:.1%}; "
          f"worst |error| {out['max_abs_error']:.1%}")


if __name__ == "__main__":
    main()
