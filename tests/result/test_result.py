"""Result: a long table that adds up in series, in parallel and repeated."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from picojoule.arch import load_arch
from picojoule.cost import evaluate
from picojoule.mapping import load_mapping
from picojoule.result import Result, Row, Span
from picojoule.workload import parse_layer

DATA = Path(__file__).parent.parent / "data"


def piece(device: str, layer: str, energy_pj: float, seconds: float) -> Result:
    return Result((Row(device, layer, "", "DRAM", "weights", "storage", energy_pj, bits=8.0),),
                  (Span(device, layer, "", seconds),), seconds)


def test_then_adds_time_alongside_takes_the_longer() -> None:
    a, b = piece("gpu0", "fc1", 10.0, 2.0), piece("gpu1", "fc2", 30.0, 5.0)
    serial, parallel = a.then(b), a.alongside(b)
    assert serial.energy_pj == parallel.energy_pj == 40.0
    assert serial.seconds == 7.0 and parallel.seconds == 5.0
    assert parallel.totals(["device"]) == {("gpu0",): 10.0, ("gpu1",): 30.0}
    assert Result.serial([a, b, a]).seconds == 9.0
    assert Result.parallel([a, b, a]).seconds == 5.0


def test_times_scales_every_additive_column_and_the_time() -> None:
    r = piece("d", "l", 3.0, 0.5).times(4)
    assert r.energy_pj == 12.0 and r.seconds == 2.0 and r.total("bits") == 32.0
    assert r.span_seconds() == {("l",): 2.0}
    with pytest.raises(ValueError, match="finite count"):
        piece("d", "l", 1.0, 1.0).times(math.inf)


def test_totals_reject_unknown_columns_and_relabel_sets_keys() -> None:
    r = piece("d", "l", 1.0, 1.0).relabel(phase="decode")
    assert r.rows[0].phase == "decode" and r.spans[0].phase == "decode"
    with pytest.raises(ValueError, match="key columns"):
        r.totals(["chip"])
    with pytest.raises(ValueError, match="value columns"):
        r.total("joules")


def test_stats_to_result_rows_add_up_to_the_layer_energy() -> None:
    """The Timeloop worked example: every joule of Stats sits in exactly one Result row."""
    arch = load_arch(DATA / "eyeriss_like_timeloop.yaml")
    layer = parse_layer("conv2d N=1 C=3 M=32 P=112 Q=112 R=3 S=3 stride=2")
    stats = evaluate(layer, arch, load_mapping(DATA / "worked_example.map"))
    result = stats.to_result()
    assert result.energy_pj == pytest.approx(stats.energy_pj, rel=1e-12)
    assert result.seconds == stats.seconds and result.macs == layer.macs
    by_level = result.totals(["level"])
    for level in stats.levels:
        assert by_level[(level,)] == pytest.approx(stats.level_energy_pj(level), rel=1e-12)
    two = result.then(result)
    assert two.energy_pj == pytest.approx(2 * stats.energy_pj) and two.seconds == 2 * stats.seconds


def test_to_pandas_has_one_row_per_row() -> None:
    r = piece("a", "x", 1.0, 1.0).then(piece("b", "y", 2.0, 1.0))
    df = r.to_pandas()
    assert list(df["device"]) == ["a", "b"] and df["energy_pj"].sum() == 3.0
    assert list(r.spans_to_pandas()["seconds"]) == [1.0, 1.0]
