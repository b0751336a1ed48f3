"""When and where: hourly (or finer) intensity profiles, the best start, the best region.

A profile is read from a CSV in one of two layouts:

* Electricity Maps' export: ``Datetime (UTC)``, ``Zone Id`` (and ``Zone Name``...), and
  ``Carbon Intensity gCO₂eq/kWh (LCA)`` / ``(direct)`` columns; one file may hold several zones;
* a plain ``timestamp,intensity`` pair (gCO2e/kWh, or lbs/MWh with ``units="lbs_per_mwh"``),
  with an optional ``zone`` column; WattTime's ``point_time,value`` is read the same way.

Intensity is held constant over each step (the time to the next row). A job of constant
facility power P starting at t0 for D seconds emits P x (F(t0 + D) - F(t0)), F the running
integral of intensity; F is piecewise linear, so the best start lies where t0 or t0 + D falls
on a step boundary, and checking those candidates is exact, not a grid search.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from picojoule.errors import Collector, SpecError

EM_TIME = "Datetime (UTC)"
EM_ZONE = "Zone Id"
EM_PREFIX = "Carbon Intensity gCO"  # gCO₂eq/kWh (LCA) | (direct)
PLAIN_TIME = ("timestamp", "datetime", "time", "point_time")
PLAIN_VALUE = ("intensity", "g_per_kwh", "carbon_intensity", "intensity_g_per_kwh", "value")
UNITS = ("g_per_kwh", "lbs_per_mwh")  # WattTime reports MOER in lbs/MWh


@dataclass(frozen=True)
class Profile:
    """Intensity of one zone over time: value i holds from times[i] to times[i + 1]."""

    zone: str
    times: tuple[datetime, ...]  # UTC, strictly increasing, one more than values
    g_per_kwh: tuple[float, ...]
    source: str  # file and column read

    @property
    def start(self) -> datetime:
        return self.times[0]

    @property
    def end(self) -> datetime:
        return self.times[-1]

    def _edges_s(self) -> np.ndarray:
        t0 = self.times[0]
        return np.array([(t - t0).total_seconds() for t in self.times])

    def integral_g_s_per_kwh(self, start: datetime, seconds: float) -> float:
        """The integral of intensity over [start, start + seconds], in g/kWh x s."""
        edges = self._edges_s()
        cum = np.concatenate([[0.0], np.cumsum(np.diff(edges) * np.asarray(self.g_per_kwh))])
        a = (start - self.times[0]).total_seconds()
        return float(np.interp(a + seconds, edges, cum) - np.interp(a, edges, cum))

    def mean_g_per_kwh(self, start: datetime, seconds: float) -> float:
        return self.integral_g_s_per_kwh(start, seconds) / seconds


def _parse_time(text: str) -> datetime:
    t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def read_profiles(path: str | Path, column: str = "lca",
                  units: str = "g_per_kwh") -> dict[str, Profile]:
    """Every zone in the CSV at ``path``; ``column`` picks Electricity Maps' ``lca`` or
    ``direct`` intensity; ``units`` of a plain file's values. All problems of the file are
    reported at once, with line numbers."""
    where = str(path)
    if units not in UNITS:
        raise SpecError.single("units", "", f"one of {', '.join(UNITS)}, got {units!r}")
    if column not in ("lca", "direct"):
        raise SpecError.single("column", "", f"lca or direct, got {column!r}")
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SpecError.single(where, "", f"a readable CSV file ({exc.strerror})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    c = Collector(where)
    lower = {h.lower(): h for h in header}
    scale = 1.0  # to gCO2e/kWh
    if EM_TIME in header:
        time_col = EM_TIME
        wanted = [h for h in header if h.startswith(EM_PREFIX) and f"({column.lower()})"
                  in h.lower()]
        if not wanted:
            raise SpecError.single(where, "header", f"an Electricity Maps column "
                                   f"'Carbon Intensity gCO₂eq/kWh ({column})', got {header}")
        value_col, zone_col = wanted[0], (EM_ZONE if EM_ZONE in header else None)
    else:
        t = next((lower[n] for n in PLAIN_TIME if n in lower), None)
        v = next((lower[n] for n in PLAIN_VALUE if n in lower), None)
        if t is None or v is None:
            raise SpecError.single(where, "header", "either Electricity Maps' columns "
                                   f"('{EM_TIME}', '{EM_ZONE}', 'Carbon Intensity gCO₂eq/kWh "
                                   "(LCA)') or 'timestamp,intensity' (gCO2e/kWh); got "
                                   f"{header}")
        time_col, value_col, zone_col = t, v, lower.get("zone")
        if units == "lbs_per_mwh":
            from codecarbon.core.units import EmissionsPerKWh

            scale = EmissionsPerKWh.LBS_MWH_TO_KG_KWH * 1000.0
    series: dict[str, list[tuple[datetime, float]]] = {}
    for n, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "") for k, v in row.items()}
        try:
            when = _parse_time(row.get(time_col, ""))
        except ValueError:
            c.add(f"line {n}", f"an ISO date-time in '{time_col}', got {row.get(time_col)!r}")
            continue
        try:
            value = float(row.get(value_col, "")) * scale
        except ValueError:
            c.add(f"line {n}", f"a number in '{value_col}', got {row.get(value_col)!r}")
            continue
        if not 0 <= value <= 2000:
            c.add(f"line {n}", f"an intensity between 0 and 2,000 gCO2e/kWh, got {value:g}")
            continue
        zone = (row.get(zone_col, "") if zone_col else "") or Path(path).stem
        series.setdefault(zone, []).append((when, value))
    if not series and not c.problems:
        c.add("", "at least two rows of data")
    c.raise_if_any()  # row problems first: the zones' checks would only echo them
    profiles = {}
    for zone, points in series.items():
        times = [p[0] for p in points]
        steps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        if len(points) < 2:
            c.add(f"zone {zone}", "at least two rows, to know the step")
        elif any(s <= 0 for s in steps):
            bad = next(i for i, s in enumerate(steps) if s <= 0)
            c.add(f"zone {zone}", f"strictly increasing times, but {times[bad + 1]} follows "
                                  f"{times[bad]}")
        elif max(steps) > 1.5 * min(steps):
            c.add(f"zone {zone}", f"evenly spaced rows, but steps range from {min(steps):g} "
                                  f"to {max(steps):g} s (a gap in the data?)")
        else:
            last = times[-1] + timedelta(seconds=steps[-1])
            profiles[zone] = Profile(zone, (*times, last), tuple(p[1] for p in points),
                                     f"{where} [{value_col}]")
    c.raise_if_any()
    return profiles


@dataclass(frozen=True)
class Placement:
    """Emissions of a job started at one time in one zone."""

    zone: str
    start: datetime
    seconds: float
    mean_g_per_kwh: float
    kg_co2e: float

    def to_dict(self) -> dict[str, Any]:
        return {"zone": self.zone, "start_utc": self.start.isoformat(),
                "seconds": self.seconds, "mean_intensity_g_per_kwh": self.mean_g_per_kwh,
                "kg_co2e": self.kg_co2e}


def place(profile: Profile, start: datetime, seconds: float, facility_power_w: float) -> Placement:
    g_s = profile.integral_g_s_per_kwh(start, seconds)
    kwh_per_w_s = 1.0 / 3.6e6
    return Placement(profile.zone, start, seconds, g_s / seconds,
                     facility_power_w * g_s * kwh_per_w_s / 1000.0)


def _check_job(where: str, profile: Profile, seconds: float, power_w: float,
               window: tuple[datetime, datetime]) -> None:
    c = Collector(where)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
        c.add("seconds", f"a positive job duration, got {seconds!r}")
    if isinstance(power_w, bool) or not isinstance(power_w, int | float) or power_w <= 0:
        c.add("facility_power_w", f"a positive power, got {power_w!r}")
    c.raise_if_any()
    lo, hi = window
    if lo < profile.start or hi > profile.end or lo + timedelta(seconds=seconds) > hi:
        c.add("window", f"a window inside the profile of {profile.zone} ({profile.start} to "
                        f"{profile.end}) long enough for a {seconds / 3600:g} h job; got "
                        f"{lo} to {hi}")
    c.raise_if_any()


def _utc(t: datetime) -> datetime:
    """Naive times are UTC, like the profiles' own."""
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def start_times(profile: Profile, seconds: float, facility_power_w: float,
                window: tuple[datetime, datetime] | None = None) -> list[Placement]:
    """The job at every candidate start in ``window`` (default: the whole profile), sorted by
    start; the optimum over all real start times is among them (see the module doc)."""
    lo, hi = (_utc(window[0]), _utc(window[1])) if window else (profile.start, profile.end)
    _check_job("schedule", profile, seconds, facility_power_w, (lo, hi))
    last = hi - timedelta(seconds=seconds)
    candidates = {lo, last}
    for t in profile.times:
        for s in (t, t - timedelta(seconds=seconds)):
            if lo <= s <= last:
                candidates.add(s)
    return [place(profile, s, seconds, facility_power_w) for s in sorted(candidates)]


@dataclass(frozen=True)
class Schedule:
    """Best and worst start in one zone, against starting now."""

    now: Placement
    best: Placement
    worst: Placement

    @property
    def saving_kg_co2e(self) -> float:
        return self.now.kg_co2e - self.best.kg_co2e

    def to_dict(self) -> dict[str, Any]:
        return {"now": self.now.to_dict(), "best": self.best.to_dict(),
                "worst": self.worst.to_dict(), "saving_vs_now_kg_co2e": self.saving_kg_co2e,
                "saving_vs_now_fraction": (self.saving_kg_co2e / self.now.kg_co2e
                                           if self.now.kg_co2e else 0.0)}


def best_start(profile: Profile, seconds: float, facility_power_w: float,
               window: tuple[datetime, datetime] | None = None) -> Schedule:
    """The lowest-carbon start in ``window``; "now" is the window's start."""
    options = start_times(profile, seconds, facility_power_w, window)
    best = min(options, key=lambda p: (p.kg_co2e, p.start))
    worst = max(options, key=lambda p: (p.kg_co2e, -p.start.timestamp()))
    return Schedule(options[0], best, worst)


@dataclass(frozen=True)
class RegionChoice:
    """Each candidate zone for one job, the best of them, and "now, here"."""

    now_here: Placement
    best: Placement
    by_zone: tuple[Placement, ...]

    @property
    def saving_kg_co2e(self) -> float:
        return self.now_here.kg_co2e - self.best.kg_co2e

    def to_dict(self) -> dict[str, Any]:
        return {"now_here": self.now_here.to_dict(), "best": self.best.to_dict(),
                "by_zone": [p.to_dict() for p in self.by_zone],
                "saving_vs_now_here_kg_co2e": self.saving_kg_co2e,
                "saving_vs_now_here_fraction": (self.saving_kg_co2e / self.now_here.kg_co2e
                                                if self.now_here.kg_co2e else 0.0)}


def best_region(profiles: dict[str, Profile], here: str, seconds: float,
                facility_power_w: float, start: datetime | None = None,
                shift_in_time: bool = False) -> RegionChoice:
    """Each candidate zone for a job starting at ``start`` (default: the profiles' common
    start), or at its best start when ``shift_in_time``; the best against "now, here"."""
    if here not in profiles:
        import difflib

        close = difflib.get_close_matches(here, list(profiles), n=3)
        raise SpecError.single("here", "", f"a zone of the profiles ({', '.join(profiles)}); got "
                                           f"{here!r}" + (f" (closest: {', '.join(close)})"
                                                          if close else ""))
    t0 = _utc(start) if start else max(p.start for p in profiles.values())
    rows = {}
    for zone, prof in profiles.items():
        window = (t0, prof.end)
        if shift_in_time:
            rows[zone] = best_start(prof, seconds, facility_power_w, window).best
        else:
            _check_job(zone, prof, seconds, facility_power_w, window)
            rows[zone] = place(prof, t0, seconds, facility_power_w)
    now_here = place(profiles[here], t0, seconds, facility_power_w)
    best = min(rows.values(), key=lambda p: (p.kg_co2e, p.zone))
    return RegionChoice(now_here, best, tuple(rows.values()))
