"""A real run under CodeCarbon's offline tracker: no network, files only where asked, and an
estimate labelled as one."""

from __future__ import annotations

import signal
import socket
import tempfile
from pathlib import Path

import pytest

from picojoule.carbon import codecarbon_version, lookup, measure, side_by_side, user_intensity
from picojoule.carbon.measure import Component, Measurement
from picojoule.errors import SpecError
from picojoule.result import Result, Row


def test_offline_run_writes_only_where_asked(tmp_path, monkeypatch):
    attempts = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    handlers = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    lock = Path(tempfile.gettempdir()) / ".codecarbon.lock"
    lock_before = lock.exists()
    value, m = measure(lambda: sum(i * i for i in range(200_000)), country_iso_code="FRA",
                       output_dir=tmp_path / "out", measure_power_secs=0.5)
    assert value == sum(i * i for i in range(200_000))
    assert attempts == []  # no connection was even tried
    assert list(cwd.iterdir()) == []  # nothing written in the working directory
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["emissions.csv"]
    assert lock.exists() == lock_before
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
    assert m.energy_kwh > 0 and m.seconds > 0 and m.codecarbon_version == codecarbon_version()
    if m.measured:
        assert m.label == "measured"
    else:  # never silently: the label says estimate and the reasons say why
        assert m.label.startswith("ESTIMATE") and m.reasons
        assert any("estimated by CodeCarbon" in r for r in m.reasons)
    # CodeCarbon's own CO2e is its energy x the same country figure we look up (PUE 1)
    assert m.codecarbon_kg_co2e == pytest.approx(m.energy_kwh * lookup("FRA").kg_per_kwh,
                                                 rel=1e-6)


def test_measure_rejects_bad_input(tmp_path):
    with pytest.raises(SpecError, match="closest"):
        measure(lambda: None, country_iso_code="FRAA", output_dir=tmp_path)
    with pytest.raises(SpecError, match="a country"):
        measure(lambda: None, country_iso_code="USA/california", output_dir=tmp_path)
    with pytest.raises(SpecError, match="a callable"):
        measure(3, country_iso_code="FRA", output_dir=tmp_path)  # type: ignore[arg-type]


def test_side_by_side_by_hand():
    # measured 0.001 kWh = 3,600 J over 10 s (360 W); modelled 1,800 J (1.8e15 pJ) over 9 s
    # (200 W); at 500 g/kWh and PUE 1.2: 3,600 J = 0.001 kWh -> 0.6 g; 1,800 J -> 0.3 g
    m = Measurement(10.0, 0.001, (Component("cpu", 0.001, 360.0, "cpu_load", False),), 0.0,
                    "FRA", "3.3.2", "x", ("no RAPL",))
    res = Result((Row(energy_pj=1.8e15),), (), 9.0)
    rows = {r["quantity"]: r for r in side_by_side(m, res, user_intensity(500.0), 1.2)}
    assert rows["energy"]["measured"] == pytest.approx(3600.0)
    assert rows["energy"]["modelled"] == pytest.approx(1800.0)
    assert rows["average power"]["measured"] == pytest.approx(360.0)
    assert rows["average power"]["modelled"] == pytest.approx(200.0)
    assert rows["operational CO2e"]["measured"] == pytest.approx(0.6)
    assert rows["operational CO2e"]["modelled"] == pytest.approx(0.3)
    assert rows["energy"]["measured_label"].startswith("ESTIMATE")
