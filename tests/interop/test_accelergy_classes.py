"""Accelergy component classes without an ERT: priced by picojoule's estimator registry from
the class and its attributes, each estimate naming its source; unknown classes listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from picojoule.errors import SpecError
from picojoule.interop.accelergy_classes import known_classes, resolve
from picojoule.interop.timeloop_arch import load_timeloop_arch
from picojoule.tech.estimators import figures

DATA = Path(__file__).parent / "data"
THREE = DATA / "constraints" / "arch.yaml"
EYERISS = DATA / "eyeriss_small" / "arch.yaml"


def test_every_component_is_priced_and_cites_its_source() -> None:
    design = load_timeloop_arch(THREE)
    arch = design.arch
    for lv in arch.levels:
        assert lv.read_energy_pj is not None and lv.write_energy_pj is not None
    assert arch.compute.mac_energy_pj is not None and arch.compute.mac_energy_pj > 0
    assert [line.split(" (")[0] for line in design.estimates] == [
        "MainMemory", "GlobalBuffer", "RegisterFile", "MACC"]
    for line in design.estimates:  # "<estimator>: <source>" after the energies
        assert any(f"; {name}: " in line for name in
                   ("offchip-table", "accelergy-reference", "horowitz-45nm", "dally-per-bit"))
    # DRAM type LPDDR4, 256-bit accesses: the table's pJ/bit times 256, not node-scaled
    per_bit = figures()["dram.lpddr4_per_bit"].value
    assert arch.level("MainMemory").read_energy_pj == pytest.approx(per_bit * 256)
    assert arch.level("MainMemory").kind == "lpddr4"
    assert arch.level("RegisterFile").kind == "regfile"
    assert arch.level("GlobalBuffer").capacity_bits == 32768 * 64


def test_class_names_map_to_the_same_component() -> None:
    # an SRAM and a smartbuffer_SRAM of the same size are the same memory to the estimator
    assert resolve("SRAM").kind == resolve("smartbuffer_SRAM").kind == "sram"
    assert resolve("storage", "smartbuffer_RF").kind == "regfile"  # subclass wins
    assert resolve("fpmac").number == "fp" and resolve("intmac").role == "compute"
    assert resolve("my_custom_sram") is None


def test_adder_width_from_the_attributes_prices_the_mac(tmp_path: Path) -> None:
    # The same design with a 16-bit and an 8-bit adder. The reference rule splits the 8b-mult
    # 16b-add MAC like Horowitz's 0.2 : 0.05 pJ and scales the adder with its width, so
    # the 8-bit adder's MAC costs (0.2 + 0.05 * 8/16) / 0.25 = 0.9 of the 16-bit one's.
    text = EYERISS.read_text()
    assert "adder_width: 16" in text
    wide_path, narrow_path = tmp_path / "wide.yaml", tmp_path / "narrow.yaml"
    wide_path.write_text(text)
    narrow_path.write_text(text.replace("adder_width: 16", "adder_width: 8"))
    wide = load_timeloop_arch(wide_path).arch.compute.mac_energy_pj
    narrow = load_timeloop_arch(narrow_path).arch.compute.mac_energy_pj
    assert wide is not None and narrow is not None
    assert narrow / wide == pytest.approx(0.9)


def test_a_partial_ert_prices_only_what_it_lacks(tmp_path: Path) -> None:
    ert = tmp_path / "ERT.yaml"
    ert.write_text("ERT:\n  version: 0.4\n  tables:\n  - name: System.PE.MACC\n"
                   "    actions:\n    - {name: compute, energy: 0.5}\n")
    design = load_timeloop_arch(THREE, ert)
    assert design.arch.compute.mac_energy_pj == 0.5  # from the ERT
    assert [line.split(" (")[0] for line in design.estimates] == [
        "MainMemory", "GlobalBuffer", "RegisterFile"]


def test_an_unknown_class_without_an_ert_lists_the_known_ones() -> None:
    with pytest.raises(SpecError) as err:
        load_timeloop_arch(DATA / "eyeriss_small" / "class_unknown.yaml")
    (problem,) = err.value.problems
    assert problem.where.endswith("class_unknown.yaml")
    assert "(buffer).class" in problem.field and "my_custom_sram" in problem.expected
    for name in ("smartbuffer_SRAM", "regfile", "intmac", "DRAM"):
        assert name in problem.expected
    assert len(known_classes()) >= 15
