"""ACT's embodied carbon, by hand from Table 1's figures."""

from __future__ import annotations

import pytest

from picojoule.carbon import (
    Die,
    Hardware,
    Memory,
    accelerator_hardware,
    amortize,
    device_hardware,
    embodied,
)
from picojoule.carbon.embodied import SECONDS_PER_YEAR, nearest_node
from picojoule.errors import SpecError


def test_act_die_by_hand():
    # 100 mm² = 1 cm² at 7 nm, Taiwan fab (583 g/kWh), yield 0.875, abatement 97%:
    # energy 583 x 2.15 = 1253.45 g, gases (350 + 200)/2 = 275 g, materials 500 g per cm²;
    # each / 0.875 -> 1432.514, 314.286, 571.429 g; total 2318.23 g; + 1 package 150 g.
    e = embodied(Hardware("chip", (Die(100.0, 7),), (), 1))
    assert e.fab_energy_kg == pytest.approx(1.43251429, rel=1e-6)
    assert e.fab_gases_kg == pytest.approx(0.31428571, rel=1e-6)
    assert e.materials_kg == pytest.approx(0.57142857, rel=1e-6)
    assert e.packaging_kg == pytest.approx(0.150)
    assert e.kg_co2e == pytest.approx(2.46822857, rel=1e-6)


def test_die_options_and_memory():
    # 10 mm² at 14 nm, yield 0.5, 99% abatement, Iceland fab (28 g/kWh):
    # (28 x 1.2 + 125 + 500) / 0.5 x 0.1 cm² = 131.72 g; 16 GB DRAM (ddr4_10nm, 65 g/GB)
    # = 1040 g; 2 flash TB at nand_10nm (10 g/GB) = 20,000 g; 3 packages 450 g.
    hw = Hardware("board", (Die(10.0, 14, 0.5, "iceland", 99),),
                  (Memory("dram", 16), Memory("flash", 2000, "nand_10nm")), 3)
    e = embodied(hw)
    assert e.fab_energy_kg + e.fab_gases_kg + e.materials_kg == pytest.approx(0.13172)
    assert e.memory_kg == pytest.approx(21.04)
    assert e.packaging_kg == pytest.approx(0.45)


def test_amortization():
    # 1,000 kg of hardware, 6-year life, a 30-day job at utilization 0.5:
    # share = 30 d / (6 x 365.25 d x 0.5) = 0.0273785; x 4 devices x 1,000 kg = 109.51 kg
    e = embodied(Hardware("x", (), (Memory("dram", 1000 / 0.065),), 0))
    assert e.kg_co2e == pytest.approx(1000.0)
    a = amortize(e, 4, 30 * 86400, 6, 0.5)
    assert a.share == pytest.approx(30 / (6 * 365.25 * 0.5))
    assert a.kg_co2e == pytest.approx(4000 * 30 / (6 * 365.25 * 0.5))
    with pytest.raises(SpecError, match="shorter than the devices' useful life"):
        amortize(e, 1, 7 * SECONDS_PER_YEAR, 6, 1.0)


def test_nodes_between_and_outside_the_table():
    assert nearest_node(12)[0].node_nm == 14 and "nearest row" in nearest_node(12)[1]
    row, note = nearest_node(65)
    assert row.node_nm == 28 and "outside ACT's table" in note
    assert nearest_node(7)[1] is None


def test_devices_and_picojoule_accelerators():
    v100 = device_hardware("v100")
    assert v100.dies[0].area_mm2 == 815 and v100.packaged_ics == 5
    # a picojoule design: area in µm² from Stats, node from Arch: 12.25e6 µm² = 12.25 mm²
    acc = accelerator_hardware("eyeriss", 12.25e6, 65)
    assert acc.dies[0].area_mm2 == pytest.approx(12.25) and acc.packaged_ics == 1
    assert any("outside ACT" in n for n in embodied(acc).notes)
    tpu = embodied(device_hardware("tpuv3"))
    assert tpu.fab_energy_kg == 0 and any("die area not published" in n for n in tpu.notes)


def test_bad_hardware_reports_every_problem():
    hw = Hardware("bad", (Die(-1, 7, 1.5, "mars", 90),), (Memory("tape", 1),), -1)
    with pytest.raises(SpecError) as err:
        embodied(hw)
    fields = {p.field for p in err.value.problems}
    assert fields == {"dies[0].area_mm2", "dies[0].fab_yield", "dies[0].fab_location",
                      "dies[0].abatement_percent", "memories[0].kind", "packaged_ics"}
