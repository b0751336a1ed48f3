"""One carbon report for anything picojoule produces: a ``Result``, a ``Job``, or plain kWh.

``carbon_of_result`` takes any ``Result`` (a layer, a network from ``analyze``, an LLM
serving or training run, a trade-off point) and charges its energy (``energy_pj``) over its
wall-clock ``seconds``; ``carbon_of_job`` takes a run as papers state it; both return a
``CarbonReport`` with the operational/embodied split, per-device operational figures when the
result names devices, and ``to_dict`` (units in the key names) and ``table`` (rows an HTML or
text report can show as they are).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from picojoule.carbon.embodied import Amortized, Hardware, amortize, embodied
from picojoule.carbon.intensity import Intensity, codecarbon_version, lookup, user_intensity
from picojoule.carbon.operational import (
    J_PER_KWH,
    MAX_SECONDS,
    Job,
    Operational,
    check_energy_kwh,
    operational,
)
from picojoule.carbon.params import Pue, pue_value
from picojoule.errors import SpecError
from picojoule.result import Result

PJ_PER_KWH = J_PER_KWH * 1e12


@dataclass(frozen=True)
class CarbonReport:
    """Operational and embodied CO2e of one run, with every figure's source."""

    label: str
    seconds: float
    operational: Operational
    embodied: Amortized | None = None
    by_device_kg: tuple[tuple[str, float], ...] = ()  # operational kg per Result device
    notes: tuple[str, ...] = field(default=())

    @property
    def operational_kg(self) -> float:
        return self.operational.kg_co2e

    @property
    def embodied_kg(self) -> float:
        return self.embodied.kg_co2e if self.embodied else 0.0

    @property
    def total_kg(self) -> float:
        return self.operational_kg + self.embodied_kg

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "seconds": self.seconds,
                **self.operational.to_dict(),
                "embodied": self.embodied.to_dict() if self.embodied else None,
                "embodied_kg_co2e": self.embodied_kg, "total_kg_co2e": self.total_kg,
                "operational_fraction": (self.operational_kg / self.total_kg
                                         if self.total_kg else 0.0),
                "by_device_operational_kg_co2e": dict(self.by_device_kg),
                "codecarbon_version": codecarbon_version(), "notes": list(self.notes)}

    def table(self) -> list[dict[str, Any]]:
        """Rows of (quantity, value, unit, source) for a report to show as they are."""
        op, it = self.operational, self.operational.intensity
        where = f"{it.name} ({it.region}" + (f", {it.year})" if it.year else ")")
        rows = [
            {"quantity": "IT energy", "value": op.it_energy_kwh, "unit": "kWh",
             "source": "the run"},
            {"quantity": "PUE", "value": op.pue.pue, "unit": "", "source": op.pue.source},
            {"quantity": "facility energy", "value": op.facility_energy_kwh, "unit": "kWh",
             "source": "IT energy x PUE"},
            {"quantity": f"grid intensity, {where}", "value": it.g_per_kwh,
             "unit": "gCO2e/kWh", "source": f"{it.source}; {it.dataset}".strip("; ")},
            {"quantity": "operational", "value": self.operational_kg, "unit": "kgCO2e",
             "source": "facility energy x intensity"},
        ]
        if self.embodied:
            e = self.embodied
            rows.append({"quantity": f"embodied per device ({e.per_device.name})",
                         "value": e.per_device.kg_co2e, "unit": "kgCO2e",
                         "source": "ACT (Gupta et al. ISCA 2022): dies, packaging, memory"})
            rows.append({"quantity": f"embodied, job's share ({e.devices} devices, "
                                     f"{e.lifetime_years:g} y life, utilization "
                                     f"{e.utilization:g})",
                         "value": self.embodied_kg, "unit": "kgCO2e",
                         "source": "per device x devices x T / (lifetime x utilization)"})
        rows.append({"quantity": "total", "value": self.total_kg, "unit": "kgCO2e",
                     "source": "operational + embodied"})
        return rows


def as_intensity(grid: Intensity | str | float, where: str = "intensity") -> Intensity:
    """An ``Intensity`` as given, a region name looked up, or a number of gCO2e/kWh."""
    if isinstance(grid, Intensity):
        return grid
    if isinstance(grid, str):
        return lookup(grid, where)
    return user_intensity(grid, where)


def resolve_intensity(region: str | None = None, g_per_kwh: float | None = None,
                      where: str = "--region") -> Intensity:
    """A region's figure from CodeCarbon's data, or a stated one; exactly one of the two."""
    if (region is None) == (g_per_kwh is None):
        raise SpecError.single(where, "", "either a region or an intensity in gCO2e/kWh "
                                          "(exactly one)")
    return lookup(region, where) if region is not None else user_intensity(g_per_kwh or 0.0)


def _embodied(hardware: Hardware | None, devices: int, seconds: float,
              lifetime_years: float | None, utilization: float | None) -> Amortized | None:
    if hardware is None:
        return None
    return amortize(embodied(hardware), devices, seconds, lifetime_years, utilization)


def carbon_of_energy(energy_kwh: float, seconds: float, intensity: Intensity | str | float,
                     pue: Pue | float | str = "it-only", *, label: str = "run",
                     hardware: Hardware | None = None, devices: int = 1,
                     lifetime_years: float | None = None,
                     utilization: float | None = None) -> CarbonReport:
    """CO2e of ``energy_kwh`` of IT energy used over ``seconds``; ``intensity`` an
    ``Intensity``, a region name (``"FRA"``) or gCO2e/kWh; ``pue`` a ``Pue``, preset or number."""
    check_energy_kwh(energy_kwh)
    if (isinstance(seconds, bool) or not isinstance(seconds, int | float)
            or not 0 <= seconds <= MAX_SECONDS):
        raise SpecError.single("seconds", "", f"a duration from 0 to {MAX_SECONDS:,.6g} s, got "
                                              f"{seconds!r}")
    p = pue if isinstance(pue, Pue) else pue_value(pue, "pue")
    op = operational(energy_kwh, p, as_intensity(intensity))
    return CarbonReport(label, float(seconds), op,
                        _embodied(hardware, devices, seconds, lifetime_years, utilization))


def carbon_of_job(job: Job, intensity: Intensity | str | float, pue: Pue | float | str, *,
                  label: str = "job", hardware: Hardware | None = None,
                  lifetime_years: float | None = None,
                  utilization: float | None = None) -> CarbonReport:
    """CO2e of a fleet run: devices x power x time x PUE x intensity, plus embodied share."""
    return carbon_of_energy(job.it_energy_kwh, job.seconds, intensity, pue, label=label,
                            hardware=hardware, devices=job.devices,
                            lifetime_years=lifetime_years, utilization=utilization)


def carbon_of_result(result: Result, intensity: Intensity | str | float,
                     pue: Pue | float | str = "it-only", *, label: str = "result",
                     hardware: Hardware | None = None,
                     devices: int = 1, lifetime_years: float | None = None,
                     utilization: float | None = None) -> CarbonReport:
    """CO2e of any ``Result``: its energy at ``intensity`` and ``pue``, the embodied share of
    ``devices`` x ``hardware`` over its ``seconds``, and operational CO2e per named device."""
    if not isinstance(result, Result):
        raise SpecError.single("result", "", f"a picojoule Result, got {type(result).__name__}")
    energy_kwh = result.energy_pj / PJ_PER_KWH
    report = carbon_of_energy(energy_kwh, result.seconds, intensity, pue, label=label,
                              hardware=hardware, devices=devices,
                              lifetime_years=lifetime_years, utilization=utilization)
    grid = report.operational.intensity
    factor = report.operational.pue.pue * grid.g_per_kwh / 1000.0 / PJ_PER_KWH
    by_device = tuple((k[0], v * factor) for k, v in result.totals(by=("device",)).items())
    notes = () if result.seconds > 0 or hardware is None else (
        "the result has no wall-clock time: no embodied share",)
    return CarbonReport(label, report.seconds, report.operational, report.embodied, by_device,
                        notes)
