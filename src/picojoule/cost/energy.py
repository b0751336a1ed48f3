"""Per-action energies and areas of one architecture for one layer's precisions.

Resolved once (estimators are not on the hot path) and then shared by every mapping the cost
model evaluates. Overrides written in the architecture win over every estimator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from picojoule.arch.spec import Arch, StorageLevel
from picojoule.tech.components import Mac, Memory, Tech, Wire
from picojoule.tech.registry import Registry
from picojoule.workload.einsum import Layer


@dataclass(frozen=True)
class LevelEnergy:
    name: str
    read_pj: float  # per access of width_bits
    write_pj: float
    width_bits: int
    area_um2: float  # per instance
    source: str


@dataclass(frozen=True)
class EnergyModel:
    levels: tuple[LevelEnergy, ...]
    mac_pj: float
    mac_area_um2: float
    mac_source: str
    wire_pj_per_bit_mm: float
    wire_source: str

    def area_um2(self, arch: Arch) -> float:
        """Area of the whole design: every level instance and every MAC."""
        area = sum(n * lv.area_um2 for n, lv in zip(arch.instances, self.levels, strict=True))
        return area + arch.compute_instances * self.mac_area_um2

    def scaled(self, factor: float) -> EnergyModel:
        """Every per-action energy times ``factor`` (energy is linear in them)."""
        return replace(self, levels=tuple(replace(lv, read_pj=lv.read_pj * factor,
                                                  write_pj=lv.write_pj * factor)
                                          for lv in self.levels),
                       mac_pj=self.mac_pj * factor,
                       wire_pj_per_bit_mm=self.wire_pj_per_bit_mm * factor)


def mac_component(arch: Arch, layer: Layer) -> Mac:
    bits = max(layer.operand("inputs").bits, layer.operand("weights").bits)
    is_fp = all(p.startswith(("fp", "bf")) for p in arch.compute.precisions)
    return Mac(bits=bits, acc_bits=layer.output.partial_bits, number="fp" if is_fp else "int")


def level_energy(arch: Arch, level: StorageLevel, registry: Registry) -> LevelEnergy:
    """One storage level's access energies and area: the architecture file's figures where
    it states them, the registry's estimate otherwise."""
    read, write, area = level.read_energy_pj, level.write_energy_pj, level.area_um2
    source = "architecture file"
    if read is None or write is None or area is None:
        est = registry.estimate(Memory(level.kind, level.width_bits, level.capacity_bits),
                                Tech(arch.node_nm, arch.voltage_v), prefer=level.estimator)
        read = est.action("read") if read is None else read
        write = est.action("write") if write is None else write
        area = est.area_um2 if area is None else area
        source = f"{est.estimator}: {est.source}"
    return LevelEnergy(level.name, read, write, level.width_bits, area, source)


def energy_model(arch: Arch, layer: Layer, registry: Registry | None = None) -> EnergyModel:
    """Every per-action energy of ``arch`` for ``layer``'s precisions, priced by ``registry``
    (a ``Context`` passes its own; None: ``Registry.default()``, whose plug-ins are loaded
    once per process)."""
    registry = registry if registry is not None else Registry.default()
    tech = Tech(arch.node_nm, arch.voltage_v)
    levels = [level_energy(arch, lvl, registry) for lvl in arch.levels]
    mac_pj, mac_area = arch.compute.mac_energy_pj, arch.compute.area_um2
    mac_source = "architecture file"
    if mac_pj is None or mac_area is None:
        est = registry.estimate(mac_component(arch, layer), tech, prefer=arch.compute.estimator)
        mac_pj = est.action("mac") if mac_pj is None else mac_pj
        mac_area = est.area_um2 if mac_area is None else mac_area
        mac_source = f"{est.estimator}: {est.source}"
    wire, wire_source = arch.wire_energy_pj_per_bit_mm, "architecture file"
    if wire is None:
        est = registry.estimate(Wire(), tech)
        wire, wire_source = est.action("bit_mm"), f"{est.estimator}: {est.source}"
    return EnergyModel(tuple(levels), mac_pj, mac_area, mac_source, wire, wire_source)
