"""Hand-checked contracts of the analysis cache and the HTML report: per-layer seeds that do not
depend on the process, stale cache records refused, every name in the report escaped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from picojoule.context.store import VERSION, layer_seed
from picojoule.context.store import JsonStore as DiskCache
from picojoule.report import render_html
from picojoule.report.html import PlotData

ROOT = Path(__file__).resolve().parents[2]


def _seed_in_a_new_process(hash_seed: str) -> int:
    code = "from picojoule.context.store import layer_seed; print(layer_seed(3, 'conv:abc'))"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                       os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    return int(out.stdout)


def test_the_per_layer_seed_is_the_same_in_every_process():
    # Python's hash() of a str changes with PYTHONHASHSEED; the seed must not.
    here = layer_seed(3, "conv:abc")
    assert _seed_in_a_new_process("1") == _seed_in_a_new_process("2") == here
    assert layer_seed(3, "conv:abc") == here  # and on a second call in this process
    assert layer_seed(4, "conv:abc") != here and layer_seed(3, "conv:abd") != here
    assert 0 <= here < 2**60  # 15 hex digits


def test_a_record_of_another_format_version_is_not_reused(tmp_path):
    cache = DiskCache(tmp_path)
    cache.put("k", {"mapping": "DRAM: M2"})
    on_disk = json.loads((tmp_path / "k.json").read_text())
    assert on_disk["version"] == VERSION and cache.get("k") == on_disk
    for stale in (VERSION - 1, VERSION + 1, None):
        (tmp_path / "k.json").write_text(json.dumps({**on_disk, "version": stale}))
        assert cache.get("k") is None
    (tmp_path / "k.json").write_text("[1, 2]")  # not a record at all
    assert cache.get("k") is None


def test_the_not_mapped_section_is_escaped():
    data = PlotData(title="t<1>", layers=(), parts=("MAC",), energy_pj=(), pj_per_mac=(),
                    utilization=(), rows=(), totals={},
                    unmapped=(("<img src=x onerror=alert(1)>", "psum_spad: a < b & c"),),
                    not_costed=())
    page = render_html(data)
    assert "Not mapped" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page
    assert "psum_spad: a &lt; b &amp; c" in page
    assert "t&lt;1&gt;" in page


def test_csv_energy_columns_add_up_and_the_notes_explain_static_and_fc(tmp_path, capsys):
    # eyeriss has 30 mW of static power and a 250 um PE pitch, so both rows are present; a
    # batch-1 fc layer (each weight used once) waits on DRAM: 512 x 64 weights x 8 b over a
    # 19.2 b/cycle DRAM link take >= 13,653 cycles, far more than 32,768 MACs need on any
    # dozen PEs.
    import csv

    from picojoule.cli.main import main

    f = tmp_path / "net.txt"
    f.write_text("conv2d C=8 M=8 P=8 Q=8 R=3 S=3\nfc C=512 M=64\n")
    rc = main(["analyze", str(f), "--arch", "eyeriss", "--budget", "2000", "--workers", "1",
               "--csv", str(tmp_path / "o.csv")])
    out = capsys.readouterr().out
    assert rc == 0
    rows = list(csv.DictReader((tmp_path / "o.csv").open()))
    assert {"mac_energy_pj", "network_energy_pj", "static_energy_pj"} <= set(rows[0])
    for row in rows:
        parts = sum(float(v) for k, v in row.items() if k.endswith("_energy_pj"))
        assert parts == pytest.approx(float(row["energy_pj"]), rel=1e-12)
        assert float(row["static_energy_pj"]) > 0 and float(row["network_energy_pj"]) > 0
    fc = rows[1]
    assert float(fc["cycles"]) >= 512 * 64 * 8 / 19.2
    text = " ".join(out.split())
    assert "static: 30 mW of idle power" in text and "network: on-chip wires" in text
    assert "bandwidth-bound: layer2" in text and "DRAM weight reads" in text
