"""Flags and helpers shared by subcommands (no subcommand imports another's helpers)."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from picojoule.errors import Collector, SpecError
from picojoule.fileio import shown
from picojoule.mapper import Budget, Objective, SearchOptions, dataflow, load_constraints
from picojoule.mapper.constraints import natural
from picojoule.mapper.search import MAX_BUDGET_EVALUATIONS, MAX_BUDGET_SECONDS
from picojoule.mapper.strategies import STRATEGIES, strategy_from_name


def add_search_args(p: argparse.ArgumentParser, budget: str) -> None:
    p.add_argument("--dataflow", help="ws, os, is, rs (row-stationary) or any; default: the "
                                      "architecture's own dataflow")
    p.add_argument("--constraints", help="a constraints YAML file (spatial_x, spatial_y, "
                                         "stationary, factors, orders, bypass, dataflow)")
    p.add_argument("--objective", default="energy",
                   help="energy, cycles, edp, or mix:A (energy^A x cycles^(1-A))")
    p.add_argument("--budget", default=budget,
                   help=f"evaluations (200000), seconds (5s) or both (200000,5s); "
                        f"default {budget}")
    p.add_argument("--strategy", default="auto",
                   help=f"{', '.join(STRATEGIES)} (auto: exhaustive when the space fits the "
                        "budget, else guided)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def parse_objective(text: str, c: Collector) -> Objective:
    fixed = {"energy": Objective(1, 0), "cycles": Objective(0, 1), "delay": Objective(0, 1),
             "edp": Objective(1, 1)}
    if text in fixed:
        return fixed[text]
    if text.startswith("mix:"):
        try:
            a = float(text[4:])
        except ValueError:
            a = -1.0
        if 0.0 <= a <= 1.0:
            return Objective(a, 1.0 - a)
    c.add("--objective", f"energy, cycles, edp or mix:A with 0 <= A <= 1, got {shown(text)}")
    return Objective()


def parse_budget(text: str, c: Collector) -> Budget:
    evaluations: int | None = None
    seconds: float | None = None
    for part in text.split(","):
        part = part.strip()
        try:
            if part.endswith("s"):
                seconds = float(part[:-1])
                ok = math.isfinite(seconds) and 0 < seconds <= MAX_BUDGET_SECONDS
            else:
                evaluations = int(part) if len(part) <= 20 else 0
                ok = 0 < evaluations <= MAX_BUDGET_EVALUATIONS
        except ValueError:
            ok = False
        if not ok:
            c.add("--budget", f"a positive count of evaluations (200000, at most "
                              f"{MAX_BUDGET_EVALUATIONS:.0e}), seconds (5s, at most "
                              f"{MAX_BUDGET_SECONDS:g}s) or both (200000,5s), got "
                              f"{shown(text)}")
            return Budget()
    return Budget(evaluations, seconds)


def search_options(args: argparse.Namespace, arch_dataflow: str | None) -> SearchOptions:
    c = Collector("command line")
    objective = parse_objective(args.objective, c)
    budget = parse_budget(args.budget, c)
    if args.strategy not in STRATEGIES:
        c.add("--strategy", f"one of {', '.join(STRATEGIES)}, got {shown(args.strategy)}")
    base = natural(arch_dataflow)
    if args.dataflow:
        try:
            base = dataflow(args.dataflow)
        except SpecError as exc:
            c.extend(exc.problems)
    c.raise_if_any()
    constraints = load_constraints(args.constraints, base) if args.constraints else base
    return SearchOptions(constraints, objective, budget,
                         strategy_from_name(args.strategy),  # the name mapped once, here
                         args.seed)


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on a terminal (stderr); nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def prepare_output(flag: str, path: str) -> None:
    """Create the output's folder and check it can be written (before a long run)."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a"):
            pass
    except OSError as exc:
        raise SpecError.single(flag, "", f"a writable file path, got {shown(path)} "
                                         f"({exc.strerror})") from None
