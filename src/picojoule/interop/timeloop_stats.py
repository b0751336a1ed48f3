"""Timeloop's ``timeloop-model.stats.txt`` / ``timeloop-mapper.stats.txt``, read back so that
picojoule's counts can be checked against Timeloop's, level by level and operand by operand.

Timeloop reports accesses per instance and utilized instances; picojoule counts accesses over
all instances. ``TimeloopStats.totals`` multiplies them out. Timeloop's total energy includes
leakage charged per utilized instance and cycle; ``leakage_pj`` is kept apart so dynamic
energies compare like with like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from picojoule.errors import SpecError
from picojoule.fileio import read_text
from picojoule.interop.timeloop_arch import OPERANDS

_LEVEL = re.compile(r"^=== (?P<name>\S+) ===$")
_VALUE = re.compile(r"^\s+(?P<key>[A-Za-z][A-Za-z ()\-/]*?)\s*:\s*(?P<value>[-+]?[0-9][0-9.eE+-]*)")


@dataclass(frozen=True)
class OperandStats:
    reads: float
    fills: float
    updates: float
    instances: float
    energy_pj: float

    @property
    def totals(self) -> tuple[float, float, float]:
        """Reads, fills and updates over all utilized instances."""
        n = self.instances
        return self.reads * n, self.fills * n, self.updates * n


@dataclass(frozen=True)
class TimeloopStats:
    cycles: float
    energy_pj: float  # Timeloop's total, leakage included
    macs: float
    leakage_pj: float
    mac_energy_pj: float
    levels: dict[str, dict[str, OperandStats]] = field(default_factory=dict)

    @property
    def dynamic_energy_pj(self) -> float:
        return self.energy_pj - self.leakage_pj


def parse_timeloop_stats(text: str, where: str) -> TimeloopStats:
    levels: dict[str, dict[str, OperandStats]] = {}
    level = operand = ""
    current: dict[str, float] = {}
    leakage = mac_energy = 0.0
    cycles = energy = macs = None

    def flush() -> None:
        if level and operand and current:
            levels.setdefault(level, {})[operand] = OperandStats(
                current.get("Scalar reads (per-instance)", 0.0),
                current.get("Scalar fills (per-instance)", 0.0),
                current.get("Scalar updates (per-instance)", 0.0),
                current.get("Utilized instances (max)", 1.0),
                current.get("Energy (total)", 0.0))

    for line in text.splitlines():
        m = _LEVEL.match(line.strip())
        if m:
            flush()
            level, operand, current = m.group("name"), "", {}
            continue
        stripped = line.strip()
        if stripped.rstrip(":") in OPERANDS and stripped.endswith(":"):
            flush()
            operand, current = OPERANDS[stripped.rstrip(":")], {}
            continue
        if stripped.startswith("Cycles:"):
            cycles = float(stripped.split(":")[1])
        elif stripped.startswith("Energy:") and stripped.endswith("uJ"):
            energy = float(stripped.split(":")[1].split()[0]) * 1e6
        elif stripped.startswith("Computes ="):
            macs = float(stripped.split("=")[1])
        v = _VALUE.match(line)
        if v is None:
            continue
        key, value = v.group("key").strip(), float(v.group("value"))
        if key == "Leakage energy (total)":
            leakage += value
        elif key == "Energy (total)" and level == "mac" and not operand:
            mac_energy = value
        elif operand:
            current[key] = value
    flush()
    if cycles is None or energy is None:
        raise SpecError.single(where, "", "a Timeloop stats file (with 'Cycles:' and "
                                          "'Energy: ... uJ' in its summary)")
    return TimeloopStats(cycles, energy, macs or 0.0, leakage, mac_energy, levels)


def load_timeloop_stats(path: str | Path) -> TimeloopStats:
    return parse_timeloop_stats(read_text(path, "Timeloop stats file"), str(path))
