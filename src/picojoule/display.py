"""Rich display in Jupyter: every result shows as a table of where its joules went.

``result_html`` renders any ``Result`` (a layer, a network, a serving run): totals, then energy
by component and level, and the time of each span. Objects that hold a Result (``Stats``,
``NetworkAnalysis``) display through it, so a notebook shows the same numbers as the
terminal. Names are escaped.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from picojoule.result import Result

MAX_SPANS = 50  # a decode loop can have thousands of spans: show the first ones


def result_html(result: Result, title: str = "") -> str:
    esc = html.escape
    total = result.energy_pj or 1.0
    rows = "".join(
        f"<tr><td>{esc(component)}</td><td>{esc(level)}</td>"
        f"<td style='text-align:right'>{energy:,.4g}</td>"
        f"<td style='text-align:right'>{100 * energy / total:.1f}%</td></tr>"
        for (component, level), energy in result.totals(["component", "level"]).items()
        if energy)
    spans = "".join(
        f"<tr><td>{esc(s.device)}</td><td>{esc(s.layer)}</td><td>{esc(s.phase)}</td>"
        f"<td style='text-align:right'>{s.seconds:.4g}</td></tr>"
        for s in result.spans[:MAX_SPANS])
    more = (f"<p>… {len(result.spans) - MAX_SPANS} more spans</p>"
            if len(result.spans) > MAX_SPANS else "")
    head = f"<b>{esc(title)}</b><br>" if title else ""
    return (f"<div>{head}energy {result.energy_pj:,.4g} pJ, {result.seconds:.4g} s, "
            f"{result.macs:,.0f} MACs"
            "<table><tr><th>component</th><th>level</th><th>energy (pJ)</th><th>share</th>"
            f"</tr>{rows}</table>"
            "<table><tr><th>device</th><th>layer</th><th>phase</th><th>seconds</th></tr>"
            f"{spans}</table>{more}</div>")
