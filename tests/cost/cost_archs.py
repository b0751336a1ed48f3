"""Small architectures for hand-derived tests."""

from __future__ import annotations

from typing import Any

from picojoule.arch import Arch, arch_from_mapping


def build_arch(*levels: dict[str, Any], name: str = "test") -> Arch:
    """A small architecture with unit energies (1 pJ per access of one 8-bit word)."""
    return arch_from_mapping({
        "name": name, "clock_hz": 1e9, "voltage_v": 0.9, "node_nm": 45,
        "compute": {"precisions": ["int8"], "mac_energy_pj": 1.0, "area_um2": 1.0},
        "wire_energy_pj_per_bit_mm": 0.0,
        "levels": [{"width_bits": 8, "read_energy_pj": 1.0, "write_energy_pj": 1.0,
                    "area_um2": 0.0, **lv} for lv in levels],
    }, "test arch")
