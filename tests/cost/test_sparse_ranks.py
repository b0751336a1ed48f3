"""Sparseloop-class sparsity (picojoule.arch.sparse, picojoule.cost.sparse), derived by hand.

The workload is a dot product, ``gemm(M=1, N=1, K=16)``: 16 MACs, inputs A[K], weights B[K],
one output (partial sums kept at 8 bits so every word is one 8-bit access at 1 pJ). Mapping:
everything in ``buf``; dense counts there: inputs and weights read 16 times, the output
updated 16 times and read back 15 times (the first update reads nothing).
"""

from __future__ import annotations

import numpy as np
import pytest

from picojoule.arch.sparse import OperandFormat
from picojoule.cost import evaluate
from picojoule.cost.sparse import format_per_tile
from picojoule.errors import SpecError
from picojoule.mapping import parse_mapping
from picojoule.workload import gemm
from picojoule.workload.density import FixedStructured, Hypergeometric

DOT = gemm(M=1, N=1, K=16, psum_bits=8)
SPARSE_A = DOT.with_density(inputs=0.25)
MAPPING = parse_mapping("DRAM:\nbuf: K16")


def arch(make_arch, sparse=None, **buf):
    return make_arch({"name": "DRAM", "kind": "dram"},
                     {"name": "buf", "kind": "sram", "capacity_bits": 1 << 12,
                      **({"sparse": sparse} if sparse is not None else {}), **buf})


def test_empty_sparse_entry_changes_no_number(make_arch):
    dense = evaluate(SPARSE_A, arch(make_arch), MAPPING)
    empty = evaluate(SPARSE_A, arch(make_arch, {}), MAPPING)
    assert empty.energy_pj == dense.energy_pj and empty.cycles == dense.cycles
    assert empty.levels == dense.levels


GATE = {"actions": [{"kind": "gate", "target": "weights", "condition_on": ["inputs"]},
                    {"kind": "gate", "target": "outputs", "condition_on": ["inputs"]}]}
SKIP = {"actions": [{"kind": "skip", "target": "weights", "condition_on": ["inputs"]},
                    {"kind": "skip", "target": "outputs", "condition_on": ["inputs"]}]}
BW = {"read_bandwidth_bits": 24, "write_bandwidth_bits": 8}  # 3 words read, 1 written / cycle


def test_gating_saves_energy_but_keeps_the_bandwidth_slots(make_arch):
    s = evaluate(SPARSE_A, arch(make_arch, GATE, **BW), MAPPING)
    b = s.levels["buf"]
    # weights: 16 reads, 1/4 with a non-zero A -> 4 actual (12 gated)
    # output: 16 updates -> 4; 15 read-backs -> 15 * 0.25 = 3.75; inputs untouched: 16
    assert (b["weights"].reads, b["outputs"].updates, b["outputs"].reads) == (4, 4, 3.75)
    assert b["inputs"].reads == 16
    assert s.mac_energy_pj == 4  # 16 MACs * 0.25 at 1 pJ
    # energy at buf: reads 16 + 4 + 3.75, updates 4, fills of A and B 16 + 16 words at 1 pJ;
    # gated accesses cost nothing
    assert b["weights"].energy_pj + b["outputs"].energy_pj + b["inputs"].energy_pj == 59.75
    # the write port (1 word per cycle) takes the 32 fills of A and B from DRAM and all 16
    # updates: gated updates keep their slot -> 48 cycles
    assert s.cycles == 48


def test_skipping_frees_the_bandwidth_too(make_arch):
    s = evaluate(SPARSE_A, arch(make_arch, SKIP, **BW), MAPPING)
    # writes: 32 fills + 4 actual updates (skipped ones take no slot) -> 36 cycles; reads:
    # 16 + 4 + 3.75 = 23.75 words / 3 per cycle = 7.9; compute: 16 * 0.25 = 4
    assert s.cycles == 36


def test_coordinate_payload_stores_and_moves_non_zeros_with_coordinates(make_arch):
    sp = {"inputs": {"format": ["CP"], "metadata_bits": 4}, **SKIP}
    s = evaluate(SPARSE_A, arch(make_arch, sp), MAPPING)
    b = s.levels["buf"]
    # A: 16 dense -> 4 non-zeros read (each with its 4-bit coordinate) and 4 filled
    assert (b["inputs"].reads, b["inputs"].fills) == (4, 4)
    # energy: 4 reads + 4 fills of 8 bits at 1 pJ/8 bits = 8 pJ; metadata: 4 coordinate reads
    # and 4 writes of 4 bits at the data's 1/8 pJ per bit = 2 + 2 pJ
    assert b["inputs"].energy_pj == 12
    # DRAM keeps A uncompressed: it still reads all 16 elements
    assert s.levels["DRAM"]["inputs"].reads == 16
    # compressed at its innermost level, A's zeros are skipped: 4 MACs, 4 cycles
    assert s.mac_energy_pj == 4 and s.cycles == 4


def test_metadata_energy_and_width_from_the_spec(make_arch):
    sp = {"inputs": {"format": ["CP"], "metadata_bits": 4}, "metadata_width_bits": 8,
          "metadata_read_energy_pj": 0.5, "metadata_write_energy_pj": 0.25}
    s = evaluate(SPARSE_A, arch(make_arch, sp), MAPPING)
    # 4 coordinates of 4 bits = 16 bits = 2 accesses of 8 bits read (0.5 pJ) and written
    # (0.25 pJ): 1.5 pJ on top of 8 pJ of data
    assert s.levels["buf"]["inputs"].energy_pj == pytest.approx(9.5)


def test_capacity_counts_non_zeros_and_metadata(make_arch):
    from picojoule.cost import energy_model, evaluate_batch
    from picojoule.mapping.batch import batch_of_one

    a = arch(make_arch, {"inputs": {"format": ["CP"], "metadata_bits": 4}})
    st = evaluate_batch(SPARSE_A, a, batch_of_one(MAPPING, SPARSE_A, a),
                        energy_model(a, SPARSE_A))
    # buf: A 4 non-zeros * 8 + 4 coordinates * 4 = 48 bits; B 16 * 8 = 128; output 8
    assert st.used_bits[0, 1] == 48 + 128 + 8


@pytest.mark.parametrize("ranks, span, model, units, bits", [
    # CSR of an 8x8 tile at d=0.5: 8 + 1 row offsets, 32 column coordinates
    (("UOP", "CP"), (8, 8), FixedStructured(0.5), 9 + 32, (9 + 32) * 4),
    # uncompressed rows, bitmask columns of a 4x8 tile: 32 one-bit flags
    (("U", "B"), (4, 8), FixedStructured(0.25), 32, 32),
    # one run-length rank over the flattened 4x8 tile: ceil(0.25 * 32) = 8 runs
    (("RLE",), (4, 8), FixedStructured(0.25), 8, 32),
    # bitmask rows (4 bits, every row holds 8 * 0.25 = 2 non-zeros) then coordinates (4 * 2)
    (("B", "CP"), (4, 8), FixedStructured(0.25), 4 + 8, 4 + 8 * 4),
    # hypergeometric, 2 non-zeros among 8 in a 4x2 tile: a row (2 elements) is empty with
    # C(6,2)/C(8,2) = 15/28, so 4 * 13/28 rows carry a coordinate; the U leaf carries nothing
    (("CP", "U"), (4, 2), Hypergeometric(0.25, 8), 4 * 13 / 28, 4 * 13 / 28 * 4),
])
def test_format_metadata_per_tile(ranks, span, model, units, bits):
    u, b = format_per_tile(OperandFormat(ranks, 4), np.array(span)[:, None], model)
    assert u[0] == pytest.approx(units) and b[0] == pytest.approx(bits)


@pytest.mark.parametrize("sparse, needle", [
    ({"inputs": {"format": ["CSR"]}}, "format[0]: one of U, B, RLE, CP, UOP"),
    ({"actions": [{"kind": "drop", "target": "weights", "condition_on": ["inputs"]}]},
     "kind: one of gate, skip"),
    ({"actions": [{"kind": "skip", "target": "weights", "condition_on": ["weights"]}]},
     "other operands than the target"),
    ({"psums": {"format": ["CP"]}}, "sparse.psums: an operand"),
])
def test_bad_sparse_entries_one_line_each(make_arch, sparse, needle):
    with pytest.raises(SpecError) as err:
        arch(make_arch, sparse)
    assert len(err.value.problems) == 1 and needle in str(err.value)


CONV = "conv2d N=1 C=2 M=2 P=4 Q=4 R=3 S=3"  # inputs over (N, C, P+R, Q+S): 4 axes


def test_more_ranks_than_axes_is_reported(make_arch):
    # a GEMM's operands take more ranks than axes (ranks split by the tiling); a conv's
    # inputs, whose axes mix two dims each, cannot
    from picojoule.workload import parse_layer

    a = arch(make_arch, {"inputs": {"format": ["U", "U", "U", "CP", "CP"]}})
    with pytest.raises(SpecError, match=r"buf.sparse.inputs.format: at most 4 rank formats"):
        evaluate(parse_layer(CONV), a, parse_mapping("DRAM:\nbuf: C2 M2 P4 Q4 R3 S3"))
    tiled = arch(make_arch, {"inputs": {"format": ["U", "CP", "CP"]}})
    assert evaluate(SPARSE_A, tiled, MAPPING).levels["buf"]["inputs"].reads == 4


def test_cli_reports_a_format_longer_than_the_operand_with_exit_2(tmp_path, capsys):
    from picojoule.cli.main import main

    arch_file = tmp_path / "a.yaml"
    arch_file.write_text(
        "name: toy\nclock_hz: 1000000000\nvoltage_v: 0.9\nnode_nm: 45\n"
        "compute: {precisions: [int8], mac_energy_pj: 1.0}\nlevels:\n"
        "  - {name: DRAM, kind: dram, width_bits: 8, read_energy_pj: 1, write_energy_pj: 1}\n"
        "  - {name: buf, kind: sram, width_bits: 8, capacity_bits: 4096, read_energy_pj: 1,\n"
        "     write_energy_pj: 1, sparse: {inputs: {format: [U, U, U, CP, CP]}}}\n")
    map_file = tmp_path / "m.map"
    map_file.write_text("DRAM:\nbuf: C2 M2 P4 Q4 R3 S3\n")
    code = main(["evaluate", "--arch", str(arch_file), "--layer", CONV,
                 "--mapping", str(map_file)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "buf.sparse.inputs.format: at most 4 rank formats" in err[0]


def test_two_four_structured_weights_halve_the_math(make_arch):
    from picojoule.workload.density import NM, with_models

    layer = with_models(DOT, weights=NM(2, 4, "K"))
    s = evaluate(layer, arch(make_arch, {"weights": {"format": ["CP"], "metadata_bits": 2}}),
                 MAPPING)
    # 2 of every 4 weights are non-zero: 16 * 2/4 = 8 MACs and 8 cycles (2x math); the
    # weight tile of 16 holds 2 * 4 = 8 non-zeros with a 2-bit coordinate each
    assert s.mac_energy_pj == 8 and s.cycles == 8
    assert s.levels["buf"]["weights"].fills == 8


def test_hypergeometric_tiles_move_expected_non_zeros_and_reserve_the_quantile(make_arch):
    from picojoule.cost import energy_model, evaluate_batch
    from picojoule.mapping.batch import batch_of_one
    from picojoule.workload.density import with_models

    # A: 4 non-zeros among 16 placed at random; buf holds the whole tile of 16
    layer = with_models(DOT, inputs=Hypergeometric(0.25, 16))
    a = arch(make_arch, {"inputs": {"format": ["CP"], "metadata_bits": 4}})
    s = evaluate(layer, a, MAPPING)
    # the tile moves its expected 16 * 4/16 = 4 non-zeros; reads toward the MAC: 16 * 0.25
    assert (s.levels["buf"]["inputs"].fills, s.levels["buf"]["inputs"].reads) == (4, 4)
    st = evaluate_batch(layer, a, batch_of_one(MAPPING, layer, a), energy_model(a, layer))
    # capacity at confidence 1: the tile is the tensor, so exactly 4 non-zeros: 4 * 8 data
    # bits + 4 coordinates * 4 bits; B 128 bits; the output 8 bits
    assert st.used_bits[0, 1] == 48 + 128 + 8


def test_mapper_pruning_and_cost_model_agree_on_compressed_tiles(make_arch):
    from picojoule.cost import energy_model, evaluate_batch
    from picojoule.cost.storage import usage_bits
    from picojoule.mapping.sample import random_mappings

    layer = gemm(M=8, N=8, K=8, psum_bits=8).with_density(inputs=0.25, weights=0.5)
    a = make_arch({"name": "DRAM", "kind": "dram"},
                  {"name": "buf", "kind": "sram", "capacity_bits": 1 << 12,
                   "sparse": {"inputs": {"format": ["UOP", "CP"]},
                              "weights": {"format": ["B"]}}})
    batch = random_mappings(layer, a, 200, np.random.default_rng(0))
    st = evaluate_batch(layer, a, batch, energy_model(a, layer))
    pruned = usage_bits(layer, a, batch.temporal, batch.spatial_x * batch.spatial_y,
                        batch.keeps, batch.order)
    # one implementation: the bits the mapper checks are the bits the model checks
    assert np.allclose(pruned.sum(axis=2), st.used_bits)
    # before loop orders are known, the fewest over rank orders: never more than any order
    any_order = usage_bits(layer, a, batch.temporal, batch.spatial_x * batch.spatial_y,
                           batch.keeps)
    assert (any_order <= pruned + 1e-9).all() and (any_order < pruned - 1e-9).any()
    # and a compressed tile takes less than its dense self whenever it holds zeros
    dense = usage_bits(layer.with_density(inputs=1.0, weights=1.0), a, batch.temporal,
                       batch.spatial_x * batch.spatial_y, batch.keeps)
    assert (pruned[:, 1, 0] <= dense[:, 1, 0]).all()


def test_first_order_options_and_sparse_entries_do_not_mix(make_arch):
    a = arch(make_arch, {"inputs": {"format": ["CP"]}}, sparse_format="bitmask")
    with pytest.raises(SpecError, match=r"buf\.sparse_format: per-level sparse: entries or the"):
        evaluate(SPARSE_A, a, MAPPING)
