"""Pareto fronts and hypervolume, derived by hand."""

from __future__ import annotations

import pytest

from picojoule.explore.pareto import hypervolume, pareto_front


def test_front_keeps_the_non_dominated_points() -> None:
    pts = [(1.0, 5.0), (2.0, 2.0), (3.0, 3.0), (5.0, 1.0), (2.0, 2.0)]
    # (3,3) is dominated by (2,2); the second (2,2) repeats the first
    assert pareto_front(pts) == [0, 1, 3]


def test_hypervolume_2d_by_hand() -> None:
    # reference (6, 6): staircase (1,5) (2,2) (5,1):
    # x in [1,2): height 6-5 = 1 -> 1; x in [2,5): 6-2 = 4 -> 12; x in [5,6): 6-1 = 5 -> 5
    assert hypervolume([(1.0, 5.0), (2.0, 2.0), (5.0, 1.0)], (6.0, 6.0)) == pytest.approx(18.0)
    assert hypervolume([(7.0, 1.0)], (6.0, 6.0)) == 0.0  # beyond the reference


def test_hypervolume_3d_by_hand() -> None:
    # two boxes from the reference (2,2,2): (0,0,1) -> 2*2*1 = 4; (1,1,0) -> 1*1*2 = 2;
    # overlap [1,2]x[1,2]x[1,2] = 1: union 5
    assert hypervolume([(0.0, 0.0, 1.0), (1.0, 1.0, 0.0)], (2.0, 2.0, 2.0)) == pytest.approx(5.0)
