"""`picojoule zoo` and bad input through the CLI: one line per problem, exit code 2."""

from __future__ import annotations

import json

import pytest

from picojoule.cli.main import main


def test_zoo_list(capsys) -> None:
    assert main(["zoo", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("lenet-5", "alexnet", "vgg-16", "resnet-18", "resnet-50", "mobilenet-v2",
                 "bert-base", "bert-large", "gpt-2", "llama-2-7b", "llama-2-70b", "vit-b-16"):
        assert name in out


def test_zoo_list_json(capsys) -> None:
    assert main(["zoo", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["resnet-50"]["params"] == 25_557_032  # torchvision ResNet-50 parameter count


def test_zoo_show_table_and_json(capsys) -> None:
    assert main(["zoo", "show", "resnet18"]) == 0
    out = capsys.readouterr().out
    assert "layer1.0.conv1" in out and "1,814,073,344 MACs" in out
    assert main(["zoo", "show", "gpt-2", "--json", "--phase", "decode", "--kv", "64"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["meta"]["phase"] == "decode" and data["meta"]["context"] == 64


def test_footprint_table(capsys) -> None:
    assert main(["zoo", "show", "llama-2-70b", "--footprint"]) == 0
    out = capsys.readouterr().out
    assert "137.95" in out and "68.98" in out and "34.49" in out and "327,680" in out
    assert main(["zoo", "show", "llama-2-70b", "--footprint", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["footprint"]
    assert {r["precision"]: r["kv_cache_bytes_per_token"] for r in rows}["FP16"] == 327_680


def _one_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) >= 1 and all(line.startswith("picojoule: error: ") for line in err)
    return "\n".join(err)


def test_unknown_zoo_name(capsys) -> None:
    err = _one_error(capsys, ["zoo", "show", "resnet-5O"])
    assert len(err.splitlines()) == 1 and "did you mean resnet-50" in err


def test_corrupt_onnx_file(capsys, tmp_path) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(b"this is not protobuf \x00\xff\xfe")
    err = _one_error(capsys, ["zoo", "show", str(path)])
    assert len(err.splitlines()) == 1 and str(path) in err


def test_config_missing_field(capsys, tmp_path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "gpt2", "n_embd": 768, "n_head": 12,
                                "vocab_size": 50257, "n_positions": 1024}))
    err = _one_error(capsys, ["zoo", "show", str(path)])
    assert err == f"picojoule: error: {path}: n_layer: a positive integer (required for gpt2 " \
                  "configs)"


@pytest.mark.parametrize("argv", [["zoo", "show", "bert-base", "--phase", "decode"],
                                  ["zoo", "show", "alexnet", "--batch", "0"],
                                  ["zoo", "show", "missing.yaml"]])
def test_other_bad_flags(capsys, argv: list[str]) -> None:
    _one_error(capsys, argv)
