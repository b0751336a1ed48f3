"""Hand-derived counts: every expected number is derived in the comments from the rules in
docs/cost-model.md (tile, fills walking outward, multicast, reduction, read-modify-write)."""

from __future__ import annotations

from picojoule.cost import evaluate
from picojoule.mapping import parse_mapping
from picojoule.workload import conv2d, gemm


def counts(stats, level, operand):
    c = stats.levels[level][operand]
    return c.reads, c.fills, c.updates


def test_gemm_on_two_levels(two_level):
    # C[M,N] += A[M,K] * B[K,N] with M=4, N=6, K=8: 192 MACs.
    layer = gemm(M=4, N=6, K=8)
    mapping = parse_mapping("DRAM: M2 N3\nbuf: K8 M2 N2")
    s = evaluate(layer, two_level, mapping)
    # buf tile extents M2 N2 K8: A tile 2*8 = 16, B tile 8*2 = 16, C tile 2*2 = 4.
    # A (M, K): walking outward from buf, N3 is irrelevant (A stays), M2 refetches:
    #   fills = 16 * 2 = 32 = all of A, each read once from DRAM.
    assert counts(s, "buf", "inputs") == (192, 32, 0)  # one read per MAC
    assert counts(s, "DRAM", "inputs") == (32, 0, 0)
    # B (K, N): N3 is the innermost loop and relevant: windows along N do not overlap, so
    #   fills = 16 * 3 per M iteration, * M2 = 96 (B re-read once per M block).
    assert counts(s, "buf", "weights") == (192, 96, 0)
    assert counts(s, "DRAM", "weights") == (96, 0, 0)
    # C (M, N): visits 4 * 3 * 2 = 24 = distinct outputs, so no partial sum goes back:
    #   DRAM takes 24 updates and no reads; buf takes one update per MAC (192) and reads
    #   all but the first update of each output: 192 - 24 = 168.
    assert counts(s, "buf", "outputs") == (168, 0, 192)
    assert counts(s, "DRAM", "outputs") == (0, 0, 24)
    assert s.macs == 192 and s.cycles == 192


def test_sliding_window_only_fetches_the_new_rows(two_level):
    # 1-D convolution: 8 outputs, 3 taps, input rows h = p + r (10 rows).
    layer = conv2d(N=1, C=1, M=1, P=8, Q=1, R=3, S=1)
    s = evaluate(layer, two_level, parse_mapping("DRAM: P4\nbuf: P2 R3"))
    # buf input tile: p in 2 and r in 3 span (2-1) + (3-1) + 1 = 4 rows. DRAM's innermost loop
    # P4 is relevant and steps the window by 2 rows: 4 + 2 + 2 + 2 = 10 rows, the input once.
    assert counts(s, "buf", "inputs")[1] == 10
    assert counts(s, "DRAM", "inputs")[0] == 10


def test_no_sliding_credit_when_the_window_loop_is_not_innermost(two_level):
    layer = conv2d(N=1, C=1, M=2, P=8, Q=1, R=3, S=1)
    # M2 is DRAM's innermost loop and irrelevant to inputs (the tile stays through it); the
    # first relevant loop P4 is not the innermost, so each window is fetched whole: 4 * 4 = 16.
    s = evaluate(layer, two_level, parse_mapping("DRAM: P4 M2\nbuf: P2 R3"))
    assert counts(s, "buf", "inputs")[1] == 16


def test_multicast_and_spatial_reduction(make_arch):
    arch = make_arch({"name": "DRAM", "kind": "dram"},
                     {"name": "glb", "kind": "sram", "capacity_bits": 1 << 16,
                      "fanout": {"x": 4, "y": 3}},
                     {"name": "pe", "kind": "regfile", "capacity_bits": 64})
    layer = gemm(M=2, N=4, K=3)  # 24 MACs on 12 PEs (n on X, k on Y), each doing M2
    s = evaluate(layer, arch, parse_mapping("DRAM: M2\nglb: X: N4 Y: K3"))
    # A (M, K) in each PE: one element per M step -> 2 fills per PE, 24 in all; N is
    # irrelevant to A, so one GLB read is multicast to the 4 PEs along X: 24 / 4 = 6 = |A|.
    assert counts(s, "pe", "inputs") == (24, 24, 0)
    assert counts(s, "glb", "inputs")[0] == 6
    # B (K, N): M2 is irrelevant, so each PE's weight stays: 12 fills, 12 GLB reads.
    assert counts(s, "pe", "weights") == (24, 12, 0)
    assert counts(s, "glb", "weights")[0] == 12
    # C (M, N): each PE writes its 2 partial sums; K on Y is irrelevant to C, so the 3
    # partial sums of a column are added in the network: 2 * 12 / 3 = 8 = |C| GLB updates.
    assert counts(s, "glb", "outputs") == (0, 0, 8)
    # each PE's outputs are written once per MAC and never read back (first update free).
    assert counts(s, "pe", "outputs") == (0, 0, 24)
    # GLB tile of A: K3 spread on Y (extent 1 in M): 3; M2 steps it: 3 + 3 = 6 from DRAM.
    assert counts(s, "DRAM", "inputs")[0] == 6
    assert s.used_pes == 12 and s.cycles == 2


def test_outputs_revisited_read_modify_write(two_level):
    layer = gemm(M=2, N=2, K=4)  # 16 MACs
    s = evaluate(layer, two_level, parse_mapping("DRAM: K2 M2\nbuf: K2 N2"))
    # buf holds one row of C (2 outputs) per visit. Visits: 2 (M) per K half, 2 halves: 4
    # visits of 2 elements = 8 evictions -> 8 DRAM updates. The second K half revisits every
    # output: 4 partial sums read back from DRAM (the first visit reads nothing).
    assert counts(s, "DRAM", "outputs") == (4, 0, 8)
    assert counts(s, "buf", "outputs")[1] == 4  # refilled with those partial sums
    # In buf: 16 updates (one per MAC). Per output, the first K half reads once (2 updates,
    # the first is fresh), the second reads twice (the value came back from DRAM): 3 * 4 = 12.
    assert counts(s, "buf", "outputs") == (12, 4, 16)


def test_energy_is_counts_times_per_access_energy(two_level):
    layer = gemm(M=4, N=6, K=8)
    s = evaluate(layer, two_level, parse_mapping("DRAM: M2 N3\nbuf: K8 M2 N2"))
    # 8-bit words, 1 pJ per 8-bit access: energy = accesses. Outputs are 8 bits where every
    # reduction loop (K) is below the level (DRAM) and 16-bit partial sums in buf (2 words).
    dram = (32 + 96) + 24
    buf = (192 + 32) + (192 + 96) + 2 * (168 + 192)
    assert s.energy_pj == dram + buf + 192  # + 192 MACs at 1 pJ


def test_static_power_is_charged_per_second(make_arch):
    from dataclasses import replace

    arch = replace(make_arch({"name": "DRAM", "kind": "dram"},
                             {"name": "buf", "kind": "sram", "capacity_bits": 1 << 20}),
                   static_power_mw=1000.0)  # 1 W at 1 GHz
    s = evaluate(gemm(M=4, N=6, K=8), arch, parse_mapping("DRAM: M2 N3\nbuf: K8 M2 N2"))
    # 192 cycles = 192 ns; 1 W for 192 ns = 1.92e-7 J = 192,000 pJ
    assert s.static_energy_pj == 192_000


def test_stats_add_across_bypass_choices(two_level):
    layer = gemm(M=4, N=6, K=8)
    kept = evaluate(layer, two_level, parse_mapping("DRAM: M2 N3\nbuf: K8 M2 N2"))
    bypassed = evaluate(layer, two_level,
                        parse_mapping("DRAM: M2 N3\nbuf: K8 M2 N2 bypass: weights"))
    total = kept + bypassed
    assert total.energy_pj == kept.energy_pj + bypassed.energy_pj
    assert total.cycles == kept.cycles + bypassed.cycles and total.macs == 2 * 192
    # weights counted at buf only by the layer that kept them there
    assert total.levels["buf"]["weights"] == kept.levels["buf"]["weights"]
    assert total.levels["DRAM"]["weights"].reads == (kept.levels["DRAM"]["weights"].reads
                                                     + bypassed.levels["DRAM"]["weights"].reads)
