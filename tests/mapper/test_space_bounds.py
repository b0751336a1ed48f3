"""Building a mapping space stays bounded for any dim below 2**53."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picojoule.arch.spec import DATAFLOW_NAMES
from picojoule.mapper.constraints import ALIASES, DATAFLOWS
from picojoule.mapper.factors import (
    MAX_COMPOSITIONS,
    SpaceBuildTimeout,
    _compositions,
    _sampled_compositions,
    factorizations,
)
from picojoule.mapping.sample import prime_factors


def test_arch_dataflow_names_are_the_mappers() -> None:
    assert set(DATAFLOW_NAMES) == set(DATAFLOWS) | set(ALIASES)


@given(st.integers(1, 2**53))
@settings(max_examples=300, deadline=None)
def test_prime_factors_multiply_back_and_are_prime(n: int) -> None:
    factors = prime_factors(n)
    assert math.prod(factors) == n and factors == sorted(factors)
    for p in factors:  # each factor has no divisor up to its square root (checked cheaply)
        assert p > 1 and all(p % d for d in range(2, min(int(p**0.5), 2000) + 1))


def test_prime_factors_of_hard_cases() -> None:
    assert prime_factors(2**44) == [2] * 44
    assert prime_factors(9007199254740881) == [9007199254740881]  # the largest prime < 2**53
    assert prime_factors(999983 * 999979) == [999979, 999983]  # two 6-digit primes
    assert prime_factors(1) == []


def test_small_dims_enumerate_every_composition() -> None:
    # 2**5 over 3 free slots: C(5 + 2, 2) = 21 placements of the five 2s, all distinct
    free = np.array([True, True, True])
    out = factorizations(32, free, np.zeros(3, dtype=np.int64))
    assert len(out) == 21 and (out.prod(axis=1) == 32).all()
    assert len({tuple(r) for r in out}) == 21


def test_sampled_compositions_sum_to_the_total_and_include_the_corners() -> None:
    comps = _sampled_compositions(44, 7, 1000)
    assert (comps.sum(axis=1) == 44).all() and (comps >= 0).all()
    for k in range(7):  # everything in one part, for each part
        assert any((row[k] == 44) for row in comps)
    assert np.array_equal(comps, _sampled_compositions(44, 7, 1000))  # deterministic
    assert len(_compositions(5, 3)) == math.comb(7, 2)


def test_huge_power_of_two_is_fast_and_small() -> None:
    # 2**44 over 7 slots has C(50, 6) = 15.9M placements: above MAX_COMPOSITIONS, so sampled
    assert math.comb(50, 6) > MAX_COMPOSITIONS
    free = np.ones(7, dtype=bool)
    started = time.perf_counter()
    out = factorizations(2**44, free, np.zeros(7, dtype=np.int64))
    assert time.perf_counter() - started < 10 and 0 < len(out) <= 400_000
    assert (out.prod(axis=1) == 2**44).all()


def test_deadline_stops_building() -> None:
    with pytest.raises(SpaceBuildTimeout):
        factorizations(2**10 * 3**10, np.ones(4, dtype=bool), np.zeros(4, dtype=np.int64),
                       deadline=time.perf_counter() - 1)
