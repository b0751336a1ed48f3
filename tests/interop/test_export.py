"""Out and back: what picojoule writes for Timeloop and ZigZag reads back as the same design,
layer and mapping, with the same counts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from picojoule.arch import load_preset
from picojoule.arch.loader import arch_from_mapping
from picojoule.cli.main import main
from picojoule.cost import evaluate
from picojoule.interop.timeloop_arch import load_timeloop_arch
from picojoule.interop.timeloop_problem import load_timeloop_mapping, load_timeloop_problem
from picojoule.interop.zigzag import arch_data_from_zigzag, layer_from_zigzag, layer_to_zigzag
from picojoule.mapper import Budget, SearchOptions, search
from picojoule.mapping.text import format_mapping
from picojoule.workload import parse_layer

TINY = Path(__file__).parent / "data" / "tiny"


def test_timeloop_problem_to_zigzag_and_back_is_the_same_layer() -> None:
    layer = load_timeloop_problem(TINY / "problem.yaml")
    conv = parse_layer("conv2d N=2 C=16 M=32 P=14 Q=14 R=3 S=3 stride=2 dilation=1")
    for original in (layer, conv):
        back = layer_from_zigzag(yaml.safe_load(yaml.safe_dump(layer_to_zigzag(original))),
                                 "round trip")
        assert back.macs == original.macs and back.bound == original.bound
        assert back.operands == original.operands  # projections, bits, partial-sum bits
        for op in ("inputs", "weights", "outputs"):
            assert back.size(op) == original.size(op)


def test_export_to_timeloop_reads_back_with_the_same_counts(tmp_path: Path) -> None:
    """eyeriss and a mapping the mapper found: written as Timeloop files, read back by our
    Timeloop reader, the same layer and mapping cost the same on every level."""
    arch = load_preset("eyeriss")
    layer = parse_layer("conv2d N=1 C=16 M=32 P=14 Q=14 R=3 S=3")
    mapping = search(layer, arch, SearchOptions(budget=Budget(2000))).mapping
    (tmp_path / "found.map").write_text(format_mapping(mapping))
    assert main(["export", "--to", "timeloop", "--arch", "eyeriss", "--layer",
                 layer.to_text(), "--mapping", str(tmp_path / "found.map"),
                 "--out", str(tmp_path)]) == 0
    design = load_timeloop_arch(tmp_path / "arch.yaml", tmp_path / "ERT.yaml")
    back = load_timeloop_problem(tmp_path / "problem.yaml",
                                 bits={"inputs": 8, "weights": 8, "outputs": 8, "psum": 16})
    assert back.macs == layer.macs and back.bound == layer.bound
    got = evaluate(back, design.arch, load_timeloop_mapping(tmp_path / "mapping.yaml", back,
                                                            design))
    ours = evaluate(layer, arch, mapping)
    for level, ops in ours.levels.items():
        for op, c in ops.items():
            theirs = got.levels[level][op]
            assert (theirs.reads, theirs.fills, theirs.updates) == (c.reads, c.fills,
                                                                     c.updates), (level, op)
    assert got.cycles == ours.cycles


def test_export_to_zigzag_hardware_reads_back_as_the_same_chain(tmp_path: Path) -> None:
    assert main(["export", "--to", "zigzag", "--arch", "eyeriss", "--layer",
                 "conv2d N=1 C=16 M=32 P=14 Q=14 R=3 S=3", "--out", str(tmp_path)]) == 0
    hw = yaml.safe_load((tmp_path / "hardware.yaml").read_text())
    back = arch_from_mapping(arch_data_from_zigzag(hw, "hardware.yaml"), "hardware.yaml")
    arch = load_preset("eyeriss")
    assert [(lv.name, lv.keeps, lv.capacity_bits, lv.fanout.x, lv.fanout.y)
            for lv in back.levels] == [(lv.name, lv.keeps, lv.capacity_bits, lv.fanout.x,
                                        lv.fanout.y) for lv in arch.levels]
    workload = yaml.safe_load((tmp_path / "workload.yaml").read_text())
    assert layer_from_zigzag(workload[0], "w").macs == 16 * 32 * 14 * 14 * 9
    mapping = yaml.safe_load((tmp_path / "mapping.yaml").read_text())
    assert mapping[0]["memory_operand_links"] == {"I": "I1", "W": "I2", "O": "O"}


def test_export_reports_a_bad_layer_and_arch_together(capsys) -> None:
    assert main(["export", "--to", "zigzag", "--arch", "nope", "--layer", "conv2d C=-1",
                 "--out", "/tmp/x"]) == 2
    err = capsys.readouterr().err
    assert "--arch" in err and "C" in err


@pytest.mark.parametrize("equation", ["O[k]=W[k]", "O[k]+=W[k]*I[z]"])
def test_bad_zigzag_equations_are_one_clear_line(equation: str) -> None:
    from picojoule.errors import SpecError

    with pytest.raises(SpecError, match="equation"):
        layer_from_zigzag({"equation": equation, "loop_dims": ["K"], "loop_sizes": [4]}, "w")
