"""Flattened pixel axes (im2col) and padding below the axis size, in the mapping space."""

from __future__ import annotations

from dataclasses import replace

import pytest
from mapper_archs import small_arch

from picojoule.analysis import analyze
from picojoule.mapper import Budget, Objective, SearchOptions, dataflow, search
from picojoule.mapper.search import mapping_stats
from picojoule.mapper.space import build_space, padded_bounds
from picojoule.mapping.text import format_mapping, parse_mapping
from picojoule.workload import conv2d
from picojoule.workload.im2col import fuse
from picojoule.workload.network import Network, Node

CYCLES = SearchOptions(constraints=dataflow("os"), objective=Objective(0, 1),
                       budget=Budget(6000), strategy="guided")


def systolic8(im2col: bool):
    return _with_im2col() if im2col else small_arch(buf_bits=1 << 30, reg_bits=1 << 20, x=8,
                                                    y=8, systolic=True)


def _with_im2col():
    arch = small_arch(buf_bits=1 << 30, reg_bits=1 << 20, x=8, y=8, systolic=True)
    buf = arch.levels[1]
    levels = (arch.levels[0], replace(buf, fanout=replace(buf.fanout, im2col=True)),
              arch.levels[2])
    return replace(arch, levels=levels)


def test_padding_below_the_axis_is_an_option() -> None:
    assert padded_bounds(13, [16]) == [13]  # default: only bounds above an axis are padded
    assert padded_bounds(13, [16], below_axis=True) == [13, 16]  # 16, or 2 x 8
    assert padded_bounds(7, [16], below_axis=True) == [7, 8]  # 8 divides 16, below 2 x 7
    assert padded_bounds(55, [16], below_axis=True) == padded_bounds(55, [16])


def test_fused_dim_only_on_axes_that_can_stream_it() -> None:
    fused = fuse(conv2d(C=4, M=8, P=5, Q=5, R=3, S=3))
    assert fused is not None
    pq = fused.dims.index("PQ")
    plain = build_space(fused, systolic8(False), dataflow("os"))
    able = build_space(fused, _with_im2col(), dataflow("os"))
    spatial = plain.slot_kind != 0
    assert not plain.free[pq][spatial].any()
    assert able.free[pq][spatial].any()


def test_search_fills_the_rows_with_flattened_pixels() -> None:
    # 5 x 5 = 25 output pixels on 8 array rows, M = 8 filters on 8 columns, C*R*S = 36
    # streamed per fold; a fold costs 36 + 8 + 8 - 2 = 50 cycles (fill and drain).
    # Flattened: ceil(25 / 8) = 4 folds -> 200 cycles. Without: the rows take a divisor of
    # P or Q (5), so 5 folds of 5 pixels -> 250 cycles.
    layer = conv2d(C=4, M=8, P=5, Q=5, R=3, S=3)
    with_im2col = search(layer, _with_im2col(), CYCLES)
    without = search(layer, systolic8(False), CYCLES)
    assert with_im2col.stats.cycles == pytest.approx(200)
    assert without.stats.cycles == pytest.approx(250)
    assert "PQ" in format_mapping(with_im2col.mapping)
    # the found mapping, as text, is costed on the fused layer by the analysis' path
    again = mapping_stats(layer, _with_im2col(), parse_mapping(format_mapping(
        with_im2col.mapping)), dataflow("os"))
    assert again.cycles == with_im2col.stats.cycles
    assert again.energy_pj == with_im2col.stats.energy_pj


def test_analyze_reports_fused_mappings() -> None:
    layer = conv2d(C=4, M=8, P=5, Q=5, R=3, S=3, name="c1")
    net = Network("one", (Node(layer),))
    a = analyze(net, _with_im2col(), CYCLES, workers=1)
    assert a.layers[0].stats is not None and a.layers[0].stats.cycles == pytest.approx(200)
    assert a.layers[0].stats.macs == layer.macs
