"""Tables for the terminal (rich). Breakdowns come from a ``Result``, the one-chip summary
from ``Stats``; drawing only happens here."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from picojoule.cost.saving import Saving
from picojoule.cost.stats import Stats
from picojoule.result import Result


def _eng(value: float) -> str:
    for unit, scale in (("", 1.0), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12)):
        if abs(value) < scale * 1000:
            return f"{value / scale:,.3g}{unit}" if scale > 1 else f"{value:,.4g}"
    return f"{value:.3e}"


def compact_table(title: str | None = None) -> Table:
    """A table that stays readable in an 80-column terminal: a rule under the header and
    single spaces between columns instead of a box."""
    return Table(title=escape(title) if title else None, title_justify="left",
                 box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), collapse_padding=True)


def stats_table(result: Result, title: str) -> Table:
    """Level x operand rows (reads, fills, updates, energy), then MAC, static, network."""
    table = compact_table(title)
    for col in ("level", "operand", "reads", "fills", "updates", "energy (pJ)", "share"):
        table.add_column(col, justify="left" if col in ("level", "operand") else "right")
    total = result.energy_pj or 1.0
    for level, ops in result.storage().items():
        for op, c in ops.items():
            table.add_row(escape(level), escape(op), _eng(c["reads"]), _eng(c["fills"]),
                          _eng(c["updates"]), _eng(c["energy_pj"]),
                          f"{100 * c['energy_pj'] / total:.1f}%")
    mac = result.total(component="compute")
    table.add_row("MAC", "", _eng(result.macs), "", "", _eng(mac), f"{100 * mac / total:.1f}%")
    for name, component in (("static", "static"), ("network", "network")):
        energy = result.total(component=component)
        if energy:
            table.add_row(name, "", "", "", "", _eng(energy), f"{100 * energy / total:.1f}%")
    return table


def saving_table(sv: Saving, title: str) -> Table:
    """Per level x operand: energy of the same mapping dense and sparse, what was saved and
    how (format / gate / skip), accesses gated and skipped; then the MACs and the total."""
    table = compact_table(title)
    for col in ("level", "operand", "dense pJ", "sparse pJ", "saved", "how", "gated",
                "skipped"):
        table.add_column(col, justify="left" if col in ("level", "operand", "how") else "right",
                         no_wrap=col != "operand")
    for r in sv.rows:
        share = f"{100 * r.saved_pj / r.dense_pj:.0f}%" if r.dense_pj else "-"
        table.add_row(escape(r.level), escape(r.operand), _eng(r.dense_pj), _eng(r.sparse_pj),
                      share, r.how, _eng(r.gated) if r.gated else "",
                      _eng(r.skipped) if r.skipped else "")
    mac_saved = sv.dense_mac_pj - sv.sparse_mac_pj
    table.add_row("MAC", "", _eng(sv.dense_mac_pj), _eng(sv.sparse_mac_pj),
                  f"{100 * mac_saved / sv.dense_mac_pj:.0f}%" if sv.dense_mac_pj else "-",
                  "", "", "")
    table.add_row("total", "", _eng(sv.dense_energy_pj), _eng(sv.sparse_energy_pj),
                  f"{100 * (1 - sv.sparse_energy_pj / sv.dense_energy_pj):.0f}%"
                  if sv.dense_energy_pj else "-", "", "", "")
    return table


def saving_lines(sv: Saving) -> list[str]:
    return [f"sparsity    {sv.dense_energy_pj / max(sv.sparse_energy_pj, 1e-30):.2f}x less "
            f"energy, {sv.dense_cycles / max(sv.sparse_cycles, 1e-30):.2f}x fewer cycles than "
            "the same mapping dense (format: compressed, gate: energy only, skip: energy and "
            "cycle); utilization counts every MAC of the dense layer, so skipping can take it "
            "above 1"]


def summary_lines(stats: Stats) -> list[str]:
    return [
        f"energy      {stats.energy_pj:,.0f} pJ  ({stats.pj_per_mac:.3f} pJ/MAC)",
        f"MACs        {stats.macs:,}",
        f"cycles      {stats.cycles:,.0f}  ({stats.seconds * 1e3:.3f} ms at "
        f"{stats.clock_hz / 1e6:g} MHz)",
        f"utilization {stats.utilization:.3f}  ({stats.used_pes} of {stats.num_pes} PEs mapped)",
        f"area        {stats.area_um2 / 1e6:.3f} mm²",
    ]


def print_stats(stats: Stats, title: str, console: Console | None = None) -> None:
    console = console or Console()
    console.print(stats_table(stats.to_result(), title))
    from picojoule.cli.notes import stats_notes

    for line in (*summary_lines(stats), *stats_notes(stats)):
        console.print(line, markup=False, highlight=False)
