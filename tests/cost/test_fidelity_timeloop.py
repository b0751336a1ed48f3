"""Fidelity: the Eyeriss-like design of the Timeloop/Accelergy exercises.

Two parts. The worked example (docs/cost-model.md) has every count derived here from the rules
(derivations inline). Then every Timeloop reference output transcribed under
``tests/data/timeloop_ref`` (each file names its source) must be reproduced: every count
exactly, cycles and utilization exactly, each level's energy to the printed precision, and the
total within 0.1% (Timeloop's total includes leakage of the utilized instances, which the arch
file does not model: 0.03% and 0.06% of the two totals).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from picojoule.arch import load_arch
from picojoule.cost import energy_model, evaluate, evaluate_batch
from picojoule.fileio import load_data
from picojoule.mapping import batch_of_one, load_mapping, parse_mapping
from picojoule.workload import parse_layer

DATA = Path(__file__).parent.parent / "data"
ARCH = DATA / "eyeriss_like_timeloop.yaml"
REFERENCES = sorted((DATA / "timeloop_ref").glob("*.yaml"))


@pytest.fixture(scope="module")
def stats():
    layer = parse_layer("conv2d N=1 C=3 M=32 P=112 Q=112 R=3 S=3 stride=2")
    return evaluate(layer, load_arch(ARCH), load_mapping(DATA / "worked_example.map"))


def c(stats, level, op):
    x = stats.levels[level][op]
    return (x.reads, x.fills, x.updates)


def test_pe_level_counts(stats):
    macs = 3 * 32 * 112 * 112 * 3 * 3  # 10,838,016
    # psum_spad: one update per MAC; each output sees R3 updates in the PE, the first free.
    assert c(stats, "psum_spad", "outputs") == (macs * 2 // 3, 0, macs)
    # weights_spad tile M8*R3 = 24; outward: Q4, P14 irrelevant, first relevant is DRAM's M4:
    # 24 * 4 * 2 * 8 = 1,536 per PE, 126 PEs.
    assert c(stats, "weights_spad", "weights") == (macs, 24 * 64 * 126, 0)
    # ifmap_spad tile R3 = 3; the GLB's Q4 is relevant: 3 * 4*14*4*2*8 = 10,752 per PE.
    assert c(stats, "ifmap_spad", "inputs") == (macs, 10752 * 126, 0)


def test_glb_and_dram_counts(stats):
    # GLB inputs tile: c3 x h(2*13 + 2 + 1 = 29) x w(2*55 + 2 + 1 = 113) = 9,831; DRAM's M4
    # is irrelevant; Q2, P8 refetch whole tiles: 9,831 * 16 = 157,296. No PE shares inputs.
    assert c(stats, "shared_glb", "inputs") == (1354752, 157296, 0)
    # outputs reduced over the 9 PEs of a column and written once: 401,408; never revisited.
    assert c(stats, "shared_glb", "outputs") == (0, 0, 401408)
    # weights bypass the GLB: the 193,536 spad fills are multicast to the 14 PEs along X.
    assert c(stats, "DRAM", "weights") == (193536 / 14, 0, 0)
    assert c(stats, "DRAM", "inputs") == (157296, 0, 0)
    assert c(stats, "DRAM", "outputs") == (0, 0, 401408)


def test_cycles_and_utilization(stats):
    assert stats.cycles == 86016 == 10838016 / 126
    assert stats.utilization == pytest.approx(126 / 168)


def test_energy_is_counts_times_per_word_energy(stats):
    # DRAM moves 64-bit vectors of eight 8-bit words at 512 pJ: 64 pJ per word.
    assert stats.level_energy_pj("DRAM") == (13824 + 157296 + 401408) * 64
    # psum_spad: 16-bit words in 16-bit vectors: 0.2513 pJ per read, 0.2191 per update.
    macs = 10838016
    assert stats.levels["psum_spad"]["outputs"].energy_pj == pytest.approx(
        macs * 2 // 3 * 0.2513 + macs * 0.2191, rel=1e-12)


@pytest.fixture(scope="module", params=REFERENCES, ids=[p.stem for p in REFERENCES])
def reference(request):
    ref = load_data(request.param, "Timeloop reference")
    layer = parse_layer(ref["layer"])
    return ref, evaluate(layer, load_arch(ARCH), parse_mapping(ref["mapping"]))


def test_the_references_include_a_reduction_loop_above_the_glb():
    # VGG02 layer 5's mapping keeps C4 at DRAM: partial sums leave the GLB and come back
    layers = [load_data(p, "Timeloop reference")["mapping"] for p in REFERENCES]
    assert any("C" in text.splitlines()[0] for text in layers)


def test_every_count_equals_timeloops(reference):
    ref, s = reference
    for level, ops in ref["counts"].items():
        assert set(s.levels[level]) == set(ops), level  # same operands kept at each level
        for op, tl in ops.items():
            n = tl["instances"]
            got = c(s, level, op)
            assert got == (tl["reads"] * n, tl["fills"] * n, tl["updates"] * n), (level, op)


def test_cycles_utilization_and_capacity_equal_timeloops(reference):
    ref, s = reference
    assert s.macs == ref["computes"]
    assert s.cycles == ref["cycles"]
    assert round(100 * s.utilization, 2) == ref["utilization_percent"]
    arch, layer = load_arch(ARCH), parse_layer(ref["layer"])
    batch = batch_of_one(parse_mapping(ref["mapping"]), layer, arch)
    used = evaluate_batch(layer, arch, batch, energy_model(arch, layer)).used_bits[0]
    for lv, used_bits in zip(arch.levels, used, strict=True):
        # Timeloop's utilized capacity is in words of the level's datawidth (word_bits)
        words = sum(tl["capacity"] for tl in ref["counts"][lv.name].values())
        assert used_bits == words * lv.word_bits, lv.name


def test_every_energy_equals_timeloops(reference):
    ref, s = reference
    # each figure is printed to 0.01 pJ; the smallest is 0.7 uJ, so 1e-8 covers the rounding
    for level, ops in ref["counts"].items():
        for op, tl in ops.items():
            assert s.levels[level][op].energy_pj == pytest.approx(tl["energy_pj"], rel=1e-8)
    assert s.mac_energy_pj == pytest.approx(ref["mac_energy_pj"], rel=1e-8)
    dynamic = ref["mac_energy_pj"] + sum(tl["energy_pj"] for ops in ref["counts"].values()
                                         for tl in ops.values())
    assert s.energy_pj == pytest.approx(dynamic, rel=1e-8)
    # the printed total adds leakage (not modelled in the arch file) and rounds to 0.01 uJ
    leakage = sum(ref["leakage_pj"].values())
    assert leakage / (ref["energy_uj"] * 1e6) < 1e-3
    assert s.energy_pj / 1e6 == pytest.approx(ref["energy_uj"], rel=1e-3)
