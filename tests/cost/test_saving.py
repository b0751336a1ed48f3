"""What sparsity saves (picojoule.cost.saving) against the same mapping dense, derived by
hand on the dot product of test_sparse_ranks.py: 16 MACs, inputs A at density 1/4, every
word one 8-bit access at 1 pJ in ``buf``; dense counts there: A and B read 16 times each,
the output updated 16 times and read back 15 times, A and B filled 16 times each."""

from __future__ import annotations

import pytest

from picojoule.cost.saving import saving
from picojoule.mapping import parse_mapping
from picojoule.workload import gemm

DOT = gemm(M=1, N=1, K=16, psum_bits=8).with_density(inputs=0.25)
MAPPING = parse_mapping("DRAM:\nbuf: K16")
BW = {"read_bandwidth_bits": 24, "write_bandwidth_bits": 8}  # 3 words read, 1 written / cycle


def action(kind):
    return {"actions": [{"kind": kind, "target": t, "condition_on": ["inputs"]}
                        for t in ("weights", "outputs")]}


def arch(make_arch, sparse):
    return make_arch({"name": "DRAM", "kind": "dram"},
                     {"name": "buf", "kind": "sram", "capacity_bits": 1 << 12,
                      "sparse": sparse, **BW})


def row(sv, level, operand):
    return next(r for r in sv.rows if (r.level, r.operand) == (level, operand))


@pytest.mark.parametrize("kind", ["gate", "skip"])
def test_gated_and_skipped_accesses_save_the_same_energy_but_not_the_same_cycles(make_arch,
                                                                                 kind):
    sv = saving(DOT, arch(make_arch, action(kind)), MAPPING)
    w, out, a = (row(sv, "buf", op) for op in ("weights", "outputs", "inputs"))
    # weights: 16 fills + 16 reads dense; 12 of the reads avoided (A zero) -> 16 + 4
    assert (w.dense_pj, w.sparse_pj, w.saved_pj) == (32, 20, 12)
    # outputs: 16 updates + 15 read-backs dense; 1/4 remain: 4 + 3.75 -> 23.25 saved
    assert (out.dense_pj, out.sparse_pj) == (31, 7.75)
    assert a.saved_pj == 0 and a.how == "-"  # A itself is neither gated nor compressed
    # avoided accesses (reads, fills and updates together): 12 weight reads; of the output,
    # 15 x 3/4 = 11.25 read-backs and 16 x 3/4 = 12 updates
    assert (getattr(w, "gated" if kind == "gate" else "skipped"), w.how) == (12, kind)
    assert getattr(out, "gated" if kind == "gate" else "skipped") == 23.25
    assert (sv.dense_mac_pj, sv.sparse_mac_pj) == (16, 4)
    # cycles: dense, the write port takes 32 fills + 16 updates = 48; gating keeps the slots
    # of the 12 gated updates (48); skipping frees them (36)
    assert sv.dense_cycles == 48
    assert sv.sparse_cycles == (48 if kind == "gate" else 36)
    assert sv.dense_energy_pj - sv.sparse_energy_pj == pytest.approx(
        sum(r.saved_pj for r in sv.rows) + 12)


def test_dense_architecture_has_no_saving(make_arch):
    dense = make_arch({"name": "DRAM", "kind": "dram"},
                      {"name": "buf", "kind": "sram", "capacity_bits": 1 << 12})
    assert saving(DOT, dense, MAPPING) is None


def test_savings_of_two_layers_add_row_by_row(make_arch):
    sv = saving(DOT, arch(make_arch, action("skip")), MAPPING)
    two = sv + sv
    assert row(two, "buf", "weights").saved_pj == 24
    assert two.dense_cycles == 96 and two.sparse_mac_pj == 8


def test_first_order_options_are_compared_too(make_arch):
    from dataclasses import replace

    dense = make_arch({"name": "DRAM", "kind": "dram"},
                      {"name": "buf", "kind": "sram", "capacity_bits": 1 << 12})
    gating = replace(dense, compute=replace(dense.compute, sparse_action="gate"))
    sv = saving(DOT, gating, MAPPING)
    # first-order gating: a zero input costs no MAC energy (16 x 1/4 = 4 of 16 pJ remain);
    # it counts no gated accesses, so a row that saved says so by name, and others say "-"
    assert (sv.dense_mac_pj, sv.sparse_mac_pj) == (16, 4)
    # the output: 16 x 1/4 = 4 updates (12 saved) and 4 - 1 = 3 read-backs instead of 15 (12
    # saved) at 1 pJ; nothing else changes
    out = row(sv, "buf", "outputs")
    assert (out.saved_pj, out.how) == (24, "first-order")
    assert all(r.how == "-" and r.saved_pj == 0 for r in sv.rows if r is not out)
