"""The cost model on a fused (im2col) pixel dim: traffic and capacity derived by hand."""

from __future__ import annotations

import pytest

from picojoule.arch import arch_from_mapping
from picojoule.cost import evaluate
from picojoule.mapping.text import parse_mapping
from picojoule.workload import conv2d
from picojoule.workload.im2col import fuse

ARCH = arch_from_mapping({
    "name": "two-level", "clock_hz": 1e9, "voltage_v": 0.9, "node_nm": 45,
    "compute": {"precisions": ["int8"], "mac_energy_pj": 0.2, "area_um2": 1.0},
    "levels": [
        {"name": "DRAM", "kind": "dram", "width_bits": 8, "read_energy_pj": 100.0,
         "write_energy_pj": 100.0, "area_um2": 0.0},
        {"name": "buf", "kind": "sram", "width_bits": 8, "capacity_bits": 1 << 20,
         "read_energy_pj": 1.0, "write_energy_pj": 1.0, "area_um2": 0.0},
    ]}, "test")

# P = 2, Q = 3 outputs, 2x2 filter, stride 1: the input is 3 x 4 = 12 points; M = 2 filters.
LAYER = conv2d(C=1, M=2, P=2, Q=3, R=2, S=2)
FUSED = fuse(LAYER)
# Runs of 2 flattened pixels (the buffer's tile) and their input footprints:
#   pixels 0-1 = (0,0) (0,1): input rows 0-1 x columns 0-2 -> 6
#   pixels 2-3 = (0,2) (1,0): row 0 -> columns 2-3; row 1 -> 0-3; row 2 -> 0-1 -> 2+4+2 = 8
#   pixels 4-5 = (1,1) (1,2): input rows 1-2 x columns 1-3 -> 6
# Sliding along the fused loop, each step moves only what the previous run did not touch:
#   run 0-1 (6), then run 2-3 adds fp(0..3) - fp(0..1) = 10 - 6 = 4, then run 4-5 adds
#   fp(2..5) - fp(2..3) = 10 - 8 = 2: 6 + 4 + 2 = 12, every input point once.


def _input_fills(text: str) -> float:
    assert FUSED is not None
    return evaluate(FUSED, ARCH, parse_mapping(text)).levels["buf"]["inputs"].fills


def test_sliding_over_contiguous_runs_moves_each_input_once_per_sweep() -> None:
    # M outside the fused loop: two sweeps of 12
    assert _input_fills("DRAM: M2 PQ3\nbuf: PQ2 R2 S2") == pytest.approx(24)


def test_runs_refetched_whole_when_the_fused_loop_does_not_slide() -> None:
    # M innermost (irrelevant to inputs, so the run stays resident across it); the fused
    # loop is not the innermost loop, so each run comes whole once: 6 + 8 + 6 = 20
    assert _input_fills("DRAM: PQ3 M2\nbuf: PQ2 R2 S2") == pytest.approx(20)


def test_capacity_holds_the_largest_run() -> None:
    # the buffer must hold the largest run's inputs (8 points of 8 bits), the weights
    # (M2 x 2 x 2 = 8 of 8 bits) and the outputs (2 pixels x 2 filters as 16-bit partial
    # sums: the R and S loops are the buffer's own, not below it) -> 64 + 64 + 64 bits
    assert FUSED is not None
    stats = evaluate(FUSED, ARCH, parse_mapping("DRAM: PQ3\nbuf: PQ2 M2 R2 S2"))
    assert stats.levels["buf"]["inputs"].fills == pytest.approx(12)
    small = arch_from_mapping({**_arch_data(), "levels": [
        _arch_data()["levels"][0], {**_arch_data()["levels"][1], "capacity_bits": 191}]},
        "small")
    with pytest.raises(Exception, match="buf"):
        evaluate(FUSED, small, parse_mapping("DRAM: PQ3\nbuf: PQ2 M2 R2 S2"))
    roomy = arch_from_mapping({**_arch_data(), "levels": [
        _arch_data()["levels"][0], {**_arch_data()["levels"][1], "capacity_bits": 192}]},
        "roomy")
    evaluate(FUSED, roomy, parse_mapping("DRAM: PQ3\nbuf: PQ2 M2 R2 S2"))


def test_whole_rows_cost_what_the_unfused_mapping_costs() -> None:
    # runs of whole rows are the unfused tiles of those rows: the same counts and energy
    layer = conv2d(C=2, M=2, P=4, Q=4, R=3, S=3)
    fused = fuse(layer)
    assert fused is not None
    a = evaluate(layer, ARCH, parse_mapping("DRAM: M2 P4\nbuf: Q4 C2 R3 S3"))
    b = evaluate(fused, ARCH, parse_mapping("DRAM: M2 PQ4\nbuf: PQ4 C2 R3 S3"))
    assert b.energy_pj == pytest.approx(a.energy_pj)
    assert b.levels["buf"]["inputs"].fills == pytest.approx(a.levels["buf"]["inputs"].fills)


def _arch_data() -> dict:
    return {
        "name": "two-level", "clock_hz": 1e9, "voltage_v": 0.9, "node_nm": 45,
        "compute": {"precisions": ["int8"], "mac_energy_pj": 0.2, "area_um2": 1.0},
        "levels": [
            {"name": "DRAM", "kind": "dram", "width_bits": 8, "read_energy_pj": 100.0,
             "write_energy_pj": 100.0, "area_um2": 0.0},
            {"name": "buf", "kind": "sram", "width_bits": 8, "capacity_bits": 1 << 20,
             "read_energy_pj": 1.0, "write_energy_pj": 1.0, "area_um2": 0.0},
        ]}


def test_evaluate_reads_a_fused_mapping_on_the_layer_as_written() -> None:
    # the user's layer (P, Q) with a mapping naming PQ is costed on the fused form
    assert FUSED is not None
    mapping = parse_mapping("DRAM: M2 PQ3\nbuf: PQ2 R2 S2")
    assert evaluate(LAYER, ARCH, mapping).energy_pj == evaluate(FUSED, ARCH, mapping).energy_pj
