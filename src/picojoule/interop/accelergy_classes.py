"""Accelergy component classes picojoule knows, and their actions priced without an ERT.

An Accelergy architecture names a class per component (``smartbuffer_SRAM``, ``regfile``,
``intmac``, ``DRAM`` ...) with attributes (``width``, ``depth``, ``datawidth``,
``technology``, ``multiplier_width`` ...); Accelergy turns them into per-action energies (the
ERT) through its plug-ins. Without an ERT, picojoule maps each class to the component its
estimator registry prices (``data/accelergy_classes.csv``: a memory kind, or a MAC) and asks
the registry, most accurate estimator first; every estimate names the estimator and the
figure it rests on. A class outside the table is an error that lists the known ones.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from picojoule.tech.components import Mac, Memory, Tech
from picojoule.tech.registry import Registry

DRAM_TYPES = ("lpddr4", "ddr3", "ddr4", "hbm2", "gddr6")


@dataclass(frozen=True)
class ComponentClass:
    """One Accelergy class: a storage kind picojoule prices, or a compute (int/fp) MAC."""

    name: str
    role: str  # storage | compute
    kind: str  # sram, regfile, dram or dummy (storage)
    number: str  # int or fp (compute)
    meaning: str


@cache
def known_classes() -> dict[str, ComponentClass]:
    """The classes of ``data/accelergy_classes.csv`` by lower-case name."""
    text = resources.files("picojoule.interop").joinpath("data/accelergy_classes.csv") \
        .read_text()
    return {row["class"].lower(): ComponentClass(row["class"], row["role"], row["kind"],
                                                 row["number"], row["meaning"])
            for row in csv.DictReader(text.splitlines())}


def known_names() -> str:
    return ", ".join(c.name for c in known_classes().values())


def resolve(cls: str, subclass: str = "") -> ComponentClass | None:
    """The known class of a component: its ``subclass`` when that is known (``class:
    storage, subclass: smartbuffer_RF``), else its ``class``; None when neither is."""
    table = known_classes()
    for name in (subclass, cls):
        if name and name.lower() in table:
            return table[name.lower()]
    return None


def storage_kind(info: ComponentClass | None, cls: str, dram_type: str) -> str:
    """The picojoule level kind: DRAM by its ``type``, else the class's kind; an unknown
    class falls back on its name (``*RF*``/``*reg*``: a register file, else SRAM), which
    only an ERT may price."""
    kind = info.kind if info is not None else (
        "regfile" if "rf" in cls.lower() or "reg" in cls.lower() else "sram")
    if kind == "dram":
        return dram_type.lower() if dram_type.lower() in DRAM_TYPES else "dram"
    return kind


@dataclass(frozen=True)
class ComponentEstimate:
    """Per-action energies (pJ) and area of one component, and what they rest on."""

    component: str
    cls: str
    energy_pj: dict[str, float]
    area_um2: float
    source: str

    def line(self) -> str:
        acts = ", ".join(f"{a} {e:.4g} pJ" for a, e in self.energy_pj.items())
        return f"{self.component} ({self.cls}): {acts}; {self.source}"


def estimate_storage(component: str, cls: str, kind: str, width_bits: int,
                     capacity_bits: int | None, tech: Tech,
                     registry: Registry) -> ComponentEstimate:
    """Read and write (= update) energy per access of ``width_bits``, and area."""
    if kind == "dummy":
        return ComponentEstimate(component, cls, {"read": 0.0, "write": 0.0}, 0.0,
                                 "dummy_storage: no energy, as Accelergy's dummy table")
    est = registry.estimate(Memory(kind, width_bits, capacity_bits), tech)
    return ComponentEstimate(component, cls, {"read": est.action("read"),
                                              "write": est.action("write")},
                             est.area_um2, f"{est.estimator}: {est.source}")


def estimate_mac(component: str, cls: str, number: str, bits: int, acc_bits: int,
                 tech: Tech, registry: Registry) -> ComponentEstimate:
    """The ``compute`` action of a ``bits``-wide MAC into an ``acc_bits`` adder, and area."""
    est = registry.estimate(Mac(bits, acc_bits, "fp" if number == "fp" else "int"), tech)
    return ComponentEstimate(component, cls, {"compute": est.action("mac")}, est.area_um2,
                             f"{est.estimator}: {est.source}")
