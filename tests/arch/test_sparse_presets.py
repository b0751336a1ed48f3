"""The classic sparse accelerators as presets (scnn, sparse-tensor-core, eie), each analyzed
at its paper's densities against its dense twin with the same mapping; every expectation is
derived by hand from the paper's mechanism."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from picojoule.arch import load_preset, preset_names
from picojoule.cost.saving import saving
from picojoule.mapping import parse_mapping
from picojoule.workload import conv2d, fc, gemm
from picojoule.workload.density import NM, with_models

SPARSE = ("scnn", "sparse-tensor-core", "eie")


def densities(design: str) -> dict[str, float]:
    """Operand -> density of a design's row in arch/data/sparse_densities.csv."""
    path = resources.files("picojoule.arch") / "data" / "sparse_densities.csv"
    with path.open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["design"] == design]
    assert all(r["source"] for r in rows)
    return {r["operand"]: float(r["density"]) for r in rows
            if r["layer"] in ("fc6", "conv3", "any")}


@pytest.mark.parametrize("name", SPARSE)
def test_sparse_presets_load_cite_sources_and_have_a_dense_twin(name):
    assert name in preset_names()
    arch = load_preset(name)
    assert arch.sources and any(lv.sparse is not None for lv in arch.levels)
    twin = arch.dense_twin()
    assert all(lv.sparse is None for lv in twin.levels)
    assert [lv.capacity_bits for lv in twin.levels] == [lv.capacity_bits for lv in arch.levels]


def _by(sv, level, operand):
    return next(r for r in sv.rows if (r.level, r.operand) == (level, operand))


def test_two_four_halves_math_and_cycles_and_counts_two_bit_indices():
    d = densities("sparse-tensor-core")
    assert d["weights"] == 0.5
    layer = with_models(gemm(M=256, N=256, K=256, input_bits=16, weight_bits=16,
                             output_bits=16), weights=NM(2, 4, "K"))
    mapping = parse_mapping("DRAM: K8\nsmem: M4 N256 X: M4 K8 Y: M8 K4\n"
                            "pe_reg: M2 bypass: outputs")
    sv = saving(layer, load_preset("sparse-tensor-core"), mapping)
    # dense: 256^3 = 16,777,216 MACs on 32 x 32 = 1024 MACs -> 16,384 cycles; 2:4 keeps 2 of
    # every 4 weights and the array multiplies only those: half the MACs, half the cycles
    assert sv.dense_cycles == 16384 and sv.sparse_cycles == 8192
    assert sv.sparse_mac_pj == pytest.approx(sv.dense_mac_pj / 2)
    for level in ("DRAM", "smem", "pe_reg"):
        w = _by(sv, level, "weights")
        # per dense weight: half a 16-bit value + half a 2-bit index = 9 of 16 bits; the
        # metadata alone is 1 of 16 (4 bits of metadata per 4 weights)
        assert w.sparse_pj == pytest.approx(w.dense_pj * 9 / 16)
        assert w.metadata_pj == pytest.approx(w.dense_pj / 16)
        assert w.how == "format"
        for op in ("inputs", "outputs"):
            if any((r.level, r.operand) == (level, op) for r in sv.rows):
                assert _by(sv, level, op).saved_pj == 0  # dense operands: nothing changes


def test_scnn_skips_both_operands_everywhere():
    d = densities("scnn")
    layer = conv2d(N=1, C=256, M=384, P=13, Q=13, R=3, S=3, input_bits=16, weight_bits=16,
                   output_bits=16).with_density(weights=d["weights"], inputs=d["inputs"])
    mapping = parse_mapping("DRAM: M2 X: Q7 Y: M2 P2\naccumulators: M2\niaram: C128\n"
                            "weight_fifo: S3 R3 C2 M6 Q2 P4 X: M2 P2 Y: M4")
    sv = saving(layer, load_preset("scnn"), mapping)
    both = d["weights"] * d["inputs"]  # 0.35 x 0.4 = 0.14 of the products are non-zero
    # compute cycles: M2 M2 C128 S3 R3 C2 M6 Q2 P4 = 442,368 temporal steps dense; only the
    # Cartesian products of non-zeros are formed
    assert sv.dense_cycles == 442368
    assert sv.sparse_cycles == pytest.approx(442368 * both)
    assert sv.sparse_mac_pj == pytest.approx(sv.dense_mac_pj * both)
    acc = _by(sv, "accumulators", "outputs")
    assert acc.how == "skip" and acc.sparse_pj == pytest.approx(acc.dense_pj * both)
    # DRAM inputs: whole iaram tiles move, ceil(0.4 x tile) non-zeros each with a 4-bit run.
    # The iaram tile is C256 (C128 x C2) x 10 rows (P8 + R3 - 1) x 4 columns (Q2 + S3 - 1) =
    # 10,240 inputs, 4,096 of them non-zero: 0.4 x (16 + 4) / 16 = 0.5 of the dense energy
    ins = _by(sv, "DRAM", "inputs")
    assert ins.sparse_pj == pytest.approx(ins.dense_pj * 0.5)
    # DRAM weights: the weight_fifo tile is M48 C2 R3 S3 = 864 weights, ceil(0.35 x 864) = 303
    # non-zeros with a 4-bit run each: 303/864 x 20/16 of the dense energy
    w = _by(sv, "DRAM", "weights")
    assert w.sparse_pj == pytest.approx(w.dense_pj * 303 / 864 * 20 / 16)
    assert sv.sparse_energy_pj < sv.dense_energy_pj / 2


def test_eie_reads_only_weights_of_non_zero_inputs():
    d = densities("eie")
    layer = fc(N=1, C=9216, M=4096, weight_bits=4, input_bits=16, output_bits=16) \
        .with_density(weights=d["weights"], inputs=d["inputs"])
    mapping = parse_mapping("host: X: M64\nspmat_sram: C1152\nact_queue: C8\nact_regs: M64")
    arch = load_preset("eie")
    sv = saving(layer, arch, mapping)
    both = d["weights"] * d["inputs"]  # 0.09 x 0.351 = 0.0316; EIE Table III: FLOP% 3%
    assert both == pytest.approx(d["macs"], abs=0.002)
    # AlexNet FC6: 9216 x 4096 MACs on 64 PEs = 589,824 cycles dense
    assert sv.dense_cycles == 589824
    assert sv.sparse_cycles == pytest.approx(589824 * both)
    assert sv.sparse_mac_pj == pytest.approx(sv.dense_mac_pj * both)
    spmat = _by(sv, "spmat_sram", "weights")
    # compressed (format) and skipped on zero inputs: of the 0.09 x 37,748,736 stored
    # non-zeros read per pass, 1 - 0.351 are skipped
    assert spmat.how == "format+skip"
    assert spmat.skipped == pytest.approx(9216 * 4096 * d["weights"] * (1 - d["inputs"]))
    assert _by(sv, "act_regs", "outputs").how == "skip"
    assert _by(sv, "host", "weights").dense_pj == 0  # the model is resident on chip
    # 23 us at 800 MHz; EIE Table III's theoretical time for FC6 is 28.1 us (with load
    # imbalance between PEs, which this model does not have): same order, below it
    assert sv.sparse_cycles / arch.clock_hz < 28.1e-6


def test_skipped_macs_take_no_slot_so_utilization_stays_at_most_one():
    from picojoule.cost import evaluate

    layer = with_models(gemm(M=256, N=256, K=256, input_bits=16, weight_bits=16,
                             output_bits=16), weights=NM(2, 4, "K"))
    mapping = parse_mapping("DRAM: K8\nsmem: M4 N256 X: M4 K8 Y: M8 K4\n"
                            "pe_reg: M2 bypass: outputs")
    arch = load_preset("sparse-tensor-core")
    sparse, dense = evaluate(layer, arch, mapping), evaluate(layer, arch.dense_twin(), mapping)
    # dense: 16,777,216 MACs in 16,384 cycles on 1,024 PEs -> utilization 1.0; 2:4 issues
    # half the MACs (8,388,608 skipped) in 8,192 cycles -> still 1.0, not 2.0
    assert dense.skipped_macs == 0 and dense.utilization == pytest.approx(1.0)
    assert sparse.skipped_macs == 256**3 / 2
    assert sparse.cycles == 8192 and sparse.utilization == pytest.approx(1.0)
    total = sparse + sparse
    assert total.skipped_macs == 256**3 and total.utilization == pytest.approx(1.0)
