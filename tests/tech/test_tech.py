from __future__ import annotations

import pytest

from picojoule.arch import load_preset
from picojoule.cost import energy_model
from picojoule.tech import (
    Estimate,
    Mac,
    Memory,
    NoEstimatorError,
    Registry,
    Tech,
    energy_scale,
    stillmaker_energy_factor,
)
from picojoule.workload import gemm


def test_stillmaker_corrigendum_example():
    # Stillmaker & Baas corrigendum: 1 pJ/op at 65 nm, 1.3 V -> 0.1755 pJ/op at 32 nm, 0.9 V.
    ratio = stillmaker_energy_factor(32, 0.9) / stillmaker_energy_factor(65, 1.3)
    assert ratio == pytest.approx(0.1755, abs=2e-4)


def test_voltage_scaling_is_cv_squared():
    assert energy_scale(45, 0.9, 45, 0.45) == pytest.approx(0.25)
    assert energy_scale(65, 1.0, 16, 1.0) < energy_scale(65, 1.0, 45, 1.0) < 1.0


def test_registry_prefers_the_most_accurate_supporting_estimator():
    reg = Registry.default(plugins=False)
    tech = Tech(65, 1.0)
    # LPDDR4 is known to the off-chip table (8 pJ/bit): 512 pJ per 64-bit access.
    dram = reg.estimate(Memory("lpddr4", 64), tech)
    assert dram.estimator == "offchip-table" and dram.action("read") == pytest.approx(512.0)
    # A generic "dram" only Horowitz supports.
    assert reg.estimate(Memory("dram", 64), tech).estimator == "horowitz-45nm"
    assert "eyeriss-normalized" in reg.estimate(Memory("sram", 16, 4096), tech,
                                                prefer="eyeriss-normalized").estimator


def test_mac_energy_grows_with_precision():
    reg = Registry.default(plugins=False)
    tech = Tech(45, 0.9)
    e = {b: reg.estimate(Mac(b, 2 * b), tech, prefer="horowitz-45nm").action("mac")
         for b in (4, 8, 16)}
    # multiplier ∝ bits² dominates: doubling precision costs close to 4x
    assert 3.0 < e[16] / e[8] < 4.5 and e[4] < e[8]
    # Horowitz anchor: int8 multiply 0.2 pJ + 16-bit add 0.05 pJ (power law gives ~0.045)
    assert e[8] == pytest.approx(0.2 + 0.03 * 2 ** 0.868, rel=0.02)


class Fixed:
    name, rank, accuracy = "fixed", 0, "test"

    def supports(self, component):
        return isinstance(component, Memory) and component.kind == "sram"

    def estimate(self, component, tech):
        return Estimate({"read": 1.0, "write": 2.0}, 3.0, "a test", self.name)


def test_user_estimator_wins_by_rank_and_arch_overrides_win_over_all():
    reg = Registry.default(plugins=False)
    reg.register(Fixed())
    arch = load_preset("eyeriss")
    model = energy_model(arch, gemm(4, 4, 4), reg)
    glb = model.levels[arch.level_index("shared_glb")]
    assert (glb.read_pj, glb.write_pj, glb.area_um2) == (1.0, 2.0, 3.0)
    assert glb.source.startswith("fixed")


def test_no_estimator_is_a_clear_error():
    with pytest.raises(NoEstimatorError, match="no estimator supports"):
        Registry([]).estimate(Mac(8, 16), Tech(45, 0.9))
