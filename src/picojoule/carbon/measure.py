"""Measured, not only modelled: run a user's callable under CodeCarbon's offline tracker.

``measure(fn, country_iso_code=..., output_dir=...)`` calls ``fn()`` (a PyTorch training step,
an inference loop, anything; picojoule imports no torch here) while CodeCarbon's
``OfflineEmissionsTracker`` samples power. The tracker is configured so it touches nothing
unexpected: offline (no geolocation, no cloud-metadata probe, no API, no Electricity Maps
token), its CSV written only into ``output_dir``, no lock file in /tmp, every setting passed
explicitly so no ``.codecarbon.config`` or ``CODECARBON_*`` variable changes it.

CodeCarbon measures with hardware counters when it can (RAPL for CPUs, NVML for NVIDIA GPUs)
and otherwise *estimates* (a CPU's TDP times its load, RAM from its size). ``Measurement``
says which, component by component, and why: ``measured`` is True only when every component
that drew energy came from a counter, and ``reasons`` explains each estimate.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from picojoule.carbon.intensity import Intensity, codecarbon_version, lookup
from picojoule.errors import SpecError
from picojoule.result import Result

T = TypeVar("T")
RAPL_PATH = "/sys/class/powercap/intel-rapl"
COUNTER_MODES = {"intel_rapl", "apple_powermetrics", "intel_power_gadget", "nvml"}


@dataclass(frozen=True)
class Component:
    name: str  # cpu | gpu | ram
    energy_kwh: float
    power_w: float
    method: str  # what CodeCarbon used, e.g. "intel_rapl", "cpu_load", "ram size model"
    counter: bool  # True when read from a hardware counter


@dataclass(frozen=True)
class Measurement:
    """Energy of one run as CodeCarbon recorded it, and how much of it was measured."""

    seconds: float  # the tracker's span, start to stop, which its energy covers
    energy_kwh: float
    components: tuple[Component, ...]
    codecarbon_kg_co2e: float  # CodeCarbon's own figure (PUE 1, its intensity for the country)
    country_iso_code: str
    codecarbon_version: str
    output_file: str
    reasons: tuple[str, ...]

    @property
    def measured(self) -> bool:
        drew = [c for c in self.components if c.energy_kwh > 0]
        return bool(drew) and all(c.counter for c in drew)

    @property
    def label(self) -> str:
        return "measured" if self.measured else "ESTIMATE (no hardware energy counter)"

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "measured": self.measured, "seconds": self.seconds,
                "energy_kwh": self.energy_kwh, "energy_j": self.energy_kwh * 3.6e6,
                "components": [{"name": c.name, "energy_kwh": c.energy_kwh,
                                "power_w": c.power_w, "method": c.method,
                                "hardware_counter": c.counter} for c in self.components],
                "codecarbon_kg_co2e": self.codecarbon_kg_co2e,
                "country_iso_code": self.country_iso_code,
                "codecarbon_version": self.codecarbon_version,
                "output_file": self.output_file, "reasons": list(self.reasons)}


def counter_reasons() -> tuple[str, ...]:
    """Why this machine has no energy counters CodeCarbon can read (empty if it has)."""
    reasons = []
    rapl = Path(RAPL_PATH)
    if not rapl.exists():
        reasons.append(f"no RAPL: {RAPL_PATH} does not exist (not an Intel/AMD host exposing "
                       "powercap, or a VM/container without it)")
    elif not os.access(rapl, os.R_OK):
        reasons.append(f"no RAPL: {RAPL_PATH} is not readable by this user")
    try:
        import pynvml

        pynvml.nvmlInit()
        pynvml.nvmlShutdown()
    except Exception as exc:  # any failure means no NVML readings
        reasons.append(f"no NVML: {type(exc).__name__} (no NVIDIA GPU or driver visible)")
    return tuple(reasons)


def _components(tracker: Any, data: Any) -> tuple[Component, ...]:
    modes = {type(h).__name__.lower(): str(getattr(h, "_mode", "") or "")
             for h in getattr(tracker, "_hardware", [])}
    cpu_mode = modes.get("cpu", "")
    gpu_mode = "nvml" if "gpu" in modes or "allgpudevices" in modes else ""
    out = [Component("cpu", float(data.cpu_energy), float(data.cpu_power),
                     cpu_mode or "unknown", cpu_mode in COUNTER_MODES)]
    if float(data.gpu_energy) > 0 or gpu_mode:
        out.append(Component("gpu", float(data.gpu_energy), float(data.gpu_power),
                             gpu_mode or "unknown", gpu_mode == "nvml"))
    ram_counter = bool(getattr(tracker, "_rapl_include_dram", False)) and cpu_mode == "intel_rapl"
    out.append(Component("ram", float(data.ram_energy), float(data.ram_power),
                         "rapl dram" if ram_counter else "ram size model (W per GB)",
                         ram_counter))
    return tuple(out)


def measure(fn: Callable[[], T], *, country_iso_code: str, output_dir: str | Path,
            measure_power_secs: float = 1.0) -> tuple[T, Measurement]:
    """Run ``fn()`` under CodeCarbon's offline tracker; its value and the ``Measurement``."""
    if not callable(fn):
        raise SpecError.single("fn", "", f"a callable to run, got {type(fn).__name__}")
    iso = lookup(country_iso_code, "country_iso_code")
    if iso.kind != "country":
        raise SpecError.single("country_iso_code", "", f"a country (ISO alpha-3 such as FRA), "
                                                       f"got {country_iso_code!r}")
    if not (isinstance(measure_power_secs, int | float) and 0.1 <= measure_power_secs <= 3600):
        raise SpecError.single("measure_power_secs", "", f"a sampling period from 0.1 to 3600 s,"
                                                         f" got {measure_power_secs!r}")
    out = Path(output_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecError.single("output_dir", "", f"a writable directory ({exc.strerror})") from None
    from codecarbon import OfflineEmissionsTracker, OutputMethod

    tracker = OfflineEmissionsTracker(
        country_iso_code=iso.region, region=None, cloud_provider=None, cloud_region=None,
        country_2letter_iso_code=None, output_dir=str(out), output_file="emissions.csv",
        output_methods=[OutputMethod.CSV], electricitymaps_api_token=None,
        allow_multiple_runs=True,
        log_level="error", measure_power_secs=float(measure_power_secs), pue=1.0,
        tracking_mode="machine", project_name="picojoule", experiment_name="measure",
        output_handlers=[], force_carbon_intensity_g_co2e_kwh=None,
        api_key=None, api_endpoint=None, emissions_endpoint=None, prometheus_url=None,
        logging_logger=None, gpu_ids=None, force_cpu_power=None, force_ram_power=None,
        force_mode_cpu_load=False, rapl_include_dram=False, rapl_prefer_psys=False,
        on_csv_write="append", metadata=None, logger_preamble="", wue=0.0,
        api_call_interval=8, experiment_id=None)
    tracker.start()
    try:
        value = fn()
    finally:
        tracker.stop()
    data = tracker.final_emissions_data
    if data is None:
        raise SpecError.single("codecarbon", "", "a tracker that records the run (CodeCarbon "
                                                 "returned no data)")
    comps = _components(tracker, data)
    reasons = counter_reasons() if not all(c.counter for c in comps if c.energy_kwh > 0) else ()
    estimated = [f"{c.name}: estimated by CodeCarbon's {c.method}" for c in comps
                 if not c.counter and c.energy_kwh > 0]
    return value, Measurement(float(data.duration), float(data.energy_consumed), comps,
                              float(data.emissions), iso.region, codecarbon_version(),
                              str(out / "emissions.csv"), (*reasons, *estimated))


def side_by_side(measurement: Measurement, modelled: Result, intensity: Intensity,
                 pue: float = 1.0) -> list[dict[str, Any]]:
    """Measured (or estimated) and modelled figures of the same run, row by row, charged at
    the same intensity and PUE so only the energy differs."""
    from picojoule.carbon.params import check_pue

    check_pue(pue, "pue")
    measured_j = measurement.energy_kwh * 3.6e6
    modelled_j = modelled.energy_j
    g_per_j = pue * intensity.g_per_kwh / 3.6e6
    label = measurement.label
    rows = [("energy", measured_j, modelled_j, "J"),
            ("time", measurement.seconds, modelled.seconds, "s"),
            ("average power", measured_j / measurement.seconds if measurement.seconds else 0.0,
             modelled.average_power_w, "W"),
            ("operational CO2e", measured_j * g_per_j, modelled_j * g_per_j, "gCO2e")]
    return [{"quantity": q, "measured": m, "modelled": mo, "unit": u,
             "measured_label": label,
             "modelled_over_measured": (mo / m if m else float("nan"))} for q, m, mo, u in rows]
