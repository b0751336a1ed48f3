"""Jupyter display: a Result renders its own numbers, escaped."""

from __future__ import annotations

from picojoule.display import result_html
from picojoule.result import Result, Row, Span


def test_result_html_shows_components_levels_and_escapes_names() -> None:
    r = Result((Row("d", "<b>conv</b>", "", "GLB", "inputs", "storage", 30.0),
                Row("d", "<b>conv</b>", "", "", "", "compute", 10.0, macs=5.0)),
               (Span("d", "<b>conv</b>", "", 2e-3),), 2e-3)
    page = result_html(r, "net & arch")
    assert "net &amp; arch" in page and "<b>conv</b>" not in page
    assert "&lt;b&gt;conv&lt;/b&gt;" in page
    assert "75.0%" in page and "25.0%" in page  # 30 and 10 of 40 pJ
    assert "energy 40 pJ" in page


def test_results_stats_and_analyses_display_in_jupyter() -> None:
    from picojoule.analysis import analyze
    from picojoule.arch import load_preset
    from picojoule.mapper import Budget, SearchOptions
    from picojoule.workload import Network, Node, parse_layer

    layer = parse_layer("fc N=1 C=64 M=32 name=<fc>")
    a = analyze(Network("net", (Node(layer),)), load_preset("eyeriss"),
                SearchOptions(budget=Budget(200)))
    page = a._repr_html_()
    assert "net on eyeriss" in page and "&lt;fc&gt;" in page
    stats = a.layers[0].stats
    assert stats is not None and f"energy {stats.energy_pj:,.4g} pJ" in stats._repr_html_()
    # the analysis shows its whole network: the einsum layer and every vector op, one total
    assert f"energy {a.result.energy_pj:,.4g} pJ" in page
