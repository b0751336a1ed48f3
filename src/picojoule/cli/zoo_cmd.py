"""``picojoule zoo list | show NAME``: the built-in models, their layers and footprints."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console

from picojoule.cli.render import compact_table


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("zoo", help="built-in models (shapes only)",
                                   description="List the built-in models or show one.")
    sub = parser.add_subparsers(dest="zoo_command", metavar="ACTION")
    lister = sub.add_parser("list", help="every zoo model with MACs and parameters")
    lister.add_argument("--json", action="store_true", help="machine-readable output")
    lister.set_defaults(func=run)
    show = sub.add_parser("show", help="the layers of one model (any model spec works)")
    show.add_argument("name", help="a zoo name, .onnx, network .yaml/.json or config .json")
    show.add_argument("--footprint", action="store_true",
                      help="memory footprint by precision (weights, KV cache)")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.add_argument("--batch", type=int, default=1, help="batch size (default 1)")
    show.add_argument("--phase", choices=("prefill", "decode"), default="prefill",
                      help="transformers: prefill S tokens or decode one token")
    show.add_argument("--seq", type=int, default=None, help="sequence length S (default 128)")
    show.add_argument("--kv", type=int, default=None, help="decode: KV-cache length L")
    show.add_argument("--distinct", action="store_true",
                      help="only structurally distinct layers, with counts")
    show.add_argument("--allow-unsupported", action="store_true",
                      help="ONNX: skip ops picojoule cannot model (they are listed)")
    show.set_defaults(func=run)
    parser.set_defaults(func=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run(args: argparse.Namespace) -> int:
    console = Console(file=sys.stdout)
    if args.zoo_command == "list":
        return _list(args, console)
    return _show(args, console)


def _list(args: argparse.Namespace, console: Console) -> int:
    from picojoule.workload import zoo

    rows: list[dict[str, Any]] = []
    for name, entry in zoo.entries().items():
        net = zoo.build(name)
        rows.append({"name": name, "macs": net.macs, "params": net.params,
                     "layers": len(net.layers), "description": entry.description,
                     "source": entry.source})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    table = compact_table("picojoule zoo (batch 1; transformers: prefill, 128 tokens; "
                          "ViT 197 tokens)")
    for col, justify in (("name", "left"), ("GMACs", "right"), ("params (M)", "right"),
                         ("layers", "right"), ("description", "left"), ("source", "left")):
        table.add_column(col, justify=justify,  # type: ignore[arg-type]
                         no_wrap=col not in ("description", "source"), overflow="fold")
    for r in rows:
        table.add_row(r["name"], f"{r['macs'] / 1e9:.3f}", f"{r['params'] / 1e6:.2f}",
                      str(r["layers"]), r["description"], r["source"])
    console.print(table)
    return 0


def _show(args: argparse.Namespace, console: Console) -> int:
    from picojoule.importers import load_model
    from picojoule.workload import footprint, network_to_dict, summarize

    net = load_model(args.name, args.batch, args.phase, args.seq, args.kv, where="zoo show",
                     allow_unsupported=args.allow_unsupported)
    skipped = net.info.get("skipped_ops")
    if skipped:
        print("skipped unsupported ops: " + ", ".join(f"{k} x{v}" for k, v in skipped.items()),
              file=sys.stderr)
    if args.footprint:
        rows = footprint(net)
        if args.json:
            print(json.dumps({"name": net.name, "params": net.params,
                              "footprint": [r.__dict__ for r in rows], **net.info}, indent=1))
            return 0
        table = compact_table(f"{net.name}: memory footprint ({net.params / 1e9:.3f} B params)")
        for col in ("precision", "weights (GB)", "KV cache / token (bytes)",
                    f"KV cache at batch {net.info.get('batch', 1)} x "
                    f"{net.info.get('context', 0)} (GB)"):
            table.add_column(col, justify="right")
        for r in rows:
            table.add_row(f"{r.precision} ({r.bits} b)", f"{r.weight_bytes / 1e9:.2f}",
                          f"{r.kv_cache_bytes_per_token:,}", f"{r.kv_cache_bytes / 1e9:.3f}")
        console.print(table)
        return 0
    if args.json:
        print(json.dumps(network_to_dict(net), indent=1))
        return 0
    table = compact_table(f"{net.name} ({', '.join(f'{k}={v}' for k, v in net.meta)})")
    for col, justify in (("name", "left"), ("type", "left"), ("shape", "left"),
                         ("MACs", "right"), ("params", "right"), ("activations", "right")):
        table.add_column(col, justify=justify,  # type: ignore[arg-type]
                         no_wrap=col in ("MACs", "params", "activations"), overflow="fold")
    if args.distinct:
        table.add_column("count", justify="right")
        by_name = {n.name: n for n in net.nodes}
        for layer, count in net.distinct_layers():
            n = by_name[layer.name]
            table.add_row(n.name, n.type, n.shape, f"{n.macs:,}", f"{n.params:,}",
                          f"{n.activations:,}", str(count))
    else:
        for n in net.nodes:
            table.add_row(n.name, n.type, n.shape, f"{n.macs:,}" if n.macs else "",
                          f"{n.params:,}" if n.params else "", f"{n.activations:,}")
    console.print(table)
    s = summarize(net)
    console.print(f"total: {s['macs']:,} MACs ({s['macs'] / 1e9:.3f} G) in {s['layers']} "
                  f"layers ({s['distinct_layers']} distinct), {s['params']:,} params "
                  f"({s['params'] / 1e6:.2f} M), {s['vector_ops']} vector ops "
                  f"({s['vector_elements']:,} elements)")
    return 0
