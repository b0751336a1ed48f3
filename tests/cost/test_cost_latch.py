"""``compute.operand_latch``: a latched operand is read from its innermost level only when
its value changes (docs/cost-model.md). Every expected count is derived in the comments."""

from __future__ import annotations

import dataclasses

import pytest

from picojoule.arch import Arch, arch_from_mapping
from picojoule.cost import evaluate
from picojoule.errors import SpecError
from picojoule.mapping import parse_mapping
from picojoule.workload import gemm


def latched(arch: Arch, *ops: str) -> Arch:
    return dataclasses.replace(arch, compute=dataclasses.replace(
        arch.compute, operand_latch=frozenset(ops)))


def reads(stats, level: str, operand: str) -> float:
    return stats.levels[level][operand].reads


# gemm M=4 N=6 K=8: 192 MACs; inputs A[M, K], weights B[K, N], outputs C[M, N]. Without a
# latch every MAC reads A and B from buf (192 each) and C takes 192 updates, 168 reads.

def test_two_loop_orders_latch_the_operand_their_innermost_loop_ignores(two_level):
    layer = gemm(M=4, N=6, K=8)
    arch = latched(two_level, "inputs", "weights")
    # nest outer -> inner: M2 N3 | K8 M2 N2. The innermost loop N2 does not index A, M2 does:
    # A changes every 2 MACs -> 192 / 2 = 96 reads. N2 indexes B: 192 reads.
    s = evaluate(layer, arch, parse_mapping("DRAM: M2 N3\nbuf: K8 M2 N2"))
    assert reads(s, "buf", "inputs") == 96 and reads(s, "buf", "weights") == 192
    # the same tiles, buf's M2 and N2 swapped: M2 innermost does not index B -> 96 reads;
    # it indexes A -> 192.
    s = evaluate(layer, arch, parse_mapping("DRAM: M2 N3\nbuf: K8 N2 M2"))
    assert reads(s, "buf", "inputs") == 192 and reads(s, "buf", "weights") == 96
    # outputs are not latched (ZigZag does not hold them either): one update per MAC, and
    # every update but the first of each of the 24 outputs reads: 192 - 24 = 168.
    assert (s.levels["buf"]["outputs"].reads, s.levels["buf"]["outputs"].updates) == (168, 192)
    # fills, DRAM traffic and MAC energy are the latch-free ones
    plain = evaluate(layer, two_level, parse_mapping("DRAM: M2 N3\nbuf: K8 N2 M2"))
    assert s.levels["buf"]["weights"].fills == plain.levels["buf"]["weights"].fills
    assert s.levels["DRAM"]["weights"].reads == plain.levels["DRAM"]["weights"].reads
    assert reads(plain, "buf", "weights") == 192
    # energy: 96 fewer 8-bit buf reads at 1 pJ each (cost_archs: 1 pJ per 8-bit access)
    assert plain.energy_pj - s.energy_pj == pytest.approx(96.0)


def test_the_run_of_unchanging_loops_crosses_levels(two_level):
    layer = gemm(M=4, N=6, K=8)
    arch = latched(two_level, "weights")
    # nest: K8 N6 M2 | M2. buf's M2 and DRAM's innermost M2 leave B alone, N6 changes it:
    # B changes every 2 * 2 = 4 MACs -> 192 / 4 = 48 reads from buf.
    s = evaluate(layer, arch, parse_mapping("DRAM: K8 N6 M2\nbuf: M2"))
    assert reads(s, "buf", "weights") == 48
    assert reads(s, "buf", "inputs") == 192  # not latched in this architecture


def test_a_latch_needs_one_word_for_every_value_an_instance_serves(make_arch):
    layer = gemm(M=2, N=4, K=3)  # 24 MACs
    levels = ({"name": "DRAM", "kind": "dram"},
              {"name": "glb", "kind": "sram", "capacity_bits": 1 << 16, "keeps": ["inputs",
               "weights", "outputs"], "fanout": {"x": 4}},
              {"name": "pe", "kind": "regfile", "capacity_bits": 64, "keeps": ["outputs"]})
    mapping = parse_mapping("DRAM: K3\nglb: M2 X: N4")
    # B's innermost level is glb; the 4 PEs under it (N on X) take 4 distinct weights per
    # cycle: 4 x 8 bits do not fit glb's 8-bit word, so nothing is held: 24 / 1 reads (N
    # indexes B: no multicast).
    narrow = evaluate(layer, latched(make_arch(*levels), "weights"), mapping)
    assert reads(narrow, "glb", "weights") == 24
    # a 32-bit word carries all four: glb's innermost loop M2 leaves B alone -> 24 / 2 = 12.
    wide = ({**levels[0]}, {**levels[1], "width_bits": 32}, {**levels[2]})
    s = evaluate(layer, latched(make_arch(*wide), "weights"), mapping)
    assert reads(s, "glb", "weights") == 12


def test_the_option_is_validated_and_defaults_to_nothing():
    data = {"name": "t", "clock_hz": 1e9, "voltage_v": 0.9, "node_nm": 45,
            "compute": {"precisions": ["int8"], "operand_latch": ["outputs", "weights"]},
            "levels": [{"name": "DRAM", "kind": "dram", "width_bits": 8}]}
    with pytest.raises(SpecError, match=r"compute.operand_latch\[0\]: one of inputs, weights"):
        arch_from_mapping(data, "t.yaml")
    data["compute"] = {"precisions": ["int8"]}
    assert arch_from_mapping(data, "t.yaml").compute.operand_latch == frozenset()
