"""Operand densities and density models written in layer text, network text and YAML, and
the ``--density`` override of ``analyze``/``map``: read back exactly, bad ones one line each."""

from __future__ import annotations

import json

import pytest

from picojoule.cli.main import main
from picojoule.errors import SpecError
from picojoule.workload.density import NM, FixedStructured, Hypergeometric
from picojoule.workload.network_io import layer_text, parse_any_layer
from picojoule.workload.text import layer_from_mapping, parse_layer


def test_layer_text_takes_density_models_and_writes_them_back():
    layer = parse_layer("fc C=64 M=32 input_density=0.4 weight_density=nm(2,4,C) "
                        "output_density=hypergeometric(0.25)")
    ins, w, out = layer.operands
    assert (ins.density, ins.density_model) == (0.4, None)
    assert w.density_model == NM(2, 4, "C") and w.density == 0.5
    # hypergeometric over the whole output tensor: N x M = 32 elements, 8 non-zeros
    assert out.density_model == Hypergeometric(0.25, 32)
    assert parse_layer(layer.to_text()) == layer


def test_yaml_layer_takes_the_sparseloop_style_mapping():
    layer = layer_from_mapping({"kind": "gemm", "M": 8, "N": 8, "K": 8,
                                "weight_density": {"distribution": "nm", "n": 1, "m": 2,
                                                   "dim": "K"},
                                "input_density": "fixed(0.5)"}, "layer.yaml")
    assert layer.operand("weights").density_model == NM(1, 2, "K")
    assert layer.operand("inputs").density_model == FixedStructured(0.5)


def test_network_text_operand_overrides_and_einsum_text_read_back():
    layer = parse_any_layer("fc C=64 M=32 @weights=4:nm(2,4,C) @inputs=16:0.35", "fc6",
                            "net.txt:1")
    assert layer.operand("weights").bits == 4
    assert layer.operand("weights").density_model == NM(2, 4, "C")
    assert parse_any_layer(layer_text(layer), "fc6", "x") == layer
    e = parse_any_layer("einsum kind=k N=8 M=10 C=20 inputs=[N,M]:16:hypergeometric(0.5) "
                        "weights=[M,C]:8:nm(1,2,C) outputs=[N,C]:16", "e", "x")
    assert e.operand("inputs").density_model == Hypergeometric(0.5, 80)  # N x M
    assert parse_any_layer(layer_text(e), "e", "x") == e


@pytest.mark.parametrize(("text", "field", "needle"), [
    ("fc C=6 M=32 weight_density=nm(2,4,C)", "weight_density.m", "M must divide dim C = 6"),
    ("fc C=64 M=32 weight_density=nm(2,4,K)", "weight_density.dim", "a dim of weights (C, M)"),
    ("fc C=64 M=32 weight_density=nm(3,2,C)", "weight_density", "0 < n <= m"),
    ("fc C=64 M=32 input_density=sparse", "input_density", "nm(2,4,DIM), got 'sparse'"),
    ("fc C=64 M=32 input_density=1.5", "input_density.density", "in (0, 1], got 1.5"),
    ("fc C=64 M=32 input_density=hypergeometric(0)", "input_density.density", "got 0.0"),
])
def test_bad_densities_are_one_line_each(text, field, needle):
    with pytest.raises(SpecError) as err:
        parse_layer(text)
    (problem,) = err.value.problems
    assert problem.field == field and needle in problem.expected


def test_every_bad_density_reported_at_once():
    with pytest.raises(SpecError) as err:
        parse_layer("fc C=6 M=32 weight_density=nm(2,4,C) input_density=0")
    assert [p.field for p in err.value.problems] == ["weight_density.m", "input_density.density"]


def test_bad_model_in_network_text_names_the_operand():
    with pytest.raises(SpecError) as err:
        parse_any_layer("fc C=64 M=32 @weights=4:nm(2,3,C)", "fc", "net.txt:3")
    assert str(err.value) == "net.txt:3: @weights.m: M must divide dim C = 64, got m=3"


def test_map_density_override_halves_the_math(capsys):
    args = ["map", "--arch", "sparse-tensor-core", "--layer", "gemm M=64 N=64 K=64 bits=16",
            "--budget", "200", "--json"]
    assert main(args) == 0
    dense = json.loads(capsys.readouterr().out)
    assert main([*args, "--density", "w=nm(2,4,K)"]) == 0
    sparse = json.loads(capsys.readouterr().out)
    # 64^3 = 262,144 MACs; 2 of every 4 weights non-zero, and the array skips the rest
    assert sparse["mac_energy_pj"] == pytest.approx(dense["mac_energy_pj"] / 2)
    # the JSON says what that saved against the same mapping dense
    assert sparse["sparsity"]["compute"]["saved_pj"] == pytest.approx(
        dense["mac_energy_pj"] / 2)


def test_analyze_density_override_names_each_layer_it_does_not_fit(tmp_path, capsys):
    net = tmp_path / "net.txt"
    net.write_text("fc C=64 M=32\nfc C=6 M=32\n")
    code = main(["analyze", str(net), "--arch", "sparse-tensor-core", "--budget", "50",
                 "--density", "w=nm(2,4,C),i=0.5"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "--density" in err[0] and ".weights.m: M must divide dim C = 6" in err[0]
    assert main(["analyze", str(net), "--arch", "eie", "--density", "x=0.5"]) == 2
    assert "OPERAND one of i, w, o" in capsys.readouterr().err


@pytest.mark.parametrize("extra, needle", [
    (["--density", "w=1.5"], "--density: weights.density: a density in (0, 1], got 1.5"),
    (["--density", "i=0"], "--density: inputs.density: a density in (0, 1], got 0.0"),
    (["--density", "w=nm(2,4,K)"], "--density: weights.m: M must divide dim K = 6, got m=4"),
])
def test_map_bad_density_flag_is_one_line_exit_2(capsys, extra, needle):
    # K = 6: an N:M of m = 4 along K cannot tile it; densities must lie in (0, 1]
    code = main(["map", "--arch", "sparse-tensor-core", "--layer", "gemm M=8 N=8 K=6 bits=16",
                 "--budget", "20", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].endswith(needle)
