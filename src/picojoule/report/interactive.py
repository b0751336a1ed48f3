"""The analysis report as one self-contained interactive page: plotly with its JavaScript
embedded (it opens offline and fetches nothing), every number from ``plot_data``.

Four views: energy per layer stacked by level (hover: the layer's shape and mapping), pJ/MAC
per layer on a log axis (so the convolutions can be told apart; layers more than ten times the
median are marked as outliers and named), utilization per layer, and energy by level x
operand for the whole network, the terminal's breakdown table. Every name a file can carry
(layers, levels, mappings, errors) is escaped before it reaches the page.
"""

from __future__ import annotations

import html
import statistics
from typing import Any

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")
OUTLIER_FACTOR = 10.0  # a layer whose pJ/MAC is this many times the median is marked


def outliers(values: tuple[float, ...]) -> tuple[int, ...]:
    """Indices of values more than ``OUTLIER_FACTOR`` times the median (positive values)."""
    positive = [v for v in values if v > 0]
    if not positive:
        return ()
    median = statistics.median(positive)
    return tuple(i for i, v in enumerate(values) if v > OUTLIER_FACTOR * median)


def render_interactive(d: Any) -> str:
    """The page for ``d``, a ``report.html.PlotData``."""
    import plotly.graph_objects as go

    esc = html.escape
    breakdown = list(d.breakdown)
    names = [esc(n) for n in d.layers]
    hover = [esc(f"{r['name']}: {r['layer']}") + "<br>" + esc(r["mapping"]).replace(
        "\n", "<br>") for r in d.rows]
    energy = go.Figure()
    for k, part in enumerate(d.parts):
        values = [row[k] / 1e6 for row in d.energy_pj]
        if not any(values):
            continue
        energy.add_trace(go.Bar(x=values, y=names, orientation="h", name=esc(part),
                                marker_color=PALETTE[k % len(PALETTE)], customdata=hover,
                                hovertemplate="%{customdata}<br>" + esc(part) +
                                ": %{x:.4g} µJ<extra></extra>"))
    energy.update_layout(barmode="stack", title="energy per layer by level",
                         xaxis_title="energy (µJ)", yaxis={"autorange": "reversed"},
                         height=max(320, 22 * len(names) + 140))
    marked = outliers(d.pj_per_mac)
    colors = [PALETTE[2] if i in marked else PALETTE[0] for i in range(len(names))]
    per_mac = go.Figure(go.Bar(x=list(d.pj_per_mac), y=names, orientation="h",
                               marker_color=colors, customdata=hover,
                               hovertemplate="%{customdata}<br>%{x:.4g} pJ/MAC<extra></extra>"))
    note = (" (red: more than 10x the median — " + ", ".join(names[i] for i in marked) + ")"
            if marked else "")
    per_mac.update_layout(title="energy per MAC" + note, xaxis_title="pJ/MAC (log scale)",
                          xaxis_type="log", yaxis={"autorange": "reversed"},
                          height=max(320, 22 * len(names) + 140))
    util = go.Figure(go.Bar(x=list(d.utilization), y=names, orientation="h",
                            marker_color=PALETTE[4], customdata=hover,
                            hovertemplate="%{customdata}<br>utilization %{x:.3f}<extra></extra>"))
    util.update_layout(title="utilization (MACs / (cycles x PEs))", xaxis_title="utilization",
                       xaxis_range=[0, 1.05], yaxis={"autorange": "reversed"},
                       height=max(320, 22 * len(names) + 140))
    levels = list(dict.fromkeys(lv for lv, _, _ in breakdown))
    operands = list(dict.fromkeys(op for _, op, _ in breakdown))
    grid = go.Figure()
    for k, op in enumerate(operands):
        grid.add_trace(go.Bar(x=[esc(lv) for lv in levels], name=esc(op or "—"),
                              marker_color=PALETTE[k % len(PALETTE)],
                              y=[sum(e for lv2, op2, e in breakdown if lv2 == lv and op2 == op)
                                 / 1e6 for lv in levels]))
    grid.update_layout(barmode="stack", title="network energy by level and operand",
                       yaxis_title="energy (µJ)")
    figures = [energy, per_mac, util, grid]
    saved = [r for r in d.sparsity if r["level"] != "total"]
    if saved:
        labels = [esc(f"{r['level']} {r['operand']}".strip()) for r in saved]
        sparse_fig = go.Figure()
        for k, (key, name) in enumerate((("dense_pj", "dense (same mapping)"),
                                         ("sparse_pj", "sparse"))):
            sparse_fig.add_trace(go.Bar(
                x=labels, y=[r[key] / 1e6 for r in saved], name=name,
                marker_color=PALETTE[k], customdata=[esc(r["how"]) for r in saved],
                hovertemplate="%{x}: %{y:.4g} µJ (%{customdata})<extra></extra>"))
        sparse_fig.update_layout(barmode="group", yaxis_title="energy (µJ)",
                                 title="what sparsity saves per level and operand "
                                       "(format: compressed; gate: energy; skip: energy and "
                                       "cycles)")
        figures.append(sparse_fig)
    plots = [f.to_html(full_html=False, include_plotlyjs=(i == 0),
                       div_id=f"plot-{i}", config={"displaylogo": False})
             for i, f in enumerate(figures)]
    total = sum(e for _, _, e in breakdown) or 1.0
    table = "".join(f"<tr><td>{esc(lv)}</td><td>{esc(op)}</td><td>{e / 1e6:,.3f}</td>"
                    f"<td>{100 * e / total:.1f}%</td></tr>" for lv, op, e in breakdown)
    head = ("name", "layer", "MACs", "energy (pJ)", "pJ/MAC", "cycles", "utilization",
            "mapping", "search")
    layer_rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in (
        esc(r["name"]), esc(r["layer"]), f"{r['macs']:,}", f"{r['energy_pj']:,.0f}",
        f"{r['pj_per_mac']:.3f}", f"{r['cycles']:,.0f}", f"{r['utilization']:.3f}",
        f"<pre>{esc(r['mapping'])}</pre>", esc(str(r["search"])))) + "</tr>" for r in d.rows)
    totals = "".join(f"<li>{esc(k)}: {v:,.4g}</li>" for k, v in d.totals.items())
    unmapped = "".join(f"<li>{esc(n)}: {esc(why)}</li>" for n, why in d.unmapped)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{esc(d.title)}</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;"
        "text-align:right;vertical-align:top}td:first-child,td:nth-child(2){text-align:left}pre{margin:0;text-align:left}</style></head><body>"
        f"<h1>{esc(d.title)}</h1><ul>{totals}</ul>{''.join(plots)}"
        "<h2>energy by level and operand</h2><table><tr><th>level</th><th>operand</th>"
        f"<th>energy (µJ)</th><th>share</th></tr>{table}</table>"
        + (f"<h2>Not mapped</h2><ul>{unmapped}</ul>" if unmapped else "")
        + (f"<p>{d.vector_ops} vector operations (activations, norms, pooling, adds) on the "
           f"vector unit: {d.vector_energy_pj / 1e6:,.3f} µJ.</p>" if d.vector_ops else "")
        + (f"<h2>roofline</h2>{d.roofline_svg}" if d.roofline_svg else "")
        + "<h2>layers</h2><table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"
        + layer_rows + "</table></body></html>")
