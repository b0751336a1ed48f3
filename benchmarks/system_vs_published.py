"""Predicted vs published measurements: LLM training (src/picojoule/system/data/published.csv)
and LLM serving (data/published_serving.csv). Rows marked ``fit`` fix the few efficiency
factors in data/efficiency.csv (their fitted values are printed); every ``test`` row is a
prediction with nothing tuned for it.

Run: PYTHONPATH=src python benchmarks/system_vs_published.py
"""

from __future__ import annotations

from typing import Any

from picojoule.system.calibrate import compare, compare_serving
from picojoule.system.devices import efficiency_table


def show(title: str, out: dict[str, Any]) -> None:
    print(title)
    print(f"{'id':28} {'role':4} {'device':7} {'quantity':27} {'published':>10} "
          f"{'predicted':>10} {'error':>7}")
    for r in out["rows"]:
        print(f"{r['id']:28} {r['role']:4} {r['device']:7} {r['quantity']:27} "
              f"{r['published']:10,.4g} {r['predicted']:10,.4g} {r['error']:+7.1%}")
    print(f"test rows: {out['tests']}; median |error| {out['median_abs_error']:.1%}; "
          f"worst |error| {out['max_abs_error']:.1%}")


def main() -> None:
    table = efficiency_table()
    train = compare()
    show("== training ==", train)
    for device, eff in train["fitted"].items():
        print(f"  fitted compute efficiency {device}: {eff:.3f} "
              f"(efficiency.csv: {table[device].compute:.3f})")
    serving = compare_serving()
    show("== serving ==", serving)
    for device, params in serving["fitted"].items():
        print(f"  fitted serving factors {device}: "
              + ", ".join(f"{k} {v:.4g}" for k, v in params.items()))
    errors = sorted(abs(r["error"]) for r in train["rows"] + serving["rows"]
                    if r["role"] == "test")
    n = len(errors)
    median = (errors[n // 2] + errors[(n - 1) // 2]) / 2
    print(f"all {n} test rows: median |error| {median:.1%}; worst {errors[-1]:.1%}; "
          f"{sum(e > 0.40 for e in errors)} worse than 40%")


if __name__ == "__main__":
    main()
