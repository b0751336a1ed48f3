"""Built-in estimators, each resting on sourced figures in ``data/energy.csv``.

Each states its accuracy and its rank (lower is more accurate); the registry asks them in
rank order and takes the first that supports a component. Scaling from the figure's node and
voltage to the target follows ``scaling``; off-chip memory and links are not node-scaled.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import ClassVar

from picojoule.tech.components import (
    OFFCHIP_KINDS,
    Component,
    Estimate,
    Link,
    Mac,
    Memory,
    Tech,
    Wire,
)
from picojoule.tech.scaling import area_scale, energy_scale

# Figures published without a voltage are taken at these (stated assumptions, not data):
ASSUMED_65NM_V = 1.0  # Eyeriss was measured at 1.0 V in 65 nm (JSSC 2017)
ASSUMED_14NM_V = 0.8  # a typical 14 nm supply (Stillmaker-Baas table voltages)


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    node_nm: float | None
    voltage_v: float | None
    source: str


@cache
def figures() -> dict[str, Figure]:
    """The sourced figures, keyed like ``horowitz.int8_mult``."""
    text = resources.files("picojoule.tech").joinpath("data/energy.csv").read_text()
    out = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["key"]] = Figure(float(row["value"]), row["unit"],
                                 float(row["node_nm"]) if row["node_nm"] else None,
                                 float(row["voltage_v"]) if row["voltage_v"] else None,
                                 f"{row['source']} [{row['status']}]")
    return out


def _power_law(x: float, x0: float, y0: float, x1: float, y1: float) -> float:
    """y through (x0, y0) and (x1, y1) on a log-log line, evaluated at x."""
    k = math.log(y1 / y0) / math.log(x1 / x0)
    return y0 * (x / x0) ** k


def _scaled(fig: Figure, tech: Tech) -> float:
    if fig.node_nm is None:
        return fig.value
    return fig.value * energy_scale(fig.node_nm, fig.voltage_v, tech.node_nm, tech.voltage_v)


class AccelergyReference:
    """Accelergy/Timeloop reference values (65 nm) for on-chip SRAM, register files and MACs,
    extended by hwcomponents' CACTI-fitted rules: energy ∝ depth^0.78 and (0.7·w + 0.3)."""

    name = "accelergy-reference"
    rank = 10
    accuracy = "tool reference values (T); within the anchors' range it reproduces Timeloop ERTs"

    def supports(self, component: Component) -> bool:
        if isinstance(component, Mac):
            return component.number == "int" and 2 <= component.bits <= 32
        return isinstance(component, Memory) and component.kind in ("sram", "regfile") \
            and component.capacity_bits is not None

    def estimate(self, component: Component, tech: Tech) -> Estimate:
        f = figures()
        if isinstance(component, Mac):
            # Split the 8b-mult/16b-add MAC like Horowitz's 0.2 : 0.05 and scale each part.
            total = f["accelergy.mac_8b_16b_energy"]
            mult = total.value * 0.2 / 0.25 * (component.bits / 8) ** 2
            add = total.value * 0.05 / 0.25 * component.acc_bits / 16
            energy = (mult + add) * energy_scale(65, ASSUMED_65NM_V, tech.node_nm, tech.voltage_v)
            area = f["accelergy.mac_8b_16b_area"].value * (component.bits / 8) ** 2
            return Estimate({"mac": energy}, area * area_scale(65, tech.node_nm),
                            f"{total.source}; mult ∝ bits², add ∝ bits", self.name)
        if not isinstance(component, Memory) or component.capacity_bits is None:
            raise TypeError(component)
        depth = max(1.0, component.capacity_bits / component.width_bits)
        anchors = [("spad_12x16", 12, 16), ("spad_192x16", 192, 16), ("glb_16384x64", 16384, 64)]
        key, a_depth, a_width = min(anchors, key=lambda a: abs(math.log(depth / a[1])))
        k = f["accelergy.depth_energy_exponent"].value
        fixed = f["accelergy.width_energy_fixed_fraction"].value
        w_scale = component.width_bits / a_width
        e_scale = ((1 - fixed) * w_scale + fixed) * (depth / a_depth) ** k
        e_node = energy_scale(65, ASSUMED_65NM_V, tech.node_nm, tech.voltage_v)
        read = f[f"accelergy.{key}_read"]
        write = f[f"accelergy.{key}_write"]
        area = f[f"accelergy.{key}_area"].value * w_scale * depth / a_depth
        return Estimate({"read": read.value * e_scale * e_node,
                         "write": write.value * e_scale * e_node},
                        area * area_scale(65, tech.node_nm),
                        f"{read.source}; depth^{k} width (0.7w+0.3) scaling", self.name)


class HorowitzTable:
    """Horowitz ISSCC 2014 (45 nm, 0.9 V): arithmetic by width (power laws through the int8 and
    int32 / fp16 and fp32 anchors) and cache-like SRAM by capacity (log-log between 8 KB, 32 KB
    and 1 MB; sqrt(capacity) below 8 KB), per 64-bit access scaled linearly in width."""

    name = "horowitz-45nm"
    rank = 20
    accuracy = "transcribed figures (S); caches include tags, so SRAM reads run high (~2x)"

    def supports(self, component: Component) -> bool:
        if isinstance(component, Mac):
            return 2 <= component.bits <= 32
        return isinstance(component, Memory) and (
            (component.kind in ("sram", "regfile") and component.capacity_bits is not None)
            or component.kind == "dram")

    def estimate(self, component: Component, tech: Tech) -> Estimate:
        f = figures()
        if isinstance(component, Mac):
            if component.number == "int":
                mult = _power_law(component.bits, 8, f["horowitz.int8_mult"].value,
                                  32, f["horowitz.int32_mult"].value)
                add = _power_law(component.acc_bits, 8, f["horowitz.int8_add"].value,
                                 32, f["horowitz.int32_add"].value)
            else:  # fp: multiplier ∝ mantissa (fp16: 11 b, fp32: 24 b), adder by width
                mantissa = {8: 4, 16: 11, 32: 24}.get(component.bits, component.bits // 2)
                mult = _power_law(mantissa, 11, f["horowitz.fp16_mult"].value,
                                  24, f["horowitz.fp32_mult"].value)
                add = _power_law(component.acc_bits, 16, f["horowitz.fp16_add"].value,
                                 32, f["horowitz.fp32_add"].value)
            ref = f["horowitz.int8_mult"]
            scale = energy_scale(45, ref.voltage_v, tech.node_nm, tech.voltage_v)
            return Estimate({"mac": (mult + add) * scale}, 0.0,
                            f"{ref.source}; power law between anchors [D]", self.name)
        if not isinstance(component, Memory):
            raise TypeError(component)
        if component.kind == "dram":
            fig = f["horowitz.dram_64b"]
            per_access = fig.value * component.width_bits / 64
            return Estimate({"read": per_access, "write": per_access}, 0.0, fig.source, self.name)
        cap_kb = (component.capacity_bits or 0) / 8 / 1024
        e8, e32, e1m = (f[k].value for k in ("horowitz.sram_8KB_64b", "horowitz.sram_32KB_64b",
                                             "horowitz.sram_1MB_64b"))
        if cap_kb <= 8:
            e64 = e8 * math.sqrt(cap_kb / 8)
        elif cap_kb <= 32:
            e64 = _power_law(cap_kb, 8, e8, 32, e32)
        else:
            e64 = _power_law(cap_kb, 32, e32, 1024, e1m)
        fig = f["horowitz.sram_8KB_64b"]
        energy = e64 * component.width_bits / 64 * energy_scale(45, fig.voltage_v, tech.node_nm,
                                                                 tech.voltage_v)
        return Estimate({"read": energy, "write": energy}, 0.0,
                        f"{fig.source}; log-log in capacity [D]", self.name)


class DallyPerBit:
    """Dally's per-bit figures (14 nm): SRAM 50 + 0.022·sqrt(bits) fJ/bit, wire 100 fJ/bit-mm
    (not node-scaled: communication energy stays roughly constant), HBM 5 pJ/bit."""

    name = "dally-per-bit"
    rank = 30
    accuracy = "keynote round figures (S); order-of-magnitude"

    def supports(self, component: Component) -> bool:
        return isinstance(component, Wire) or (isinstance(component, Memory) and (
            component.kind in ("sram", "regfile", "hbm") and
            (component.kind == "hbm" or component.capacity_bits is not None)))

    def estimate(self, component: Component, tech: Tech) -> Estimate:
        f = figures()
        if isinstance(component, Wire):
            fig = f["dally.wire_per_bit_mm"]
            return Estimate({"bit_mm": fig.value / 1000}, 0.0, fig.source, self.name)
        if not isinstance(component, Memory):
            raise TypeError(component)
        if component.kind == "hbm":
            fig = f["dally.hbm_per_bit"]
            e = fig.value * component.width_bits
            return Estimate({"read": e, "write": e}, 0.0, fig.source, self.name)
        base, coeff = f["dally.sram_base_per_bit"], f["dally.sram_sqrt_coeff_per_bit"]
        fj_per_bit = base.value + coeff.value * math.sqrt(component.capacity_bits or 0)
        scale = energy_scale(14, ASSUMED_14NM_V, tech.node_nm, tech.voltage_v)
        e = fj_per_bit / 1000 * component.width_bits * scale
        return Estimate({"read": e, "write": e}, 0.0, base.source, self.name)


class OffChipTable:
    """Off-chip memory by type (pJ/bit: Accelergy's CACTI plug-in table and datasheets) and
    chip-to-chip links (pJ/bit). Neither is node-scaled: I/O and DRAM arrays are their own
    processes."""

    name = "offchip-table"
    rank = 5
    accuracy = "per-type averages (T/P/S); access patterns can move DRAM energy ±50%"
    _dram: ClassVar[dict[str, str]] = {
             "lpddr4": "dram.lpddr4_per_bit", "lpddr": "dram.lpddr_per_bit",
             "ddr3": "dram.ddr3_per_bit", "ddr4": "dram.ddr4_per_bit",
             "hbm2": "dram.hbm2_per_bit", "hbm2e": "dram.hbm2e_per_bit",
             "hbm3": "dram.hbm3_per_bit", "hbm4": "dram.hbm4_per_bit",
             "gddr6": "dram.gddr6_per_bit"}
    _link: ClassVar[dict[str, str]] = {
             "ucie-2d": "link.ucie_2d_per_bit", "ucie-2.5d": "link.ucie_25d_per_bit",
             "grs-package": "link.grs_package_per_bit", "nvlink-c2c": "link.nvlink_c2c_per_bit",
             "serdes-112g": "link.serdes_112g_per_bit"}

    def supports(self, component: Component) -> bool:
        if isinstance(component, Link):
            return component.kind in self._link
        return isinstance(component, Memory) and component.kind in self._dram

    def estimate(self, component: Component, tech: Tech) -> Estimate:
        f = figures()
        if isinstance(component, Link):
            fig = f[self._link[component.kind]]
            return Estimate({"bit": fig.value}, 0.0, fig.source, self.name)
        if not isinstance(component, Memory) or component.kind not in OFFCHIP_KINDS:
            raise TypeError(component)
        fig = f[self._dram[component.kind]]
        e = fig.value * component.width_bits
        return Estimate({"read": e, "write": e}, 0.0, fig.source, self.name)




class EyerissNormalized:
    """Eyeriss's normalized costs (65 nm, 16 b; Chen, Emer, Sze ISCA 2016 Table IV): RF 1x,
    inter-PE 2x, GLB 6x, DRAM 200x one MAC. The unit MAC is Horowitz's 16-bit MAC scaled to
    the target. Ranked last: ask for it by name (``estimator: eyeriss-normalized``) to
    reproduce dataflow comparisons made on these terms."""

    name = "eyeriss-normalized"
    rank = 90
    accuracy = "relative costs (T/S); only the ratios are claimed"
    _relative: ClassVar[dict[str, str]] = {
                 "regfile": "eyeriss.rf_relative", "sram": "eyeriss.glb_relative",
                 "dram": "eyeriss.dram_relative", "lpddr4": "eyeriss.dram_relative"}

    def supports(self, component: Component) -> bool:
        return isinstance(component, Mac) or (
            isinstance(component, Memory) and component.kind in self._relative)

    def _unit_pj(self, tech: Tech) -> float:
        return HorowitzTable().estimate(Mac(16, 16), tech).action("mac")

    def estimate(self, component: Component, tech: Tech) -> Estimate:
        f = figures()
        unit = self._unit_pj(tech)
        if isinstance(component, Mac):
            return Estimate({"mac": unit}, 0.0, f["eyeriss.rf_relative"].source, self.name)
        if not isinstance(component, Memory):
            raise TypeError(component)
        fig = f[self._relative[component.kind]]
        e = fig.value * unit * component.width_bits / 16
        return Estimate({"read": e, "write": e}, 0.0, fig.source, self.name)


BUILTIN_ESTIMATORS = (OffChipTable(), AccelergyReference(), HorowitzTable(), DallyPerBit(),
                      EyerissNormalized())
