"""Small architectures for mapper tests (a uniquely named module: no conftest clash)."""

from __future__ import annotations

from typing import Any

from picojoule.arch import Arch, arch_from_mapping


def small_arch(buf_bits: int = 4096, reg_bits: int = 64, x: int = 4, y: int = 4,
               systolic: bool = False, **extra: Any) -> Arch:
    """DRAM -> buffer (fan-out x by y) -> per-PE register; unit-ish energies."""
    return arch_from_mapping({
        "name": "small", "clock_hz": 1e9, "voltage_v": 0.9, "node_nm": 45,
        "systolic": systolic, **extra,
        "compute": {"precisions": ["int8"], "mac_energy_pj": 0.2, "area_um2": 1.0},
        "wire_energy_pj_per_bit_mm": 0.0,
        "levels": [
            {"name": "DRAM", "kind": "dram", "width_bits": 8, "read_energy_pj": 100.0,
             "write_energy_pj": 100.0, "area_um2": 0.0},
            {"name": "buf", "kind": "sram", "width_bits": 8, "capacity_bits": buf_bits,
             "read_energy_pj": 5.0, "write_energy_pj": 5.0, "area_um2": 0.0,
             "fanout": {"x": x, "y": y}},
            {"name": "reg", "kind": "regfile", "width_bits": 8, "capacity_bits": reg_bits,
             "read_energy_pj": 0.5, "write_energy_pj": 0.5, "area_um2": 0.0},
        ],
    }, "test arch")
