"""Timeloop mapspace and node constraints read into picojoule Constraints, and the mapper
honouring them: designs and constraint files of our own in the exercises' format."""

from __future__ import annotations

from pathlib import Path

import pytest

from picojoule.cli.main import main
from picojoule.errors import SpecError
from picojoule.interop.timeloop_arch import load_timeloop_arch
from picojoule.interop.timeloop_constraints import load_timeloop_constraints
from picojoule.interop.timeloop_problem import load_timeloop_problem
from picojoule.mapper import Budget, SearchOptions, search
from picojoule.mapping.spec import Mapping

DATA = Path(__file__).parent / "data"
THREE = DATA / "constraints"
EYERISS = DATA / "eyeriss_small"


def _temporal(mapping: Mapping, level: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for d, f in mapping.for_level(level).temporal:
        out[d] = out.get(d, 1) * f
    return out


def _search(folder: Path, *files: str, budget: int = 3000):  # type: ignore[no-untyped-def]
    design = load_timeloop_arch(folder / "arch.yaml")
    layer = load_timeloop_problem(folder / "problem.yaml")
    constraints = load_timeloop_constraints(design, layer, [folder / "arch.yaml",
                                                            *(folder / f for f in files)])
    return constraints, search(layer, design.arch, SearchOptions(constraints=constraints,
                                                                 budget=Budget(budget)))


def test_baked_constraints_leave_one_mapping_and_the_mapper_finds_it() -> None:
    _, result = _search(THREE, "baked.yaml")
    assert result.evaluated == 1  # every factor, order and keep fixed: a space of one
    m = result.mapping
    # GlobalBuffer: P=16 K=16, permutation PRK (innermost first) -> K outside P
    assert _temporal(m, "GlobalBuffer") == {"P": 16, "K": 16}
    assert [d for d, _ in m.for_level("GlobalBuffer").temporal] == ["K", "P"]
    # RegisterFile: R=3 K=2, permutation RPK -> K outside R
    assert _temporal(m, "RegisterFile") == {"R": 3, "K": 2}
    assert [d for d, _ in m.for_level("RegisterFile").temporal] == ["K", "R"]
    assert _temporal(m, "MainMemory") == {}
    assert all(not lm.bypass for lm in m.levels)  # keep everything, as the file says


def test_without_dataspace_constraints_the_bypass_is_searched() -> None:
    text = (THREE / "baked.yaml").read_text()
    constraints, _ = _search(THREE, "baked.yaml")
    assert len(constraints.dataspace) == 6 and "dataspace" in text
    free = load_timeloop_constraints(
        load_timeloop_arch(THREE / "arch.yaml"), load_timeloop_problem(THREE / "problem.yaml"),
        [THREE / "partial.yaml"])
    assert free.dataspace == (("GlobalBuffer", "outputs", False),)


def test_bounds_partial_permutation_and_bypass_are_obeyed() -> None:
    _, result = _search(THREE, "partial.yaml")
    m = result.mapping
    glb, rf = _temporal(m, "GlobalBuffer"), _temporal(m, "RegisterFile")
    assert glb.get("K", 1) <= 4 and glb.get("R", 1) == 1
    assert rf.get("P", 1) >= 4
    assert "outputs" in m.for_level("GlobalBuffer").bypass  # forced; the rest searched
    # P listed alone: it is the innermost loop of the register file
    assert [d for d, _ in m.for_level("RegisterFile").temporal][-1] == "P"


def test_node_constraints_of_an_eyeriss_like_design_are_obeyed() -> None:
    constraints, result = _search(EYERISS, budget=4000)
    # PE_column (meshX 7): permutation N C P R S Q M split 7 -> all on X; N C P R S = 1
    # leaves Q and M. PE (meshY 6): split 4 puts S C M on Y (N P Q R = 1 anyway).
    assert dict(((lv, ax), dims) for lv, ax, dims in constraints.spatial_axes) == {
        ("shared_glb", "x"): ("M", "Q"), ("shared_glb", "y"): ("C", "M", "S")}
    glb = result.mapping.for_level("shared_glb")
    assert {d for d, f in glb.spatial_x if f > 1} <= {"Q", "M"}
    assert {d for d, f in glb.spatial_y if f > 1} <= {"S", "C", "M"}
    assert _temporal(result.mapping, "ifmap_spad") == {}  # every factor 1
    assert set(_temporal(result.mapping, "weights_spad")) <= {"C", "R"}
    assert set(_temporal(result.mapping, "psum_spad")) <= {"M"}


def test_unexpressible_constraints_name_file_target_and_key() -> None:
    with pytest.raises(SpecError) as err:
        _search(THREE, "unsupported.yaml")
    text = "\n".join(str(p) for p in err.value.problems)
    assert all(p.where.endswith("unsupported.yaml") for p in err.value.problems)
    assert "target RegisterFile, type temporal).no_reuse" in text
    assert "max_overbooked_proportion" in text
    assert "Nowhere" in text and "'Z=2'" in text
    assert len(err.value.problems) == 4


def test_minimum_utilization_is_obeyed(tmp_path: Path) -> None:
    # 7 x 6 = 42 PEs; at least half used means spatial factors multiplying to 21 or more
    path = tmp_path / "util.yaml"
    path.write_text("mapspace_constraints:\n  targets:\n"
                    "  - {target: psum_spad, type: utilization, min: 0.5}\n")
    _, result = _search(EYERISS, str(path), budget=3000)
    glb = result.mapping.for_level("shared_glb")
    used = 1
    for _, f in (*glb.spatial_x, *glb.spatial_y):
        used *= f
    assert used >= 21


def test_cli_honours_a_constraints_file(capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["timeloop", str(THREE / "arch.yaml"), "--problem", str(THREE / "problem.yaml"),
                 "--constraints", str(THREE / "baked.yaml")])
    out = capsys.readouterr().out
    assert code == 0
    assert "for P in [0, 16)" in out and "for R in [0, 3)" in out
    assert "priced from Accelergy classes" in out


def test_cli_refuses_unexpressible_constraints(capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["timeloop", str(THREE / "arch.yaml"), "--problem", str(THREE / "problem.yaml"),
                 "--constraints", str(THREE / "unsupported.yaml")])
    assert code == 2
    assert "no_reuse" in capsys.readouterr().err


def test_containers_sharing_an_axis_cannot_be_constrained_apart(tmp_path: Path) -> None:
    # give PE an X mesh too: PE_column's X constraint would then bind PE's columns as well
    text = (EYERISS / "arch.yaml").read_text()
    assert "spatial: {meshY: 6}" in text
    arch = tmp_path / "arch.yaml"
    arch.write_text(text.replace("spatial: {meshY: 6}", "spatial: {meshX: 2, meshY: 6}"))
    design = load_timeloop_arch(arch)
    layer = load_timeloop_problem(EYERISS / "problem.yaml")
    with pytest.raises(SpecError) as err:
        load_timeloop_constraints(design, layer, [])
    text = "\n".join(str(p) for p in err.value.problems)
    assert "PE_column shares it with PE" in text
