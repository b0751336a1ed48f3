"""``picojoule arch list|show NAME``: the presets and what each action costs on them."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from picojoule.arch.loader import load_arch, preset_names
from picojoule.cli.render import compact_table
from picojoule.cost.energy import energy_model
from picojoule.workload.einsum import gemm


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("arch", help="list or show architectures")
    asub = p.add_subparsers(dest="arch_command", metavar="list|show", required=True)
    asub.add_parser("list", help="list the presets").set_defaults(func=run_list)
    show = asub.add_parser("show", help="show one preset or file with its per-action energies")
    show.add_argument("name", help="preset name or architecture YAML file")
    show.set_defaults(func=run_show)


def run_list(args: argparse.Namespace) -> int:
    console = Console()
    table = compact_table()
    table.add_column("preset", no_wrap=True)
    for col in ("PEs", "levels", "node", "clock", "dataflow"):
        table.add_column(col, no_wrap=col != "levels")
    for name in preset_names():
        a = load_arch(name)
        table.add_row(name, str(a.num_pes), escape(" > ".join(lv.name for lv in a.levels)),
                      f"{a.node_nm:g} nm", f"{a.clock_hz / 1e6:g} MHz", a.dataflow or "-")
    console.print(table)
    return 0


def run_show(args: argparse.Namespace) -> int:
    arch = load_arch(args.name)
    console = Console()
    console.print(f"{arch.name}: {arch.description.strip()}", markup=False)
    console.print(f"{arch.node_nm:g} nm, {arch.voltage_v:g} V, {arch.clock_hz / 1e6:g} MHz, "
                  f"{arch.num_pes} PEs, dataflow {arch.dataflow or '-'}"
                  f"{', systolic' if arch.systolic else ''}")
    # Per-action energies for a representative INT8 layer (MAC energy depends on precision).
    model = energy_model(arch, gemm(8, 8, 8))
    table = compact_table("storage (outermost first)")
    for col in ("level", "kind", "count", "KiB", "bits", "keeps", "fan-out", "read pJ",
                "write pJ"):
        table.add_column(col, no_wrap=True, justify="left" if col in ("level", "kind", "keeps")
                         else "right")
    for lvl, inst, le in zip(arch.levels, arch.instances, model.levels, strict=True):
        cap = "∞" if lvl.capacity_bits is None else f"{lvl.capacity_bits / 8 / 1024:.4g}"
        fan = f"{lvl.fanout.x}×{lvl.fanout.y}" if lvl.fanout.size > 1 else ""
        table.add_row(escape(lvl.name), escape(lvl.kind), str(inst), cap, str(lvl.width_bits),
                      " ".join(k[0].upper() for k in sorted(lvl.keeps)), fan,
                      f"{le.read_pj:.4g}", f"{le.write_pj:.4g}")
    console.print(table)
    console.print("keeps: I inputs, O outputs, W weights; energies per access of the width")
    for le in model.levels:
        console.print(f"  {le.name}: {le.source}", markup=False)
    console.print(f"MAC (int8, 16-b accumulate): {model.mac_pj:.4g} pJ — {model.mac_source}")
    console.print(f"wire: {model.wire_pj_per_bit_mm:.4g} pJ/bit-mm — {model.wire_source}")
    for src in arch.sources:
        console.print(f"  source: {src}", markup=False)
    return 0
