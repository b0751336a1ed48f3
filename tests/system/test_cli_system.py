"""The system CLI: tables, JSON with units in keys, one line per bad input, exit 2."""

from __future__ import annotations

import json

import pytest

from picojoule.cli.main import main


def test_serve_json_has_units(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["llm", "serve", "llama-2-70b", "--device", "h100", "--tp", "4",
                 "--batch", "1,8,64", "--prompt", "2048", "--output", "256", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["batch"] for r in rows] == [1, 8, 64]
    assert {"ttft_ms", "tpot_ms", "energy_per_token_j", "tokens_per_s"} <= set(rows[0])


@pytest.mark.parametrize(("argv", "needle"), [
    (["--device", "h100"], "does not fit"),
    (["--device", "h100", "--tp", "3"], "divisor of the 64 attention heads"),
    (["--device", "a100", "--tp", "2", "--precision", "fp8"], "no fp8 peak"),
    (["--device", "h100", "--tp", "2", "--kv-reads", "per_head"], "--kv-reads: one of"),
])
def test_serve_bad_input(argv: list[str], needle: str,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["llm", "serve", "llama-2-70b", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]


def test_train_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["llm", "train", "gpt-3-175b", "--device", "a100", "--devices", "1024",
                 "--tp", "8", "--pp", "16", "--tokens", "300e9", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert 15 < row["train_days"] < 45 and 0 < row["mfu"] < 1


def test_roofline_cli(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    html = tmp_path / "r.html"
    assert main(["roofline", "resnet-18", "--device", "tpu-v1", "--json",
                 "--html", str(html)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ops"] == len(out["rows"]) and "<svg" in html.read_text()


@pytest.mark.parametrize(("argv", "needle"), [
    (["llama-3-405b", "--device", "h100", "--devices", "8", "--tp", "8", "--global-batch",
      "8"], "does not fit: needs"),
    (["llama-2-70b", "--device", "a100", "--devices", "8", "--tp", "8", "--global-batch", "8",
      "--precision", "fp8"], "no fp8 peak"),
    (["resnet-50", "--devices", "8"], "is a CNN"),
])
def test_train_bad_input(argv: list[str], needle: str,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["llm", "train", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]


def test_serve_html_latency_throughput(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "s.html"
    assert main(["llm", "serve", "llama-2-7b", "--device", "h100", "--tp", "1,2",
                 "--batch", "1,8,64", "--prompt", "512", "--html", str(page),
                 "--json"]) == 0
    text = page.read_text()
    assert text.count("<circle") == 6 and text.count("<polyline") == 2  # 2 TP x 3 batches
    assert main(["roofline", "resnet-18", "--device", "h100", "--precision", "fp8"]) == 0
    assert main(["roofline", "resnet-18", "--device", "a100", "--precision", "fp8"]) == 2
