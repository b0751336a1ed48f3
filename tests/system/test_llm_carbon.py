"""`--carbon` on `llm train` and `llm serve`: operational CO2e = energy x PUE x intensity."""

from __future__ import annotations

import json

import pytest

from picojoule.cli.main import main


def test_train_carbon_is_energy_times_pue_times_intensity(capsys) -> None:
    assert main(["llm", "train", "gpt-3-175b", "--device", "a100", "--devices", "1024",
                 "--tp", "8", "--pp", "16", "--carbon", "400", "--carbon-pue", "1.1",
                 "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    # MWh x 1000 kWh/MWh x 1.1 x 400 g/kWh / 1e6 g/t
    assert row["co2e_t"] == pytest.approx(row["energy_mwh"] * 1000 * 1.1 * 400 / 1e6, rel=1e-9)


def test_serve_carbon_per_token_and_a_bad_region(capsys) -> None:
    assert main(["llm", "serve", "llama-2-70b", "--device", "h100", "--tp", "4", "--carbon",
                 "500", "--carbon-pue", "it-only", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    # J/token / 3.6e6 J/kWh x 500 g/kWh (PUE 1: IT only)
    assert row["co2e_g_per_token"] == pytest.approx(row["energy_per_token_j"] / 3.6e6 * 500,
                                                    rel=1e-9)
    assert main(["llm", "serve", "llama-2-70b", "--carbon", "Narnia"]) == 2
    assert "--carbon" in capsys.readouterr().err
