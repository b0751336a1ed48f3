"""Whole-network analysis: signature cache, disk cache, parallel determinism, reports, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from picojoule.analysis import analyze
from picojoule.arch import load_preset
from picojoule.cli.main import main
from picojoule.errors import SpecError
from picojoule.importers import load_model
from picojoule.mapper import Budget, SearchOptions
from picojoule.report import plot_data, render_html
from picojoule.workload import parse_layer
from picojoule.workload.network import Network, Node

# A ResNet-like stack: two identical blocks, a downsample, an fc (names with markup in them).
LAYERS = [
    ("stem<b>", "conv2d N=1 C=3 M=16 P=16 Q=16 R=3 S=3"),
    ("block1.conv1", "conv2d N=1 C=16 M=16 P=16 Q=16 R=3 S=3"),
    ("block1.conv2", "conv2d N=1 C=16 M=16 P=16 Q=16 R=3 S=3"),
    ("block2.conv1", "conv2d N=1 C=16 M=16 P=16 Q=16 R=3 S=3"),
    ("down&1", "conv2d N=1 C=16 M=32 P=8 Q=8 R=1 S=1 stride=2"),
    ("fc", "fc N=1 C=32 M=10"),
]
OPTIONS = SearchOptions(budget=Budget(3000), seed=3)


@pytest.fixture(scope="module")
def net() -> Network:
    return Network("tiny", tuple(Node(parse_layer(text).with_name(name))
                                 for name, text in LAYERS))


@pytest.fixture(scope="module")
def arch():
    return load_preset("eyeriss")


@pytest.fixture(scope="module")
def serial(net, arch):
    return analyze(net, arch, OPTIONS)


def test_repeated_shapes_are_searched_once(serial, net):
    assert serial.distinct == 4 and serial.searched == 4 and len(serial.layers) == 6
    by_name = {r.name: r for r in serial.layers}
    assert by_name["block1.conv1"].mapping == by_name["block2.conv1"].mapping
    assert by_name["block1.conv1"].stats.energy_pj == by_name["block2.conv1"].stats.energy_pj


def test_totals_are_the_sum_of_layers(serial):
    energy = sum(r.stats.energy_pj for r in serial.layers)
    assert serial.totals.energy_pj == pytest.approx(energy, rel=1e-12)
    assert serial.totals.macs == sum(r.layer.macs for r in serial.layers)
    assert 0 < serial.totals.utilization <= 1


def _numbers(analysis) -> str:
    """Everything but wall-clock times."""
    rows = [{k: v for k, v in r.items() if k != "search"} for r in analysis.to_dict()["layers"]]
    return json.dumps(rows)


def test_parallel_equals_serial_bit_for_bit(serial, net, arch):
    parallel = analyze(net, arch, OPTIONS, workers=2)
    assert _numbers(parallel) == _numbers(serial)
    assert [r.search["evaluated"] for r in parallel.layers] == [
        r.search["evaluated"] for r in serial.layers]


def test_disk_cache_returns_identical_results_and_resumes(serial, net, arch, tmp_path):
    first = analyze(net, arch, OPTIONS, cache_dir=tmp_path)
    assert first.searched == 4 and len(list(tmp_path.glob("*.json"))) == 4
    again = analyze(net, arch, OPTIONS, cache_dir=tmp_path)
    assert again.searched == 0 and again.cache_hits == 4
    assert _numbers(again) == _numbers(first) == _numbers(serial)
    # a lost record is searched again; the others are reused
    sorted(tmp_path.glob("*.json"))[0].unlink()
    resumed = analyze(net, arch, OPTIONS, cache_dir=tmp_path)
    assert resumed.searched == 1 and resumed.cache_hits == 3
    # a different budget is a different key
    other = analyze(net, arch, SearchOptions(budget=Budget(2000), seed=3), cache_dir=tmp_path)
    assert other.cache_hits == 0


def test_report_escapes_names_and_draws_every_layer(serial):
    data = plot_data(serial)
    assert len(data.energy_pj) == 6 and len(data.parts) == len(serial.arch.levels) + 3
    for stack, row in zip(data.energy_pj, data.rows, strict=True):
        assert sum(stack) == pytest.approx(row["energy_pj"], rel=1e-9)
    page = render_html(data)
    assert "stem&lt;b&gt;" in page and "<b>" not in page.replace("<body>", "")
    # four plotly charts (energy by level, pJ/MAC, utilization, level x operand) + the roofline
    assert "down&amp;1" in page and page.count('id="plot-') == 4 and page.count("<svg") == 1


def test_unmappable_layer_is_reported_not_raised(arch):
    net = Network("bad", (Node(parse_layer("conv2d N=1 C=4 M=4 P=4 Q=4 R=3 S=3")),))
    tiny = arch.__class__(**{**arch.__dict__, "levels": tuple(
        lv.__class__(**{**lv.__dict__, "capacity_bits": 8}) if lv.name == "psum_spad" else lv
        for lv in arch.levels)})
    from picojoule.mapper import constraints_from_data

    opts = SearchOptions(constraints=constraints_from_data({"bypass": {}}, "c"),
                         budget=Budget(500))
    result = analyze(net, tiny, opts)
    assert result.layers[0].stats is None and "psum_spad" in result.layers[0].error
    assert result.totals is None


def test_layer_list_file(tmp_path):
    f = tmp_path / "net.txt"
    f.write_text("# two layers\nconv2d C=8 M=8 P=4 Q=4 R=3 S=3\nfc C=8 M=4 name=head\n")
    net = load_model(str(f))
    assert [lay.name for lay in net.layers] == ["layer1", "head"]
    assert net.params == 8 * 8 * 3 * 3 + 4 * 8  # conv and fc weights (no biases in the text)
    f.write_text("conv2d C=x\nnope\n")
    with pytest.raises(SpecError) as err:
        load_model(str(f))
    assert len(err.value.problems) >= 2


def test_cli_analyze_json_csv_report(tmp_path, capsys):
    f = tmp_path / "net.txt"
    f.write_text("conv2d C=8 M=8 P=8 Q=8 R=3 S=3\nconv2d C=8 M=8 P=8 Q=8 R=3 S=3\n")
    rc = main(["analyze", str(f), "--arch", "eyeriss", "--budget", "2000", "--workers", "1",
               "--json", "--csv", str(tmp_path / "o.csv"), "--report", str(tmp_path / "o.html")])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"name", "macs", "energy_pj", "cycles", "utilization", "mapping"} <= set(
        doc["layers"][0])
    assert doc["totals"]["energy_pj"] == pytest.approx(2 * doc["layers"][0]["energy_pj"])
    assert Path(tmp_path / "o.csv").read_text().count("\n") == 3
    assert Path(tmp_path / "o.html").read_text().startswith("<!DOCTYPE html>")


def test_cli_map_prints_a_loop_nest_and_rejects_bad_flags(capsys):
    rc = main(["map", "--arch", "simple-systolic", "--layer", "gemm M=16 N=16 K=16",
               "--budget", "2000", "--dataflow", "ws"])
    out = capsys.readouterr().out
    assert rc == 0 and "MAC" in out and "for " in out and "pJ/MAC" in out
    rc = main(["map", "--arch", "eyeriss", "--layer", "gemm M=4 N=4 K=4", "--dataflow", "xs",
               "--budget", "-3"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "--dataflow" in err and "--budget" in err and "Traceback" not in err


def test_cli_map_json_with_a_constraints_file(tmp_path, capsys):
    f = tmp_path / "c.yaml"
    f.write_text("dataflow: ws\nbypass: {}\nfactors: {pe_reg: {K: 1}}\n")
    rc = main(["map", "--arch", "simple-systolic", "--layer", "gemm M=16 N=16 K=16",
               "--budget", "1500", "--constraints", str(f), "--objective", "mix:0.5",
               "--json"])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["search"]["dataflow"] == "custom" and doc["search"]["evaluated"] <= 1500
    assert "pJ" not in doc["mapping"] and doc["energy_pj"] > 0 and "levels" in doc
    f.write_text("stationary: psums\nfactors: {nowhere: {K: 2}}\n")
    rc = main(["map", "--arch", "simple-systolic", "--layer", "gemm M=16 N=16 K=16",
               "--budget", "1500", "--constraints", str(f)])
    err = capsys.readouterr().err
    assert rc == 2 and "stationary" in err
