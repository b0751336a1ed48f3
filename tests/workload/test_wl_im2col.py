"""Flattened pixel dims: the run footprint (derived by hand) and the fused layer."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from picojoule.workload import conv2d
from picojoule.workload.im2col import fuse, fused_name, layer_for
from picojoule.workload.window import run_footprint


def _reference(start: int, length: int, images: int, rows: int, cols: int, sh: int, sw: int,
               wr: int, ws: int) -> int:
    """Point by point: each output row of the run reads input rows p*sh .. p*sh+wr-1 (its
    whole stride when the next row is in the run too, as index-space spans count) and one
    interval of columns min(q)*sw .. max(q)*sw+ws-1."""
    by_row: dict[tuple[int, int], list[int]] = {}
    for f in range(start, min(start + length, images * rows * cols)):
        n, rest = divmod(f, rows * cols)
        p, q = divmod(rest, cols)
        by_row.setdefault((n, p), []).append(q)
    points = set()
    for (n, p), qs in by_row.items():
        height = wr if (n, p + 1) not in by_row else max(wr, sh)
        for h in range(p * sh, p * sh + height):
            for w in range(min(qs) * sw, max(qs) * sw + ws):
                points.add((n, h, w))
    return len(points)


def test_run_spanning_a_row_boundary_by_hand() -> None:
    # P = Q = 4 output pixels, 3x3 filter, stride 1. The run of flattened pixels 2..6 is
    # (0,2) (0,3) (1,0) (1,1) (1,2). Row 0 reads input rows 0-2, columns 2-5; row 1 reads
    # input rows 1-3, columns 0-4. Union: input row 0 -> columns 2-5 (4 points); rows 1 and
    # 2 -> columns 0-5 (6 + 6); row 3 -> columns 0-4 (5). Total 4 + 12 + 5 = 21, where the
    # bounding box of the run (2 rows x 4 columns of outputs) would claim 4 x 6 = 24.
    got = run_footprint(np.array([2]), 5, images=1, rows=4, cols=4, span=(3, 3))
    assert int(got[0]) == 21
    # a whole row (pixels 4..7): 3 input rows x 6 columns = 18
    assert int(run_footprint(np.array([4]), 4, images=1, rows=4, cols=4, span=(3, 3))[0]) == 18


def test_runs_across_images_add_up_and_padding_reads_nothing() -> None:
    # 2 images of 2x2 outputs, 1x1 filter, stride 1: pixels 3..4 are the last of image 0 and
    # the first of image 1: one input point each = 2. Pixels 8.. are padding: nothing.
    assert int(run_footprint(np.array([3]), 2, images=2, rows=2, cols=2)[0]) == 2
    assert int(run_footprint(np.array([8]), 4, images=2, rows=2, cols=2)[0]) == 0


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3),
       st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.data())
def test_closed_form_matches_point_by_point(images: int, rows: int, cols: int, sh: int,
                                            sw: int, wr: int, ws: int,
                                            data: st.DataObject) -> None:
    total = images * rows * cols
    start = data.draw(st.integers(0, total + 2))
    length = data.draw(st.integers(1, total + 2))
    got = run_footprint(np.array([start]), length, images=images, rows=rows, cols=cols,
                        stride=(sh, sw), span=(wr, ws))
    assert int(got[0]) == _reference(start, length, images, rows, cols, sh, sw, wr, ws)


def test_fuse_flattens_pixels_and_keeps_the_layer() -> None:
    layer = conv2d(C=8, M=16, P=5, Q=7, R=3, S=3, stride=2)
    fused = fuse(layer)
    assert fused is not None and fused_name(layer) == "PQ"
    assert fused.bound["PQ"] == 35 and "P" not in fused.dims and "Q" not in fused.dims
    assert fused.macs == layer.macs
    # whole-layer sizes agree: inputs (2*4+3) x (2*6+3) x 8 channels, outputs 35 x 16
    assert fused.size("inputs") == layer.size("inputs") == 11 * 15 * 8
    assert fused.size("outputs") == 35 * 16
    assert fused.operand("inputs").dims == {"N", "C", "PQ", "R", "S"}
    assert layer_for(layer, {"PQ", "M"}) == fused
    assert layer_for(layer, {"P", "Q"}) is layer
    batched = fuse(conv2d(N=4, C=8, M=16, P=5, Q=7, R=3, S=3))
    assert batched is not None and batched.bound["NPQ"] == 140 and "N" not in batched.dims


def test_nothing_to_fuse() -> None:
    assert fuse(conv2d(C=8, M=16, P=1, Q=7)) is None  # one pixel dim above 1
    assert fuse(conv2d(C=8, M=16, P=1, Q=1)) is None
