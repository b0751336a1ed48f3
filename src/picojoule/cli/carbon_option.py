"""``--carbon REGION``: the option any command that produces a ``Result`` can add.

``add_carbon_args(parser)`` adds ``--carbon REGION`` (or a number of gCO2e/kWh),
``--carbon-pue`` and the embodied amortization knobs; ``carbon_settings(args)`` checks them
before a long run starts; ``carbon_report(result, settings, ...)`` turns the run's ``Result``
into a ``CarbonReport``; ``carbon_lines(report)`` gives the human-readable lines.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from picojoule.analysis import NetworkAnalysis
from picojoule.carbon.embodied import Hardware, accelerator_hardware
from picojoule.carbon.intensity import Intensity, lookup, user_intensity
from picojoule.carbon.operational import J_PER_KWH
from picojoule.carbon.params import Pue, pue_value
from picojoule.carbon.report import CarbonReport, carbon_of_energy, carbon_of_result
from picojoule.result import Result


@dataclass(frozen=True)
class CarbonSettings:
    intensity: Intensity
    pue: Pue
    lifetime_years: float | None
    utilization: float | None


def add_carbon_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("carbon")
    g.add_argument("--carbon", metavar="REGION", default=None,
                   help="also report CO2e at this grid: a country (FRA), region "
                        "(USA/california), cloud region (gcp:europe-west1) or a number in "
                        "gCO2e/kWh; figures from CodeCarbon's data")
    g.add_argument("--carbon-pue", metavar="PUE", default="industry-average",
                   help="datacenter PUE: a number or hyperscaler, industry-average, enterprise,"
                        " it-only (default industry-average, 1.58)")
    g.add_argument("--carbon-lifetime-years", type=float, default=None, metavar="Y",
                   help="hardware lifetime for the embodied share (default 6)")
    g.add_argument("--carbon-utilization", type=float, default=None, metavar="U",
                   help="fraction of its lifetime the hardware is busy (default 1)")


def _intensity(text: str, where: str) -> Intensity:
    try:
        value = float(text)
    except ValueError:
        return lookup(text, where)
    return user_intensity(value, where)


def carbon_settings(args: argparse.Namespace) -> CarbonSettings | None:
    """The checked ``--carbon`` settings, or None when ``--carbon`` was not given."""
    if not getattr(args, "carbon", None):
        return None
    return CarbonSettings(_intensity(args.carbon, "--carbon"),
                          pue_value(args.carbon_pue, "--carbon-pue"),
                          args.carbon_lifetime_years, args.carbon_utilization)


def carbon_report(result: Result, settings: CarbonSettings, *, label: str = "run",
                  hardware: Hardware | None = None, devices: int = 1) -> CarbonReport:
    return carbon_of_result(result, settings.intensity, settings.pue, label=label,
                            hardware=hardware, devices=devices,
                            lifetime_years=settings.lifetime_years,
                            utilization=settings.utilization)


def energy_carbon(energy_j: float, seconds: float, settings: CarbonSettings, *,
                  label: str = "run", hardware: Hardware | None = None,
                  devices: int = 1) -> CarbonReport:
    """The same for a command that has joules and seconds rather than a ``Result`` (an LLM
    training estimate, a codesign point): IT energy ``energy_j`` over ``seconds``."""
    return carbon_of_energy(energy_j / J_PER_KWH, seconds, settings.intensity, settings.pue,
                            label=label, hardware=hardware, devices=devices,
                            lifetime_years=settings.lifetime_years,
                            utilization=settings.utilization)


def mass(kg: float) -> str:
    """A CO2e mass in the unit that reads best."""
    for unit, scale in (("t", 1e3), ("kg", 1.0), ("g", 1e-3), ("mg", 1e-6), ("µg", 1e-9)):
        if abs(kg) >= scale:
            return f"{kg / scale:,.3g} {unit}CO2e"
    return f"{kg / 1e-12:,.3g} ngCO2e" if kg else "0 gCO2e"


def energy(kwh: float) -> str:
    for unit, scale in (("GWh", 1e7), ("MWh", 1e3), ("kWh", 1.0), ("Wh", 1e-3)):
        if abs(kwh) >= scale:
            return f"{kwh / (scale if unit != 'GWh' else 1e6):,.4g} {unit}"
    return f"{kwh * 3.6e6:,.4g} J"


def carbon_lines(r: CarbonReport) -> list[str]:
    op, it = r.operational, r.operational.intensity
    year = f", {it.year}" if it.year else ""
    lines = [f"energy {energy(op.it_energy_kwh)} (IT) x PUE {op.pue.pue:g} = "
             f"{energy(op.facility_energy_kwh)}",
             f"grid {it.name} [{it.region}] {it.g_per_kwh:,.1f} gCO2e/kWh{year} "
             f"({it.source}{'; ' + it.dataset if it.dataset else ''})",
             f"operational {mass(r.operational_kg)}"]
    if r.embodied:
        e = r.embodied
        lines.append(f"embodied {mass(r.embodied_kg)}: {e.devices:,} x {e.per_device.name} at "
                     f"{mass(e.per_device.kg_co2e)} each (ACT), share {e.share:.3g} of a "
                     f"{e.lifetime_years:g}-year life at utilization {e.utilization:g}")
    share = r.operational_kg / r.total_kg if r.total_kg else 0.0
    lines.append(f"total {mass(r.total_kg)} ({share:.1%} operational)")
    lines += [f"note: {n}" for n in (*r.notes, *(r.embodied.per_device.notes if r.embodied
                                                 else ()))]
    return lines


def analysis_carbon(analysis: NetworkAnalysis, settings: CarbonSettings | None
                    ) -> CarbonReport | None:
    """CO2e of one pass of an ``analyze`` run; the accelerator's own chip (modelled area at
    its node) for the embodied share. None without ``--carbon`` or without totals."""
    t = analysis.totals
    if settings is None or t is None:
        return None
    hw = accelerator_hardware(analysis.arch.name, t.area_um2, analysis.arch.node_nm)
    return carbon_report(t.to_result(), settings, label=f"{analysis.network} on "
                         f"{analysis.arch.name}", hardware=hw)
