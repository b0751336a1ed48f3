"""Operational carbon: energy x PUE x grid intensity, for a fleet of devices or given energy.

``Job`` states a run the way papers report it (devices, average power per device, duration);
``operational`` turns its IT energy into facility energy (x PUE) and CO2e (x intensity):

    facility_kwh = devices x power_w x seconds / 3.6e6 x PUE
    kg_co2e      = facility_kwh x g_per_kwh / 1000

Every input is checked where it enters, with the absurd rejected as firmly as the negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from picojoule.carbon.intensity import Intensity, check_intensity
from picojoule.carbon.params import Pue, check_pue
from picojoule.errors import Collector

J_PER_KWH = 3.6e6  # 1 kWh = 1000 W x 3600 s (a unit definition)
SECONDS_PER_DAY = 86400.0
SECONDS_PER_HOUR = 3600.0

# Bounds beyond which an input is a typo, not a job: a device drawing over 100 kW, a run longer
# than ten years, more than ten million devices, a single job of over 10 TWh.
MAX_DEVICE_POWER_W = 100_000.0
MAX_SECONDS = 10 * 365.25 * SECONDS_PER_DAY
MAX_DEVICES = 10_000_000
MAX_ENERGY_KWH = 1e10


def _number(c: Collector, field: str, value: object, low: float, high: float, what: str,
            low_open: bool = True) -> None:
    ok = (not isinstance(value, bool) and isinstance(value, int | float)
          and (value > low if low_open else value >= low) and value <= high)
    if not ok:
        bound = f"{'above' if low_open else 'at least'} {low:g}"
        c.add(field, f"{what} {bound} and at most {high:,.6g}, got {value!r}")


@dataclass(frozen=True)
class Job:
    """A run as papers report it: how many devices, how much each drew, for how long."""

    devices: int
    power_w: float  # average power per device, including its share of host, fans, network
    seconds: float

    @property
    def it_energy_kwh(self) -> float:
        return self.devices * self.power_w * self.seconds / J_PER_KWH

    @property
    def device_hours(self) -> float:
        return self.devices * self.seconds / SECONDS_PER_HOUR


def make_job(devices: int, power_w: float, seconds: float, where: str = "job") -> Job:
    """A validated ``Job``; every problem reported at once."""
    c = Collector(where)
    if isinstance(devices, bool) or not isinstance(devices, int) or not 1 <= devices <= MAX_DEVICES:
        c.add("devices", f"a whole number of devices from 1 to {MAX_DEVICES:,}, got {devices!r}")
    _number(c, "power_w", power_w, 0.0, MAX_DEVICE_POWER_W, "an average power per device in W")
    _number(c, "seconds", seconds, 0.0, MAX_SECONDS, "a duration in seconds")
    c.raise_if_any()
    return Job(devices, float(power_w), float(seconds))


def check_energy_kwh(energy_kwh: float, where: str = "energy_kwh") -> None:
    c = Collector(where)
    _number(c, "", energy_kwh, 0.0, MAX_ENERGY_KWH, "an energy in kWh", low_open=False)
    c.raise_if_any()


@dataclass(frozen=True)
class Operational:
    """IT energy -> facility energy -> CO2e, with the PUE and intensity used."""

    it_energy_kwh: float
    pue: Pue
    intensity: Intensity

    @property
    def facility_energy_kwh(self) -> float:
        return self.it_energy_kwh * self.pue.pue

    @property
    def kg_co2e(self) -> float:
        return self.facility_energy_kwh * self.intensity.g_per_kwh / 1000.0

    def to_dict(self) -> dict[str, Any]:
        return {"it_energy_kwh": self.it_energy_kwh, "pue": self.pue.pue,
                "pue_source": self.pue.source, "facility_energy_kwh": self.facility_energy_kwh,
                "intensity": self.intensity.to_dict(), "operational_kg_co2e": self.kg_co2e}


def operational(it_energy_kwh: float, pue: Pue, intensity: Intensity) -> Operational:
    """CO2e of ``it_energy_kwh`` drawn by the devices in a facility of ``pue``."""
    check_energy_kwh(it_energy_kwh)
    check_pue(pue.pue, "pue")
    check_intensity(intensity.g_per_kwh, "intensity")
    return Operational(float(it_energy_kwh), pue, intensity)
