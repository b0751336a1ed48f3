"""Density models: every expected value derived by hand in the comment beside it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from picojoule.errors import Collector, SpecError
from picojoule.workload.density import (
    NM,
    FixedStructured,
    Hypergeometric,
    Measured,
    parse_density,
)


def test_fixed_structured_tile_counts() -> None:
    m = FixedStructured(0.25)
    assert m.expected(16) == 4.0  # 0.25 * 16
    assert m.capacity(16) == 4  # exactly d * size non-zeros per tile
    assert m.capacity(3) == 1  # ceil(0.75)
    assert FixedStructured(0.43).capacity(3) == 2  # ceil(1.29): Sparseloop's conv1d weights
    assert m.prob_empty(1) == 0.75  # one element is zero with 1 - d
    assert m.prob_empty(4) == 0.0  # d * 4 = 1 non-zero in every tile of 4


def test_hypergeometric_occupancy() -> None:
    # N = 8 elements, K = round(0.25 * 8) = 2 non-zeros, tiles of n = 2:
    # P(0) = C(6,2)/C(8,2) = 15/28, P(1) = 2*6/28 = 12/28, P(2) = 1/28
    h = Hypergeometric(0.25, 8)
    assert np.allclose(h.pmf(2), [15 / 28, 12 / 28, 1 / 28])
    assert h.prob_empty(2) == 15 / 28
    assert h.expected(2) == 0.5  # n K / N = 2 * 2 / 8
    assert h.capacity(2, 0.5) == 0  # P(0) = 0.536 >= 0.5
    assert h.capacity(2, 0.9) == 1  # P(<=1) = 27/28 = 0.964
    assert h.capacity(2, 1.0) == 2  # every outcome: both non-zeros in one tile
    assert math.isclose(float(h.pmf(5).sum()), 1.0)


def test_nm_structured() -> None:
    m = NM(2, 4, "C")
    assert m.density == 0.5
    assert m.capacity(8) == 4  # two groups of 4, 2 each
    assert m.capacity(3) == 2  # a partial group holds at most n
    assert m.prob_empty(1) == 0.5  # C(2,1)/C(4,1)
    assert m.prob_empty(2) == 1 / 6  # both picks among the 2 zeros: C(2,2)/C(4,2)
    assert m.prob_empty(4) == 0.0


def test_measured_from_array() -> None:
    w = np.array([[0, 1, 0, 2], [0, 0, 0, 3]])  # 3 of 8 non-zero; rows 2/4 and 1/4
    m = Measured.from_array(w, source="toy")
    assert m.density == 3 / 8
    assert m.per_channel == (0.5, 0.25)
    assert m.capacity(4) == 2  # the densest channel: 0.5 * 4


@pytest.mark.parametrize("raw,needle", [
    (0.0, "density in (0, 1]"), (1.5, "density in (0, 1]"),
    ({"distribution": "banana", "density": 0.5}, "one of fixed_structured"),
    ({"distribution": "nm", "n": 2, "m": 4, "dim": "C"}, "M must divide dim C = 6"),
    ({"distribution": "nm", "n": 5, "m": 4, "dim": "C"}, "0 < n <= m"),
])
def test_bad_density_one_line_each(raw: object, needle: str) -> None:
    c = Collector("layer.yaml")
    assert parse_density(raw, "densities.weights", c, {"C": 6}, tensor_size=6) is None
    with pytest.raises(SpecError) as err:
        c.raise_if_any()
    assert needle in str(err.value) and len(err.value.problems) == 1


def test_parse_good() -> None:
    c = Collector("x")
    assert parse_density(0.5, "d", c) == FixedStructured(0.5)
    assert parse_density({"distribution": "hypergeometric", "density": 0.5}, "d", c,
                         tensor_size=10) == Hypergeometric(0.5, 10)
    assert parse_density({"distribution": "nm", "n": 2, "m": 4, "dim": "C"}, "d", c,
                         {"C": 8}) == NM(2, 4, "C")
    assert not c.problems


def test_hypergeometric_large_tensors_use_log_gamma_consistently() -> None:
    # N = 4096 > EXACT: P(empty tile of 4) = prod_{i<4} (N-K-i)/(N-i) with K = 1024
    h = Hypergeometric(0.25, 4096)
    expected = math.prod((4096 - 1024 - i) / (4096 - i) for i in range(4))
    assert math.isclose(h.prob_empty(4), expected, rel_tol=1e-9)
    assert math.isclose(float(h.pmf(4).sum()), 1.0, rel_tol=1e-9)
