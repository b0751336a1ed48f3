"""The mapper exercises of the Timeloop/Accelergy tutorial, searched by picojoule under the
same constraints, against the mappings Timeloop's mapper found.

Exercise 05 (a 1-D convolution on a three-level design) comes with three constraint files:
everything fixed (``1mapping``), everything but the bypass fixed (``freebypass``), nothing
fixed (``null``). Exercise 06 (a VGG layer on the Eyeriss-like design) constrains the mapper
with the constraints written on the architecture's nodes. For each, this reads the files as
published with the ERT Accelergy wrote (``ref-output/.../timeloop-mapper.ERT.yaml``), searches
with ``picojoule.mapper`` under the translated constraints, checks that the mapping found obeys
them, and prints energy and cycles beside Timeloop's (its total, from the per-compute
figure, less leakage, which picojoule does not model per level). Timeloop optimized delay
first, then energy; picojoule optimizes energy (on exercise 05, one MAC, every mapping takes
1,536 cycles), and on exercise 06 also delay first (energy^0.001 x cycles).

Needs a checkout of the timeloop-accelergy-exercises repository: ``--exercises DIR`` (default
``~/.cache/picojoule/peers/timeloop-accelergy-exercises``).

Run: ``python benchmarks/timeloop_constraints.py [--exercises DIR]``.
"""

from __future__ import annotations

import time
from pathlib import Path

from picojoule.interop.timeloop_arch import load_timeloop_arch
from picojoule.interop.timeloop_constraints import load_timeloop_constraints
from picojoule.interop.timeloop_problem import load_timeloop_problem
from picojoule.interop.timeloop_stats import load_timeloop_stats
from picojoule.mapper import Budget, Constraints, Objective, SearchOptions, search
from picojoule.mapping.spec import Mapping
from tables import exercises_dir, print_table

TIMELOOP = Path("workspace/tutorial_exercises/01_accelergy_timeloop_2020_ispass/timeloop")
EX05 = TIMELOOP / "05-mapper-conv1d+oc-3level"
EX06 = TIMELOOP / "06-mapper-convlayer-eyeriss"
DELAY_FIRST = Objective(energy_exp=1e-3, cycles_exp=1.0)
CASES = (  # name, arch, problem, constraints file or None, reference output folder
    ("05 1mapping", EX05 / "arch/3level.arch.yaml", EX05 / "prob/conv1d+oc.prob.yaml",
     EX05 / "constraints/conv1d+oc-3level-1mapping.constraints.yaml", EX05 / "ref-output/baked"),
    ("05 freebypass", EX05 / "arch/3level.arch.yaml", EX05 / "prob/conv1d+oc.prob.yaml",
     EX05 / "constraints/conv1d+oc-3level-freebypass.constraints.yaml",
     EX05 / "ref-output/freebypass"),
    ("05 null", EX05 / "arch/3level.arch.yaml", EX05 / "prob/conv1d+oc.prob.yaml",
     EX05 / "constraints/null.constraints.yaml", EX05 / "ref-output/null"),
    ("06 eyeriss (node constraints)", EX06 / "arch/eyeriss_like.yaml",
     EX06 / "prob/VGG02_layer5.yaml", None, EX06 / "ref-output"),
    ("06 eyeriss, delay first", EX06 / "arch/eyeriss_like.yaml",
     EX06 / "prob/VGG02_layer5.yaml", None, EX06 / "ref-output"),
)


def timeloop_dynamic_pj(stats_file: Path) -> tuple[float, float]:
    """Timeloop's energy less leakage (pJ), from its per-compute total (the summary's uJ is
    rounded to two decimals), and its cycles."""
    tl = load_timeloop_stats(stats_file)
    lines = stats_file.read_text().splitlines()
    start = lines.index("fJ/Compute")
    total = next(float(line.split("=")[1]) for line in lines[start:]
                 if line.strip().startswith("Total"))
    return total * tl.macs / 1000 - tl.leakage_pj, tl.cycles


def obeys(mapping: Mapping, c: Constraints) -> bool:
    """Every limit and axis of ``c`` holds in ``mapping`` (checked here, not trusted)."""
    for level, kind, dim, op, value in c.limits:
        lm = mapping.for_level(level)
        loops = lm.temporal if kind == "temporal" else (*lm.spatial_x, *lm.spatial_y)
        f = 1
        for d, v in loops:
            f *= v if d == dim else 1
        if value and not {"=": f == value, "<=": f <= value, ">=": f >= value}[op]:
            return False
    for level, axis, dims in c.spatial_axes:
        lm = mapping.for_level(level)
        if any(f > 1 and d not in dims for d, f in (lm.spatial_x if axis == "x"
                                                     else lm.spatial_y)):
            return False
    return True


def run(root: Path, case: tuple[str, Path, Path, Path | None, Path]) -> tuple[str, ...]:
    name, arch, problem, constraints, ref = case
    design = load_timeloop_arch(root / arch, root / ref / "timeloop-mapper.ERT.yaml")
    layer = load_timeloop_problem(root / problem)
    files: list[str | Path] = [root / arch] + ([root / constraints] if constraints else [])
    c = load_timeloop_constraints(design, layer, files)
    started = time.perf_counter()
    objective = DELAY_FIRST if "delay" in name else Objective()
    result = search(layer, design.arch, SearchOptions(constraints=c, objective=objective,
                                                      budget=Budget(20_000)))
    seconds = time.perf_counter() - started
    tl_pj, tl_cycles = timeloop_dynamic_pj(root / ref / "timeloop-mapper.stats.txt")
    return (name, f"{result.evaluated:,}", "yes" if obeys(result.mapping, c) else "NO",
            f"{result.stats.energy_pj / 1e6:.4f}", f"{tl_pj / 1e6:.4f}",
            f"{result.stats.energy_pj / tl_pj:.3f}", f"{result.stats.cycles:,.0f}",
            f"{tl_cycles:,.0f}", f"{seconds:.1f}")


def main() -> None:
    root = exercises_dir()
    head = ("case", "mappings", "obeys", "ours uJ", "Timeloop uJ*", "ratio", "ours cycles",
            "Timeloop cycles", "seconds")
    print_table([head] + [run(root, case) for case in CASES])
    print("* Timeloop's energy (per-compute total x computes) less its leakage.")


if __name__ == "__main__":
    main()
