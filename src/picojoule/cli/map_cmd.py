"""``picojoule map``: the best mapping of one layer on an architecture, as a loop nest."""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from picojoule.arch.loader import load_arch
from picojoule.cli.options import add_search_args, progress_bar, search_options
from picojoule.cli.render import print_stats, saving_lines, saving_table
from picojoule.cost.saving import saving
from picojoule.errors import Collector
from picojoule.mapper import search
from picojoule.mapping.text import format_loop_nest, format_mapping
from picojoule.workload.density import apply_densities, parse_overrides
from picojoule.workload.text import layer_from_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("map", help="search the best mapping of one layer",
                       description="Search the mapping space of one layer on an architecture "
                                   "and print the best mapping as a loop nest with its stats.")
    p.add_argument("--arch", required=True, help="preset name or architecture YAML file")
    p.add_argument("--layer", required=True, help="layer text such as "
                   "'conv2d N=1 C=96 M=256 P=27 Q=27 R=5 S=5', or a layer YAML file")
    p.add_argument("--density", metavar="D", help="operand densities overriding the layer's: "
                   "w=0.5,i=0.4 or a model such as w=nm(2,4,C) (see docs/sparsity.md)")
    add_search_args(p, "200000")
    p.add_argument("--json", action="store_true", help="print a JSON document instead")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    arch = load_arch(args.arch)
    layer = layer_from_arg(args.layer)
    if args.density:
        c = Collector("--density")
        layer = apply_densities(layer, parse_overrides(args.density, "--density"), c)
        c.raise_if_any()
    options = search_options(args, arch.dataflow)
    with progress_bar(f"mapping {layer.to_text()}", options.budget.evaluations) as tick:
        result = search(layer, arch, options, progress=tick)
    saved = saving(layer, arch, result.mapping)
    if args.json:
        doc = {**result.stats.to_dict(), "mapping": format_mapping(result.mapping),
               "sparsity": saved.to_dict() if saved else None,
               "search": {"strategy": result.strategy, "dataflow": result.dataflow,
                          "objective": options.objective.name, "evaluated": result.evaluated,
                          "considered": result.considered, "seconds": result.seconds,
                          "proven": result.proven, "certainty": result.certainty}}
        print(json.dumps(doc, indent=2))
        return 0
    print(format_loop_nest(result.mapping))
    print()
    print(format_mapping(result.mapping))
    print_stats(result.stats, f"{layer.to_text()} on {arch.name} ({result.dataflow})")
    print(f"search      {result.certainty}; {result.considered:,} proposed, "
          f"{result.seconds:.2f} s")
    if saved is not None and saved.changes:
        Console().print(saving_table(saved, "what sparsity saves (vs the same mapping dense)"))
        print(*saving_lines(saved), sep="\n")
    return 0


__all__ = ["register", "run"]
