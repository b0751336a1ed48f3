"""A picojoule accelerator as a Device: peaks and memories read off the arch (derived by hand
from the eyeriss preset's figures), and ``run`` is the analysis as a Result."""

from __future__ import annotations

import math

import pytest

from picojoule.analysis import AcceleratorDevice, analyze
from picojoule.arch import load_preset
from picojoule.device import Device
from picojoule.errors import SpecError
from picojoule.mapper import Budget, SearchOptions
from picojoule.workload import parse_layer
from picojoule.workload.network import Network, Node


def test_peaks_and_memories_from_the_arch() -> None:
    dev = AcceleratorDevice(load_preset("eyeriss"))
    assert isinstance(dev, Device) and dev.name == "eyeriss" and dev.links == ()
    # 12 x 14 = 168 PEs x 200 MHz x 2 operations per MAC
    assert dev.peak_ops_per_s("int16") == 168 * 200e6 * 2
    with pytest.raises(SpecError, match="int16"):
        dev.peak_ops_per_s("fp8")
    mem = {m.name: m for m in dev.memories}
    assert list(mem) == ["DRAM", "shared_glb", "ifmap_spad", "weights_spad", "psum_spad"]
    # DRAM: unbounded; 19.2 bits per cycle x 200 MHz / 8 = 480 MB/s; LPDDR4 at 8 pJ/bit
    assert mem["DRAM"].capacity_bytes == math.inf
    assert mem["DRAM"].bandwidth_bytes_per_s == pytest.approx(19.2 * 200e6 / 8)
    assert mem["DRAM"].energy_pj_per_bit == pytest.approx(8.0)
    # GLB: 884736 bits = 110592 bytes, one instance; ifmap spads: 12 x 16 bits in each of 168
    assert mem["shared_glb"].capacity_bytes == 884736 / 8
    assert mem["ifmap_spad"].capacity_bytes == 12 * 16 * 168 / 8


def test_run_is_the_analysis_as_a_result() -> None:
    arch = load_preset("eyeriss")
    net = Network("n", (Node(parse_layer("fc N=1 C=64 M=32 name=x")),
                        Node(parse_layer("fc N=1 C=32 M=10 name=y"))))
    opts = SearchOptions(budget=Budget(300))
    result = AcceleratorDevice(arch, opts).run(net)
    totals = analyze(net, arch, opts).totals
    assert result.energy_pj == pytest.approx(totals.energy_pj, rel=1e-12)
    assert result.seconds == pytest.approx(totals.seconds, rel=1e-12)
    assert result.macs == 64 * 32 + 32 * 10
    assert {r.device for r in result.rows} == {"eyeriss"}
    assert [s.layer for s in result.spans] == ["x", "y"]
