"""``picojoule evaluate``: one layer, one architecture, one mapping -> the energy breakdown."""

from __future__ import annotations

import argparse
import json

from picojoule.arch.loader import load_arch
from picojoule.cli.render import print_stats
from picojoule.cost import evaluate
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


def run(args: argparse.Namespace) -> int:
    arch = load_arch(args.arch)
    layer = layer_from_arg(args.layer)
    mapping = load_mapping(args.mapping)
    stats = evaluate(layer, arch, mapping, where=str(args.mapping))
    if args.json:
        print(json.dumps(stats.to_dict(), indent=2))
    else:
        print(format_loop_nest(mapping))  # plain print: names are never markup
        print_stats(stats, f"{layer.to_text()} on {arch.name}")
    return 0
