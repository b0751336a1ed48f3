"""Grid carbon intensity by country, sub-national region and cloud region.

The figures are not copied into picojoule: they are read, at run time, from the data files the
installed CodeCarbon package ships (``codecarbon/data/...``), and every ``Intensity`` carries
the CodeCarbon version, the file, the year and the original source. Conversions follow
CodeCarbon's own methods (its lbs/MWh factor for eGRID, its energy-mix formula for Canadian
provinces), imported from the package so the numbers match what its tracker would use.

Regions are named as a user would type them, case-insensitively:

* a country: ISO 3166 alpha-3 code or its name (``FRA``, ``france``);
* a sub-national region: ``COUNTRY/region`` (``USA/california``, ``CAN/quebec``,
  ``CHN/beijing``, ``SWE/SE3``) and, for bidding zones and Chinese provinces, the bare code
  (``SE3``, ``NO4``, ``CN-BJ``);
* a cloud region: ``provider:region`` (``gcp:europe-west1``) or the bare region name.
"""

from __future__ import annotations

import csv
import difflib
import functools
import importlib.metadata
import importlib.util
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from picojoule.errors import SpecError

# The CodeCarbon release whose data layout this reader was written against (see the lock
# file). Another version is read the same way; a layout change fails with a clear error.
CHECKED_CODECARBON = "3.3.2"
OWID_SOURCE = ("Our World in Data energy dataset (Ember yearly electricity data and Energy "
               "Institute Statistical Review), field carbon_intensity, as shipped by CodeCarbon")


@dataclass(frozen=True)
class Intensity:
    """Average grid carbon intensity of one place, with where the figure comes from."""

    g_per_kwh: float
    region: str  # the canonical key, e.g. "FRA", "USA/california", "gcp:us-central1"
    name: str  # a human name, e.g. "France", "California, United States"
    kind: str  # "country" | "subregion" | "cloud" | "user"
    year: int | None  # the year the figure describes; None where the dataset does not say
    source: str  # the original publisher of the figure
    dataset: str  # how picojoule got it, e.g. "codecarbon 3.3.2 data/cloud/impact.csv"

    @property
    def kg_per_kwh(self) -> float:
        return self.g_per_kwh / 1000.0

    def to_dict(self) -> dict[str, Any]:
        return {"region": self.region, "name": self.name, "kind": self.kind,
                "intensity_g_per_kwh": self.g_per_kwh, "year": self.year,
                "source": self.source, "dataset": self.dataset}


def user_intensity(g_per_kwh: float, where: str = "--intensity") -> Intensity:
    """An intensity the user states (e.g. a paper's figure); checked like any input."""
    check_intensity(g_per_kwh, where)
    return Intensity(float(g_per_kwh), "user", "given by the user", "user", None,
                     "given by the user", "")


MAX_G_PER_KWH = 2000.0  # above the dirtiest grid on record (lignite plants emit ~1,200)


def check_intensity(g_per_kwh: float, where: str) -> None:
    if (isinstance(g_per_kwh, bool) or not isinstance(g_per_kwh, int | float)
            or not 0 <= g_per_kwh <= MAX_G_PER_KWH):
        raise SpecError.single(where, "", f"a grid intensity in gCO2e/kWh between 0 and "
                                          f"{MAX_G_PER_KWH:,.0f}, got {g_per_kwh!r}")


def codecarbon_version() -> str:
    """The installed CodeCarbon's version; a clear error when it is not installed."""
    try:
        return importlib.metadata.version("codecarbon")
    except importlib.metadata.PackageNotFoundError:
        raise SpecError.single("codecarbon", "", "the codecarbon package installed (it ships "
                                                 "the grid-intensity tables)") from None


def _data_dir() -> Path:
    spec = importlib.util.find_spec("codecarbon")
    if spec is None or not spec.submodule_search_locations:
        raise SpecError.single("codecarbon", "", "the codecarbon package installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read(rel: str) -> Any:
    path = _data_dir() / rel
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SpecError.single(f"codecarbon {codecarbon_version()}", rel,
                               f"a data file that CodeCarbon {CHECKED_CODECARBON} ships "
                               f"({exc.strerror})") from None
    return json.loads(text) if rel.endswith(".json") else list(csv.DictReader(io.StringIO(text)))


def _layout_error(rel: str, what: str) -> SpecError:
    return SpecError.single(f"codecarbon {codecarbon_version()}", rel,
                            f"{what} (the layout of CodeCarbon {CHECKED_CODECARBON}); "
                            "update picojoule.carbon.intensity for this version")


@functools.lru_cache(maxsize=1)
def intensity_table() -> tuple[Intensity, ...]:
    """Every place CodeCarbon's data covers, countries first, then regions, then clouds."""
    from codecarbon.core.emissions import Emissions
    from codecarbon.core.units import EmissionsPerKWh

    version = codecarbon_version()
    out: list[Intensity] = []
    rel = "private_infra/global_energy_mix.json"
    try:
        for iso, row in _read(rel).items():
            out.append(Intensity(float(row["carbon_intensity"]), iso.upper(),
                                 str(row["country_name"]), "country", int(row["year"]),
                                 OWID_SOURCE, f"codecarbon {version} data/{rel}"))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _layout_error(rel, "a JSON object of countries with carbon_intensity, "
                                 "country_name and year") from None
    names = {i.region: i.name for i in out}
    rel = "private_infra/2023/usa_emissions.json"
    try:
        usa = _read(rel)
        meta = usa["_source"]
        for state, row in usa.items():
            if state.startswith("_") or state == "usa":
                continue
            g = float(row["emissions"]) * EmissionsPerKWh.LBS_MWH_TO_KG_KWH * 1000.0
            out.append(Intensity(g, f"USA/{state}", f"{state.title()}, {names.get('USA', 'USA')}",
                                 "subregion", int(meta["year"]),
                                 f"{meta['name']} ({meta['url']}), converted from lbs/MWh",
                                 f"codecarbon {version} data/{rel}"))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _layout_error(rel, "US states with emissions in lbs/MWh and a _source") from None
    rel = "private_infra/2023/canada_energy_mix.json"
    try:
        for prov, mix in _read(rel).items():
            g = Emissions._region_energy_mix_to_emissions_rate(mix).kgs_per_kWh * 1000.0
            out.append(Intensity(g, f"CAN/{prov}", f"{prov.title()}, Canada", "subregion", 2023,
                                 "provincial generation mix (percent by source) weighted by "
                                 "CodeCarbon's coal/petroleum/natural-gas factors",
                                 f"codecarbon {version} data/{rel}"))
    except (KeyError, TypeError, ValueError, AttributeError, ZeroDivisionError):
        raise _layout_error(rel, "Canadian provinces with an energy mix in percent") from None
    for rel, country in (("private_infra/2023/china_provincial_emissions.json", "CHN"),
                         ("private_infra/nordic_emissions.json", "")):
        try:
            doc = _read(rel)
            source = f"{doc['metadata']['source']}"
            for code, row in doc["data"].items():
                sub = row.get("names", [code])[0] if country == "CHN" else code
                iso = country or {"SE": "SWE", "NO": "NOR", "FI": "FIN"}[code[:2]]
                year = int(row.get("year", doc["metadata"].get("year", 0))) or None
                out.append(Intensity(float(row["emission_factor"]), f"{iso}/{sub}",
                                     f"{row['description']}", "subregion", year, source,
                                     f"codecarbon {version} data/{rel}"))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _layout_error(rel, "a metadata object and data rows with "
                                     "emission_factor") from None
    rel = "cloud/impact.csv"
    try:
        for row in _read(rel):
            out.append(Intensity(float(row["impact"]), f"{row['provider']}:{row['region']}",
                                 f"{row['provider'].upper()} {row['region']} "
                                 f"({row['city'] or row['country_name']})", "cloud", None,
                                 f"{row['source']} (year not stated in the dataset)",
                                 f"codecarbon {version} data/{rel}"))
    except (KeyError, TypeError, ValueError):
        raise _layout_error(rel, "a CSV with provider, region, impact and source") from None
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, Intensity]:
    """Every accepted spelling (lower case) -> its figure; the first spelling wins."""
    index: dict[str, Intensity] = {}
    clouds: dict[str, list[Intensity]] = {}
    for it in intensity_table():
        index.setdefault(it.region.lower(), it)
        if it.kind == "country":
            index.setdefault(it.name.lower(), it)
        elif it.kind == "subregion":
            sub = it.region.split("/", 1)[1].lower()
            if it.region[:4] in ("SWE/", "NOR/", "FIN/", "CHN/"):  # zone codes, provinces
                index.setdefault(sub, it)
        elif it.kind == "cloud":
            clouds.setdefault(it.region.split(":", 1)[1].lower(), []).append(it)
    for bare, found in clouds.items():
        if len(found) == 1:
            index.setdefault(bare, found[0])
    return index


def _china_codes() -> dict[str, str]:
    """CN-BJ style codes -> the canonical CHN/<name> key."""
    doc = _read("private_infra/2023/china_provincial_emissions.json")
    return {code.lower(): f"chn/{row.get('names', [code])[0]}".lower()
            for code, row in doc["data"].items()}


def lookup(region: str, where: str = "--region") -> Intensity:
    """The figure for ``region``; unknown names fail with the closest known ones."""
    if not isinstance(region, str) or not region.strip():
        raise SpecError.single(where, "", "a region name, e.g. FRA, USA/california, "
                                          f"gcp:europe-west1; got {region!r}")
    key = region.strip().lower()
    index = _index()
    if key in index:
        return index[key]
    china = _china_codes()
    if key in china and china[key] in index:
        return index[china[key]]
    close = list(dict.fromkeys(index[k].region for k in
                               difflib.get_close_matches(key, list(index), n=8, cutoff=0.6)))
    hint = (f"closest: {', '.join(close[:5])}" if close else
            "`picojoule carbon --list-regions` lists them")
    raise SpecError.single(where, "", f"a region CodeCarbon {codecarbon_version()} has data "
                                      f"for, got {region!r} ({hint})")


def search(pattern: str = "") -> tuple[Intensity, ...]:
    """Figures whose key or name contains ``pattern`` (case-insensitive)."""
    p = pattern.lower()
    return tuple(i for i in intensity_table() if p in i.region.lower() or p in i.name.lower())
