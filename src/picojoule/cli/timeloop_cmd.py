"""``picojoule timeloop``: Timeloop/Accelergy files as they are published, evaluated here.

Reads a Timeloop v0.4 or v0.3 architecture (Jinja templates rendered first), its ERT/ART, a
problem and, when given, a mapping; evaluates that mapping with Timeloop's conventions, or
searches the best mapping when none is given.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from picojoule.cli.render import print_stats
from picojoule.cost import evaluate
from picojoule.errors import Collector, Problem, SpecError
from picojoule.mapping.text import format_loop_nest


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("timeloop", help="evaluate or map Timeloop/Accelergy input files",
                       description="Read a Timeloop architecture (v0.4 !Container/!Component/"
                                   "!Parallel nodes or a v0.3 tree), ERT/ART, a problem and a "
                                   "mapping, and evaluate with Timeloop's conventions; "
                                   "without --mapping, search the best mapping.")
    p.add_argument("arch", metavar="ARCH.yaml", help="Timeloop architecture file")
    p.add_argument("--problem", required=True, help="Timeloop problem file")
    p.add_argument("--mapping", help="Timeloop mapping file (default: search one)")
    p.add_argument("--constraints", action="append", default=[], metavar="FILE",
                   help="Timeloop mapspace/architecture constraints for the search "
                        "(repeatable; the arch file's own constraints always apply)")
    p.add_argument("--ert", help="Accelergy ERT (per-action energies; without it, each "
                                 "component is priced from its Accelergy class)")
    p.add_argument("--art", help="Accelergy ART (areas)")
    p.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                   help="a value for a Jinja template variable (repeatable)")
    p.add_argument("--json", action="store_true", help="print a JSON document instead")
    p.set_defaults(func=run)


def parse_vars(items: list[str]) -> dict[str, Any]:
    c = Collector("--var")
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            c.add("", f"NAME=VALUE with a Python identifier as NAME, got {item!r:.60}")
            continue
        try:
            out[name] = int(value)
        except ValueError:
            try:
                out[name] = float(value)
            except ValueError:
                out[name] = value
    c.raise_if_any()
    return out


def run(args: argparse.Namespace) -> int:
    from picojoule.interop.timeloop_arch import load_timeloop_arch
    from picojoule.interop.timeloop_problem import load_timeloop_problem, mapping_from_timeloop

    variables = parse_vars(args.var)
    problems: list[Problem] = []
    design = layer = None
    from picojoule.interop.sparseloop import is_sparseloop, load_sparseloop

    if is_sparseloop(args.arch, args.problem, variables):  # formats, actions, A/B/Z names
        case = load_sparseloop(args.arch, args.problem, args.mapping, args.ert, args.art,
                               variables)
        design, layer = case.design, case.layer
    try:
        design = design or load_timeloop_arch(args.arch, args.ert, args.art, variables)
    except SpecError as exc:
        problems.extend(exc.problems)
    try:
        layer = layer or load_timeloop_problem(args.problem, variables)
    except SpecError as exc:
        problems.extend(exc.problems)
    if design is None or layer is None:
        raise SpecError(problems)
    from picojoule.interop.sparseloop import rename_of, renamed
    from picojoule.interop.timeloop_yaml import load_timeloop_yaml

    names = rename_of(load_timeloop_yaml(args.problem, variables))
    if args.mapping and args.constraints:
        raise SpecError.single("--constraints", "", "a search to restrict: constraints apply "
                                                    "without --mapping")
    if args.mapping:
        mapping = mapping_from_timeloop(renamed(load_timeloop_yaml(args.mapping, variables),
                                                names), layer, design, str(args.mapping))
        stats = evaluate(layer, design.arch, mapping, where=str(args.mapping))
    else:
        from picojoule.interop.timeloop_constraints import load_timeloop_constraints
        from picojoule.mapper.search import SearchOptions, search

        constraints = load_timeloop_constraints(design, layer, [args.arch, *args.constraints],
                                                variables, names)
        result = search(layer, design.arch, SearchOptions(constraints=constraints))
        mapping, stats = result.mapping, result.stats
    if args.json:
        print(json.dumps(stats.to_dict(), indent=2))
    else:
        print(format_loop_nest(mapping))
        print_stats(stats, f"{layer.name} on {design.arch.name}")
        if design.estimates:
            print("priced from Accelergy classes (no ERT entry):")
            for line in design.estimates:
                print(f"  {line}")
    return 0
