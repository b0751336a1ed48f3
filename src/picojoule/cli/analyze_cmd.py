"""``picojoule analyze``: a whole network on an architecture, best mapping per layer."""

from __future__ import annotations

import argparse
import csv
import json
import os

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from picojoule.analysis import NetworkAnalysis, analyze
from picojoule.arch.loader import load_arch
from picojoule.cli.carbon_option import (
    add_carbon_args,
    analysis_carbon,
    carbon_lines,
    carbon_settings,
)
from picojoule.cli.notes import stats_notes, utilization_notes
from picojoule.cli.options import add_search_args, prepare_output, progress_bar, search_options
from picojoule.cli.render import compact_table, saving_lines, saving_table, stats_table
from picojoule.errors import Collector, SpecError
from picojoule.importers import load_model
from picojoule.mapping.text import format_mapping
from picojoule.workload.density import parse_overrides
from picojoule.workload.network import with_bits, with_densities

DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "picojoule", "layers")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="analyze a whole network: best mapping per layer",
                       description="Search the best mapping of every distinct layer of a "
                                   "network and report energy, cycles and utilization per "
                                   "layer and in total, by level and operand.")
    p.add_argument("model", metavar="MODEL", help="zoo name (resnet18, ...), .onnx, network "
                   ".yaml/.json, or a .txt list of layer texts (one per line)")
    p.add_argument("--arch", required=True, help="preset name or architecture YAML file")
    p.add_argument("--batch", type=int, default=1, help="batch size (default 1)")
    add_search_args(p, "20000")
    p.add_argument("--bits", metavar="B", help="precision of every layer's operands, overriding "
                   "the model's: 16 (all), or per operand i=8,w=4,o=16[,p=32] (inputs, "
                   "weights, outputs, partial sums; partial sums at least the outputs')")
    p.add_argument("--density", metavar="D", help="densities of every layer's operands, "
                   "overriding the model's: w=0.5,i=0.4 or a density model such as "
                   "w=nm(2,4,C) or i=hypergeometric(0.4) (see docs/sparsity.md)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="local processes searching layers in parallel (default 2)")
    p.add_argument("--cache", nargs="?", const=DEFAULT_CACHE, default=None, metavar="DIR",
                   help=f"keep searched layers as JSON in DIR (default {DEFAULT_CACHE}) and "
                        "reuse them")
    p.add_argument("--json", action="store_true", help="print a JSON document instead")
    p.add_argument("--csv", metavar="F", help="also write per-layer rows to a CSV file")
    p.add_argument("--report", metavar="F.html", help="also write an HTML report")
    add_carbon_args(p)
    p.set_defaults(func=run)


BIT_KEYS = {"i": "inputs", "w": "weights", "o": "outputs", "p": "psum"}


def parse_bits(text: str) -> dict[str, int]:
    """``16`` or ``i=8,w=4,o=16,p=32`` -> bits per operand (``psum`` for partial sums)."""
    c = Collector("--bits")
    out: dict[str, int] = {}
    parts = [p.strip() for p in text.split(",") if p.strip()]
    for part in parts or [text]:
        key, sep, value = part.partition("=")
        names = [BIT_KEYS.get(key.strip())] if sep else ["inputs", "weights", "outputs"]
        number = value if sep else key
        if None in names:
            c.add("", f"a number of bits or keys {', '.join(BIT_KEYS)} as i=8,w=4,o=16, "
                      f"got {part!r}")
            continue
        try:
            bits = int(number)
        except ValueError:
            bits = 0
        if not 1 <= bits <= 64:
            c.add("", f"a bit width between 1 and 64, got {number!r} in {text!r}")
            continue
        out.update({str(n): bits for n in names})
    c.raise_if_any()
    return out


def layer_table(a: NetworkAnalysis) -> Table:
    t = compact_table(f"{a.network} on {a.arch.name}")
    for col in ("layer", "shape", "energy (µJ)", "pJ/MAC", "cycles", "util", "search"):
        t.add_column(col, justify="left" if col in ("layer", "shape", "search") else "right",
                     overflow="fold", no_wrap=col not in ("layer", "shape", "search"))
    for r in a.layers:
        if r.stats is None:
            t.add_row(escape(r.name), escape(r.layer.to_text()), "-", "-", "-", "-",
                      escape(f"unmapped: {r.error}"))
            continue
        how = "cached" if r.search.get("cached") else (
            "proven" if r.search.get("proven") else f"{r.search.get('evaluated', 0):,} evals")
        t.add_row(escape(r.name), escape(r.layer.to_text()), f"{r.stats.energy_pj / 1e6:,.2f}",
                  f"{r.stats.pj_per_mac:.3f}", f"{r.stats.cycles:,.0f}",
                  f"{r.stats.utilization:.2f}", how)
    return t


def write_csv(a: NetworkAnalysis, path: str) -> None:
    levels = [lv.name for lv in a.arch.levels]
    try:
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            # energy_pj = the level columns + mac + network (wires) + static (idle power)
            w.writerow(["name", "layer", "macs", "energy_pj", "pj_per_mac", "cycles",
                        "utilization", *(f"{lv}_energy_pj" for lv in levels), "mac_energy_pj",
                        "network_energy_pj", "static_energy_pj", "mapping", "error"])
            for r in a.layers:
                s = r.stats
                if s is None:
                    w.writerow([r.name, r.layer.to_text(), r.layer.macs, *[""] * (8 + len(
                        levels)), r.error])
                    continue
                mapping = " | ".join(format_mapping(r.mapping).splitlines()) if r.mapping else ""
                result = r.result
                by_level = result.totals(["level"])
                w.writerow([r.name, r.layer.to_text(), s.macs, s.energy_pj, s.pj_per_mac,
                            s.cycles, s.utilization, *(by_level.get((lv,), 0.0) for lv in levels),
                            *(result.total(component=c) for c in ("compute", "network",
                                                                  "static")), mapping, ""])
    except OSError as exc:
        raise SpecError.single(path, "", f"a writable CSV path ({exc.strerror})") from None


def run(args: argparse.Namespace) -> int:
    arch = load_arch(args.arch)
    net = load_model(args.model, batch=args.batch, where="MODEL")
    if args.bits:
        net = with_bits(net, parse_bits(args.bits))
    if args.density:
        net = with_densities(net, parse_overrides(args.density, "--density"), "--density")
    options = search_options(args, arch.dataflow)
    carbon = carbon_settings(args)  # a bad --carbon fails before the analysis
    if isinstance(args.workers, bool) or args.workers < 1:
        raise SpecError.single("--workers", "", f"a positive integer, got {args.workers}")
    for flag, path in (("--csv", args.csv), ("--report", args.report)):
        if path:  # fail before a long analysis, not after it
            prepare_output(flag, path)
    distinct = len({layer.signature for layer in net.layers})
    with progress_bar(f"mapping {net.name} ({distinct} distinct layers)", distinct) as tick:
        a = analyze(net, arch, options, workers=args.workers, cache_dir=args.cache,
                    progress=(lambda _name: tick(1)) if tick else None)
    if args.csv:
        write_csv(a, args.csv)
    if args.report:
        from picojoule.report import write_report

        write_report(a, args.report)
    co2 = analysis_carbon(a, carbon)
    if args.json:
        print(json.dumps({**a.to_dict(), **({"carbon": co2.to_dict()} if co2 else {})}, indent=2))
        return 0
    out = Console()
    out.print(layer_table(a))
    t = a.totals
    if t is not None:
        out.print(stats_table(a.result, f"where the joules go: {a.network} on {a.arch.name}, "
                                 "all layers"))
        for line in (f"total energy {t.energy_pj / 1e6:,.2f} µJ ({t.pj_per_mac:.3f} pJ/MAC)",
                     f"total cycles {t.cycles:,.0f} ({t.seconds * 1e3:.3f} ms); utilization "
                     f"{t.utilization:.3f}; area {t.area_um2 / 1e6:.3f} mm²",
                     f"{a.distinct} distinct layers of {len(a.layers)}: {a.searched} searched, "
                     f"{a.cache_hits} from cache, {a.seconds:.2f} s"):
            out.print(line, markup=False, highlight=False)
        for line in (*stats_notes(t), *utilization_notes(a)):
            out.print(line, markup=False, highlight=False)
    sv = a.saving
    if sv is not None:
        out.print(saving_table(sv, f"what sparsity saves: {a.network} on {a.arch.name}, each "
                                   "layer vs its mapping dense"))
        for line in saving_lines(sv):
            out.print(line, markup=False, highlight=False)
    if a.vector_costs:
        vec_pj = sum(v.energy_pj for v in a.vector_costs)
        out.print(f"{len(a.vector_costs)} vector operations (softmax, norms, pooling, adds ...) "
                  f"on the vector unit: {vec_pj / 1e6:,.2f} µJ, "
                  f"{sum(v.cycles for v in a.vector_costs):,.0f} cycles", markup=False,
                  highlight=False)
    for r in a.layers:
        if r.error:
            out.print(f"unmapped {r.name}: {r.error}", markup=False, highlight=False)
    for line in carbon_lines(co2) if co2 else []:
        out.print(line, markup=False, highlight=False)
    if args.report:
        out.print(f"report written to {args.report}", markup=False, highlight=False)
    return 0
