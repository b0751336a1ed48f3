"""Timeloop/Accelergy files in: a design of our own in v0.4 and v0.3 syntax, its problem and
mapping, every count derived by hand from Timeloop's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from picojoule.cli.main import main
from picojoule.cost import evaluate
from picojoule.errors import SpecError
from picojoule.interop.timeloop_arch import load_timeloop_arch
from picojoule.interop.timeloop_problem import load_timeloop_mapping, load_timeloop_problem
from picojoule.interop.timeloop_yaml import load_timeloop_yaml

TINY = Path(__file__).parent / "data" / "tiny"


@pytest.fixture(scope="module")
def stats():  # type: ignore[no-untyped-def]
    design = load_timeloop_arch(TINY / "arch.yaml", TINY / "ERT.yaml")
    layer = load_timeloop_problem(TINY / "problem.yaml")
    mapping = load_timeloop_mapping(TINY / "mapping.yaml", layer, design)
    return evaluate(layer, design.arch, mapping)


def test_v04_nodes_become_a_chain_with_timeloop_semantics() -> None:
    arch = load_timeloop_arch(TINY / "arch.yaml", TINY / "ERT.yaml").arch
    assert [lv.name for lv in arch.levels] == ["DRAM", "GLB", "reg_w"]  # !Nothing dropped
    dram, glb, _reg = arch.levels
    assert dram.kind == "lpddr4" and dram.capacity_bits is None
    assert glb.keeps == {"inputs", "outputs"} and glb.capacity_bits == 256 * 32
    assert (glb.fanout.x, glb.fanout.y, glb.fanout.psum_refill) == (4, 1, "multicast")
    assert [lv.word_bits for lv in arch.levels] == [8, 8, 8]
    assert (glb.read_energy_pj, glb.write_energy_pj) == (2.0, 2.5)
    assert arch.compute.mac_energy_pj == 0.5 and arch.node_nm == 45


def test_v03_tree_reads_as_the_same_design() -> None:
    v4 = load_timeloop_arch(TINY / "arch.yaml", TINY / "ERT.yaml").arch
    v3 = load_timeloop_arch(TINY / "arch_v03.yaml", TINY / "ERT.yaml").arch
    assert v3.levels == v4.levels and v3.compute == v4.compute


def test_counts_by_hand(stats) -> None:  # type: ignore[no-untyped-def]
    """M=8, K=4; DRAM M2 > GLB M4 (the 0 factor: 8 / 2) > X: K4 > reg_w.
    weights (bypass the GLB): each of the 32 is read once from DRAM into one register
    (K is spatial and relevant: no multicast); the register feeds its MAC 32 times in all.
    inputs: the GLB tile is K4 = 4 inputs; DRAM's M2 is irrelevant, so it is filled once
    (4 DRAM reads); every step of M2 x M4 = 8 sends 4 distinct inputs to the PEs: 32 reads.
    outputs: K is reduced across the PEs, so each of the 8 steps updates one output in the
    GLB (8 updates, no read-back: every output is finished in one visit), drained to DRAM as
    8 updates."""
    lv = stats.levels
    assert (lv["DRAM"]["weights"].reads, lv["reg_w"]["weights"].fills,
            lv["reg_w"]["weights"].reads) == (32, 32, 32)
    assert (lv["DRAM"]["inputs"].reads, lv["GLB"]["inputs"].fills,
            lv["GLB"]["inputs"].reads) == (4, 4, 32)
    assert (lv["GLB"]["outputs"].reads, lv["GLB"]["outputs"].updates,
            lv["DRAM"]["outputs"].updates) == (0, 8, 8)
    assert stats.cycles == 8 and stats.utilization == 1.0


def test_energy_by_hand(stats) -> None:  # type: ignore[no-untyped-def]
    """Per element: access energy x word bits / access width.
    DRAM (100 pJ per 64 b, 8-b words -> 12.5): (32 + 4 + 8) x 12.5 = 550;
    GLB (2.0 read / 2.5 write per 32 b -> 0.5 / 0.625): 32 x 0.5 + (4 + 8) x 0.625 = 23.5;
    reg_w (one word): 32 x 0.1 + 32 x 0.2 = 9.6; MACs 32 x 0.5 = 16. Total 599.1 pJ."""
    assert stats.energy_pj == pytest.approx(599.1, rel=1e-12)


def test_jinja_template_rendered_with_variables_and_missing_ones_named() -> None:
    layer = load_timeloop_problem(TINY / "top.yaml.jinja2", variables={"rows": 16})
    assert layer.bound == {"M": 16, "K": 4}
    with pytest.raises(SpecError, match="'rows' is undefined"):
        load_timeloop_yaml(TINY / "top.yaml.jinja2")


def test_unknown_tags_and_v02_files_are_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("architecture:\n  version: 0.4\n  nodes:\n  - !Bogus {name: x}\n")
    with pytest.raises(SpecError, match=r"unknown tag !Bogus"):
        load_timeloop_arch(bad)
    old = tmp_path / "old.yaml"
    old.write_text("architecture:\n  subtree:\n    - name: System\n      local: []\n")
    with pytest.raises(SpecError, match=r"this file is v0\.2 .*not supported"):
        load_timeloop_arch(old)


def test_cli_evaluates_timeloop_files(capsys) -> None:
    code = main(["timeloop", str(TINY / "arch.yaml"), "--ert", str(TINY / "ERT.yaml"),
                 "--problem", str(TINY / "problem.yaml"),
                 "--mapping", str(TINY / "mapping.yaml"), "--json"])
    assert code == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["energy_pj"] == pytest.approx(599.1) and out["cycles"] == 8
