"""Embodied carbon of hardware, the ACT way (Gupta et al., ISCA 2022), and its share of a job.

Per die:      E_die = area x (CI_fab x EPA + GPA + MPA) / yield
Packaging:    N_ic x K_r
Memory:       capacity_GB x CPS (DRAM, HBM, flash, HDD); the paper's form, while ACT's v2
              code also divides by a yield (``Memory.fab_yield`` gives that)
Job's share:  E x T / (LT x utilization)     (ACT: CF = OP + T/LT x E; utilization 1 there)

EPA (fab energy per area), GPA (gases per area, by abatement), MPA (materials per area), yield,
K_r, CPS and the fab grid intensities come from ``data/act_*.csv`` with their sources. A node
between ACT's rows takes the nearest row (12 nm -> 14 nm); a node outside 3-28 nm takes the
nearest end of the table and says so in ``notes``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from picojoule.carbon.params import (
    LogicNode,
    act_float,
    act_params,
    device_spec,
    fab_intensities,
    logic_nodes,
    storage_figures,
)
from picojoule.errors import Collector, SpecError

SECONDS_PER_YEAR = 365.25 * 86400.0
MAX_DIE_AREA_MM2 = 50_000.0  # beyond a whole 300 mm wafer's usable area: a typo


@dataclass(frozen=True)
class Die:
    area_mm2: float
    node_nm: float
    fab_yield: float | None = None  # None: ACT's default
    fab_location: str | None = None  # None: ACT's default (taiwan)
    abatement_percent: int | None = None  # 95, 97 or 99; None: ACT's default (97)


@dataclass(frozen=True)
class Memory:
    kind: str  # dram | hbm | flash | hdd
    capacity_gb: float
    process: str | None = None  # a row of act_storage.csv; None: the kind's first row
    # None: ACT's paper, E = CPS x capacity; ACT's v2 code divides by its 0.875 fab yield
    fab_yield: float | None = None


@dataclass(frozen=True)
class Hardware:
    """What one device is made of: dies, memories and the number of packaged ICs."""

    name: str
    dies: tuple[Die, ...] = ()
    memories: tuple[Memory, ...] = ()
    packaged_ics: int = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Embodied:
    """Embodied CO2e of one device by component (kg), with the parameters' sources."""

    name: str
    fab_energy_kg: float
    fab_gases_kg: float
    materials_kg: float
    packaging_kg: float
    memory_kg: float
    notes: tuple[str, ...] = field(default=())
    sources: tuple[str, ...] = field(default=())

    @property
    def kg_co2e(self) -> float:
        return (self.fab_energy_kg + self.fab_gases_kg + self.materials_kg + self.packaging_kg
                + self.memory_kg)

    def to_dict(self) -> dict[str, Any]:
        return {"hardware": self.name, "fab_energy_kg_co2e": self.fab_energy_kg,
                "fab_gases_kg_co2e": self.fab_gases_kg, "materials_kg_co2e": self.materials_kg,
                "packaging_kg_co2e": self.packaging_kg, "memory_kg_co2e": self.memory_kg,
                "embodied_kg_co2e_per_device": self.kg_co2e, "notes": list(self.notes),
                "sources": list(self.sources)}


def nearest_node(node_nm: float) -> tuple[LogicNode, str | None]:
    """ACT's row nearest ``node_nm`` on a log scale, and a note when it is outside the table."""
    rows = logic_nodes()
    row = min(rows, key=lambda r: (abs(math.log(r.node_nm / node_nm)), r.node_nm))
    lo, hi = min(r.node_nm for r in rows), max(r.node_nm for r in rows)
    note = None
    if not lo <= node_nm <= hi:
        note = (f"{node_nm:g} nm is outside ACT's table ({lo:g}-{hi:g} nm): the {row.node_nm:g} "
                "nm figures are used, a rough stand-in")
    elif row.node_nm != node_nm:
        note = f"{node_nm:g} nm takes ACT's nearest row, {row.node_nm:g} nm"
    return row, note


def _check(hw: Hardware) -> None:
    c = Collector(f"hardware {hw.name}")
    for i, d in enumerate(hw.dies):
        if not (isinstance(d.area_mm2, int | float) and 0 < d.area_mm2 <= MAX_DIE_AREA_MM2):
            c.add(f"dies[{i}].area_mm2", f"a die area in mm² above 0 and at most "
                                         f"{MAX_DIE_AREA_MM2:,.0f}, got {d.area_mm2!r}")
        if not (isinstance(d.node_nm, int | float) and 1 <= d.node_nm <= 1000):
            c.add(f"dies[{i}].node_nm", f"a node between 1 and 1000 nm, got {d.node_nm!r}")
        if d.fab_yield is not None and not 0 < d.fab_yield <= 1:
            c.add(f"dies[{i}].fab_yield", f"a yield above 0 and at most 1, got {d.fab_yield!r}")
        if d.fab_location is not None and d.fab_location not in fab_intensities():
            c.add(f"dies[{i}].fab_location", f"one of {', '.join(fab_intensities())}, got "
                                             f"{d.fab_location!r}")
        if d.abatement_percent not in (None, 95, 97, 99):
            c.add(f"dies[{i}].abatement_percent", f"95, 97 or 99, got {d.abatement_percent!r}")
    kinds = {f.kind for f in storage_figures()}
    for i, m in enumerate(hw.memories):
        if m.kind not in kinds:
            c.add(f"memories[{i}].kind", f"one of {', '.join(sorted(kinds))}, got {m.kind!r}")
        elif m.process is not None and not any(f.kind == m.kind and f.process == m.process
                                               for f in storage_figures()):
            c.add(f"memories[{i}].process", f"a {m.kind} process of act_storage.csv, got "
                                            f"{m.process!r}")
        if m.fab_yield is not None and not 0 < m.fab_yield <= 1:
            c.add(f"memories[{i}].fab_yield", f"a yield above 0 and at most 1, got "
                                              f"{m.fab_yield!r}")
        if not (isinstance(m.capacity_gb, int | float) and 0 <= m.capacity_gb <= 1e7):
            c.add(f"memories[{i}].capacity_gb", f"a capacity in GB from 0 to 1e7, got "
                                                f"{m.capacity_gb!r}")
    if isinstance(hw.packaged_ics, bool) or not isinstance(hw.packaged_ics, int) or not (
            0 <= hw.packaged_ics <= 10_000):
        c.add("packaged_ics", f"a whole number from 0 to 10,000, got {hw.packaged_ics!r}")
    c.raise_if_any()


def embodied(hw: Hardware) -> Embodied:
    """ACT's embodied CO2e of one device."""
    _check(hw)
    params = act_params()
    energy = gases = materials = 0.0
    notes = list(hw.notes)
    sources = {params["packaging_g_per_ic"].source}
    for d in hw.dies:
        row, note = nearest_node(d.node_nm)
        if note:
            notes.append(note)
        sources.add(row.source)
        fab_yield = d.fab_yield if d.fab_yield is not None else act_float("fab_yield")
        location = d.fab_location or params["fab_location"].value
        ci = fab_intensities()[location]
        sources.add(f"fab grid {location} {ci.g_per_kwh:g} g/kWh ({ci.year}): {ci.source}")
        abatement = d.abatement_percent or int(act_float("abatement_percent"))
        area_cm2 = d.area_mm2 / 100.0
        energy += area_cm2 * ci.g_per_kwh * row.epa_kwh_per_cm2 / fab_yield / 1000.0
        gases += area_cm2 * row.gpa_g_per_cm2(abatement) / fab_yield / 1000.0
        materials += area_cm2 * row.mpa_g_per_cm2 / fab_yield / 1000.0
    memory = 0.0
    for m in hw.memories:
        fig = next(f for f in storage_figures()
                   if f.kind == m.kind and (m.process is None or f.process == m.process))
        memory += m.capacity_gb * fig.g_per_gb / (m.fab_yield or 1.0) / 1000.0
        sources.add(fig.source)
    packaging = hw.packaged_ics * act_float("packaging_g_per_ic") / 1000.0
    return Embodied(hw.name, energy, gases, materials, packaging, memory, tuple(notes),
                    tuple(sorted(sources)))


@dataclass(frozen=True)
class Amortized:
    """A job's share of the embodied CO2e of the devices it ran on."""

    per_device: Embodied
    devices: int
    job_seconds: float
    lifetime_years: float
    utilization: float

    @property
    def share(self) -> float:
        return self.job_seconds / (self.lifetime_years * SECONDS_PER_YEAR * self.utilization)

    @property
    def kg_co2e(self) -> float:
        return self.per_device.kg_co2e * self.devices * self.share

    def to_dict(self) -> dict[str, Any]:
        return {**self.per_device.to_dict(), "devices": self.devices,
                "job_seconds": self.job_seconds, "lifetime_years": self.lifetime_years,
                "utilization": self.utilization, "job_share_of_lifetime": self.share,
                "embodied_kg_co2e": self.kg_co2e}


def amortize(per_device: Embodied, devices: int, job_seconds: float,
             lifetime_years: float | None = None, utilization: float | None = None) -> Amortized:
    """The job's share: E x devices x T / (LT x utilization)."""
    lifetime = lifetime_years if lifetime_years is not None else act_float("lifetime_years")
    util = utilization if utilization is not None else act_float("utilization")
    c = Collector("amortize")
    if not (isinstance(lifetime, int | float) and 0.1 <= lifetime <= 50):
        c.add("lifetime_years", f"a lifetime from 0.1 to 50 years, got {lifetime!r}")
    if not (isinstance(util, int | float) and 0 < util <= 1):
        c.add("utilization", f"a utilization above 0 and at most 1, got {util!r}")
    if not (isinstance(job_seconds, int | float) and job_seconds >= 0):
        c.add("job_seconds", f"a non-negative duration, got {job_seconds!r}")
    if isinstance(devices, bool) or not isinstance(devices, int) or devices < 1:
        c.add("devices", f"a positive whole number, got {devices!r}")
    c.raise_if_any()
    if job_seconds > lifetime * SECONDS_PER_YEAR * util:
        raise SpecError.single("amortize", "job_seconds", "a job shorter than the devices' "
                               f"useful life x utilization ({lifetime:g} years x {util:g})")
    return Amortized(per_device, devices, float(job_seconds), float(lifetime), float(util))


def device_hardware(name: str, where: str = "--device") -> Hardware:
    """A datasheet device of ``devices.csv`` as ACT hardware (no dies if the area is unknown)."""
    spec = device_spec(name, where)
    notes: list[str] = []
    dies: tuple[Die, ...] = ()
    if spec.die_area_mm2 is not None and spec.node_nm is not None:
        dies = (Die(spec.die_area_mm2, spec.node_nm),)
    else:
        notes.append(f"{spec.name}: die area not published, logic die left out")
    memories = (Memory(spec.memory_kind, spec.memory_gb),) if spec.memory_gb else ()
    if spec.memory_kind == "hbm":
        notes.append("HBM at ACT's DRAM per-GB figure: stacking and base dies left out "
                     "(a lower bound)")
    return Hardware(spec.name, dies, memories, spec.packaged_ics or 0, tuple(notes))


def accelerator_hardware(name: str, area_um2: float, node_nm: float,
                         dram_gb: float = 0.0) -> Hardware:
    """A picojoule accelerator from its modelled area and node: one die, one package, and
    optional off-chip DRAM (the arch files do not fix a DRAM capacity)."""
    memories = (Memory("dram", dram_gb),) if dram_gb else ()
    notes = () if dram_gb else ("off-chip DRAM left out (give dram_gb to include it)",)
    return Hardware(name, (Die(area_um2 / 1e6, node_nm),), memories, 1, notes)
