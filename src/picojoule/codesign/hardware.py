"""The hardware side of precision: one datapath at INT8 and at per-vector scaled INT4.

``keller_check`` costs one benchmarking layer on an architecture twice — INT8 weights and
activations, and INT4 with VS-Quant per-vector scales (M-bit scale per V weights: the scale
storage and the extra multiply per vector counted as in ``picojoule.codesign.cost``) — and
compares the ratio of operations per joule with the measured one of Keller et al.
(VLSI 2022 / ISSCC 2024 course: 95.6 TOPS/W for INT4-VSQ vs 39.1 TOPS/W for INT8 on the same
5 nm datapath at 0.46 V, both with 50 % non-zero inputs; figures in
``data/precision_reference.csv`` with their source).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from picojoule.analysis import analyze
from picojoule.arch.spec import Arch
from picojoule.codesign.config import LayerChoice
from picojoule.codesign.cost import DEFAULT_OPTIONS, arch_variant, vsq_overhead_pj
from picojoule.mapper.search import SearchOptions
from picojoule.workload.einsum import Layer
from picojoule.workload.network import Network, Node

__all__ = ["VSQ4", "PrecisionCheck", "keller_check", "reference_figures"]

#: INT4 weights and activations, a 4-bit scale per 16 weights (VS-Quant V=16, M=4)
VSQ4 = LayerChoice(4, 4, "per_vector", vector_size=16, scale_bits=4)


def reference_figures() -> dict[str, tuple[float, str]]:
    """``quantity -> (value, source)`` from ``data/precision_reference.csv``."""
    text = resources.files("picojoule.codesign").joinpath(
        "data/precision_reference.csv").read_text()
    return {row["quantity"]: (float(row["value"]), f"{row['source']} [{row['note']}]")
            for row in csv.DictReader(text.splitlines())}


@dataclass(frozen=True)
class PrecisionCheck:
    arch: str
    layer: str
    int8_pj_per_mac: float
    int4_vsq_pj_per_mac: float
    vsq_overhead_pj_per_mac: float
    measured_ratio: float  # Keller: TOPS/W of INT4-VSQ over INT8
    int8_core_pj_per_mac: float  # without the off-chip level and static energy
    int4_vsq_core_pj_per_mac: float

    @property
    def core_ratio(self) -> float:
        """The ratio on the chip alone (Keller's figure is a PE array's, no DRAM)."""
        return self.int8_core_pj_per_mac / self.int4_vsq_core_pj_per_mac

    @property
    def model_ratio(self) -> float:
        return self.int8_pj_per_mac / self.int4_vsq_pj_per_mac

    def row(self) -> str:
        return (f"{self.arch:<12} {self.layer:<34} INT8 {self.int8_pj_per_mac:7.3f} pJ/MAC  "
                f"INT4-VSQ {self.int4_vsq_pj_per_mac:7.3f} pJ/MAC (scales "
                f"{self.vsq_overhead_pj_per_mac:.3f})  ratio {self.model_ratio:.2f}x, on chip "
                f"{self.core_ratio:.2f}x (Keller measured {self.measured_ratio:.2f}x)")


def keller_check(arch: Arch, layer: Layer, input_density: float = 0.5,
                 choice: LayerChoice | None = None,
                 options: SearchOptions = DEFAULT_OPTIONS,
                 cache_dir: str | Path | None = None) -> PrecisionCheck:
    """INT8 vs INT4-VSQ energy per MAC of ``layer`` on ``arch`` (a MAC datapath that
    supports both), inputs at ``input_density`` non-zeros as in Keller's measurement."""
    choice = choice or VSQ4
    figs = reference_figures()
    measured = figs["keller_int4_vsq_efficiency"][0] / figs["keller_int8_efficiency"][0]
    per_mac, core = {}, {}
    overhead = 0.0
    for bits in (8, 4):
        sized = layer.with_bits(inputs=bits, weights=bits).with_density(inputs=input_density)
        variant = arch_variant(arch, choice, bits)
        result = analyze(Network("keller-check", (Node(sized),)), variant, options,
                         cache_dir=cache_dir)
        stats = result.layers[0].stats
        if stats is None:
            raise ValueError(f"{layer.name} does not map on {arch.name}")
        extra = 0.0
        if bits == 4:
            extra = vsq_overhead_pj(stats, variant, choice, 4, sized.output.partial_bits)
            overhead = extra / stats.macs
        per_mac[bits] = (stats.energy_pj + extra) / stats.macs
        offchip = stats.level_energy_pj(arch.levels[0].name) + stats.static_energy_pj
        core[bits] = (stats.energy_pj + extra - offchip) / stats.macs
    return PrecisionCheck(arch.name, layer.to_text(), per_mac[8], per_mac[4], overhead,
                          measured, core[8], core[4])
