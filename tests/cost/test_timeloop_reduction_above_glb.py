"""A reduction loop above the GLB on the Eyeriss-like design, every count derived by hand.

Layer: VGG02 layer 5, conv2d C=128 M=256 P=Q=56 R=S=3, stride 1: 924,844,032 MACs; inputs
128 x 58 x 58 = 430,592, outputs 256 x 56 x 56 = 802,816. Mapping (outer -> inner), the one
Timeloop's mapper chose in tests/data/timeloop_ref/eyeriss_like_vgg02_layer5.yaml:

    DRAM          for Q4 C4 P7 M4                 <- C4: partial sums leave the GLB
    shared_glb    for M2 C4 P8, spatial X: Q14, Y: M4 S3   (168 of 168 PEs)
    ifmap_spad    -
    weights_spad  for R3 C8
    psum_spad     for M8

Tiles (a level's loops and everything below): psum_spad outputs m8 = 8; weights_spad
c8 r3 m8 = 192; ifmap_spad c8 x h(p1 + r3 - 1 = 3) = 24; GLB m(2*4*8 = 64) p8 q14 = 7,168
outputs and c(4*8 = 32) x h(8 + 3 - 1 = 10) x w(14 + 3 - 1 = 16) = 5,120 inputs.
Temporal loops above a PE: GLB 2*4*8 = 64, DRAM 4*4*7*4 = 448; per PE R3 C8 M8 = 192 MACs.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from picojoule.arch import load_arch
from picojoule.cost import evaluate
from picojoule.errors import SpecError
from picojoule.mapping import parse_mapping
from picojoule.workload import parse_layer

ARCH = load_arch(Path(__file__).parent.parent / "data" / "eyeriss_like_timeloop.yaml")
LAYER = parse_layer("conv2d N=1 C=128 M=256 P=56 Q=56 R=3 S=3")
MAPPING = parse_mapping("DRAM: Q4 C4 P7 M4\nshared_glb: M2 C4 P8 X: Q14 Y: M4 S3\n"
                        "weights_spad: R3 C8\npsum_spad: M8")
MACS = 128 * 256 * 56 * 56 * 9
PES = 168


def physical(arch):
    """The same design with picojoule's defaults: operands at their own precision (partial
    sums at 16 bits until final) and one refill per partial-sum read under a reduction."""
    fan = replace(arch.levels[1].fanout, psum_refill="single")
    levels = tuple(replace(lv, word_bits=None) for lv in arch.levels)
    return replace(arch, levels=(levels[0], replace(levels[1], fanout=fan), *levels[2:]))


@pytest.fixture(scope="module")
def s():
    return evaluate(LAYER, ARCH, MAPPING)


def c(stats, level, op):
    x = stats.levels[level][op]
    return (x.reads, x.fills, x.updates)


def test_cycles_and_utilization(s):
    assert MACS == 924_844_032
    assert s.cycles == 192 * 64 * 448 == MACS / PES  # 5,505,024
    assert s.utilization == 1.0


def test_pe_counts(s):
    # weights_spad: one read per MAC. Fills: walking outward, GLB P8 is irrelevant (tile stays),
    # C4 is relevant: 192 x (GLB C4 M2 = 8) x 448 = 688,128 per PE.
    assert c(s, "weights_spad", "weights") == (MACS, 688_128 * PES, 0)
    # ifmap_spad: the GLB's innermost loop P8 is relevant and slides the window h = p + r by
    # one row: 24 + 7 x 8 (c8 x 1 new row) = 80 per sweep, x (GLB C4 M2, DRAM 448) = 3,584
    # sweeps: 286,720 per PE.
    assert c(s, "ifmap_spad", "inputs") == (MACS, 286_720 * PES, 0)
    # psum_spad: one update per MAC. Distinct outputs one PE ever holds: m(8 x M4 x M2 = 64) x
    # p(P7 x P8 = 56) x q(Q4 = 4) = 14,336; the first update of each is free:
    #   reads = 924,844,032 - 14,336 x 168 = 922,435,584.
    # Visits: R3 C8 above are irrelevant (tile stays); GLB P8 is the first relevant loop, so
    #   every loop from it outward refetches: 8 x (GLB P8 C4 M2 = 64) x 448 = 229,376;
    # refills = visits - distinct = 215,040 per PE, and with psum_refill: multicast every one
    # of the 3 PEs reduced over S3 counts its fill.
    assert c(s, "psum_spad", "outputs") == (MACS - 14_336 * PES, 215_040 * PES, MACS)


def test_glb_counts(s):
    # inputs: the GLB serves 48,168,960 ifmap fills; M4 on Y is irrelevant to inputs, so one
    # read feeds 4 PEs: 12,042,240 reads. Fills: DRAM's M4 is innermost and irrelevant (tile
    # stays); P7 is relevant but not innermost -> whole tiles: 5,120 x P7 C4 Q4 = 573,440.
    assert c(s, "shared_glb", "inputs") == (286_720 * PES / 4, 573_440, 0)
    # outputs: each PE evicts its 229,376 visits; S3 on Y is reduced in the network (M4, Q14
    # are relevant): 229,376 x 168 / 3 = 12,845,056 updates; the 215,040 x 168 refills are
    # read once per reduced column: / 3 = 12,042,240 reads. The GLB tile is revisited by the
    # DRAM loops: visits 7,168 x 448 = 3,211,264, distinct 802,816 (every output):
    # 2,408,448 partial sums come back from DRAM (fills).
    assert c(s, "shared_glb", "outputs") == (12_042_240, 2_408_448, 12_845_056)


def test_dram_counts(s):
    # weights bypass the GLB: 688,128 x 168 spad fills, multicast over Q14 on X: 8,257,536.
    assert c(s, "DRAM", "weights") == (688_128 * PES / 14, 0, 0)
    assert c(s, "DRAM", "inputs") == (573_440, 0, 0)
    # GLB evictions 3,211,264 are DRAM updates; its refills 2,408,448 are DRAM reads.
    assert c(s, "DRAM", "outputs") == (2_408_448, 0, 3_211_264)


def test_partial_sums_at_the_levels_word_width(s):
    # word_bits 8 at DRAM: 64-bit vectors of 8 words at 512 pJ: 64 pJ per partial sum moved
    assert s.levels["DRAM"]["outputs"].energy_pj == (2_408_448 + 3_211_264) * 64
    # GLB: 8-bit words in 64-bit vectors: read 18.183829 / 8, write 14.137929 / 8 per word
    glb = 12_042_240 * 18.183829 / 8 + (2_408_448 + 12_845_056) * 14.137929 / 8
    assert s.levels["shared_glb"]["outputs"].energy_pj == pytest.approx(glb, rel=1e-12)
    # psum_spad: 16-bit words in 16-bit vectors
    spad = (MACS - 14_336 * PES) * 0.2513 + (215_040 * PES + MACS) * 0.2191
    assert s.levels["psum_spad"]["outputs"].energy_pj == pytest.approx(spad, rel=1e-12)


def test_physical_defaults_differ_exactly_where_documented(s):
    p = evaluate(LAYER, physical(ARCH), MAPPING)
    # one refill per partial-sum read: the psum_spad fills drop by the reduction factor 3
    assert c(p, "psum_spad", "outputs")[1] == 215_040 * PES / 3
    # partial sums at 16 bits in the GLB and DRAM: twice the output energy there
    assert p.levels["DRAM"]["outputs"].energy_pj == 2 * s.levels["DRAM"]["outputs"].energy_pj
    assert p.levels["shared_glb"]["outputs"].energy_pj == pytest.approx(
        2 * s.levels["shared_glb"]["outputs"].energy_pj, rel=1e-12)
    # every other count is the same
    for level, ops in s.levels.items():
        for op in ops:
            if (level, op) != ("psum_spad", "outputs"):
                assert c(p, level, op) == c(s, level, op)


def test_capacity_counts_partial_sums_at_the_word_width():
    # Move the GLB's share of M up and all of P into it: DRAM Q4 C4 M2, GLB M4 C4 P56.
    # GLB tiles: outputs m(4*4*8 = 128) x p56 x q14 = 100,352, inputs c32 x h58 x w16 = 29,696.
    # At 8-bit words: 130,048 x 8 = 1,040,384 bits <= 16384 x 64 = 1,048,576: it fits.
    # Partial sums at 16 bits: 29,696 x 8 + 100,352 x 16 = 1,843,200 bits: it does not.
    big = parse_mapping("DRAM: Q4 C4 M2\nshared_glb: M4 C4 P56 X: Q14 Y: M4 S3\n"
                        "weights_spad: R3 C8\npsum_spad: M8")
    assert evaluate(LAYER, ARCH, big).cycles == MACS / PES
    with pytest.raises(SpecError, match=r"shared_glb: .* got 1843200"):
        evaluate(LAYER, physical(ARCH), big)
