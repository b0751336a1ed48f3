"""Profiles, the best start and the best region, by hand on tiny profiles."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picojoule.carbon import (
    best_region,
    best_start,
    read_profiles,
    sample_profile_path,
    start_times,
)
from picojoule.errors import SpecError

EM_HEADER = ("Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),"
             "Carbon Intensity gCO₂eq/kWh (LCA),Low Carbon Percentage,Renewable Percentage,"
             "Data Source,Data Estimated,Data Estimation Method\n")


def utc(h: int, m: int = 0) -> datetime:
    return datetime(2024, 1, 1, h, m, tzinfo=timezone.utc)


def write(tmp_path, text, name="p.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def plain(tmp_path, values):
    rows = "".join(f"2024-01-01T{h:02d}:00:00Z,{v}\n" for h, v in enumerate(values))
    return read_profiles(write(tmp_path, "timestamp,intensity\n" + rows))["p"]


def test_integral_and_mean(tmp_path):
    prof = plain(tmp_path, [100, 300, 200])
    # 1 h from 00:30: half an hour at 100 and half at 300 -> mean 200
    assert prof.mean_g_per_kwh(utc(0, 30), 3600) == pytest.approx(200.0)
    assert prof.end == utc(3)  # the last value holds for one more step


def test_best_start_exact_between_hours(tmp_path):
    prof = plain(tmp_path, [400, 100, 100, 400, 400])
    # 2 h job at 1 MW facility power: best start 01:00 (mean 100 g/kWh): 2 MWh x 100 = 200 kg
    # now (00:00): 400 + 100 -> mean 250, 500 kg; worst 03:00: 800 kg; saving 300 kg
    s = best_start(prof, 7200, 1e6)
    assert s.best.start == utc(1) and s.best.kg_co2e == pytest.approx(200.0)
    assert s.now.kg_co2e == pytest.approx(500.0) and s.worst.kg_co2e == pytest.approx(800.0)
    assert s.saving_kg_co2e == pytest.approx(300.0)
    # the candidates are starts on an hour and starts that end on one (t0 + D on an hour):
    # a 1.5 h job may start at :00 or :30, from 00:00 to 03:30 (ending 05:00)
    starts = [p.start for p in start_times(prof, 5400, 1e6)]
    assert {t.minute for t in starts} == {0, 30} and starts[0] == utc(0)
    assert starts[-1] == utc(3, 30)
    # 1.5 h from 00:30 covers 0.5 h at 400, 1 h at 100: (200 + 100) / 1.5 = 200 g/kWh mean,
    # beaten by 01:00 (1 h at 100, 0.5 h at 100 -> 100); the optimum over all real starts
    best = best_start(prof, 5400, 1e6).best
    assert best.start == utc(1) and best.mean_g_per_kwh == pytest.approx(100.0)


def test_window_limits_the_start(tmp_path):
    prof = plain(tmp_path, [400, 100, 100, 400, 400])
    s = best_start(prof, 3600, 1e6, window=(utc(3), utc(5)))
    assert s.best.start == utc(3) and s.best.kg_co2e == pytest.approx(400.0)
    naive = best_start(prof, 3600, 1e6, window=(datetime(2024, 1, 1, 3), datetime(2024, 1, 1, 5)))
    assert naive.best == s.best  # naive times are read as UTC
    with pytest.raises(SpecError, match="window inside the profile"):
        best_start(prof, 3 * 3600, 1e6, window=(utc(3), utc(5)))


def test_electricity_maps_layout_and_best_region(tmp_path):
    rows = []
    for zone, values in (("FR", [50, 60]), ("DE", [300, 200])):
        for h, v in enumerate(values):
            rows.append(f"2024-01-01 {h:02d}:00:00,X,{zone} name,{zone},{v},{v + 20},,,,,\n")
    profs = read_profiles(write(tmp_path, EM_HEADER + "".join(rows)), "direct")
    assert set(profs) == {"FR", "DE"}
    lca = read_profiles(tmp_path / "p.csv", "lca")
    assert lca["FR"].g_per_kwh == (70.0, 80.0)
    # 2 h job, 1 kW: DE now 0.5 kg (300 + 200 g/kWh for 1 kWh each), FR 0.11 kg
    choice = best_region(profs, "DE", 7200, 1000.0)
    assert choice.best.zone == "FR" and choice.best.kg_co2e == pytest.approx(0.11)
    assert choice.saving_kg_co2e == pytest.approx(0.39)


def test_sample_profile_is_labelled_synthetic():
    text = Path(sample_profile_path()).read_text(encoding="utf-8")
    assert text.count("synthetic") >= 72
    profs = read_profiles(sample_profile_path())
    assert set(profs) == {"FR", "DE", "US-CAL-CISO"}
    assert all(len(p.g_per_kwh) == 24 for p in profs.values())


@pytest.mark.parametrize("text, expected", [
    ("a,b\n1,2\n", "header: either Electricity Maps' columns"),
    ("timestamp,intensity\n2024-01-01T00:00,1\nyesterday,2\n", "line 3: an ISO date-time"),
    ("timestamp,intensity\n2024-01-01T00:00,1\n2024-01-01T01:00,x\n", "line 3: a number"),
    ("timestamp,intensity\n2024-01-01T00:00,1\n2024-01-01T01:00,-5\n", "line 3: an intensity"),
    ("timestamp,intensity\n2024-01-01T01:00,1\n2024-01-01T00:00,2\n", "strictly increasing"),
    ("timestamp,intensity\n2024-01-01T00:00,1\n2024-01-01T01:00,2\n2024-01-01T05:00,2\n",
     "evenly spaced"),
    ("timestamp,intensity\n", "at least two rows"),
    (EM_HEADER.replace("(direct)", "(marginal)").replace("(LCA)", "(avg)") + "x\n",
     "Electricity Maps column"),
])
def test_malformed_profiles(tmp_path, text, expected):
    with pytest.raises(SpecError) as err:
        read_profiles(write(tmp_path, text))
    assert expected in str(err.value)
    assert len(err.value.problems) == 1


@given(st.lists(st.integers(0, 900), min_size=3, max_size=12), st.integers(1, 4 * 60))
@settings(max_examples=40, deadline=None)
def test_best_start_beats_every_minute(values, minutes):
    # the candidate starts (hour boundaries and starts ending on one) hold the optimum: no
    # start on a one-minute grid does better
    import tempfile
    from pathlib import Path

    from hypothesis import assume

    seconds = minutes * 60
    assume(seconds <= 3600 * len(values))
    with tempfile.TemporaryDirectory() as d:
        prof = plain(Path(d), values)
    best = best_start(prof, seconds, 1e6).best
    grid = [prof.mean_g_per_kwh(utc(0) + timedelta(minutes=m), seconds)
            for m in range(0, 60 * len(values) - minutes + 1)]
    assert best.mean_g_per_kwh <= min(grid) + 1e-9


def test_watttime_layout_in_lbs_per_mwh(tmp_path):
    # WattTime's point_time,value in lbs/MWh: 1000 lbs/MWh x 0.45359237 kg/lb = 453.59 g/kWh
    path = write(tmp_path, "point_time,value\n2024-01-01T00:00:00+00:00,1000\n"
                           "2024-01-01T00:05:00+00:00,500\n", "wt.csv")
    prof = read_profiles(path, units="lbs_per_mwh")["wt"]
    assert prof.g_per_kwh == pytest.approx((453.59237, 226.796185))
    assert (prof.end - prof.start).total_seconds() == 600  # 5-minute steps
    with pytest.raises(SpecError, match="g_per_kwh, lbs_per_mwh"):
        read_profiles(path, units="kg")
