"""``picojoule carbon``: CO2e of a known run, where and when to run it, what the chips cost."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from picojoule.carbon.embodied import device_hardware
from picojoule.carbon.intensity import Intensity, codecarbon_version, lookup, search
from picojoule.carbon.operational import (
    MAX_DEVICE_POWER_W,
    MAX_DEVICES,
    MAX_ENERGY_KWH,
    MAX_SECONDS,
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    make_job,
)
from picojoule.carbon.params import device_spec, pue_value
from picojoule.carbon.profile import best_region, best_start, read_profiles
from picojoule.carbon.report import CarbonReport, carbon_of_energy, carbon_of_job
from picojoule.cli.carbon_option import _intensity, carbon_lines, mass
from picojoule.errors import Problem, SpecError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("carbon", help="CO2e of a run: operational and embodied, where and when",
                       description="Operational CO2e (energy x PUE x grid intensity) and the "
                                   "embodied share of the hardware (ACT) for a run given as "
                                   "devices x power x time or as energy; the same run in other "
                                   "regions; the best start time and region from an hourly "
                                   "intensity profile.")
    p.add_argument("--devices", type=int, default=1, help="number of devices (default 1)")
    p.add_argument("--device", help="a device of picojoule's table (v100, a100, h100, tpuv3, "
                                    "tpuv2): its TDP if --avg-power-w is not given, its chip "
                                    "for the embodied share")
    t = p.add_mutually_exclusive_group()
    t.add_argument("--days", type=float, help="duration of the run in days")
    t.add_argument("--hours", type=float, help="duration in hours")
    t.add_argument("--seconds", type=float, help="duration in seconds")
    p.add_argument("--avg-power-w", type=float, help="average power per device in W, "
                   "including its share of host, memory, network, fans")
    p.add_argument("--energy-kwh", type=float, help="IT energy of the whole run in kWh, "
                   "instead of devices x power x time")
    p.add_argument("--pue", default="industry-average", help="datacenter PUE: a number or "
                   "hyperscaler (1.10), industry-average (1.58), enterprise (1.59), it-only")
    w = p.add_mutually_exclusive_group()
    w.add_argument("--region", help="grid: a country (USA, france), a region (USA/california, "
                                    "CAN/quebec, SE3, CN-BJ) or a cloud region (gcp:us-central1)")
    w.add_argument("--intensity", type=float, metavar="G_PER_KWH",
                   help="grid intensity in gCO2e/kWh, when the figure is known")
    p.add_argument("--compare", nargs="+", metavar="REGION", default=[],
                   help="the same run in these regions too (yearly averages)")
    p.add_argument("--profile", metavar="CSV", help="hourly intensity CSV (Electricity Maps "
                   "export or timestamp,intensity): best start and best zone")
    p.add_argument("--zone", help="the profile zone where the job would run now (default: the "
                                  "first zone)")
    p.add_argument("--column", choices=("lca", "direct"), default="lca",
                   help="Electricity Maps intensity column (default lca)")
    p.add_argument("--profile-units", choices=("g_per_kwh", "lbs_per_mwh"), default="g_per_kwh",
                   help="units of a plain profile's values (WattTime: lbs_per_mwh)")
    p.add_argument("--window-start", help="earliest start, ISO UTC (default: profile start)")
    p.add_argument("--window-end", help="latest end, ISO UTC (default: profile end)")
    p.add_argument("--no-embodied", action="store_true", help="operational CO2e only")
    p.add_argument("--lifetime-years", type=float, help="hardware lifetime (default 6)")
    p.add_argument("--utilization", type=float, help="busy fraction of the lifetime (default 1)")
    p.add_argument("--list-regions", nargs="?", const="", metavar="PATTERN",
                   help="list the regions with data (matching PATTERN) and exit")
    p.add_argument("--json", action="store_true", help="print a JSON document instead")
    p.set_defaults(func=run)


def _seconds(args: argparse.Namespace) -> float | None:
    if args.days is not None:
        return args.days * SECONDS_PER_DAY
    if args.hours is not None:
        return args.hours * SECONDS_PER_HOUR
    return args.seconds


def _time(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SpecError.single(flag, "", f"an ISO date-time such as 2024-06-01T06:00, got "
                                         f"{text!r}") from None
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def _list(pattern: str, as_json: bool) -> int:
    rows = search(pattern)
    if as_json:
        print(json.dumps({"codecarbon_version": codecarbon_version(),
                          "regions": [r.to_dict() for r in rows]}, indent=2))
        return 0
    for r in rows:
        print(f"{r.region:28s} {r.g_per_kwh:8.1f} gCO2e/kWh  {r.year or '----'}  {r.name}")
    print(f"{len(rows)} regions; data: CodeCarbon {codecarbon_version()}")
    return 0


# (flag, attribute, lowest allowed, whether the lowest is excluded, highest, what it is)
_BOUNDS = (
    ("--devices", "devices", 1, False, MAX_DEVICES, "a number of devices"),
    ("--days", "days", 0, True, MAX_SECONDS / SECONDS_PER_DAY, "a duration in days"),
    ("--hours", "hours", 0, True, MAX_SECONDS / SECONDS_PER_HOUR, "a duration in hours"),
    ("--seconds", "seconds", 0, True, MAX_SECONDS, "a duration in seconds"),
    ("--avg-power-w", "avg_power_w", 0, True, MAX_DEVICE_POWER_W, "a power per device in W"),
    ("--energy-kwh", "energy_kwh", 0, False, MAX_ENERGY_KWH, "an energy in kWh"),
    ("--lifetime-years", "lifetime_years", 0.1, False, 50, "a lifetime in years"),
    ("--utilization", "utilization", 0, True, 1, "a busy fraction"),
)


def check_flags(args: argparse.Namespace) -> None:
    """Every numeric flag against its range, all problems at once, named by flag."""
    problems = []
    for flag, attr, low, open_low, high, what in _BOUNDS:
        v = getattr(args, attr)
        if v is None:
            continue
        if not (math.isfinite(v) and (v > low if open_low else v >= low) and v <= high):
            bound = f"{'above' if open_low else 'at least'} {low:g}"
            problems.append(Problem(flag, "", f"{what} {bound} and at most {high:,.6g}, got "
                                              f"{v:g}"))
    checks: list[Callable[[], object]] = [lambda: pue_value(args.pue, "--pue")]
    if args.intensity is not None:
        checks.append(lambda: _intensity(str(args.intensity), "--intensity"))
    for fn in checks:
        try:
            fn()
        except SpecError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)


def _report(args: argparse.Namespace, intensity: Intensity) -> tuple[CarbonReport, float | None]:
    seconds = _seconds(args)
    hardware = None
    if args.device and not args.no_embodied:
        hardware = device_hardware(args.device)
    pue = pue_value(args.pue, "--pue")
    if args.energy_kwh is not None:
        if hardware is not None and seconds is None:
            raise SpecError.single("--energy-kwh", "", "a duration too (--days, --hours or "
                                   "--seconds) for the embodied share, or --no-embodied")
        report = carbon_of_energy(args.energy_kwh, seconds or 0.0, intensity, pue,
                                  label="run", hardware=hardware, devices=args.devices,
                                  lifetime_years=args.lifetime_years,
                                  utilization=args.utilization)
        power = args.energy_kwh * 3.6e6 / seconds if seconds else None
        return report, power
    power_w = args.avg_power_w
    notes: tuple[str, ...] = ()
    if power_w is None and args.device:
        spec = device_spec(args.device)
        power_w = spec.tdp_w
        notes = (f"no --avg-power-w: {spec.name}'s TDP ({spec.tdp_w:g} W) used as average "
                 "power, an upper bound for most runs",)
    if seconds is None or power_w is None:
        problems = [p for p, missing in (
            ("a duration: --days, --hours or --seconds (or --energy-kwh)", seconds is None),
            ("a power: --avg-power-w or a known --device (or --energy-kwh)", power_w is None))
            if missing]
        raise SpecError.single("picojoule carbon", "", "; ".join(problems))
    job = make_job(args.devices, power_w, seconds, where="picojoule carbon")
    report = carbon_of_job(job, intensity, pue, label="run", hardware=hardware,
                           lifetime_years=args.lifetime_years, utilization=args.utilization)
    return replace(report, notes=report.notes + notes), job.devices * job.power_w


def run(args: argparse.Namespace) -> int:
    if args.list_regions is not None:
        return _list(args.list_regions, args.json)
    check_flags(args)
    if args.region is None and args.intensity is None:
        raise SpecError.single("picojoule carbon", "", "a grid: --region NAME or --intensity "
                                                       "G_PER_KWH")
    intensity = lookup(args.region) if args.region else _intensity(str(args.intensity),
                                                                     "--intensity")
    compare = [lookup(r, "--compare") for r in args.compare]
    report, it_power_w = _report(args, intensity)
    doc: dict[str, Any] = report.to_dict()
    op = report.operational
    doc["compare"] = [{"region": c.region, "name": c.name, "intensity_g_per_kwh": c.g_per_kwh,
                       "year": c.year, "operational_kg_co2e":
                           op.facility_energy_kwh * c.g_per_kwh / 1000.0} for c in compare]
    lines = carbon_lines(report)
    for c in doc["compare"]:
        lines.append(f"  in {c['name']} [{c['region']}] at {c['intensity_g_per_kwh']:,.1f} "
                     f"g/kWh: operational {mass(c['operational_kg_co2e'])}")
    if args.profile:
        seconds = report.seconds
        if not seconds or it_power_w is None:
            raise SpecError.single("--profile", "", "a job with a duration and a power (or "
                                                    "--energy-kwh with a duration)")
        profiles = read_profiles(args.profile, args.column, args.profile_units)
        here = args.zone or next(iter(profiles))
        if here not in profiles:
            raise SpecError.single("--zone", "", f"a zone of {args.profile} "
                                                 f"({', '.join(profiles)}), got {here!r}")
        prof = profiles[here]
        window = (_time(args.window_start, "--window-start") or prof.start,
                  _time(args.window_end, "--window-end") or prof.end)
        facility_w = it_power_w * op.pue.pue
        sched = best_start(prof, seconds, facility_w, window)
        choice = best_region(profiles, here, seconds, facility_w, window[0])
        doc["schedule"] = sched.to_dict()
        doc["regions"] = choice.to_dict()
        doc["profile_source"] = prof.source
        lines.append(f"profile {prof.source}:")
        for tag, pl in (("start now", sched.now), ("best start", sched.best),
                        ("worst start", sched.worst)):
            lines.append(f"  {tag:11s} {pl.start:%Y-%m-%d %H:%M} UTC in {here}: mean "
                         f"{pl.mean_g_per_kwh:,.1f} g/kWh, {mass(pl.kg_co2e)}")
        lines.append(f"  waiting for the best start saves {mass(sched.saving_kg_co2e)}")
        for pl in choice.by_zone:
            lines.append(f"  now in {pl.zone}: mean {pl.mean_g_per_kwh:,.1f} g/kWh, "
                         f"{mass(pl.kg_co2e)}")
        lines.append(f"  best zone now: {choice.best.zone}, saving "
                     f"{mass(choice.saving_kg_co2e)} against {here}")
    if args.json:
        print(json.dumps(doc, indent=2, default=str))
        return 0
    print("\n".join(lines))
    return 0
