from __future__ import annotations

import pytest

from picojoule.errors import SpecError
from picojoule.workload import conv2d, parse_layer


def test_text_round_trip_and_macs():
    layer = parse_layer("conv2d N=1 C=96 M=256 P=27 Q=27 R=5 S=5")
    assert layer.macs == 96 * 256 * 27 * 27 * 25
    assert parse_layer(layer.to_text()) == layer
    g = parse_layer("gemm M=512 N=512 K=512 bits=4")
    assert g.macs == 512**3 and {op.bits for op in g.operands} == {4}


def test_input_size_and_padding_give_output_size():
    layer = parse_layer("conv2d C=3 M=64 H=224 W=224 R=7 S=7 stride=2 pad=3")
    assert (layer.bound["P"], layer.bound["Q"]) == (112, 112)  # ResNet stem


def test_depthwise_conv_has_a_group_dim():
    dw = conv2d(C=32, M=32, P=56, Q=56, R=3, S=3, groups=32)
    assert dw.bound["G"] == 32 and dw.bound["C"] == 1 and dw.macs == 32 * 56 * 56 * 9
    assert dw.size("weights") == 32 * 9


def test_every_problem_reported_at_once():
    with pytest.raises(SpecError) as err:
        parse_layer("conv2d C=x M=y zz=1")
    fields = {p.field for p in err.value.problems}
    assert {"C", "M", "zz"} <= fields
