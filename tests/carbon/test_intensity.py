"""Intensities come from the installed CodeCarbon's data files, with version, year, source."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest

from picojoule.carbon import codecarbon_version, intensity_table, lookup
from picojoule.carbon.intensity import CHECKED_CODECARBON
from picojoule.errors import SpecError

CC_DATA = Path(importlib.util.find_spec("codecarbon").submodule_search_locations[0]) / "data"


def test_version_is_the_locked_one():
    # the reader was written against the locked CodeCarbon; a different one must be rechecked
    lock = (Path(__file__).parents[2] / "requirements.lock").read_text()
    assert f"codecarbon=={codecarbon_version()}" in lock
    assert codecarbon_version() == importlib.metadata.version("codecarbon") == CHECKED_CODECARBON


def test_country_figure_is_the_dependency_s():
    raw = json.loads((CC_DATA / "private_infra/global_energy_mix.json").read_text())
    fra = lookup("FRA")
    assert fra.g_per_kwh == raw["FRA"]["carbon_intensity"] and fra.year == raw["FRA"]["year"]
    assert lookup("france") == fra and lookup(" fra ") == fra
    assert f"codecarbon {CHECKED_CODECARBON}" in fra.dataset and "Our World in Data" in fra.source


def test_us_state_converted_from_lbs_per_mwh():
    raw = json.loads((CC_DATA / "private_infra/2023/usa_emissions.json").read_text())
    # 1 lb = 0.45359237 kg, so lbs/MWh x 0.45359237 = kg/MWh = g/kWh
    ca = lookup("USA/california")
    assert ca.g_per_kwh == pytest.approx(raw["california"]["emissions"] * 0.45359237)
    assert ca.year == 2023 and "eGRID" in ca.source


def test_canadian_province_from_mix():
    raw = json.loads((CC_DATA / "private_infra/2023/canada_energy_mix.json").read_text())
    m = raw["alberta"]
    # CodeCarbon's formula: shares of coal, petroleum and gas x 995.7, 816.7, 743.8 g/kWh
    by_hand = (m["coal"] * 995.725971 + m["petroleum"] * 816.6885263
               + m["naturalGas"] * 743.8415916) / m["total"]
    assert lookup("CAN/alberta").g_per_kwh == pytest.approx(by_hand, rel=1e-9)


def test_zones_provinces_and_clouds():
    assert lookup("SE3").region == "SWE/SE3" and lookup("SE3").year is not None
    assert lookup("CN-BJ") == lookup("CHN/beijing") == lookup("beijing")
    with pytest.raises(SpecError):  # US states only as USA/<state>: "georgia" is a country
        lookup("north dakota")
    gcp = lookup("gcp:europe-west1")
    assert gcp.kind == "cloud" and lookup("europe-west1") == gcp
    assert "not stated" in gcp.source  # the cloud table gives no year: say so
    kinds = {i.kind for i in intensity_table()}
    assert kinds == {"country", "subregion", "cloud"}


def test_unknown_region_names_the_closest():
    with pytest.raises(SpecError) as err:
        lookup("USA/califrnia")
    assert len(err.value.problems) == 1
    assert "closest: USA/california" in str(err.value)
    with pytest.raises(SpecError, match=r"closest: .*FRA"):
        lookup("Frnace")
