"""``picojoule evaluate``: one layer, one architecture, one mapping -> the energy breakdown."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TypeVar

from picojoule.arch.loader import load_arch
from picojoule.cli.render import print_stats
from picojoule.cost import evaluate
from picojoule.errors import Problem, SpecError
from picojoule.mapping.text import format_loop_nest, load_mapping
from picojoule.workload.text import layer_from_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="cost of one mapping of one layer on an architecture",
                       description="Evaluate one mapping: reads, fills, updates and energy per "
                                   "level and operand; cycles, utilization, area.")
    p.add_argument("--arch", required=True, help="preset name (see `picojoule arch list`) or "
                                                 "architecture YAML file")
    p.add_argument("--layer", required=True, help="layer text such as "
                   "'conv2d N=1 C=96 M=256 P=27 Q=27 R=5 S=5', or a layer YAML file")
    p.add_argument("--mapping", required=True, help="mapping file (.yaml or the text form)")
    p.add_argument("--json", action="store_true", help="print a JSON document instead")
    p.set_defaults(func=run)


T = TypeVar("T")


def _collect(problems: list[Problem], load: Callable[[str], T], value: str) -> T | None:
    try:
        return load(value)
    except SpecError as exc:
        problems.extend(exc.problems)
        return None


def run(args: argparse.Namespace) -> int:
    problems: list[Problem] = []  # report every bad flag at once, not the first only
    arch = _collect(problems, load_arch, args.arch)
    layer = _collect(problems, layer_from_arg, args.layer)
    mapping = _collect(problems, load_mapping, args.mapping)
    if arch is None or layer is None or mapping is None:
        raise SpecError(problems)
    stats = evaluate(layer, arch, mapping, where=str(args.mapping))
    if args.json:
        print(json.dumps(stats.to_dict(), indent=2))
    else:
        print(format_loop_nest(mapping))  # plain print: names are never markup
        print_stats(stats, f"{layer.to_text()} on {arch.name}")
    return 0
