"""YAML in, validated frozen ``Arch`` out; every problem reported at once.

Presets live in ``presets/*.yaml`` beside this file, each figure with its source.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from picojoule.arch.sparse import parse_level_sparse
from picojoule.arch.spec import (
    DATAFLOW_NAMES,
    PSUM_REFILLS,
    SPARSE_ACTIONS,
    SPARSE_FORMATS,
    Arch,
    Compute,
    Fanout,
    StorageLevel,
)
from picojoule.errors import Collector, SpecError
from picojoule.fileio import is_file, load_data, parse_yaml, shown
from picojoule.tech.components import MEMORY_KINDS
from picojoule.tech.scaling import supported_nodes_nm, voltage_range_v
from picojoule.workload.einsum import OPERAND_NAMES

_NUM = (int, float)
MAX_INT = 2**53  # every count stays exact in a float64

# Ranges that make physical sense (inclusive), per field name; see docs/errors.md. Policy
# bounds that catch typos and units slips, wide enough for any real design.
LIMITS: dict[str, tuple[float, float]] = {
    "clock_hz": (1e3, 1e11),  # 1 kHz .. 100 GHz
    "read_bandwidth_bits": (1e-3, 1e12),  # bits per cycle per instance
    "write_bandwidth_bits": (1e-3, 1e12),
    "read_energy_pj": (0.0, 1e7),  # per access: up to 10 uJ
    "write_energy_pj": (0.0, 1e7),
    "mac_energy_pj": (0.0, 1e7),
    "area_um2": (0.0, 1e12),  # up to 1 m^2
    "static_power_mw": (0.0, 1e7),  # up to 10 kW
    "wire_energy_pj_per_bit_mm": (0.0, 1e3),
    "pe_pitch_um": (0.0, 1e5),  # up to 10 cm
    "x": (1, 2**16),  # fan-out per axis
    "y": (1, 2**16),
    "width_bits": (1, 2**20),
    "metadata_bits": (1, 64),
}
MAX_PES = 2**24  # compute instances of a whole design


def _field(c: Collector, data: Mapping[str, Any], key: str, path: str, kind: str,
           required: bool = False, default: Any = None) -> Any:
    """Read one field, checking its type and range; record a problem instead of raising."""
    where = f"{path}.{key}" if path else key
    if key not in data or data[key] is None:
        if required:
            c.add(where, f"required ({kind})")
        return default
    value = data[key]
    if kind in ("positive int", "non-negative int"):
        ok = isinstance(value, int) and not isinstance(value, bool) and (
            value > 0 if kind == "positive int" else value >= 0) and value <= MAX_INT
    elif kind in ("positive number", "non-negative number"):
        ok = isinstance(value, _NUM) and not isinstance(value, bool) and (
            math.isfinite(value) if isinstance(value, float) else abs(value) <= MAX_INT) and (
            value > 0 if kind == "positive number" else value >= 0)
        value = float(value) if ok else value
    elif kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "string":
        ok = isinstance(value, str) and bool(value)
    else:
        raise ValueError(kind)
    if not ok:
        huge = (isinstance(value, float) and not math.isfinite(value)) or (
            isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT)
        c.add(where, f"a {kind}{' (finite, up to 2**53)' if huge else ''}, got {shown(value)}")
        return default
    if key in LIMITS:
        low, high = LIMITS[key]
        if not low <= value <= high:
            c.add(where, f"a value between {low:g} and {high:g}, got {shown(value)}")
            return default
    return value


def _unknown(c: Collector, data: Mapping[str, Any], allowed: set[str], path: str) -> None:
    for key in data:
        if key not in allowed:
            c.add(f"{path}.{key}" if path else str(key),
                  f"a known field ({', '.join(sorted(allowed))})")


def _fanout(c: Collector, data: Any, path: str) -> Fanout:
    if data is None:
        return Fanout()
    if not isinstance(data, Mapping):
        c.add(path, "a mapping with x, y, multicast, reduction, window_multicast, pe_pitch_um, "
                    "psum_refill, im2col")
        return Fanout()
    _unknown(c, data, {"x", "y", "multicast", "reduction", "window_multicast", "pe_pitch_um",
                       "psum_refill", "im2col"}, path)
    refill = _field(c, data, "psum_refill", path, "string", default="single")
    if refill not in PSUM_REFILLS:
        c.add(f"{path}.psum_refill", f"one of {', '.join(PSUM_REFILLS)}, got {refill!r}")
        refill = "single"
    return Fanout(
        x=_field(c, data, "x", path, "positive int", default=1),
        y=_field(c, data, "y", path, "positive int", default=1),
        multicast=_field(c, data, "multicast", path, "bool", default=True),
        reduction=_field(c, data, "reduction", path, "bool", default=True),
        window_multicast=_field(c, data, "window_multicast", path, "bool", default=False),
        pe_pitch_um=_field(c, data, "pe_pitch_um", path, "non-negative number", default=0.0),
        psum_refill=refill,
        im2col=_field(c, data, "im2col", path, "bool", default=False),
    )


_LEVEL_FIELDS = {"name", "kind", "keeps", "width_bits", "capacity_bits", "depth",
                 "read_bandwidth_bits", "write_bandwidth_bits", "fanout", "read_energy_pj",
                 "write_energy_pj", "area_um2", "estimator", "sparse_format", "metadata_bits",
                 "word_bits", "sparse"}


def _level(c: Collector, data: Any, path: str) -> StorageLevel | None:
    if not isinstance(data, Mapping):
        c.add(path, "a mapping describing a storage level")
        return None
    _unknown(c, data, _LEVEL_FIELDS, path)
    name = _field(c, data, "name", path, "string", required=True, default="?")
    kind = _field(c, data, "kind", path, "string", required=True, default="sram")
    if kind not in MEMORY_KINDS:
        c.add(f"{path}.kind", f"one of {', '.join(MEMORY_KINDS)}, got {shown(kind)}")
    keeps_raw = data.get("keeps", list(OPERAND_NAMES))
    if not isinstance(keeps_raw, list) or any(k not in OPERAND_NAMES for k in keeps_raw):
        c.add(f"{path}.keeps", f"a list drawn from {', '.join(OPERAND_NAMES)}, got "
                               f"{shown(keeps_raw)}")
        keeps_raw = []
    width = _field(c, data, "width_bits", path, "positive int", required=True, default=1)
    capacity = _field(c, data, "capacity_bits", path, "positive int")
    depth = _field(c, data, "depth", path, "positive int")
    if depth is not None:
        if capacity is not None:
            c.add(f"{path}.depth", "either depth (entries of width_bits) or capacity_bits")
        capacity = depth * width
    sparse_format = _field(c, data, "sparse_format", path, "string", default="none")
    if sparse_format not in SPARSE_FORMATS:
        c.add(f"{path}.sparse_format", f"one of {', '.join(SPARSE_FORMATS)}, got "
                                       f"{shown(sparse_format)}")
    if capacity is None and kind in ("sram", "regfile"):
        c.add(f"{path}.capacity_bits", f"required for on-chip {kind} (or give depth)")
    return StorageLevel(
        name=name, kind=kind, keeps=frozenset(keeps_raw), width_bits=width,
        capacity_bits=capacity,
        read_bandwidth_bits=_field(c, data, "read_bandwidth_bits", path, "positive number"),
        write_bandwidth_bits=_field(c, data, "write_bandwidth_bits", path, "positive number"),
        fanout=_fanout(c, data.get("fanout"), f"{path}.fanout"),
        read_energy_pj=_field(c, data, "read_energy_pj", path, "non-negative number"),
        write_energy_pj=_field(c, data, "write_energy_pj", path, "non-negative number"),
        area_um2=_field(c, data, "area_um2", path, "non-negative number"),
        estimator=_field(c, data, "estimator", path, "string"),
        sparse_format=sparse_format,
        metadata_bits=_field(c, data, "metadata_bits", path, "positive int", default=4),
        word_bits=_field(c, data, "word_bits", path, "positive int"),
        sparse=parse_level_sparse(c, data.get("sparse"), f"{path}.sparse", OPERAND_NAMES),
    )


_ARCH_FIELDS = {"name", "description", "sources", "clock_hz", "voltage_v", "node_nm",
                "dataflow", "systolic", "wire_energy_pj_per_bit_mm", "static_power_mw",
                "compute", "levels"}
_PRECISIONS = ("int2", "int3", "int4", "int5", "int6", "int7", "int8", "int16", "int32",
               "fp8", "fp16", "bf16", "fp32")


def arch_from_mapping(data: Any, where: str) -> Arch:
    c = Collector(where)
    if not isinstance(data, Mapping):
        raise SpecError.single(where, "", "a mapping with name, levels, compute, clock_hz, ...")
    _unknown(c, data, _ARCH_FIELDS, "")
    levels_raw = data.get("levels")
    levels: list[StorageLevel] = []
    if not isinstance(levels_raw, list) or not levels_raw:
        c.add("levels", "a non-empty list of storage levels, outermost (DRAM) first")
    else:
        for i, raw in enumerate(levels_raw):
            lvl = _level(c, raw, f"levels[{i}]")
            if lvl is not None:
                levels.append(lvl)
    names = [lvl.name for lvl in levels]
    for name in {n for n in names if names.count(n) > 1}:
        c.add("levels", f"unique level names, {name!r} appears twice")
    if levels and levels[0].keeps != frozenset(OPERAND_NAMES):
        c.add("levels[0].keeps", "the outermost level must keep inputs, weights and outputs")
    comp_raw = data.get("compute", {})
    if not isinstance(comp_raw, Mapping):
        c.add("compute", "a mapping with name, precisions, mac_energy_pj, area_um2")
        comp_raw = {}
    _unknown(c, comp_raw, {"name", "precisions", "mac_energy_pj", "area_um2", "estimator",
                           "sparse_action"}, "compute")
    action = _field(c, comp_raw, "sparse_action", "compute", "string", default="none")
    if action not in SPARSE_ACTIONS:
        c.add("compute.sparse_action", f"one of {', '.join(SPARSE_ACTIONS)}, got {shown(action)}")
    precisions = comp_raw.get("precisions", ["int8", "int16"])
    if not isinstance(precisions, list) or any(p not in _PRECISIONS for p in precisions):
        c.add("compute.precisions", f"a list drawn from {', '.join(_PRECISIONS)}")
        precisions = ["int8"]
    compute = Compute(
        name=_field(c, comp_raw, "name", "compute", "string", default="mac"),
        precisions=tuple(precisions),
        mac_energy_pj=_field(c, comp_raw, "mac_energy_pj", "compute", "non-negative number"),
        area_um2=_field(c, comp_raw, "area_um2", "compute", "non-negative number"),
        estimator=_field(c, comp_raw, "estimator", "compute", "string"),
        sparse_action=action,
    )
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        c.add("sources", "a list of strings")
        sources = []
    arch = Arch(
        name=_field(c, data, "name", "", "string", required=True, default="?"),
        levels=tuple(levels), compute=compute,
        clock_hz=_field(c, data, "clock_hz", "", "positive number", required=True, default=1.0),
        voltage_v=_field(c, data, "voltage_v", "", "positive number", required=True,
                         default=1.0),
        node_nm=_field(c, data, "node_nm", "", "positive number", required=True, default=45.0),
        dataflow=_field(c, data, "dataflow", "", "string"),
        systolic=_field(c, data, "systolic", "", "bool", default=False),
        wire_energy_pj_per_bit_mm=_field(c, data, "wire_energy_pj_per_bit_mm", "",
                                         "non-negative number"),
        static_power_mw=_field(c, data, "static_power_mw", "", "non-negative number",
                               default=0.0),
        sources=tuple(sources),
        description=str(data.get("description", "")),
    )
    _check_design(c, arch)
    c.raise_if_any()
    return arch


def _check_design(c: Collector, arch: Arch) -> None:
    """Ranges that depend on several fields: dataflow name, node and voltage, array size."""
    if arch.dataflow is not None and arch.dataflow not in DATAFLOW_NAMES:
        c.add("dataflow", f"one of {', '.join(DATAFLOW_NAMES)}, got {shown(arch.dataflow)}")
    low, high = supported_nodes_nm()
    if not low <= arch.node_nm <= high:
        c.add("node_nm", f"a node between {low:g} and {high:g} nm (the range of the "
                         f"technology scaling data), got {arch.node_nm:g}")
    else:
        v_low, v_high = voltage_range_v(arch.node_nm)
        if not v_low <= arch.voltage_v <= v_high:
            c.add("voltage_v", f"a supply between {v_low:g} and {v_high:g} V at "
                               f"{arch.node_nm:g} nm, got {arch.voltage_v:g}")
    pes = math.prod(lvl.fanout.size for lvl in arch.levels)
    if pes > MAX_PES:
        c.add("levels", f"at most {MAX_PES:,} compute instances (the product of every "
                        f"fan-out), got {pes:,}")


def load_arch_file(path: str | Path) -> Arch:
    return arch_from_mapping(load_data(path, "architecture file"), str(path))


def preset_names() -> list[str]:
    folder = resources.files("picojoule.arch").joinpath("presets")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_preset(name: str) -> Arch:
    if name not in preset_names():
        raise SpecError.single("--arch", "", f"a preset ({', '.join(preset_names())}) or an "
                                             f"architecture YAML file, got {shown(name)}")
    text = resources.files("picojoule.arch").joinpath(f"presets/{name}.yaml").read_text()
    return arch_from_mapping(parse_yaml(text, f"preset {name}"), f"preset {name}")


def load_arch(spec: str | Path) -> Arch:
    """A preset name or a path to an architecture YAML file."""
    text = str(spec)
    if text.endswith((".yaml", ".yml")) or is_file(text):
        return load_arch_file(text)
    return load_preset(text)


def load_base_data(spec: str, where: str) -> dict[str, Any]:
    """The YAML form (a plain dict) of a preset or an architecture file, for tools that edit
    an architecture as data before validating it (design-space exploration)."""
    text = str(spec)
    if text.endswith((".yaml", ".yml")) or is_file(text):
        data = load_data(text, "architecture file")
    elif text in preset_names():
        data = parse_yaml(resources.files("picojoule.arch").joinpath(
            f"presets/{text}.yaml").read_text(), f"preset {text}")
    else:
        raise SpecError.single(where, "base", f"a preset ({', '.join(preset_names())}) or an "
                                              f"architecture YAML file, got {text!r:.80}")
    if not isinstance(data, dict):
        raise SpecError.single(where, "base", f"an architecture mapping in {text!r:.80}")
    return data
