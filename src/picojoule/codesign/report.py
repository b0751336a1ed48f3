"""Codesign results as a text table, JSON, and a self-contained HTML page with an SVG plot
of metric against energy (every point, the Pareto front joined by a line). With a grid
intensity and a PUE, ``co2e_g_per_inference`` gives each point's operational CO2e per
inference (energy x PUE x intensity), which the table (``co2e_ng``, nanograms) and the JSON
(``co2e_g_per_inference``, grams) then show."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

from picojoule.carbon.intensity import Intensity
from picojoule.carbon.operational import operational
from picojoule.carbon.params import Pue
from picojoule.carbon.report import PJ_PER_KWH
from picojoule.codesign.pipeline import Point
from picojoule.codesign.search import pareto_front
from picojoule.errors import SpecError

__all__ = ["co2e_g_per_inference", "format_table", "layer_records", "plot_data", "records",
           "render_html", "to_json", "to_pandas"]

CO2e = Mapping[str, float]  # point key -> grams CO2e per inference


def co2e_g_per_inference(points: Sequence[Point], intensity: Intensity, pue: Pue) -> CO2e:
    """Each point's operational CO2e of one inference in grams: its energy as IT energy,
    times the facility's PUE, times the grid's intensity (key -> grams)."""
    return {p.key: operational(p.energy_pj / PJ_PER_KWH, pue, intensity).kg_co2e * 1e3
            for p in points}


def format_table(points: Sequence[Point], metric_name: str = "metric",
                 co2e: CO2e | None = None) -> str:
    """One row per point by energy; with ``co2e``, a column of nanograms per inference."""
    front = {p.key for p in pareto_front(points)}
    carbon = f" {'co2e_ng':>9}" if co2e is not None else ""
    header = f"{'config':<44} {metric_name:>9} {'energy_uJ':>11} {'cycles':>11} " \
             f"{'area_mm2':>9} {'size_kB':>8}{carbon} front"
    lines = [header, "-" * len(header)]
    for p in sorted(points, key=lambda p: p.energy_pj):
        label = p.label if len(p.label) <= 44 else p.label[:41] + "..."
        ng = f" {co2e[p.key] * 1e9:>9.4g}" if co2e is not None else ""
        lines.append(f"{label:<44} {p.metric:>9.4f} {p.energy_uj:>11.3f} {p.cycles:>11.0f} "
                     f"{p.area_um2 / 1e6:>9.3f} {p.size_bits / 8e3:>8.1f}{ng} "
                     f"{'*' if p.key in front else ''}")
    return "\n".join(lines)


POINT_COLUMNS = ("key", "label", "metric", "energy_pj", "cycles", "area_um2", "size_bits",
                 "eval_seconds", "cost_seconds", "searched")


def records(points: Sequence[Point], co2e: CO2e | None = None) -> list[dict[str, Any]]:
    """One flat dict per point: its numbers, ``on_front`` and (with ``co2e``)
    ``co2e_g_per_inference``."""
    front = {p.key for p in pareto_front(points)}
    return [{**{c: getattr(p, c) for c in POINT_COLUMNS}, "on_front": p.key in front,
             **({"co2e_g_per_inference": co2e[p.key]} if co2e is not None else {})}
            for p in points]


def layer_records(points: Sequence[Point]) -> list[dict[str, Any]]:
    """One dict per (point, layer): energy_pj (incl. VS-Quant), vsq_pj, bits and density
    of each operand (``bits_weights``, ``density_weights``, ...)."""
    out = []
    for p in points:
        for name, layer in p.layers.items():
            row: dict[str, Any] = {"key": p.key, "label": p.label, "layer": name,
                                   "energy_pj": layer["energy_pj"],
                                   "vsq_pj": layer.get("vsq_pj", 0.0)}
            for what in ("bits", "density"):
                row |= {f"{what}_{op}": v for op, v in sorted(layer.get(what, {}).items())}
            out.append(row)
    return out


def to_pandas(points: Sequence[Point], co2e: CO2e | None = None,
              by: str = "point") -> Any:
    """``records`` (``by="point"``) or ``layer_records`` (``by="layer"``) as a pandas
    DataFrame (pandas is imported here only)."""
    import pandas as pd

    if by == "layer":
        return pd.DataFrame(layer_records(points))
    if by != "point":
        raise SpecError.single("to_pandas", "by", f"'point' or 'layer', got {by!r}")
    columns = [*POINT_COLUMNS, "on_front", *(["co2e_g_per_inference"] if co2e is not None else [])]
    return pd.DataFrame(records(points, co2e), columns=columns)


def plot_data(points: Sequence[Point]) -> dict[str, Any]:
    front = pareto_front(points)
    return {"points": [{"label": p.label, "energy_uj": p.energy_uj, "metric": p.metric}
                       for p in points],
            "front": [{"label": p.label, "energy_uj": p.energy_uj, "metric": p.metric}
                      for p in front]}


def to_json(points: Sequence[Point], extra: dict[str, Any] | None = None,
            co2e: CO2e | None = None) -> str:
    """Points, the front's keys and ``extra``; with ``co2e``, each point's
    ``co2e_g_per_inference``."""
    front = pareto_front(points)
    rows = [p.to_dict() | ({"co2e_g_per_inference": co2e[p.key]} if co2e is not None else {})
            for p in points]
    return json.dumps({"points": rows, "front": [p.key for p in front], **(extra or {})},
                      indent=1)


def _svg(data: dict[str, Any], metric_name: str, width: int = 640, height: int = 400) -> str:
    pts = data["points"]
    if not pts:
        return "<p>no points</p>"
    xs = [p["energy_uj"] for p in pts]
    ys = [p["metric"] for p in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1e-3)
    pad = 50

    def sx(v: float) -> float:
        return pad + (v - x0) / (x1 - x0) * (width - 2 * pad)

    def sy(v: float) -> float:
        return height - pad - (v - y0) / (y1 - y0) * (height - 2 * pad)

    dots = "".join(f'<circle cx="{sx(p["energy_uj"]):.1f}" cy="{sy(p["metric"]):.1f}" r="3" '
                   f'fill="#8899aa"><title>{html.escape(p["label"])}: {p["metric"]:.4f}, '
                   f'{p["energy_uj"]:.3f} uJ</title></circle>' for p in pts)
    line = " ".join(f'{sx(p["energy_uj"]):.1f},{sy(p["metric"]):.1f}' for p in data["front"])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
            f'<rect width="100%" height="100%" fill="white"/>'
            f'<polyline points="{line}" fill="none" stroke="#c03030" stroke-width="2"/>{dots}'
            f'<text x="{width / 2}" y="{height - 10}" text-anchor="middle">energy per '
            f'inference (uJ): {x0:.3g} .. {x1:.3g}</text>'
            f'<text x="12" y="{height / 2}" transform="rotate(-90 12 {height / 2})" '
            f'text-anchor="middle">{html.escape(metric_name)}: {y0:.4g} .. {y1:.4g}</text>'
            f'</svg>')


def render_html(title: str, points: Sequence[Point], metric_name: str = "metric") -> str:
    data = plot_data(points)
    return ("<!doctype html><meta charset='utf-8'><title>" + html.escape(title) + "</title>"
            f"<h1>{html.escape(title)}</h1>{_svg(data, metric_name)}"
            f"<pre>{html.escape(format_table(points, metric_name))}</pre>"
            f"<script type='application/json' id='plot-data'>"
            f"{html.escape(json.dumps(data))}</script>")
