"""Small self-contained SVG charts for the system level (no scripts, every label escaped).

``latency_throughput`` draws, for each tensor-parallel degree, tokens/s per device against
the time per output token over the batch sizes served: the serving trade-off curve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

COLORS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948")


def latency_throughput(rows: Sequence[dict[str, Any]], title: str, width: int = 640,
                       height: int = 420) -> str:
    """One polyline per ``tp`` through (tpot_ms, tokens_per_s_per_device) points."""
    pts = [(r["tpot_ms"], r["tokens_per_s_per_device"]) for r in rows]
    if not pts:
        return ""
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0, x1 = math.log10(min(xs) * 0.8), math.log10(max(xs) * 1.25)
    y0, y1 = math.log10(min(ys) * 0.8), math.log10(max(ys) * 1.25)

    def at(x: float, y: float) -> tuple[float, float]:
        u = 60 + (math.log10(x) - x0) / (x1 - x0) * (width - 80)
        v = height - 40 - (math.log10(y) - y0) / (y1 - y0) * (height - 70)
        return u, v

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'role="img" aria-label="{escape(title)}">',
           f'<text x="60" y="16" font-size="13">{escape(title)}</text>',
           f'<text x="{width / 2:.0f}" y="{height - 8}" font-size="11">time per output token '
           f'(ms, log)</text>',
           f'<text x="12" y="{height / 2:.0f}" font-size="11" transform="rotate(-90 12 '
           f'{height / 2:.0f})">tokens/s per device (log)</text>']
    groups: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((int(r["tp"]), int(r["pp"])), []).append(r)
    for k, ((tp, pp), members) in enumerate(sorted(groups.items())):
        color = COLORS[k % len(COLORS)]
        members = sorted(members, key=lambda r: r["batch"])
        coords = [at(r["tpot_ms"], r["tokens_per_s_per_device"]) for r in members]
        line = " ".join(f"{u:.1f},{v:.1f}" for u, v in coords)
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{line}"/>')
        for (u, v), r in zip(coords, members, strict=True):
            out.append(f'<circle cx="{u:.1f}" cy="{v:.1f}" r="3" fill="{color}"><title>tp {tp}'
                       f' pp {pp}, batch {int(r["batch"])}: {r["tpot_ms"]:.3g} ms/token, '
                       f'{r["tokens_per_s_per_device"]:.4g} tokens/s/device</title></circle>')
        out.append(f'<text x="{width - 110}" y="{40 + 14 * k}" font-size="11" '
                   f'fill="{color}">tp {tp}, pp {pp}</text>')
    out.append("</svg>")
    return "\n".join(out)
