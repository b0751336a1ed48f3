"""The Timeloop/Accelergy exercises' example designs, read as they are published and evaluated
with their reference mappings and per-action energies, against Timeloop's reference outputs.

For each design (Eyeriss-like, Simba-like, simple weight-stationary, simple output-stationary)
this reads ``arch.yaml``, the shared ``_include/default_problem.yaml``, and from
``ref_outputs/default_problem/`` the mapping Timeloop's mapper found (``timeloop-mapper.map.yaml``),
the ERT and ART Accelergy produced, and Timeloop's statistics (``timeloop-mapper.stats.txt``);
evaluates the mapping with ``picojoule.interop``; and compares every level x operand count
(reads, fills, updates over all instances), the cycles, and the energy: Timeloop's total
includes leakage charged per utilized instance and cycle, which picojoule's per-design static
power does not model, so energies compare without it (leakage is printed beside).

Needs a checkout of the timeloop-accelergy-exercises repository (Accelergy-Project on GitHub):
``--exercises DIR`` (default ``~/.cache/picojoule/peers/timeloop-accelergy-exercises``).

Run: ``python benchmarks/timeloop_exercises.py [--exercises DIR]``.
"""

from __future__ import annotations

from pathlib import Path

from picojoule.cost import evaluate
from picojoule.interop.timeloop_arch import load_timeloop_arch
from picojoule.interop.timeloop_problem import load_timeloop_mapping, load_timeloop_problem
from picojoule.interop.timeloop_stats import load_timeloop_stats
from tables import exercises_dir, print_table

DESIGNS = ("eyeriss_like", "simba_like", "simple_weight_stationary",
           "simple_output_stationary")


def compare(root: Path, design: str) -> tuple[str, ...]:
    base = root / "workspace" / "example_designs" / "example_designs"
    ref = base / design / "ref_outputs" / "default_problem"
    d = load_timeloop_arch(base / design / "arch.yaml", ref / "timeloop-mapper.ERT.yaml",
                           ref / "timeloop-mapper.ART.yaml")
    layer = load_timeloop_problem(base / "_include" / "default_problem.yaml")
    stats = evaluate(layer, d.arch, load_timeloop_mapping(ref / "timeloop-mapper.map.yaml",
                                                          layer, d))
    tl = load_timeloop_stats(ref / "timeloop-mapper.stats.txt")
    equal = total = 0
    worst = ""
    for level, ops in stats.levels.items():
        for op, c in ops.items():
            theirs = tl.levels.get(level, {}).get(op)
            total += 3
            if theirs is None:
                worst = worst or f"{level}/{op} missing in Timeloop"
                continue
            for ours, t, what in zip((c.reads, c.fills, c.updates), theirs.totals,
                                     ("reads", "fills", "updates"), strict=True):
                if round(ours) == round(t):
                    equal += 1
                else:
                    worst = worst or f"{level}/{op} {what} {ours:.0f} vs {t:.0f}"
    err = 100 * (stats.energy_pj / tl.dynamic_energy_pj - 1)
    return (design, f"{equal}/{total}", f"{stats.cycles:,.0f}", f"{tl.cycles:,.0f}",
            f"{stats.energy_pj / 1e6:.3f}", f"{tl.dynamic_energy_pj / 1e6:.3f}", f"{err:+.2f}%",
            f"{tl.leakage_pj / 1e6:.3f}", worst or "-")


def main() -> None:
    exercises = exercises_dir()
    head = ("design", "counts equal", "cycles", "Timeloop", "energy uJ", "Timeloop uJ*",
            "error", "leakage uJ", "first difference")
    rows = [head] + [compare(exercises, d) for d in DESIGNS]
    print_table(rows)
    print("* Timeloop's total energy less its leakage (charged per utilized instance).")


if __name__ == "__main__":
    main()
