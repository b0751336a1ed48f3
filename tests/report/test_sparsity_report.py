"""What sparsity saves, as analyze reports it: per layer, summed over the network, in the
JSON, the terminal table and the HTML report's plot data (EIE-like preset, AlexNet FC6 and
FC8 at EIE Table III's densities)."""

from __future__ import annotations

import json

import pytest

from picojoule.analysis import analyze
from picojoule.arch import load_preset
from picojoule.cli.main import main
from picojoule.importers import load_model
from picojoule.mapper import Budget, SearchOptions
from picojoule.report import render_html
from picojoule.report.html import plot_data

NET = ("fc C=9216 M=4096 @weights=4:0.09 @inputs=16:0.351 name=fc6\n"
       "fc C=4096 M=1000 @weights=4:0.25 @inputs=16:0.375 name=fc8\n")
OPTIONS = SearchOptions(budget=Budget(300))


@pytest.fixture(scope="module")
def eie_analysis(tmp_path_factory):
    path = tmp_path_factory.mktemp("net") / "fc.txt"
    path.write_text(NET)
    return analyze(load_model(str(path)), load_preset("eie"), OPTIONS)


def test_each_layer_saves_its_macs_by_the_product_of_its_densities(eie_analysis):
    fc6, fc8 = eie_analysis.layers
    assert fc6.saving is not None and fc8.saving is not None
    # EIE multiplies only non-zero weights of non-zero inputs: 0.09 x 0.351 and 0.25 x 0.375
    assert fc6.saving.sparse_mac_pj == pytest.approx(fc6.saving.dense_mac_pj * 0.09 * 0.351)
    assert fc8.saving.sparse_mac_pj == pytest.approx(fc8.saving.dense_mac_pj * 0.25 * 0.375)
    total = eie_analysis.saving
    assert total.dense_energy_pj == pytest.approx(fc6.saving.dense_energy_pj
                                                  + fc8.saving.dense_energy_pj)


def test_plot_data_rows_add_up_and_show_how(eie_analysis):
    rows = plot_data(eie_analysis).sparsity
    by = {(r["level"], r["operand"]): r for r in rows}
    assert by["spmat_sram", "weights"]["how"] == "format+skip"
    assert by["act_regs", "outputs"]["how"] == "skip"
    assert by["act_queue", "inputs"]["how"] == "format"
    # every joule saved sits in one row: the level rows plus the MAC row make the total
    total = by["total", ""]
    parts = sum(r["saved_pj"] for r in rows if r["level"] != "total")
    assert total["saved_pj"] == pytest.approx(parts)
    assert total["dense_pj"] == pytest.approx(eie_analysis.saving.dense_energy_pj)
    page = render_html(plot_data(eie_analysis))
    assert "what sparsity saves per level and operand" in page


def test_json_carries_the_saving_and_dense_archs_have_none(eie_analysis, tmp_path, capsys):
    doc = eie_analysis.to_dict()
    assert doc["sparsity"]["compute"]["saved_pj"] == pytest.approx(
        eie_analysis.saving.dense_mac_pj - eie_analysis.saving.sparse_mac_pj)
    assert all("sparsity" in layer for layer in doc["layers"])
    path = tmp_path / "fc.txt"
    path.write_text(NET)
    dense = analyze(load_model(str(path)), load_preset("eie").dense_twin(), OPTIONS)
    assert dense.saving is None and plot_data(dense).sparsity == ()
    assert main(["analyze", str(path), "--arch", "eie", "--budget", "300", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert [r["how"] for r in cli["sparsity"]["rows"]].count("skip") == 1
    assert main(["analyze", str(path), "--arch", "eie", "--budget", "300"]) == 0
    out = capsys.readouterr().out
    assert "what sparsity saves" in out and "format+skip" in out
