"""``picojoule explore``: a design-space sweep over architectures, on Dask, resumable."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from picojoule.context.executor import Executor, SerialExecutor
from picojoule.errors import Collector
from picojoule.explore.executors import DaskExecutor
from picojoule.explore.run import SweepResult, explore
from picojoule.explore.space import MAX_TRIALS, load_space
from picojoule.explore.store import TrialRecord

MAX_WORKERS = 512


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explore", help="sweep architectures: Pareto fronts on Dask, resumable",
                       description="Search a design space (a YAML file) of architectures; "
                                   "every design's layers are mapped by the mapper on Dask "
                                   "workers and every result is stored in SQLite at once.")
    p.add_argument("space", metavar="SPACE.yaml", help="the design space file")
    p.add_argument("--trials", type=int, help="designs to evaluate (overrides the file)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="Dask LocalCluster worker processes (default: one per core)")
    p.add_argument("--scheduler", metavar="ADDR", help="a running Dask scheduler "
                   "(tcp://host:port) instead of a LocalCluster")
    p.add_argument("--serial", action="store_true", help="run in this process, no Dask")
    p.add_argument("--store", metavar="F.db", help="SQLite store (default SPACE.sweep.db)")
    p.add_argument("--resume", action="store_true", help="continue the sweep in --store")
    p.add_argument("--report", metavar="F.html", help="also write an HTML report")
    p.add_argument("--json", action="store_true", help="print a JSON document instead")
    p.set_defaults(func=run)


def _executor(args: argparse.Namespace) -> Executor:
    if args.serial:
        return SerialExecutor()
    if args.scheduler:
        return DaskExecutor.connect(args.scheduler)
    return DaskExecutor.local(args.workers)


def run(args: argparse.Namespace) -> int:
    c = Collector("explore")
    if args.trials is not None and not 1 <= args.trials <= MAX_TRIALS:
        c.add("--trials", f"an integer in [1, {MAX_TRIALS:,}], got {args.trials}")
    if not 1 <= args.workers <= MAX_WORKERS:
        c.add("--workers", f"an integer in [1, {MAX_WORKERS}], got {args.workers}")
    if args.scheduler and args.serial:
        c.add("--scheduler", "not with --serial")
    c.raise_if_any()
    space = load_space(args.space)
    if args.trials is not None:
        space = dataclasses.replace(space, trials=args.trials)
    store = args.store or str(Path(args.space).with_suffix(".sweep.db"))
    if args.report:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    executor = _executor(args)
    try:
        result = explore(space, store, executor, resume=args.resume,
                         progress=None if args.json else _progress)
    finally:
        if isinstance(executor, DaskExecutor):
            executor.close()
    if args.report:
        from picojoule.explore.plots import sweep_plot_data
        from picojoule.report.explore_html import render_sweep_html

        Path(args.report).write_text(render_sweep_html(sweep_plot_data(result)))
    if args.json:
        print(json.dumps(to_json(result), indent=2))
    else:
        Console().print(summary_table(result))
        print(f"store {store}; {result.searched_layers} layer searches this run, "
              f"{result.seconds:.1f} s; hypervolume vs base {result.hypervolume:.4g}")
    return 0


def _progress(done: int, total: int, t: TrialRecord) -> None:
    state = "ok" if t.feasible else f"infeasible: {t.why}"
    print(f"trial {done}/{total} {state}", file=sys.stderr, flush=True)


def summary_table(r: SweepResult) -> Table:
    t = Table(title=escape(f"{r.space.name}: best designs vs the base ({r.space.base})"),
              title_justify="left")
    for col in ("objective", "trial", "design", "energy (µJ)", "cycles", "area (mm²)",
                "base/best"):
        t.add_column(col, justify="left" if col in ("objective", "design") else "right")
    key = {"energy": "energy_pj", "cycles": "cycles", "edp": "edp", "area": "area_um2"}
    for o in ("energy", "cycles", "edp", "area"):
        best = r.best(o)
        if best is None:
            continue
        ratio = r.base.values[key[o]] / best.values[key[o]] if best.values[key[o]] else 0.0
        t.add_row(o, str(best.number), escape(_design(best.params)),
                  f"{best.values['energy_pj'] / 1e6:,.2f}", f"{best.values['cycles']:,.0f}",
                  f"{best.values['area_um2'] / 1e6:.3f}", f"{ratio:.2f}x")
    return t


def _design(params: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()))


def to_json(r: SweepResult) -> dict[str, object]:
    def trial(t: TrialRecord) -> dict[str, object]:
        return {"trial": t.number, "params": t.params, "feasible": t.feasible, "why": t.why,
                **{k: (v if v != float("inf") else None) for k, v in t.values.items()}}

    return {"space": r.space.name, "base": trial(r.base), "trials": [trial(t) for t in r.trials],
            "front": [t.number for t in r.front], "hypervolume_vs_base": r.hypervolume,
            "searched_layers": r.searched_layers, "seconds": r.seconds}
