"""Sparsity: densities only pay off where the hardware stores compressed data (format) or
gates/skips ineffectual MACs (action). Expected numbers derived by hand from the dense case of
test_cost_hand.test_gemm_on_two_levels (M=4, N=6, K=8; 192 MACs)."""

from __future__ import annotations

import pytest

from picojoule.cost import evaluate
from picojoule.errors import SpecError
from picojoule.mapping import parse_mapping
from picojoule.workload import gemm

MAPPING = parse_mapping("DRAM: M2 N3\nbuf: K8 M2 N2")
LAYER = gemm(M=4, N=6, K=8).with_density(weights=0.5)


def arch(make_arch, dram_format="none", buf_format="none", action="none"):
    from dataclasses import replace

    a = make_arch({"name": "DRAM", "kind": "dram", "sparse_format": dram_format},
                  {"name": "buf", "kind": "sram", "capacity_bits": 1 << 20,
                   "sparse_format": buf_format})
    return replace(a, compute=replace(a.compute, sparse_action=action))


def test_density_without_hardware_support_saves_nothing(make_arch):
    dense = evaluate(gemm(M=4, N=6, K=8), arch(make_arch), MAPPING)
    sparse = evaluate(LAYER, arch(make_arch), MAPPING)
    assert sparse.energy_pj == dense.energy_pj and sparse.cycles == dense.cycles


def test_bitmask_storage_moves_non_zeros_plus_one_bit_per_position(make_arch):
    s = evaluate(LAYER, arch(make_arch, "bitmask", "bitmask"), MAPPING)
    w = s.levels["DRAM"]["weights"]
    # dense DRAM weight reads: 96; half are non-zero -> 48, each 8 data bits + 1/0.5 = 2
    # bitmask bits (one per dense position) = 10 bits; 1 pJ per 8 bits -> 48 * 10 / 8 = 60 pJ.
    assert (w.reads, w.energy_pj) == (48, 60)
    b = s.levels["buf"]["weights"]
    # buf: 48 non-zeros filled, and each MAC's weight read yields a non-zero: 192 * 0.5 = 96
    assert (b.fills, b.reads) == (48, 96)
    assert s.mac_energy_pj == 192 and s.cycles == 192  # no gating, no skipping


def test_dense_parent_sends_zeros_to_a_compressing_child(make_arch):
    s = evaluate(LAYER, arch(make_arch, "none", "bitmask"), MAPPING)
    assert s.levels["DRAM"]["weights"].reads == 96  # DRAM holds zeros and reads them
    assert s.levels["buf"]["weights"].fills == 48


def test_gating_saves_mac_energy_skipping_saves_cycles_too(make_arch):
    gate = evaluate(LAYER, arch(make_arch, action="gate"), MAPPING)
    # half the MACs have a zero weight: 96 MACs of energy, outputs updated 96 times, read
    # back 96 - 24 (first update of each of the 24 outputs) = 72; time unchanged.
    assert gate.mac_energy_pj == 96 and gate.cycles == 192
    assert (gate.levels["buf"]["outputs"].updates, gate.levels["buf"]["outputs"].reads) == (96, 72)
    skip = evaluate(LAYER, arch(make_arch, action="skip"), MAPPING)
    # skipping also avoids reading the operands of ineffectual MACs, and their cycles
    assert skip.cycles == 96 and skip.mac_energy_pj == 96
    assert skip.levels["buf"]["inputs"].reads == 96
    assert skip.energy_pj < gate.energy_pj


def test_unknown_format_and_action_are_errors(make_arch):
    with pytest.raises(SpecError, match="sparse_format: one of none, bitmask"):
        make_arch({"name": "DRAM", "kind": "dram", "sparse_format": "zip"})
