"""The HTML report of a network analysis: ``plot_data`` computes every number that is drawn
(energy per layer stacked by level, pJ/MAC, utilization, energy by level x operand, the
roofline), ``render_html`` only draws it (``report.interactive``: one self-contained page,
plotly embedded, nothing fetched). Every name is escaped with ``html.escape``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from picojoule.analysis.network import NetworkAnalysis
from picojoule.mapping.text import format_mapping


@dataclass(frozen=True)
class PlotData:
    title: str
    layers: tuple[str, ...]
    parts: tuple[str, ...]  # stack components: storage levels, then MAC, network, static
    energy_pj: tuple[tuple[float, ...], ...]  # per layer, per part
    pj_per_mac: tuple[float, ...]
    utilization: tuple[float, ...]
    rows: tuple[dict[str, Any], ...]  # table rows
    totals: dict[str, Any]
    unmapped: tuple[tuple[str, str], ...]
    not_costed: tuple[str, ...]
    vector_energy_pj: float = 0.0  # the vector unit's softmax, norms, pooling, adds ...
    vector_ops: int = 0
    roofline_svg: str = ""  # the classic roofline of every layer on this arch
    breakdown: tuple[tuple[str, str, float], ...] = ()  # (level, operand, pJ) of the network
    # on a sparse arch: per level x operand (then "MAC" and "total") what sparsity saves
    # against each layer's mapping dense: level, operand, dense_pj, sparse_pj, saved_pj, how,
    # gated, skipped (``picojoule.cost.saving``); empty on a dense arch
    sparsity: tuple[dict[str, Any], ...] = ()


def plot_data(a: NetworkAnalysis) -> PlotData:
    mapped = [(r, r.stats, r.mapping) for r in a.layers
              if r.stats is not None and r.mapping is not None]
    levels = [lv.name for lv in a.arch.levels]
    parts = (*levels, "MAC", "network", "static")
    energy, rows = [], []
    for r, s, mapping in mapped:
        result = r.result
        by_level = result.totals(["level"])
        energy.append((*(by_level.get((lv,), 0.0) for lv in levels),
                       *(result.total(component=c) for c in ("compute", "network", "static"))))
        rows.append({"name": r.name, "layer": r.layer.to_text(), "macs": s.macs,
                     "energy_pj": s.energy_pj, "pj_per_mac": s.pj_per_mac, "cycles": s.cycles,
                     "utilization": s.utilization, "mapping": format_mapping(mapping),
                     "search": r.search.get("certainty", "")})
    t = a.totals
    totals = {} if t is None else {"energy_pj": t.energy_pj, "pj_per_mac": t.pj_per_mac,
                                   "cycles": t.cycles, "utilization": t.utilization,
                                   "macs": t.macs, "area_mm2": t.area_um2 / 1e6,
                                   "seconds": t.seconds}
    return PlotData(
        title=f"{a.network} on {a.arch.name}", layers=tuple(r.name for r, _, _ in mapped),
        parts=parts, energy_pj=tuple(energy),
        pj_per_mac=tuple(s.pj_per_mac for _, s, _ in mapped),
        utilization=tuple(s.utilization for _, s, _ in mapped),
        rows=tuple(rows), totals=totals,
        unmapped=tuple((r.name, r.error or "") for r in a.layers if r.error),
        not_costed=a.vector_ops,
        vector_energy_pj=sum(v.energy_pj for v in a.vector_costs),
        vector_ops=len(a.vector_costs), roofline_svg=_roofline(a), breakdown=_breakdown(a),
        sparsity=_sparsity(a))


def _sparsity(a: NetworkAnalysis) -> tuple[dict[str, Any], ...]:
    """Rows of what sparsity saves in the whole network: each level x operand, the MACs and
    the total, dense against sparse (each layer on its own mapping)."""
    sv = a.saving
    if sv is None:
        return ()
    rows = [r.to_dict() for r in sv.rows]
    for name, dense, sparse in (("MAC", sv.dense_mac_pj, sv.sparse_mac_pj),
                                ("total", sv.dense_energy_pj, sv.sparse_energy_pj)):
        rows.append({"level": name, "operand": "", "dense_pj": dense, "sparse_pj": sparse,
                     "saved_pj": dense - sparse, "metadata_pj": 0.0, "gated": 0.0,
                     "skipped": 0.0, "how": "-"})
    return tuple(rows)


def _breakdown(a: NetworkAnalysis) -> tuple[tuple[str, str, float], ...]:
    """Energy of the whole network by (level, operand); compute, wires, static and the vector
    unit as their own rows. Every joule of ``a.result`` sits in exactly one row."""
    r = a.result
    rows = [(lv, op, e) for (comp, lv, op), e in r.totals(["component", "level", "operand"])
            .items() if comp == "storage" and e]
    names = {"compute": "MAC / vector ops", "network": "on-chip wires", "static": "static"}
    rows += [(names[c], "", r.total(component=c)) for c in names if r.total(component=c)]
    return tuple(rows)


def _roofline(a: NetworkAnalysis) -> str:
    from picojoule.system.devices import arch_device
    from picojoule.system.roofline import chart, op_roofline, svg

    device = arch_device(a.arch)
    points = tuple(op_roofline(r.layer, device) for r in a.layers)
    return svg(chart(device, device.precisions[0], points))


def render_html(data: PlotData) -> str:
    """Draw ``data``: the interactive page of ``report.interactive``."""
    from picojoule.report.interactive import render_interactive

    return render_interactive(data)


def write_report(a: NetworkAnalysis, path: str) -> None:
    from pathlib import Path

    from picojoule.errors import SpecError

    try:
        Path(path).write_text(render_html(plot_data(a)), encoding="utf-8")
    except OSError as exc:
        raise SpecError.single(path, "", f"a writable report path ({exc.strerror})") from None
