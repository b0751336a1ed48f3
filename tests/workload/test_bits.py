"""Precision from the command line: ``analyze --bits``."""

from __future__ import annotations

import pytest

from picojoule.cli.analyze_cmd import parse_bits
from picojoule.errors import SpecError
from picojoule.importers import load_model
from picojoule.workload.network import with_bits


def test_parse_bits_forms() -> None:
    assert parse_bits("16") == {"inputs": 16, "weights": 16, "outputs": 16}
    assert parse_bits("i=8,w=4,o=16") == {"inputs": 8, "weights": 4, "outputs": 16}
    assert parse_bits("w=4, p=32") == {"weights": 4, "psum": 32}


def test_parse_bits_reports_every_problem() -> None:
    with pytest.raises(SpecError) as err:
        parse_bits("x=3,100,w=abc")
    assert len(err.value.problems) == 3


def test_with_bits_overrides_every_layer() -> None:
    net = with_bits(load_model("resnet18"), {"inputs": 16, "weights": 16, "outputs": 16})
    for layer in net.layers:
        assert [op.bits for op in layer.operands] == [16, 16, 16]
        assert layer.output.partial_bits == 16  # the zoo's 16-bit partial sums stay >= outputs
    wide = with_bits(load_model("resnet18"), {"outputs": 32})
    assert all(layer.output.partial_bits == 32 for layer in wide.layers)
    psum = with_bits(load_model("resnet18"), {"psum": 24})
    assert all(layer.output.partial_bits == 24 and layer.output.bits == 8
               for layer in psum.layers)
