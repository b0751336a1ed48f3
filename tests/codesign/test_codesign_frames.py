"""Codesign points as records and pandas DataFrames (one row per point or per layer), and
CO2e per inference from a point's energy."""

from __future__ import annotations

import pytest

from picojoule.carbon.intensity import user_intensity
from picojoule.carbon.params import pue_value
from picojoule.codesign.pipeline import Point
from picojoule.codesign.report import co2e_g_per_inference, format_table, to_pandas
from picojoule.errors import SpecError


def point(key: str, metric: float, energy_uj: float) -> Point:
    layers = {"fc1": {"energy_pj": energy_uj * 0.75e6, "vsq_pj": 0.0,
                      "bits": {"inputs": 8, "weights": 4, "outputs": 8},
                      "density": {"inputs": 1.0, "weights": 0.5, "outputs": 1.0}},
              "fc2": {"energy_pj": energy_uj * 0.25e6, "vsq_pj": 10.0,
                      "bits": {"inputs": 8, "weights": 8, "outputs": 8},
                      "density": {"inputs": 1.0, "weights": 1.0, "outputs": 1.0}}}
    return Point(key, key, {}, metric, energy_uj * 1e6, 100.0, 5.0, 1000, layers, 0.1, 0.2, 1)


def test_points_and_layers_as_dataframes() -> None:
    pts = [point("a", 0.90, 10.0), point("b", 0.95, 20.0), point("c", 0.93, 25.0)]
    df = to_pandas(pts)
    assert list(df["key"]) == ["a", "b", "c"]
    assert list(df["on_front"]) == [True, True, False]  # c: b is cheaper and more accurate
    assert df["energy_pj"].sum() == pytest.approx(55e6)
    layers = to_pandas(pts, by="layer")
    assert len(layers) == 6  # 3 points x 2 layers
    # the layer rows add up to each point's energy (75 % + 25 %)
    assert layers.groupby("key")["energy_pj"].sum()["b"] == pytest.approx(20e6)
    assert set(layers.loc[layers.layer == "fc1", "density_weights"]) == {0.5}
    with pytest.raises(SpecError):
        to_pandas(pts, by="config")


def test_co2e_per_inference_in_grams() -> None:
    pts = [point("a", 0.90, 36.0)]
    co2e = co2e_g_per_inference(pts, user_intensity(500.0, "test"), pue_value(1.2, "test"))
    # 36 uJ = 36e-6 J / 3.6e6 J/kWh = 1e-11 kWh; x 1.2 x 500 g/kWh = 6e-9 g
    assert co2e["a"] == pytest.approx(6e-9, rel=1e-12)
    assert to_pandas(pts, co2e)["co2e_g_per_inference"][0] == co2e["a"]
    row = format_table(pts, co2e=co2e).splitlines()[2].split()
    assert row[6] == "6"  # the co2e_ng column: 6e-9 g = 6 ng
