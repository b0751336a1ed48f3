"""Sparseloop's vector-granular energy (picojoule.interop.sparseloop_energy), by hand."""

from __future__ import annotations

import pytest

from picojoule.arch import arch_from_mapping
from picojoule.cost import energy_model, evaluate_batch
from picojoule.interop.sparseloop_energy import block_ratio, vector_energy_pj
from picojoule.mapping import parse_mapping
from picojoule.mapping.batch import batch_of_one
from picojoule.workload import gemm


def test_a_short_compressed_tile_takes_whole_vectors():
    # 3 weights at density 0.43 (fixed-structured: 2 non-zeros) in 4-word vectors: one whole
    # vector where 3 x 0.43 / 4 = 0.3225 were expected; the table's threshold for 4-word
    # vectors at density 0.4 is 94 tiles per block, far above 3 / 4
    assert block_ratio(0.43, 3, 4, {2: 1.0}) == pytest.approx(1 / 0.3225)
    # a tile of 94 vectors or more is charged ceil(count / block) alone
    assert block_ratio(0.43, 4 * 94, 4, {162: 1.0}) == 1.0
    assert block_ratio(1.0, 3, 4, {3: 1.0}) == 1.0 and block_ratio(0.43, 3, 1, {2: 1.0}) == 1.0


def test_partial_vectors_are_charged_whole():
    arch = arch_from_mapping({
        "name": "wide", "clock_hz": 1e9, "voltage_v": 0.9, "node_nm": 45,
        "compute": {"precisions": ["int8"], "mac_energy_pj": 1.0, "area_um2": 1.0},
        "levels": [{"name": "DRAM", "kind": "dram", "width_bits": 32, "read_energy_pj": 4.0,
                    "write_energy_pj": 4.0, "area_um2": 0.0},
                   {"name": "buf", "kind": "sram", "width_bits": 8, "capacity_bits": 4096,
                    "read_energy_pj": 1.0, "write_energy_pj": 1.0}]}, "test")
    layer = gemm(M=1, N=1, K=11, psum_bits=8)
    batch = batch_of_one(parse_mapping("DRAM:\nbuf: K11"), layer, arch)
    model = energy_model(arch, layer)
    stats = evaluate_batch(layer, arch, batch, model)
    got = vector_energy_pj(layer, arch, batch, stats, model, {})
    # DRAM: 11 8-bit inputs in 32-bit vectors: 3 vector reads at 4 pJ (picojoule's own
    # per-bit charge: 11 x 8 / 32 x 4 = 11 pJ); the single output: one vector write
    assert float(stats.level_energy_pj[0, 0, 0]) == 11
    assert got[("DRAM", "inputs")] == 12 and got[("DRAM", "outputs")] == 4
    # buf is one word wide: every access is a vector, nothing changes (11 fills + 11 reads)
    assert got[("buf", "inputs")] == 22
