"""Operational carbon by hand: energy x PUE x intensity, and Patterson et al. 2021's rows."""

from __future__ import annotations

import pytest

from picojoule.carbon import (
    carbon_of_energy,
    carbon_of_job,
    carbon_of_result,
    make_job,
    pue_presets,
    pue_value,
    user_intensity,
)
from picojoule.errors import SpecError
from picojoule.result import Result, Row, Span


def test_gpt3_row_of_patterson_2021():
    # Patterson et al. 2021 Table 4, GPT-3: 10,000 V100 x 14.8 days x 330 W x PUE 1.10.
    # By hand: 10,000 x 14.8 x 24 h = 3,552,000 device-hours; x 0.330 kW = 1,172,160 kWh (IT);
    # x 1.10 = 1,289,376 kWh = 1,289.4 MWh (paper: 1,287 MWh); x 0.429 kg/kWh = 553,142 kg
    # = 553.1 t (paper: 552.1 t). Both within 2% of the published figures.
    job = make_job(10_000, 330.0, 14.8 * 86400)
    r = carbon_of_job(job, user_intensity(429.0), 1.10)
    assert r.operational.it_energy_kwh == pytest.approx(1_172_160.0, rel=1e-12)
    assert r.operational.facility_energy_kwh == pytest.approx(1_289_376.0, rel=1e-12)
    assert r.operational_kg == pytest.approx(553_142.3, rel=1e-6)
    assert r.operational.facility_energy_kwh / 1000 == pytest.approx(1287, rel=0.02)
    assert r.operational_kg / 1000 == pytest.approx(552.1, rel=0.02)
    assert r.embodied is None and r.total_kg == r.operational_kg


@pytest.mark.parametrize("chips, days, watts, pue, kg_per_kwh, mwh, t", [
    # Patterson et al. 2021 Table 4 (net CO2e): T5, Meena, GShard-600B, Switch Transformer.
    (512, 20, 310, 1.12, 0.545, 85.7, 46.7),
    (1024, 30, 289, 1.09, 0.415, 232, 96.4),
    (1024, 3.1, 288, 1.09, 0.177, 24.1, 4.3),
    (1024, 27, 245, 1.10, 0.330, 179, 59.1),
])
def test_other_rows_of_patterson_2021(chips, days, watts, pue, kg_per_kwh, mwh, t):
    r = carbon_of_job(make_job(chips, watts, days * 86400), user_intensity(kg_per_kwh * 1000),
                      pue)
    # e.g. T5 by hand: 512 x 480 h x 0.310 kW x 1.12 = 85,328 kWh (paper 85.7 MWh).
    assert r.operational.facility_energy_kwh / 1000 == pytest.approx(mwh, rel=0.02)
    assert r.operational_kg / 1000 == pytest.approx(t, rel=0.02)


def test_energy_input_and_pue_presets():
    # 100 kWh at PUE 1.58 (industry average) and 200 g/kWh: 158 kWh, 31.6 kg.
    r = carbon_of_energy(100.0, 3600.0, user_intensity(200.0), "industry-average")
    assert r.operational.facility_energy_kwh == pytest.approx(158.0)
    assert r.operational_kg == pytest.approx(31.6)
    presets = pue_presets()
    assert presets["hyperscaler"].pue == 1.10 and "Patterson" in presets["hyperscaler"].source
    assert 1.5 <= presets["industry-average"].pue <= 1.6
    assert "Uptime" in presets["industry-average"].source
    assert pue_value("1.2").pue == 1.2


def test_any_result_with_devices():
    # Two devices: 3.6e15 pJ = 3.6e3 J = 1 Wh = 0.001 kWh on gpu0, twice that on gpu1.
    # At PUE 1 and 500 g/kWh: 0.5 g and 1.0 g.
    rows = (Row(device="gpu0", energy_pj=3.6e15), Row(device="gpu1", energy_pj=7.2e15))
    res = Result(rows, (Span("gpu0", seconds=10.0),), 10.0)
    r = carbon_of_result(res, user_intensity(500.0), 1.0)
    assert r.operational_kg == pytest.approx(1.5e-3)
    by = dict(r.by_device_kg)
    assert by["gpu0"] == pytest.approx(0.5e-3) and by["gpu1"] == pytest.approx(1.0e-3)
    # composing results composes carbon: the run three times emits three times as much
    assert carbon_of_result(res.times(3), user_intensity(500.0), 1.0).operational_kg == \
        pytest.approx(4.5e-3)


@pytest.mark.parametrize("devices, power, seconds, field", [
    (0, 300.0, 10.0, "devices"),
    (10, -5.0, 10.0, "power_w"),
    (10, 3e6, 10.0, "power_w"),
    (10, 300.0, -1.0, "seconds"),
    (10, 300.0, 1e12, "seconds"),
])
def test_bad_jobs(devices, power, seconds, field):
    with pytest.raises(SpecError) as err:
        make_job(devices, power, seconds)
    assert len(err.value.problems) == 1 and err.value.problems[0].field == field


def test_bad_pue_and_intensity():
    with pytest.raises(SpecError, match=r"PUE between 1\.0"):
        pue_value(0.8)
    with pytest.raises(SpecError, match="hyperscaler"):
        pue_value("hyperscalr")
    with pytest.raises(SpecError, match="between 0 and 2,000"):
        user_intensity(-3.0)


def test_grid_given_by_name_or_number():
    # a region name is looked up, a number is gCO2e/kWh: 10 kWh x 1.0 x 250 g = 2.5 kg
    assert carbon_of_energy(10.0, 60.0, 250.0, 1.0).operational_kg == pytest.approx(2.5)
    by_name = carbon_of_energy(10.0, 60.0, "FRA", 1.0)
    assert by_name.operational.intensity.region == "FRA"
    with pytest.raises(SpecError, match="closest"):
        carbon_of_energy(10.0, 60.0, "Frnace", 1.0)
    with pytest.raises(SpecError, match="a duration"):
        carbon_of_energy(10.0, -60.0, 250.0, 1.0)
