"""Agreement with Timeloop's reference outputs on the Eyeriss-like design.

For every transcribed reference in ``tests/data/timeloop_ref`` (each names its source file),
the mapping is evaluated on ``tests/data/eyeriss_like_timeloop.yaml`` (Timeloop's per-action
energies, ``word_bits`` and ``psum_refill: multicast``) and, for contrast, on the same design
with picojoule's physical defaults (operands at their own precision, one refill per partial
sum). Printed: counts that match exactly, cycles, utilization, and energy against Timeloop's
dynamic energy (its per-level energies plus MACs) and against its printed total (which adds
the leakage of the utilized instances). Run: ``python benchmarks/timeloop_fidelity.py``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from picojoule.arch import Arch, load_arch
from picojoule.cost import evaluate
from picojoule.fileio import load_data
from picojoule.mapping import parse_mapping
from picojoule.workload import parse_layer

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def physical(arch: Arch) -> Arch:
    levels = tuple(replace(lv, word_bits=None,
                           fanout=replace(lv.fanout, psum_refill="single"))
                   for lv in arch.levels)
    return replace(arch, levels=levels)


def compare(ref: dict, arch: Arch) -> str:
    s = evaluate(parse_layer(ref["layer"]), arch, parse_mapping(ref["mapping"]))
    total = same = 0
    for level, ops in ref["counts"].items():
        for op, tl in ops.items():
            got = s.levels[level][op]
            for action in ("reads", "fills", "updates"):
                total += 1
                same += getattr(got, action) == tl[action] * tl["instances"]
    dynamic = ref["mac_energy_pj"] + sum(tl["energy_pj"] for ops in ref["counts"].values()
                                         for tl in ops.values())
    printed = ref["energy_uj"] * 1e6
    cycles = "=" if s.cycles == ref["cycles"] else f"{s.cycles:.0f}"
    return (f"counts {same:2d}/{total}  cycles {cycles}  util {100 * s.utilization:6.2f}%  "
            f"energy {s.energy_pj / 1e6:9.3f} uJ  vs dynamic {s.energy_pj / dynamic - 1:+.2e}"
            f"  vs total {s.energy_pj / printed - 1:+.3%}")


def main() -> None:
    arch = load_arch(DATA / "eyeriss_like_timeloop.yaml")
    for path in sorted((DATA / "timeloop_ref").glob("*.yaml")):
        ref = load_data(path, "Timeloop reference")
        print(f"{path.stem}: Timeloop {ref['energy_uj']} uJ, {ref['cycles']} cycles")
        print(f"  timeloop semantics  {compare(ref, arch)}")
        print(f"  physical defaults   {compare(ref, physical(arch))}")


if __name__ == "__main__":
    main()
