"""``picojoule carbon`` and ``--carbon``: numbers, JSON keys with units, one line per error."""

from __future__ import annotations

import json

import pytest

from picojoule.carbon import sample_profile_path
from picojoule.cli.main import main

GPT3 = ["carbon", "--devices", "10000", "--device", "v100", "--days", "14.8",
        "--avg-power-w", "330", "--pue", "1.1"]


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_gpt3_json(capsys):
    code, out, _ = run(capsys, *GPT3, "--intensity", "429", "--json")
    assert code == 0
    doc = json.loads(out)
    # 10,000 x 355.2 h x 0.33 kW x 1.1 = 1,289,376 kWh; x 0.429 = 553,142 kg (see
    # tests/carbon/test_operational.py for the derivation)
    assert doc["facility_energy_kwh"] == pytest.approx(1_289_376.0)
    assert doc["operational_kg_co2e"] == pytest.approx(553_142.3, rel=1e-6)
    # embodied: 10,000 V100 dies (ACT, 14 nm row) over 14.8 d of a 6-year life
    e = doc["embodied"]
    assert e["job_share_of_lifetime"] == pytest.approx(14.8 / (6 * 365.25))
    assert doc["embodied_kg_co2e"] == pytest.approx(
        e["embodied_kg_co2e_per_device"] * 10_000 * 14.8 / (6 * 365.25))
    assert doc["total_kg_co2e"] == pytest.approx(doc["operational_kg_co2e"]
                                                 + doc["embodied_kg_co2e"])
    assert {"it_energy_kwh", "facility_energy_kwh", "operational_kg_co2e"} <= set(doc)


def test_region_compare_and_profile(capsys):
    code, out, _ = run(capsys, "carbon", "--devices", "8", "--hours", "4", "--avg-power-w",
                       "500", "--pue", "hyperscaler", "--region", "DEU", "--compare", "FRA",
                       "SE3", "--profile", sample_profile_path(), "--zone", "DE", "--column",
                       "direct", "--no-embodied", "--json")
    assert code == 0
    doc = json.loads(out)
    # 8 x 500 W x 4 h = 16 kWh x 1.1 = 17.6 kWh
    assert doc["facility_energy_kwh"] == pytest.approx(17.6)
    assert [c["region"] for c in doc["compare"]] == ["FRA", "SWE/SE3"]
    fra = doc["compare"][0]
    assert fra["operational_kg_co2e"] == pytest.approx(17.6 * fra["intensity_g_per_kwh"] / 1e3)
    s = doc["schedule"]
    assert s["best"]["kg_co2e"] <= s["now"]["kg_co2e"] <= s["worst"]["kg_co2e"]
    assert doc["regions"]["best"]["zone"] == "FR"
    assert doc["embodied"] is None


def test_text_output(capsys):
    code, out, _ = run(capsys, *GPT3, "--region", "USA")
    assert code == 0
    assert "operational" in out and "embodied" in out and "codecarbon 3.3.2" in out


@pytest.mark.parametrize("argv, expected", [
    (["--days", "1", "--avg-power-w", "300", "--region", "USA/califrnia"],
     "--region: a region CodeCarbon 3.3.2 has data for, got 'USA/califrnia' (closest: "
     "USA/california"),
    (["--days", "-3", "--avg-power-w", "300", "--region", "FRA"], "--days: a duration in days"),
    (["--days", "1e9", "--avg-power-w", "300", "--region", "FRA"], "--days: a duration in days"),
    (["--hours", "2", "--avg-power-w", "-1", "--region", "FRA"], "--avg-power-w: a power"),
    (["--hours", "2", "--avg-power-w", "5e6", "--region", "FRA"], "--avg-power-w: a power"),
    (["--hours", "2", "--avg-power-w", "300", "--intensity", "9000"], "--intensity: a grid"),
    (["--hours", "2", "--avg-power-w", "300", "--region", "FRA", "--pue", "0.7"], "--pue: a PUE"),
    (["--hours", "2", "--region", "FRA"], "a power: --avg-power-w"),
    (["--avg-power-w", "300", "--region", "FRA"], "a duration"),
    (["--hours", "2", "--avg-power-w", "300"], "a grid: --region"),
    (["--hours", "2", "--device", "v1000", "--region", "FRA"], "--device: a device"),
])
def test_bad_input_one_line_exit_2(capsys, argv, expected):
    code, _, err = run(capsys, "carbon", *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], err


def test_malformed_profile_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,intensity\n2024-01-01T00:00,1\n2024-01-01T01:00,lots\n")
    code, _, err = run(capsys, "carbon", "--hours", "1", "--avg-power-w", "300", "--region",
                       "FRA", "--profile", str(bad))
    assert code == 2
    assert err.strip().splitlines() == [f"picojoule: error: {bad}: line 3: a number in "
                                        "'intensity', got 'lots'"]


def test_list_regions(capsys):
    code, out, _ = run(capsys, "carbon", "--list-regions", "california")
    assert code == 0 and "USA/california" in out and "CodeCarbon 3.3.2" in out


def test_analyze_with_carbon(capsys):
    code, out, _ = run(capsys, "analyze", "lenet-5", "--arch", "eyeriss", "--budget", "100",
                       "--workers", "1", "--carbon", "FRA", "--carbon-pue", "1.0", "--json")
    assert code == 0
    doc = json.loads(out)
    c = doc["carbon"]
    # one pass of the network: its energy in pJ -> kWh at PUE 1 x France's figure
    kwh = doc["totals"]["energy_pj"] / 3.6e18
    assert c["it_energy_kwh"] == pytest.approx(kwh)
    assert c["operational_kg_co2e"] == pytest.approx(kwh * c["intensity"]["intensity_g_per_kwh"]
                                                     / 1e3)
    # embodied from the modelled area (µm² -> mm²) at the arch's 65 nm (ACT's 28 nm row)
    assert c["embodied"]["hardware"] == "eyeriss"
    assert any("outside ACT" in n for n in c["embodied"]["notes"])


def test_analyze_bad_carbon_fails_first(capsys):
    code, _, err = run(capsys, "analyze", "lenet-5", "--arch", "eyeriss", "--carbon", "Frnce")
    assert code == 2 and "--carbon: a region" in err and "closest: FRA" in err


def test_energy_input(capsys):
    # 1,000 kWh x PUE 1.2 x 400 g/kWh = 480 kg; no devices, no embodied
    code, out, _ = run(capsys, "carbon", "--energy-kwh", "1000", "--pue", "1.2", "--intensity",
                       "400", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["operational_kg_co2e"] == pytest.approx(480.0) and doc["embodied"] is None
    code, _, err = run(capsys, "carbon", "--energy-kwh", "1000", "--device", "a100",
                       "--region", "FRA")
    assert code == 2 and "a duration too" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "carbon", "--energy-kwh", "-4", "--region", "FRA")
    assert code == 2 and "--energy-kwh: an energy in kWh at least 0" in err


def test_shared_option_on_plain_joules():
    import argparse

    from picojoule.cli.carbon_option import add_carbon_args, carbon_settings, energy_carbon

    p = argparse.ArgumentParser()
    add_carbon_args(p)
    assert carbon_settings(p.parse_args([])) is None
    s = carbon_settings(p.parse_args(["--carbon", "300", "--carbon-pue", "hyperscaler"]))
    # 3.6e9 J = 1,000 kWh x 1.10 x 300 g/kWh = 330 kg
    r = energy_carbon(3.6e9, 86400.0, s)
    assert r.operational_kg == pytest.approx(330.0)
