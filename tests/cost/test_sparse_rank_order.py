"""A format's ranks follow the loop nest at the level (Sparseloop's fiber tree), derived by hand.

Workload ``gemm(M=1, N=4, K=8)``: weights B[K, N] (declared axes K, N), fixed-structured at
density 0.5, stored in ``buf`` as ``[UOP, CP]`` with 4-bit metadata. The whole 8 x 4 tile sits
in ``buf``; only the order of the two loops there changes.

* loops N (outer) then K: ranks N, K. UOP over N: 4 + 1 = 5 offsets; CP over K: each of the 4
  fibers of 8 holds ceil(0.5 * 8) = 4 non-zeros -> 16 coordinates. 21 metadata words.
* loops K (outer) then N: ranks K, N. UOP over K: 8 + 1 = 9 offsets; CP over N: 8 fibers of 4
  hold ceil(0.5 * 4) = 2 each -> 16 coordinates. 25 metadata words.

The 32 weight reads toward the MAC yield 16 non-zeros, and each traversal of the tile's 16
non-zeros reads its whole format once: 21 or 25 metadata reads.
"""

from __future__ import annotations

import numpy as np
import pytest

from picojoule.cost import energy_model, evaluate_batch
from picojoule.cost.ranks import RankOrder, axes_in_loop_order
from picojoule.cost.storage import usage_bits
from picojoule.mapping import parse_mapping
from picojoule.mapping.batch import batch_of_one
from picojoule.workload import gemm

LAYER = gemm(M=1, N=4, K=8, psum_bits=8).with_density(weights=0.5)
CSR = {"weights": {"format": ["UOP", "CP"], "metadata_bits": 4}}


def _arch(make_arch):
    return make_arch({"name": "DRAM", "kind": "dram"},
                     {"name": "buf", "kind": "sram", "capacity_bits": 1 << 12, "sparse": CSR})


@pytest.mark.parametrize("loops, metadata_words", [("N4 K8", 5 + 16), ("K8 N4", 9 + 16)])
def test_ranks_follow_the_loop_order(make_arch, loops, metadata_words):
    a = _arch(make_arch)
    batch = batch_of_one(parse_mapping(f"DRAM:\nbuf: {loops}"), LAYER, a)
    st = evaluate_batch(LAYER, a, batch, energy_model(a, LAYER))
    w = LAYER.operands.index(LAYER.operand("weights"))
    assert st.sparse is not None
    assert st.counts[0, 1, w, 0] == 16  # 32 reads, half non-zero
    assert st.sparse.metadata_units[1, w, 0, 0] == pytest.approx(metadata_words)
    # buf holds the 16 non-zeros (8 bits) and the metadata (4 bits); inputs 8 x 8 bits,
    # outputs 4 x 8 bits
    assert st.used_bits[0, 1] == pytest.approx(16 * 8 + metadata_words * 4 + 64 + 32)
    # the mapper's capacity check asks the same question with the loop order
    used = usage_bits(LAYER, a, batch.temporal, batch.spatial_x * batch.spatial_y,
                      batch.keeps, batch.order)
    assert used[0, 1, w] == pytest.approx(16 * 8 + metadata_words * 4)
    # before the loop order is known (pruning), the fewest over rank orders: N, K's 21 words
    fewest = usage_bits(LAYER, a, batch.temporal, batch.spatial_x * batch.spatial_y,
                        batch.keeps)
    assert fewest[0, 1, w] == pytest.approx(16 * 8 + 21 * 4)


def test_rank_order_puts_unit_axes_outermost_and_reads_spatial_loops():
    # one level, dims (K, N, M) = (0, 1, 2); temporal loops K8 then M2 (N1: unit), a spatial
    # N4 under them: N's outermost loop is the spatial one, after every temporal slot of
    # the level, so axes (K, N) stay (K, N); with N unit everywhere N goes outermost
    T = np.array([[[8], [1], [2]]])
    S = np.array([[[1], [4], [1]]])
    order = np.array([[[0], [2], [1]]])  # K, M, N outer -> inner
    terms = (((0, 1),), ((1, 1),))  # axis 0 = K, axis 1 = N
    keys = RankOrder.of((terms,), T, S, order).keys[0]
    assert axes_in_loop_order(terms, np.array([[8], [4]]), keys)[:, 0].tolist() == [8, 4]
    keys = RankOrder.of((terms,), T, np.ones_like(S), order).keys[0]
    assert axes_in_loop_order(terms, np.array([[8], [1]]), keys)[:, 0].tolist() == [1, 8]


TILED = gemm(M=1, N=8, K=8, psum_bits=8).with_density(weights=0.5)


@pytest.mark.parametrize("ranks, metadata_words", [
    # one rank per loop of the DRAM tile (the whole 8 x 8 B): N4 at DRAM, then K8, N2 at buf.
    # UOP over N4: 5 offsets, 4 fibers; UOP over K8: 4 * (8 + 1) = 36 offsets, 32 fibers;
    # CP over N2: one coordinate per non-zero of the tile, ceil(0.5 * 64) = 32. 73 words.
    (["UOP", "UOP", "CP"], 5 + 36 + 32),
    # one rank per axis: N's outermost loop (DRAM) is outside K's, so N then K:
    # UOP over N8: 9 offsets; CP: 32 coordinates. 41 words.
    (["UOP", "CP"], 9 + 32),
])
def test_formats_over_tiled_ranks(make_arch, ranks, metadata_words):
    a = make_arch({"name": "DRAM", "kind": "dram",
                   "sparse": {"weights": {"format": ranks, "metadata_bits": 4}}},
                  {"name": "buf", "kind": "sram", "capacity_bits": 1 << 12})
    batch = batch_of_one(parse_mapping("DRAM: N4\nbuf: K8 N2"), TILED, a)
    st = evaluate_batch(TILED, a, batch, energy_model(a, TILED))
    w = TILED.operands.index(TILED.operand("weights"))
    assert st.sparse is not None
    # buf's 16-weight tile is filled 4 times from DRAM: 64 dense reads, each tile moving
    # its ceil(0.5 * 16) = 8 non-zeros -> 32; the 64-weight DRAM tile is traversed once
    assert st.counts[0, 0, w, 0] == 32
    assert st.sparse.metadata_units[0, w, 0, 0] == pytest.approx(metadata_words)
