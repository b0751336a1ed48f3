"""Mutation score of the hardware model and the quantizer core, with mutmut 3.

Run: .venv/bin/python benchmarks/mutation_score.py [--budget SECONDS] [--areas cost,mapper]
(`make test-slow` runs it with its defaults). mutmut makes one-line changes ("mutants") to
the code under test — a `<` becomes `<=`, a constant changes, an argument is dropped — and
runs the tests that reach the mutated function; a mutant the tests do not notice *survives*.

Areas and the tests run against them:

* ``cost``, ``mapper``, ``analysis``: src/picojoule/<area>/ against tests/core, tests/mapper,
  tests/analysis;
* ``compress``: src/picojoule/compress/{formats,scales,calibrate}.py against
  tests/compress/test_q_formats.py and test_q_calibrate.py.

mutmut works on a copy (``--workdir``, default ~/.cache/picojoule/mutation, kept between runs
so a rerun continues where the last stopped). The run stops after ``--budget`` seconds (SIGINT:
mutmut saves what it has); mutmut tests the fastest mutants first, so a partial run is a
sample biased towards cheap functions, and the output says how many of the generated mutants
were tested. Score = killed / (killed + survived) over the tested mutants; timeouts count as
killed (the mutant made a test hang), mutants no selected test reaches are listed apart.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AREAS = {
    "cost": (["src/picojoule/cost/*"], ["tests/core"]),
    "mapper": (["src/picojoule/mapper/*"], ["tests/mapper"]),
    "analysis": (["src/picojoule/analysis/*"], ["tests/analysis"]),
    "compress": (["src/picojoule/compress/formats.py", "src/picojoule/compress/scales.py",
                  "src/picojoule/compress/calibrate.py"],
                 ["tests/compress/test_q_formats.py", "tests/compress/test_q_calibrate.py"]),
}
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
LINE = re.compile(r"^\s*(?P<name>[\w.]+__mutmut_\d+): (?P<status>.+)$")


def prepare(workdir: Path, areas: list[str]) -> None:
    """A copy of src/ and tests/ with a setup.cfg that points mutmut at the chosen areas."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("src", "tests"):
        target = workdir / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", workdir / "pyproject.toml")
    only = [p for a in areas for p in AREAS[a][0]]
    tests = [t for a in areas for t in AREAS[a][1]]
    (workdir / "setup.cfg").write_text(
        "[mutmut]\nsource_paths=src\n"
        + "only_mutate=\n" + "".join(f"    {p}\n" for p in only)
        + "pytest_add_cli_args_test_selection=\n" + "".join(f"    {t}\n" for t in tests)
        + "pytest_add_cli_args=\n    -p\n    no:cacheprovider\n    -q\n"
        + "process_isolation=forkserver\n")


def run_mutmut(workdir: Path, budget_s: float, children: int) -> None:
    mutmut = Path(sys.executable).parent / "mutmut"
    env = {**os.environ, "PYTHONPATH": str(workdir / "src")}
    with open(workdir / "mutmut-run.log", "w") as log:
        proc = subprocess.Popen([str(mutmut), "run", "--max-children", str(children)],
                                cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            proc.wait(timeout=budget_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGINT)  # mutmut stops and keeps its results
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def results(workdir: Path) -> dict[str, str]:
    mutmut = Path(sys.executable).parent / "mutmut"
    out = subprocess.run([str(mutmut), "results", "--all", "true"], cwd=workdir,
                         capture_output=True, text=True, check=False,
                         env={**os.environ, "PYTHONPATH": str(workdir / "src")}).stdout
    return {m["name"]: m["status"].strip() for m in map(LINE.match, out.splitlines()) if m}


def area_of(name: str) -> str:
    return next((a for a in AREAS if f"picojoule.{a}." in name), "other")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1800.0,
                        help="seconds of mutation testing (default 1800)")
    parser.add_argument("--areas", default=",".join(AREAS),
                        help=f"comma-separated subset of {', '.join(AREAS)}")
    parser.add_argument("--workdir", type=Path,
                        default=Path.home() / ".cache" / "picojoule" / "mutation")
    parser.add_argument("--children", type=int, default=2, help="parallel test processes")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    args = parser.parse_args()
    areas = [a.strip() for a in args.areas.split(",") if a.strip()]
    unknown = [a for a in areas if a not in AREAS]
    if unknown or args.budget <= 0:
        parser.error(f"--areas: a subset of {', '.join(AREAS)}; --budget: seconds > 0")
    if args.fresh and args.workdir.exists():
        shutil.rmtree(args.workdir)
    started = time.perf_counter()
    prepare(args.workdir, areas)
    run_mutmut(args.workdir, args.budget, args.children)
    status = results(args.workdir)
    wall = time.perf_counter() - started
    print(f"mutmut over {', '.join(areas)}; {wall:.0f} s wall (budget {args.budget:.0f} s), "
          f"{args.children} test processes")
    print(f"{'area':<10}{'mutants':>9}{'tested':>8}{'killed':>8}{'survived':>9}{'no test':>8}"
          f"{'score':>8}")
    tot: Counter[str] = Counter()
    for area in [*areas, "other"]:
        mine = [s for n, s in status.items() if area_of(n) == area]
        if not mine:
            continue
        c = Counter("killed" if s in KILLED else s for s in mine)
        tested = c["killed"] + c["survived"]
        score = f"{100 * c['killed'] / tested:.1f}%" if tested else "-"
        print(f"{area:<10}{len(mine):>9}{tested:>8}{c['killed']:>8}{c['survived']:>9}"
              f"{c['no tests']:>8}{score:>8}")
        tot += c
        tot["mutants"] += len(mine)
    tested = tot["killed"] + tot["survived"]
    if tested:
        print(f"{'all':<10}{tot['mutants']:>9}{tested:>8}{tot['killed']:>8}"
              f"{tot['survived']:>9}{tot['no tests']:>8}{100 * tot['killed'] / tested:>7.1f}%")
    survivors = sorted(n for n, s in status.items() if s == "survived")
    print(f"surviving mutants ({len(survivors)}; `mutmut show NAME` in {args.workdir}):")
    for name in survivors:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
