"""Hand-derived counts for rules no other test pins down: each test fails if its rule is
dropped or changed (the reduction and multicast at the innermost level of an operand, window
multicast, writes in the bandwidth bound, wire hops, sparse metadata, padded MACs, the new
word_bits and psum_refill options). Unit energies: 1 pJ per 8-bit access (cost_archs)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from picojoule.cost import evaluate
from picojoule.errors import SpecError
from picojoule.mapping import parse_mapping
from picojoule.workload import conv2d, gemm


def counts(stats, level, operand):
    c = stats.levels[level][operand]
    return c.reads, c.fills, c.updates


def pe_array(make_arch, pe_keeps, **fanout):
    """DRAM -> glb (keeps everything, 4 x 3 PEs below) -> pe registers keeping ``pe_keeps``."""
    return make_arch({"name": "DRAM", "kind": "dram"},
                     {"name": "glb", "kind": "sram", "capacity_bits": 1 << 16,
                      "fanout": {"x": 4, "y": 3, **fanout}},
                     {"name": "pe", "kind": "regfile", "capacity_bits": 64, "keeps": pe_keeps})


@pytest.mark.parametrize("reduction", [True, False])
def test_innermost_output_level_reduces_spatially(make_arch, reduction):
    # The PEs keep no outputs, so the GLB is the innermost output level: each MAC's result
    # crosses the array. gemm M=2 N=1 K=4: 8 MACs, K4 on X (irrelevant to C[M,N]).
    arch = pe_array(make_arch, ["inputs", "weights"], reduction=reduction)
    s = evaluate(gemm(M=2, N=1, K=4), arch, parse_mapping("DRAM: M2\nglb: X: K4"))
    if reduction:
        # the 4 products of an output are added in the network: 8 / 4 = 2 updates, one per
        # output, and no partial sum is ever read back (2 distinct outputs).
        assert counts(s, "glb", "outputs") == (0, 0, 2)
    else:
        # every product is an update; all but the first of each output read the sum first
        assert counts(s, "glb", "outputs") == (8 - 2, 0, 8)
    # the GLB tile (one output: m1) is revisited by DRAM's M2 only: 2 evictions, no refills
    assert counts(s, "DRAM", "outputs") == (0, 0, 2)


@pytest.mark.parametrize("multicast", [True, False])
def test_innermost_operand_level_multicasts(make_arch, multicast):
    # The PEs keep only outputs, so the GLB feeds every MAC its operands directly.
    # gemm M=2 N=4 K=1: 8 MACs; N4 on X is irrelevant to A[M,K], relevant to B[K,N].
    arch = pe_array(make_arch, ["outputs"], multicast=multicast)
    s = evaluate(gemm(M=2, N=4, K=1), arch, parse_mapping("DRAM: M2\nglb: X: N4"))
    # A: one read per MAC, shared by the 4 PEs along X when the network multicasts: 8 / 4
    assert counts(s, "glb", "inputs")[0] == (2 if multicast else 8)
    # B: the 4 PEs need different weights: one read per MAC either way
    assert counts(s, "glb", "weights")[0] == 8


@pytest.mark.parametrize("window", [True, False])
def test_window_multicast_shares_overlapping_windows(make_arch, window):
    # 1-D convolution, 4 outputs, 3 taps: input rows h = p + r (6 rows). P4 on X: PE p needs
    # rows p..p+2 (3 rows each, 12 fills in all); windows of neighbours overlap.
    arch = make_arch({"name": "DRAM", "kind": "dram"},
                     {"name": "glb", "kind": "sram", "capacity_bits": 1 << 16,
                      "fanout": {"x": 4, "window_multicast": window}},
                     {"name": "pe", "kind": "regfile", "capacity_bits": 256})
    s = evaluate(conv2d(N=1, C=1, M=1, P=4, Q=1, R=3, S=1), arch,
                 parse_mapping("glb: X: P4\npe: R3"))
    assert counts(s, "pe", "inputs")[1] == 12
    # P is relevant to inputs, so plain multicast shares nothing: 12 reads. Window multicast
    # reads the union of the 4 windows once: rows 0..5 = 6 reads.
    assert counts(s, "glb", "inputs")[0] == (6 if window else 12)


def test_writes_count_against_a_shared_port(make_arch):
    # The GLB-level counts of test_cost_hand.test_gemm_on_two_levels (192 MACs):
    # reads  192 A + 192 B (8 b) + 168 partial sums (16 b)        = 5,760 bits
    # writes 32 A + 96 B fills (8 b) + 192 partial-sum updates (16 b) = 4,096 bits
    layer, mapping = gemm(M=4, N=6, K=8), parse_mapping("DRAM: M2 N3\nbuf: K8 M2 N2")
    shared = make_arch({"name": "DRAM", "kind": "dram"},
                       {"name": "buf", "kind": "sram", "capacity_bits": 1 << 20,
                        "read_bandwidth_bits": 32})
    # one 32-bit port for both: (5,760 + 4,096) / 32 = 308 cycles > 192 compute cycles
    assert evaluate(layer, shared, mapping).cycles == 308
    split = make_arch({"name": "DRAM", "kind": "dram"},
                      {"name": "buf", "kind": "sram", "capacity_bits": 1 << 20,
                       "read_bandwidth_bits": 32, "write_bandwidth_bits": 16})
    # separate ports: max(5,760 / 32 = 180, 4,096 / 16 = 256) = 256
    assert evaluate(layer, split, mapping).cycles == 256


@pytest.mark.parametrize("pe_keeps", [["inputs", "weights", "outputs"], ["inputs", "weights"]])
def test_wire_energy_is_bits_times_hop_length(make_arch, pe_keeps):
    # The array of test_cost_hand.test_multicast_and_spatial_reduction (gemm M=2 N=4 K=3 on
    # 4 x 3 PEs) with a 1 mm PE pitch and 0.5 pJ per bit per mm. One transfer through the
    # GLB's fan-out crosses half the used span on each axis: 1 mm x (4 + 3) / 2 = 3.5 mm.
    arch = make_arch({"name": "DRAM", "kind": "dram"},
                     {"name": "glb", "kind": "sram", "capacity_bits": 1 << 16,
                      "fanout": {"x": 4, "y": 3, "pe_pitch_um": 1000.0}},
                     {"name": "pe", "kind": "regfile", "capacity_bits": 64, "keeps": pe_keeps})
    arch = replace(arch, wire_energy_pj_per_bit_mm=0.5)
    s = evaluate(gemm(M=2, N=4, K=3), arch, parse_mapping("DRAM: M2\nglb: X: N4 Y: K3"))
    # crossing it: 6 GLB reads of A (multicast), 12 of B, 8 reduced output updates (final,
    # 8 bits: K is all below the GLB) = 26 words of 8 bits: 26 x 8 x 3.5 x 0.5 = 364 pJ.
    # Without output registers in the PEs the GLB is the outputs' innermost level and the
    # same 8 reduced sums cross the array. DRAM's fan-out has no pitch, the PEs no fan-out.
    assert s.network_energy_pj == 364
    counted = sum(c.energy_pj for ops in s.levels.values() for c in ops.values())
    assert s.energy_pj == counted + s.mac_energy_pj + 364


@pytest.mark.parametrize("fmt, meta", [("rle", 4), ("coordinate", 6)])
def test_run_length_and_coordinate_metadata_is_stored_and_moved(make_arch, fmt, meta):
    # Weights at density 0.5 of the two-level gemm (96 dense DRAM reads, 16-element buf tile):
    # 48 non-zeros read, each 8 data bits + ``meta`` metadata bits.
    arch = make_arch({"name": "DRAM", "kind": "dram", "sparse_format": fmt, "metadata_bits": meta},
                     {"name": "buf", "kind": "sram", "capacity_bits": 1 << 20,
                      "sparse_format": fmt, "metadata_bits": meta})
    layer = gemm(M=4, N=6, K=8).with_density(weights=0.5)
    s = evaluate(layer, arch, parse_mapping("DRAM: M2 N3\nbuf: K8 M2 N2"))
    w = s.levels["DRAM"]["weights"]
    assert (w.reads, w.energy_pj) == (48, 48 * (8 + meta) / 8)
    # buf: 48 non-zeros filled (8 + meta bits written) and 96 read at the MACs
    b = s.levels["buf"]["weights"]
    assert b.energy_pj == (48 + 96) * (8 + meta) / 8


def test_operands_are_read_for_padded_macs(two_level):
    # M=3 mapped as M4: the fourth iteration is padding. Every operand is read for it (the
    # datapath runs 4 iterations: 4 cycles), but no MAC energy is spent on it.
    s = evaluate(gemm(M=3, N=1, K=1), two_level, parse_mapping("buf: M4"))
    assert counts(s, "buf", "inputs")[0] == 4
    assert counts(s, "buf", "weights")[0] == 4
    assert counts(s, "buf", "outputs")[2] == 4
    assert s.cycles == 4 and s.mac_energy_pj == 3


def test_word_bits_sets_capacity_and_energy_of_every_operand(make_arch):
    # The two-level gemm with a 4-bit-word buffer: every operand there at 4 bits, partial sums
    # included (they would be 16 bits otherwise); DRAM keeps each operand's precision.
    arch = make_arch({"name": "DRAM", "kind": "dram"},
                     {"name": "buf", "kind": "sram", "capacity_bits": 1 << 20, "word_bits": 4})
    s = evaluate(gemm(M=4, N=6, K=8), arch, parse_mapping("DRAM: M2 N3\nbuf: K8 M2 N2"))
    # buf accesses (test_cost_hand): A 192 + 32, B 192 + 96, C 168 + 192: at 4 of 8 bits per
    # access, 1 pJ per 8 bits: half a pJ each.
    assert s.level_energy_pj("buf") == (224 + 288 + 360) / 2
    # DRAM: 32 A + 96 B reads, 24 final outputs, all 8 bits
    assert s.level_energy_pj("DRAM") == 32 + 96 + 24


def test_word_bits_capacity_check(make_arch):
    # buf tiles: A 16 + B 16 + C 4 = 36 elements. At 4-bit words: 144 bits fit in 144;
    # at the operands' own precision (partial sums 16 b): 16*8 + 16*8 + 4*16 = 320 do not.
    mapping = parse_mapping("DRAM: M2 N3\nbuf: K8 M2 N2")
    fits = make_arch({"name": "DRAM", "kind": "dram"},
                     {"name": "buf", "kind": "sram", "capacity_bits": 144, "word_bits": 4})
    assert evaluate(gemm(M=4, N=6, K=8), fits, mapping).cycles == 192
    own = make_arch({"name": "DRAM", "kind": "dram"},
                    {"name": "buf", "kind": "sram", "capacity_bits": 319})
    with pytest.raises(SpecError, match=r"buf: .*got 320"):
        evaluate(gemm(M=4, N=6, K=8), own, mapping)


@pytest.mark.parametrize("refill, pe_fills", [("single", 8), ("multicast", 24)])
def test_partial_sums_refilled_under_a_spatial_reduction(make_arch, refill, pe_fills):
    # gemm M=2 N=4 K=6 (48 MACs) on 12 PEs: N4 on X, K3 on Y (reduced), the GLB loops K2 M2.
    arch = make_arch({"name": "DRAM", "kind": "dram"},
                     {"name": "glb", "kind": "sram", "capacity_bits": 1 << 16,
                      "fanout": {"x": 4, "y": 3, "psum_refill": refill}},
                     {"name": "pe", "kind": "regfile", "capacity_bits": 1 << 10})
    s = evaluate(gemm(M=2, N=4, K=6), arch, parse_mapping("glb: K2 M2 X: N4 Y: K3"))
    # PE tile: one output. Walking outward, the GLB's M2 is relevant: 1 x M2 x K2 = 4 visits
    # per PE of 2 distinct outputs: 2 partial sums come back per PE, 24 over the 12 PEs.
    # The GLB sees the evictions and refills of a column of 3 once (reduced over K3):
    # 4 x 12 / 3 = 16 updates, 24 / 3 = 8 reads, whichever refill rule.
    assert counts(s, "glb", "outputs") == (8, 0, 16)
    # "single": each read refills one PE of the 3 (the others restart from zero): 8 fills;
    # "multicast" (Timeloop): the read goes to all 3 and each counts a fill: 24.
    assert counts(s, "pe", "outputs") == (48 - 2 * 12, pe_fills, 48)


def test_unknown_psum_refill_is_an_error(make_arch):
    with pytest.raises(SpecError, match="psum_refill: one of single, multicast"):
        make_arch({"name": "DRAM", "kind": "dram", "fanout": {"psum_refill": "broadcast"}})
