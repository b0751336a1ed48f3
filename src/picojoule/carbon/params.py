"""The sourced parameters under ``carbon/data``: PUE presets, ACT's tables, device specs.

Each table is read once from the package data and returned as frozen records that keep their
source beside the number.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

from picojoule.errors import SpecError


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("picojoule.carbon").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@dataclass(frozen=True)
class Pue:
    name: str
    pue: float
    year: int | None
    source: str


@dataclass(frozen=True)
class LogicNode:
    """ACT Table 1 for one logic node: fab energy, gases (95/99% abatement), materials."""

    node_nm: float
    epa_kwh_per_cm2: float
    gpa95_g_per_cm2: float
    gpa99_g_per_cm2: float
    mpa_g_per_cm2: float
    source: str

    def gpa_g_per_cm2(self, abatement_percent: int) -> float:
        """ACT's three abatement levels: 95, 99, and 97 as the mean of the two."""
        if abatement_percent == 95:
            return self.gpa95_g_per_cm2
        if abatement_percent == 99:
            return self.gpa99_g_per_cm2
        return (self.gpa95_g_per_cm2 + self.gpa99_g_per_cm2) / 2.0


@dataclass(frozen=True)
class StorageFigure:
    kind: str  # dram | hbm | flash | hdd
    process: str
    g_per_gb: float
    source: str


@dataclass(frozen=True)
class Param:
    name: str
    value: str
    unit: str
    source: str


@dataclass(frozen=True)
class FabIntensity:
    location: str
    g_per_kwh: float
    year: int
    source: str


@dataclass(frozen=True)
class DeviceSpec:
    device: str
    name: str
    tdp_w: float
    die_area_mm2: float | None
    node_nm: float | None
    memory_kind: str
    memory_gb: float
    packaged_ics: int | None
    source: str


def _opt(text: str) -> float | None:
    return float(text) if text.strip() else None


@functools.lru_cache(maxsize=1)
def pue_presets() -> dict[str, Pue]:
    return {r["name"]: Pue(r["name"], float(r["pue"]), int(r["year"]) if r["year"] else None,
                           r["source"]) for r in _rows("pue.csv")}


@functools.lru_cache(maxsize=1)
def logic_nodes() -> tuple[LogicNode, ...]:
    return tuple(LogicNode(float(r["node_nm"]), float(r["epa_kwh_per_cm2"]),
                           float(r["gpa95_g_per_cm2"]), float(r["gpa99_g_per_cm2"]),
                           float(r["mpa_g_per_cm2"]), r["source"]) for r in _rows("act_logic.csv"))


@functools.lru_cache(maxsize=1)
def storage_figures() -> tuple[StorageFigure, ...]:
    return tuple(StorageFigure(r["kind"], r["process"], float(r["g_per_gb"]), r["source"])
                 for r in _rows("act_storage.csv"))


@functools.lru_cache(maxsize=1)
def act_params() -> dict[str, Param]:
    return {r["name"]: Param(r["name"], r["value"], r["unit"], r["source"])
            for r in _rows("act_params.csv")}


def act_float(name: str) -> float:
    return float(act_params()[name].value)


@functools.lru_cache(maxsize=1)
def fab_intensities() -> dict[str, FabIntensity]:
    return {r["location"]: FabIntensity(r["location"], float(r["g_per_kwh"]), int(r["year"]),
                                        r["source"]) for r in _rows("act_fab_intensity.csv")}


@functools.lru_cache(maxsize=1)
def device_specs() -> dict[str, DeviceSpec]:
    out = {}
    for r in _rows("devices.csv"):
        ics = _opt(r["packaged_ics"])
        out[r["device"]] = DeviceSpec(r["device"], r["name"], float(r["tdp_w"]),
                                      _opt(r["die_area_mm2"]), _opt(r["node_nm"]),
                                      r["memory_kind"], float(r["memory_gb"]),
                                      None if ics is None else int(ics), r["source"])
    return out


def pue_value(name_or_value: str | float, where: str = "--pue") -> Pue:
    """A PUE from a preset name or a number (1.0 to 3.0)."""
    presets = pue_presets()
    if isinstance(name_or_value, str):
        text = name_or_value.strip()
        if text.lower() in presets:
            return presets[text.lower()]
        try:
            value = float(text)
        except ValueError:
            raise SpecError.single(where, "", f"a PUE between 1.0 and 3.0 or one of "
                                              f"{', '.join(presets)}; got {text!r}") from None
    else:
        value = name_or_value
    check_pue(value, where)
    return Pue("user", float(value), None, "given by the user")


def check_pue(value: float, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1.0 <= value <= 3.0:
        raise SpecError.single(where, "", f"a PUE between 1.0 (no overhead) and 3.0, "
                                          f"got {value!r}")


def device_spec(name: str, where: str = "--device") -> DeviceSpec:
    specs = device_specs()
    key = name.strip().lower()
    if key not in specs:
        import difflib

        close = difflib.get_close_matches(key, list(specs), n=3, cutoff=0.5)
        hint = f"closest: {', '.join(close)}" if close else f"known: {', '.join(specs)}"
        raise SpecError.single(where, "", f"a device in picojoule's carbon table, got {name!r} "
                                          f"({hint})")
    return specs[key]
