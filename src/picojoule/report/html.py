"""A self-contained HTML report of a network analysis: inline SVG, no scripts, no downloads.

``plot_data`` computes every number that is drawn (energy per layer stacked by level, pJ/MAC,
utilization); ``render_html`` only draws it. Every name is escaped with ``html.escape``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from picojoule.analysis.network import NetworkAnalysis
from picojoule.mapping.text import format_mapping

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")


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
        vector_ops=len(a.vector_costs), roofline_svg=_roofline(a))


def _roofline(a: NetworkAnalysis) -> str:
    from picojoule.system.devices import arch_device
    from picojoule.system.roofline import chart, op_roofline, svg

    device = arch_device(a.arch)
    points = tuple(op_roofline(r.layer, device) for r in a.layers)
    return svg(chart(device, device.precisions[0], points))


def _bars(names: tuple[str, ...], stacks: list[tuple[float, ...]], colors: list[str],
          title: str, unit: str, fmt: str = "{:.3g}") -> str:
    """A horizontal stacked bar chart as inline SVG."""
    e = html.escape
    label_w, bar_w, row_h = 190, 560, 16
    height = 30 + row_h * len(names) + 10
    top = max((sum(s) for s in stacks), default=0.0) or 1.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 90}" '
           f'height="{height}" role="img" aria-label="{e(title)}">',
           f'<text x="0" y="16" font-weight="bold">{e(title)} ({e(unit)})</text>']
    for i, (name, stack) in enumerate(zip(names, stacks, strict=True)):
        y = 26 + i * row_h
        out.append(f'<text x="{label_w - 4}" y="{y + 12}" text-anchor="end" '
                   f'font-size="11">{e(name)}</text>')
        x = float(label_w)
        for value, color in zip(stack, colors, strict=True):
            w = bar_w * value / top
            if w > 0:
                out.append(f'<rect x="{x:.2f}" y="{y + 2}" width="{w:.2f}" height="{row_h - 4}" '
                           f'fill="{color}"><title>{e(name)}: {fmt.format(value)} '
                           f'{e(unit)}</title></rect>')
            x += w
        out.append(f'<text x="{x + 4:.2f}" y="{y + 12}" font-size="11">'
                   f'{fmt.format(sum(stack))}</text>')
    out.append("</svg>")
    return "".join(out)


def render_html(data: PlotData) -> str:
    e = html.escape
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(data.parts))]
    legend = " ".join(f'<span style="color:{c}">&#9632;</span> {e(p)}'
                      for p, c in zip(data.parts, colors, strict=True))
    charts = [
        _bars(data.layers, [tuple(v / 1e6 for v in s) for s in data.energy_pj], colors,
              "Energy per layer by level", "µJ"),
        _bars(data.layers, [(v,) for v in data.pj_per_mac], [PALETTE[0]], "Energy per MAC",
              "pJ/MAC"),
        _bars(data.layers, [(v,) for v in data.utilization], [PALETTE[4]], "Utilization",
              "fraction of PE-cycles", "{:.2f}"),
    ]
    head = ("name", "layer", "MACs", "energy (pJ)", "pJ/MAC", "cycles", "utilization",
            "mapping", "search")
    rows = []
    for r in data.rows:
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in (
            e(r["name"]), e(r["layer"]), f"{r['macs']:,}", f"{r['energy_pj']:,.0f}",
            f"{r['pj_per_mac']:.3f}", f"{r['cycles']:,.0f}", f"{r['utilization']:.3f}",
            f"<pre>{e(r['mapping'])}</pre>", e(str(r["search"])))) + "</tr>")
    totals = "".join(f"<li>{e(k)}: {v:,.4g}</li>" for k, v in data.totals.items())
    unmapped = "".join(f"<li>{e(n)}: {e(msg)}</li>" for n, msg in data.unmapped)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>picojoule: {e(data.title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}td,th{border-bottom:1px solid #ddd;"
        "padding:2px 6px;vertical-align:top;font-size:12px}pre{margin:0}</style></head><body>",
        f"<h1>Where do the joules go? {e(data.title)}</h1>",
        f"<h2>Totals</h2><ul>{totals}</ul>",
        f"<p>{legend}</p>", *charts,
        (f"<h2>Not mapped</h2><ul>{unmapped}</ul>" if unmapped else ""),
        (f"<p>{len(data.not_costed)} vector operations (activations, pooling, adds) are not "
         "costed yet.</p>" if data.not_costed else ""),
        (f"<p>{data.vector_ops} vector operations (activations, norms, pooling, adds) on the "
         f"vector unit: {data.vector_energy_pj / 1e6:,.3f} µJ.</p>" if data.vector_ops else ""),
        (f"<h2>Roofline</h2>{data.roofline_svg}" if data.roofline_svg else ""),
        "<h2>Layers</h2><table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>",
        *rows, "</table></body></html>"])


def write_report(a: NetworkAnalysis, path: str) -> None:
    from pathlib import Path

    from picojoule.errors import SpecError

    try:
        Path(path).write_text(render_html(plot_data(a)), encoding="utf-8")
    except OSError as exc:
        raise SpecError.single(path, "", f"a writable report path ({exc.strerror})") from None
