"""One result type for every level of picojoule: a frozen long table that adds up.

A ``Result`` holds two tables and one number:

* ``rows``: additive quantities (energy, bits moved, MACs, accesses), one row per
  (device, layer, phase, level, operand, component). Whatever is summed, in whichever grouping,
  the totals agree, because every joule sits in exactly one row.
* ``spans``: time attributed to (device, layer, phase): how long each piece ran.
* ``seconds``: the wall-clock time of the whole, which is *not* the sum of the spans when
  pieces ran side by side.

Results compose the three ways systems do: ``a.then(b)`` runs b after a (times add),
``a.alongside(b)`` runs them at once on different hardware (time is the longer of the two),
``a.times(n)`` repeats a n times in sequence (a decode loop, training steps). Energy always
adds. ``to_pandas()`` hands the rows to a user as a DataFrame; ``totals(by=...)`` groups
without pandas so the core stays numpy-free. Sums run in row order (see ``_sum``): the same
composition gives the same bits.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

KEYS = ("device", "layer", "phase", "level", "operand", "component")
VALUES = ("energy_pj", "bits", "macs", "accesses", "reads", "fills", "updates")
SPAN_KEYS = ("device", "layer", "phase")

# The components a row may name. ``storage``: reads, fills and updates at a memory level;
# ``compute``: MACs or vector ops; ``network``: on-chip wires between a level and its children;
# ``link``: chip-to-chip or device-to-device communication; ``static``: leakage over the run
# time; ``idle``: a device's idle power while it waits.
COMPONENTS = ("storage", "compute", "network", "link", "static", "idle")


@dataclass(frozen=True)
class Row:
    """Additive quantities of one (device, layer, phase, level, operand, component)."""

    device: str = ""
    layer: str = ""
    phase: str = ""
    level: str = ""
    operand: str = ""
    component: str = "compute"
    energy_pj: float = 0.0
    bits: float = 0.0  # bits moved (storage/network/link rows)
    macs: float = 0.0
    accesses: float = 0.0  # reads + fills + updates, in the level's words or elements
    reads: float = 0.0  # the split of ``accesses`` where the device knows it (storage rows)
    fills: float = 0.0
    updates: float = 0.0

    def key(self) -> tuple[str, ...]:
        return (self.device, self.layer, self.phase, self.level, self.operand, self.component)

    def scaled(self, factor: float) -> Row:
        return replace(self, **{v: getattr(self, v) * factor for v in VALUES})


@dataclass(frozen=True)
class Span:
    """Time one (device, layer, phase) took; cycles where the device has a clock."""

    device: str = ""
    layer: str = ""
    phase: str = ""
    seconds: float = 0.0
    cycles: float = 0.0


@dataclass(frozen=True)
class Result:
    """Rows of additive quantities, spans of time, and the wall-clock seconds of the whole."""

    rows: tuple[Row, ...] = ()
    spans: tuple[Span, ...] = ()
    seconds: float = 0.0

    # -- composition --------------------------------------------------------------------
    def then(self, other: Result) -> Result:
        """``other`` runs after this: energy adds, time adds."""
        return Result(self.rows + other.rows, self.spans + other.spans,
                      self.seconds + other.seconds)

    def alongside(self, other: Result) -> Result:
        """``other`` runs at the same time on other hardware: energy adds, time is the max."""
        return Result(self.rows + other.rows, self.spans + other.spans,
                      max(self.seconds, other.seconds))

    def times(self, n: float) -> Result:
        """This, repeated ``n`` times in sequence (n may be fractional: an average)."""
        if not (isinstance(n, int | float) and math.isfinite(n) and n >= 0):
            raise ValueError(f"times: a finite count >= 0, got {n!r}")
        spans = tuple(replace(s, seconds=s.seconds * n, cycles=s.cycles * n)
                      for s in self.spans)
        return Result(tuple(r.scaled(n) for r in self.rows), spans, self.seconds * n)

    def relabel(self, **keys: str) -> Result:
        """The same result with key columns set (e.g. ``phase="decode"``, ``device="gpu0"``)."""
        unknown = set(keys) - set(KEYS)
        if unknown:
            raise ValueError(f"relabel: keys among {KEYS}, got {sorted(unknown)}")
        span_keys = {k: v for k, v in keys.items() if k in SPAN_KEYS}
        return Result(tuple(replace(r, **keys) for r in self.rows),  # type: ignore[arg-type]
                      tuple(replace(s, **span_keys) for s in self.spans),  # type: ignore[arg-type]
                      self.seconds)

    @staticmethod
    def serial(parts: Iterable[Result]) -> Result:
        """``parts`` one after another."""
        return functools.reduce(Result.then, parts, Result())

    @staticmethod
    def parallel(parts: Iterable[Result]) -> Result:
        """``parts`` side by side."""
        return functools.reduce(Result.alongside, parts, Result())

    # -- totals -------------------------------------------------------------------------
    @property
    def energy_pj(self) -> float:
        return _sum(r.energy_pj for r in self.rows)

    @property
    def energy_j(self) -> float:
        return self.energy_pj * 1e-12

    @property
    def macs(self) -> float:
        return _sum(r.macs for r in self.rows)

    @property
    def average_power_w(self) -> float:
        return self.energy_j / self.seconds if self.seconds > 0 else 0.0

    def total(self, value: str = "energy_pj", **where: str) -> float:
        """Sum of one value column over the rows whose keys equal ``where``."""
        _check_columns([value], VALUES, "value")
        _check_columns(where, KEYS, "key")
        return _sum(getattr(r, value) for r in self.rows
                         if all(getattr(r, k) == v for k, v in where.items()))

    def totals(self, by: Sequence[str], value: str = "energy_pj") -> dict[tuple[str, ...], float]:
        """Sums of one value column grouped by key columns, in first-seen order."""
        _check_columns(by, KEYS, "key")
        _check_columns([value], VALUES, "value")
        groups: dict[tuple[str, ...], list[float]] = {}
        for r in self.rows:
            groups.setdefault(tuple(getattr(r, k) for k in by), []).append(getattr(r, value))
        return {k: _sum(v) for k, v in groups.items()}

    def table(self, by: Sequence[str],
              values: Sequence[str] = VALUES) -> dict[tuple[str, ...], dict[str, float]]:
        """Sums of several value columns grouped by key columns, in first-seen order."""
        _check_columns(by, KEYS, "key")
        _check_columns(values, VALUES, "value")
        groups: dict[tuple[str, ...], list[Row]] = {}
        for r in self.rows:
            groups.setdefault(tuple(getattr(r, k) for k in by), []).append(r)
        return {k: {v: _sum(getattr(r, v) for r in rows) for v in values}
                for k, rows in groups.items()}

    def storage(self) -> dict[str, dict[str, dict[str, float]]]:
        """Storage rows as level -> operand -> {reads, fills, updates, energy_pj} (summed over
        devices, layers and phases), levels and operands in first-seen order: the one place a
        breakdown is nested again, for JSON documents and tables."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for (level, operand), sums in self.where(component="storage").table(
                ("level", "operand"), ("reads", "fills", "updates", "energy_pj")).items():
            out.setdefault(level, {})[operand] = sums
        return out

    def span_seconds(self, by: Sequence[str] = ("layer",)) -> dict[tuple[str, ...], float]:
        """Time attributed to each group of spans (sums; side-by-side spans overlap)."""
        _check_columns(by, SPAN_KEYS, "span key")
        groups: dict[tuple[str, ...], list[float]] = {}
        for s in self.spans:
            groups.setdefault(tuple(getattr(s, k) for k in by), []).append(s.seconds)
        return {k: _sum(v) for k, v in groups.items()}

    def where(self, **keys: str) -> Result:
        """The rows and spans matching ``keys`` (seconds: the matching spans' sum)."""
        _check_columns(keys, KEYS, "key")
        rows = tuple(r for r in self.rows if all(getattr(r, k) == v for k, v in keys.items()))
        span_keys = {k: v for k, v in keys.items() if k in SPAN_KEYS}
        spans = tuple(s for s in self.spans
                      if all(getattr(s, k) == v for k, v in span_keys.items()))
        return Result(rows, spans, _sum(s.seconds for s in spans))

    # -- export -------------------------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        return [{f.name: getattr(r, f.name) for f in fields(Row)} for r in self.rows]

    def span_records(self) -> list[dict[str, Any]]:
        return [{f.name: getattr(s, f.name) for f in fields(Span)} for s in self.spans]

    def to_dict(self) -> dict[str, Any]:
        return {"energy_pj": self.energy_pj, "seconds": self.seconds, "macs": self.macs,
                "rows": self.records(), "spans": self.span_records()}

    def _repr_html_(self) -> str:
        """Jupyter shows a Result as its table of where the joules went."""
        from picojoule.display import result_html

        return result_html(self)

    def to_pandas(self) -> Any:
        """The rows as a pandas DataFrame (pandas is imported here only)."""
        import pandas as pd

        return pd.DataFrame(self.records(), columns=[f.name for f in fields(Row)])

    def spans_to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.span_records(), columns=[f.name for f in fields(Span)])


def _sum(values: Iterable[float]) -> float:
    """Sum in row order, one addition after another: the cost model and ``Stats.__add__``
    add the same way, so a breakdown read from a Result is the same float, bit for bit, as
    the one they computed (``math.fsum`` would round some of them differently)."""
    total = 0.0
    for v in values:
        total += v
    return total


def _check_columns(names: Iterable[str], allowed: Sequence[str], what: str) -> None:
    bad = [n for n in names if n not in allowed]
    if bad:
        raise ValueError(f"{what} columns among {list(allowed)}, got {bad}")
