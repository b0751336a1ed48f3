"""Sparseloop inputs read by picojoule.interop.sparseloop; counts derived by hand.

The fixture (data/sparse_dot, written for this test) is a dot product over K = 8 with A at
density 0.5 (fixed-structured), A held coordinate-payload, B and Z skipped where A is zero.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from picojoule.cost import evaluate
from picojoule.interop.sparseloop import load_sparseloop, load_sparseloop_stats

DATA = Path(__file__).parent / "data" / "sparse_dot"


def case():
    return load_sparseloop(DATA / "arch.yaml", DATA / "problem.yaml", DATA / "mapping.yaml",
                           DATA / "ERT.yaml")


def test_names_densities_and_sparse_spec_are_read():
    c = case()
    assert c.names == {"A": "Inputs", "B": "Weights", "Z": "Outputs"}
    assert c.layer.operand("inputs").density == 0.5
    sp = c.design.arch.level("Buffer").sparse
    assert sp is not None
    fmt = sp.format_of("inputs")
    assert fmt is not None and fmt.ranks == ("CP",) and fmt.metadata_bits == 4
    assert [(a.kind, a.target, a.condition_on) for a in sp.actions] == [
        ("skip", "weights", ("inputs",)), ("skip", "outputs", ("inputs",))]
    assert (sp.metadata_width_bits, sp.metadata_read_energy_pj) == (4, 0.25)


def test_counts_cycles_and_energy_by_hand():
    c = case()
    s = evaluate(c.layer, c.design.arch, c.mapping)
    b = s.levels["Buffer"]
    # A: 8 reads, 4 non-zeros stored and read; B: 8 reads, 4 survive skipping;
    # Z: 8 updates -> 4, 7 read-backs -> 3.5
    assert (b["inputs"].reads, b["weights"].reads) == (4, 4)
    assert (b["outputs"].updates, b["outputs"].reads) == (4, 3.5)
    assert s.cycles == 4  # 8 MACs, half skipped
    # energy: A 4 x 1 + 4 coordinates x 0.25 (4-bit words, 4-bit metadata port) = 5;
    # B 4 x 1 = 4; Z 3.5 x 1 + 4 x 0.5 = 5.5; MACs 4 x 2 = 8
    assert b["inputs"].energy_pj == pytest.approx(5.0)
    assert s.energy_pj == pytest.approx(5 + 4 + 5.5 + 8)


def test_stats_reader_keeps_actual_skipped_and_format_counts():
    st = load_sparseloop_stats(DATA / "stats.txt")
    assert st.cycles == 4
    assert st.counts[("Buffer", "B", "Skipped scalar reads (per-instance)")] == 4
    assert st.counts[("Buffer", "A", "Actual scalar format reads format units")] == 4
    assert st.energy_pj[("Buffer", "A")] == 5.0 and st.mac["Actual Computes (total)"] == 4


def test_timeloop_command_reads_sparse_designs(capsys):
    import json

    from picojoule.cli.main import main

    code = main(["timeloop", str(DATA / "arch.yaml"), "--ert", str(DATA / "ERT.yaml"),
                 "--problem", str(DATA / "problem.yaml"), "--mapping",
                 str(DATA / "mapping.yaml"), "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["energy_pj"] == pytest.approx(22.5) and doc["cycles"] == 4


@pytest.mark.parametrize("density, needle", [
    ("{distribution: fixed_structured, density: 1.5}", "densities.A.density: a density in (0, 1]"),
    ("{distribution: nm, n: 2, m: 3, dim: K}", "densities.A.m: M must divide dim K = 8"),
    ("{distribution: banded, density: 0.5}", "densities.A.distribution: one of"),
])
def test_bad_densities_in_a_problem_are_one_line_each(tmp_path, capsys, density, needle):
    from picojoule.cli.main import main

    text = (DATA / "problem.yaml").read_text().replace(
        "{distribution: fixed_structured, density: 0.5}", density)
    problem = tmp_path / "problem.yaml"
    problem.write_text(text)
    code = main(["timeloop", str(DATA / "arch.yaml"), "--ert", str(DATA / "ERT.yaml"),
                 "--problem", str(problem), "--mapping", str(DATA / "mapping.yaml")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and needle in err[0]


def test_two_four_weights_from_a_problem(tmp_path):
    # 2 of every 4 A values non-zero along K = 8: density 0.5 as a structured model
    text = (DATA / "problem.yaml").read_text().replace(
        "{distribution: fixed_structured, density: 0.5}", "{distribution: nm, n: 2, m: 4, dim: K}")
    problem = tmp_path / "problem.yaml"
    problem.write_text(text)
    c = load_sparseloop(DATA / "arch.yaml", problem, DATA / "mapping.yaml", DATA / "ERT.yaml")
    s = evaluate(c.layer, c.design.arch, c.mapping)
    assert c.layer.operand("inputs").density == 0.5
    assert s.cycles == 4 and s.levels["Buffer"]["inputs"].reads == 4  # 8 * 2/4
