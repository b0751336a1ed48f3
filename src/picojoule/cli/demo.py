"""``picojoule demo``: the main job on built-in defaults; ``make demo`` runs exactly this.

``picojoule demo`` maps every ResNet-18 layer on the eyeriss preset (``picojoule analyze
resnet18 --arch eyeriss``) and writes the HTML report; ``--one-layer`` instead walks through one
layer with a fixed mapping: its loop nest and where each picojoule goes.
"""

from __future__ import annotations

import argparse
from importlib import resources

from rich.console import Console

from picojoule.arch.loader import load_preset
from picojoule.cli.render import print_stats
from picojoule.cost import evaluate
from picojoule.mapping.text import format_loop_nest, parse_mapping
from picojoule.workload.text import parse_layer

DEMO_LAYER = "conv2d N=1 C=3 M=32 P=112 Q=112 R=3 S=3 stride=2"
DEMO_REPORT = "out/demo-resnet18-eyeriss.html"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="map every ResNet-18 layer on eyeriss, with a report "
                                    "(what `make demo` runs)")
    p.add_argument("--report", metavar="F.html", default=DEMO_REPORT,
                   help=f"where to write the HTML report (default {DEMO_REPORT})")
    p.add_argument("--one-layer", action="store_true",
                   help="instead: one layer with a fixed mapping, its loop nest and energy")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.one_layer:
        from picojoule.cli import analyze_cmd

        parser = argparse.ArgumentParser(prog="picojoule demo")
        analyze_cmd.register(parser.add_subparsers())
        return analyze_cmd.run(parser.parse_args(
            ["analyze", "resnet18", "--arch", "eyeriss", "--report", args.report]))
    console = Console()
    arch = load_preset("eyeriss")
    layer = parse_layer(DEMO_LAYER, "demo layer")
    text = resources.files("picojoule").joinpath("data/demo_eyeriss.map").read_text()
    mapping = parse_mapping(text, "demo mapping")
    stats = evaluate(layer, arch, mapping, where="demo mapping")
    console.print(f"picojoule demo: {layer.to_text()} on {arch.name}", markup=False)
    console.print(format_loop_nest(mapping), markup=False, highlight=False)
    print_stats(stats, "where the joules go", console)
    by_level = stats.to_result().totals(["level"])
    shares = sorted(((pj, lv) for (lv,), pj in by_level.items() if lv), reverse=True)
    top_pj, top = shares[0]
    console.print(f"\n{top} moves {100 * top_pj / stats.energy_pj:.0f}% of the energy; "
                  f"the MACs themselves cost {100 * stats.mac_energy_pj / stats.energy_pj:.0f}%.")
    return 0
