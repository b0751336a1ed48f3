"""Technology-node and voltage scaling of energy and area.

Node: Stillmaker & Baas (Integration 58, 2017) energy factors EF(V) = a V^2 + b V + c, taken at
one common reference voltage so that node and voltage effects stay separate (as Accelergy's
hwcomponents does); linear interpolation between tabulated nodes, energy ∝ sqrt(node ratio)
outside 7-130 nm. Voltage: dynamic energy ∝ V^2 (CV^2). Area: ∝ node^2 (a first-order rule).
"""

from __future__ import annotations

import csv
import itertools
from functools import cache
from importlib import resources

REFERENCE_VOLTAGE_V = 0.8  # the common voltage at which node factors are compared


@cache
def _stillmaker_rows() -> tuple[tuple[float, float, float, float], ...]:
    text = resources.files("picojoule.tech").joinpath("data/stillmaker.csv").read_text()
    rows = [(float(r["node_nm"]), float(r["a"]), float(r["b"]), float(r["c"]))
            for r in csv.DictReader(text.splitlines())]
    return tuple(sorted(rows))


def stillmaker_energy_factor(node_nm: float, voltage_v: float) -> float:
    """EF(node, V) as published (tabulated nodes only); the paper's own worked example
    scales 1 pJ/op at 65 nm 1.3 V to 0.1755 pJ/op at 32 nm 0.9 V."""
    for node, a, b, c in _stillmaker_rows():
        if node == node_nm:
            return a * voltage_v**2 + b * voltage_v + c
    raise ValueError(f"no Stillmaker-Baas row for {node_nm} nm")


def node_energy_factor(node_nm: float) -> float:
    """Relative energy of ``node_nm`` at the reference voltage (any node > 0)."""
    rows = _stillmaker_rows()
    v = REFERENCE_VOLTAGE_V

    def ef(row: tuple[float, float, float, float]) -> float:
        return row[1] * v * v + row[2] * v + row[3]

    lo, hi = rows[0], rows[-1]
    if node_nm <= lo[0]:
        return ef(lo) * (node_nm / lo[0]) ** 0.5
    if node_nm >= hi[0]:
        return ef(hi) * (node_nm / hi[0]) ** 0.5
    for left, right in itertools.pairwise(rows):
        if left[0] <= node_nm <= right[0]:
            t = (node_nm - left[0]) / (right[0] - left[0])
            return ef(left) + t * (ef(right) - ef(left))
    raise ValueError(node_nm)  # unreachable: the table is sorted and covers the range


def energy_scale(from_node_nm: float, from_voltage_v: float | None, to_node_nm: float,
                 to_voltage_v: float) -> float:
    """Factor that moves an energy measured at one (node, V) to another."""
    node = node_energy_factor(to_node_nm) / node_energy_factor(from_node_nm)
    volt = 1.0 if from_voltage_v is None else (to_voltage_v / from_voltage_v) ** 2
    return node * volt


def area_scale(from_node_nm: float, to_node_nm: float) -> float:
    return (to_node_nm / from_node_nm) ** 2


# Operating range accepted for a design. Policy, not a published figure: below ~0.3 V CMOS
# logic runs deep sub-threshold, where neither CV^2 nor the Stillmaker fits apply; above
# 1.6x the node's nominal supply the oxide is over-stressed (designs boost by 10-40%).
MIN_VOLTAGE_V = 0.3
MAX_OVERDRIVE = 1.6


def supported_nodes_nm() -> tuple[float, float]:
    """The smallest and largest node of the scaling table: the range a design may use."""
    rows = _stillmaker_rows()
    return rows[0][0], rows[-1][0]


@cache
def _nominal_rows() -> tuple[tuple[float, float], ...]:
    text = resources.files("picojoule.tech").joinpath("data/nominal_voltage.csv").read_text()
    return tuple(sorted((float(r["node_nm"]), float(r["nominal_v"]))
                        for r in csv.DictReader(text.splitlines())))


def nominal_voltage_v(node_nm: float) -> float:
    """The node's nominal supply, interpolated linearly between tabulated nodes."""
    rows = _nominal_rows()
    if node_nm <= rows[0][0]:
        return rows[0][1]
    for (n0, v0), (n1, v1) in itertools.pairwise(rows):
        if n0 <= node_nm <= n1:
            return v0 + (node_nm - n0) / (n1 - n0) * (v1 - v0)
    return rows[-1][1]


def voltage_range_v(node_nm: float) -> tuple[float, float]:
    """Supply voltages accepted at ``node_nm``: ``MIN_VOLTAGE_V`` to ``MAX_OVERDRIVE`` x
    nominal."""
    return MIN_VOLTAGE_V, round(MAX_OVERDRIVE * nominal_voltage_v(node_nm), 3)
