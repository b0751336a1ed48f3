"""The sweep report: one self-contained HTML page (plotly with its JavaScript embedded, so it
opens offline) with the Pareto scatter (hover shows the design), the parallel coordinates of
the parameters, and the best design per objective against the base. Names are escaped."""

from __future__ import annotations

import html
from typing import Any

from picojoule.explore.plots import SweepPlotData


def render_sweep_html(d: SweepPlotData) -> str:
    import plotly.graph_objects as go

    esc = html.escape
    on = [p for p in d.points if p[3]]
    off = [p for p in d.points if not p[3]]
    scatter = go.Figure()
    for pts, name, size in ((off, "design", 7), (on, "Pareto front", 10)):
        scatter.add_trace(go.Scatter(
            x=[p[0] for p in pts], y=[p[1] for p in pts], mode="markers", name=name,
            marker={"size": size},
            text=[esc(f"trial {p[2]}: {p[4]}") for p in pts], hoverinfo="text+x+y"))
    scatter.add_trace(go.Scatter(x=[d.base[0]], y=[d.base[1]], mode="markers", name="base",
                                 marker={"size": 14, "symbol": "star"}))
    scatter.update_layout(title=esc(d.title), xaxis_title=esc(d.x_label),
                          yaxis_title=esc(d.y_label), xaxis_type="log", yaxis_type="log")
    dims = [{"label": esc(n), "values": list(d.columns[n])} for n in d.parameters]
    dims.append({"label": esc(d.x_label), "values": list(d.objective_column)})
    parallel = go.Figure(go.Parcoords(line={"color": list(d.objective_column)},
                                      dimensions=dims))
    parallel.update_layout(title="parameters of the feasible designs")
    parts = [scatter.to_html(full_html=False, include_plotlyjs=True),
             parallel.to_html(full_html=False, include_plotlyjs=False)]
    rows = "".join(
        f"<tr><td>{esc(b['objective'])}</td><td>{b['trial']}</td>"
        f"<td>{esc(_params(b['params']))}</td><td>{b['value']:.4g}</td>"
        f"<td>{b['base_over_best']:.2f}x</td></tr>" for b in d.best)
    table = ("<table><tr><th>objective</th><th>trial</th><th>design</th><th>value</th>"
             f"<th>base / best</th></tr>{rows}</table>"
             f"<p>{d.infeasible} designs infeasible (over a budget or unmappable).</p>")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{esc(d.title)}</title></head><body>"
            f"<h1>{esc(d.title)}</h1>{table}{''.join(parts)}</body></html>")


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
