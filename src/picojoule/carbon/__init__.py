"""From joules to CO2e: operational and embodied carbon, where and when to compute, measured runs.

* ``lookup("FRA")`` / ``lookup("USA/california")`` / ``lookup("gcp:europe-west1")``: grid
  intensity from the data CodeCarbon installs, with year, source and CodeCarbon version.
* ``carbon_of_result(result, intensity, pue)``: any ``Result`` -> ``CarbonReport``;
  ``carbon_of_job(make_job(devices, power_w, seconds), ...)`` for a run as papers state it;
  ``carbon_of_energy(kwh, seconds, ...)`` for plain energy.
* ``read_profiles(csv)``, ``best_start``, ``best_region``: when and where to run.
* ``embodied(Hardware(...))``, ``amortize(...)``, ``device_hardware("a100")``,
  ``accelerator_hardware(name, area_um2, node_nm)``: ACT-style embodied carbon.
* ``measure(fn, country_iso_code=..., output_dir=...)``: a real run under CodeCarbon's
  offline tracker, labelled measured or estimated; ``side_by_side`` against a modelled Result.
"""

from picojoule.carbon.embodied import (
    Amortized,
    Die,
    Embodied,
    Hardware,
    Memory,
    accelerator_hardware,
    amortize,
    device_hardware,
    embodied,
)
from picojoule.carbon.intensity import (
    Intensity,
    codecarbon_version,
    intensity_table,
    lookup,
    user_intensity,
)
from picojoule.carbon.measure import Measurement, measure, side_by_side
from picojoule.carbon.operational import Job, Operational, make_job, operational
from picojoule.carbon.params import Pue, pue_presets, pue_value
from picojoule.carbon.profile import (
    Placement,
    Profile,
    RegionChoice,
    Schedule,
    best_region,
    best_start,
    read_profiles,
    start_times,
)
from picojoule.carbon.report import (
    CarbonReport,
    carbon_of_energy,
    carbon_of_job,
    carbon_of_result,
    resolve_intensity,
)

__all__ = [
    "Amortized", "CarbonReport", "Die", "Embodied", "Hardware", "Intensity", "Job",
    "Measurement", "Memory", "Operational", "Placement", "Profile", "Pue", "RegionChoice",
    "Schedule", "accelerator_hardware", "amortize", "best_region", "best_start",
    "carbon_of_energy", "carbon_of_job", "carbon_of_result", "codecarbon_version",
    "device_hardware", "embodied", "intensity_table", "lookup", "make_job", "measure",
    "operational", "pue_presets", "pue_value", "read_profiles", "resolve_intensity",
    "sample_profile_path", "side_by_side", "start_times", "user_intensity",
]


def sample_profile_path() -> str:
    """The synthetic sample profile shipped for docs and tests (not measured data)."""
    from importlib import resources

    return str(resources.files("picojoule.carbon").joinpath(
        "data/sample_profile_synthetic_2024-06-01.csv"))
