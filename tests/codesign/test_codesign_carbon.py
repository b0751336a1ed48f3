"""`picojoule codesign --carbon`: each point's CO2e per inference = energy x PUE x intensity,
in the table (nanograms) and the JSON (grams); a bad region fails before any work."""

from __future__ import annotations

import json

import pytest
import torch

from picojoule.cli.main import main


def test_codesign_carbon_per_inference(capsys, tmp_path) -> None:
    torch.set_num_threads(1)
    out = tmp_path / "points.json"
    assert main(["codesign", "lenet5", "--arch", "eyeriss", "--configs", "2",
                 "--eval-limit", "200", "--train-limit", "500", "--epochs", "1",
                 "--model-cache", str(tmp_path / "models"), "--out", str(tmp_path / "cd"),
                 "--json", str(out), "--carbon", "400", "--carbon-pue", "1.1",
                 "--min-accuracy", "0.0"]) == 0
    text = capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["carbon"]["pue"] == 1.1
    assert len(data["points"]) == 2
    for p in data["points"]:
        # pJ / (3.6e6 J/kWh x 1e12 pJ/J) x 1.1 x 400 gCO2e/kWh
        assert p["co2e_g_per_inference"] == pytest.approx(
            p["energy_pj"] / 3.6e18 * 1.1 * 400, rel=1e-12)
        assert p["co2e_g_per_inference"] > 0
    assert "co2e_ng" in text.splitlines()[0]
    cheapest = min(data["points"], key=lambda p: p["energy_pj"])
    assert f"{cheapest['co2e_g_per_inference'] * 1e9:.4g} ngCO2e" in text


def test_codesign_bad_carbon_fails_first(capsys, tmp_path) -> None:
    assert main(["codesign", "lenet5", "--arch", "eyeriss", "--carbon", "Narnia",
                 "--model-cache", str(tmp_path / "never")]) == 2
    assert "--carbon" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()  # no model was trained
