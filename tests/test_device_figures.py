"""One derivation of an architecture's peak and memories (``picojoule.device``), shared by the
cost-model ``AcceleratorDevice`` and the roofline's ``arch_device``; expected figures derived
by hand from the presets' YAML."""

from __future__ import annotations

import math

import pytest

from picojoule.analysis import AcceleratorDevice
from picojoule.arch import load_preset, preset_names
from picojoule.context import resolve
from picojoule.cost.energy import level_energy
from picojoule.device import arch_memories, arch_peak_ops_per_s
from picojoule.system import arch_device


def test_eyeriss_peak_and_bandwidths_by_hand() -> None:
    arch = load_preset("eyeriss")
    # 14 x 12 = 168 PEs x 200 MHz x 2 operations per MAC = 67.2 GOP/s
    assert arch_peak_ops_per_s(arch) == 67.2e9
    mem = {m.name: m for m in arch_memories(arch)}
    # DRAM: 19.2 bits per cycle x 200 MHz / 8 = 480 MB/s, unbounded
    assert mem["DRAM"].bandwidth_bytes_per_s == pytest.approx(480e6)
    assert mem["DRAM"].capacity_bytes == math.inf
    # GLB: no read_bandwidth_bits, so one 64-bit word per cycle: 64 x 200 MHz / 8 = 1.6 GB/s
    assert mem["shared_glb"].bandwidth_bytes_per_s == pytest.approx(1.6e9)
    # ifmap spads: 16-bit words, one per cycle in each of 168 PEs: 16 x 168 x 200e6 / 8
    assert mem["ifmap_spad"].bandwidth_bytes_per_s == pytest.approx(6.72e10)
    assert mem["ifmap_spad"].capacity_bytes == 12 * 16 * 168 / 8
    assert all(m.energy_pj_per_bit == 0.0 for m in mem.values())  # none given


def test_tpu_v1_peak_by_hand() -> None:
    # 256 x 256 MACs x 700 MHz x 2 = 91.75 TOP/s at int8, its only precision
    tpu = load_preset("tpu-v1")
    assert arch_peak_ops_per_s(tpu) == pytest.approx(2 * 65536 * 700e6)
    assert arch_device(tpu).precisions == ("int8",)


@pytest.mark.parametrize("name", preset_names())
def test_roofline_and_cost_model_devices_agree(name: str) -> None:
    arch = load_preset(name)
    roof, npu = arch_device(arch), AcceleratorDevice(arch)
    for precision in arch.compute.precisions:
        assert roof.peak_ops_per_s(precision) == npu.peak_ops_per_s(precision)
    assert [(m.name, m.capacity_bytes, m.bandwidth_bytes_per_s) for m in roof.memories] == \
        [(m.name, m.capacity_bytes, m.bandwidth_bytes_per_s) for m in npu.memories]
    # the cost-model device prices each level with the arch's read energy per bit (a level the
    # spec prices at 0 pJ, like EIE's off-chip model store, stays 0); the roofline device
    # carries no energies
    reads = [level_energy(arch, lv, resolve(None).estimators).read_pj for lv in arch.levels]
    assert [m.energy_pj_per_bit > 0 for m in npu.memories] == [r > 0 for r in reads]
    assert any(r > 0 for r in reads)
