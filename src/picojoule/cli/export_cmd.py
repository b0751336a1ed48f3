"""``picojoule export``: an architecture, a layer and a mapping as Timeloop or ZigZag inputs."""

from __future__ import annotations

import argparse
from pathlib import Path

from picojoule.errors import Problem, SpecError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write an arch, a layer and a mapping for Timeloop/ZigZag",
                       description="Write the architecture, the layer and a mapping (given, or "
                                   "the best found) as input files of another tool, to confirm "
                                   "a picojoule mapping there.")
    p.add_argument("--to", required=True, choices=("timeloop", "zigzag"))
    p.add_argument("--arch", required=True, help="preset name or architecture YAML file")
    p.add_argument("--layer", required=True, help="layer text or layer YAML file")
    p.add_argument("--mapping", help="mapping file (default: search the best one)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import yaml

    from picojoule.arch.loader import load_arch
    from picojoule.interop.export import dump_timeloop, timeloop_files, zigzag_files
    from picojoule.mapping.spec import validate_mapping
    from picojoule.mapping.text import load_mapping
    from picojoule.workload.text import layer_from_arg

    problems: list[Problem] = []
    arch = layer = None
    try:
        arch = load_arch(args.arch)
    except SpecError as exc:
        problems.extend(exc.problems)
    try:
        layer = layer_from_arg(args.layer)
    except SpecError as exc:
        problems.extend(exc.problems)
    if arch is None or layer is None:
        raise SpecError(problems)
    if args.mapping:
        mapping = load_mapping(args.mapping)
        validate_mapping(mapping, layer, arch, str(args.mapping))
    else:
        from picojoule.mapper.search import search

        mapping = search(layer, arch).mapping
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecError.single("--out", str(out), f"a folder that can be created "
                                                  f"({exc.strerror})") from None
    files = timeloop_files(arch, layer, mapping) if args.to == "timeloop" else \
        zigzag_files(arch, layer, mapping)
    for name, data in files.items():
        text = dump_timeloop(data) if args.to == "timeloop" else \
            yaml.safe_dump(data, sort_keys=False)
        (out / name).write_text(text)
        print(out / name)
    return 0
