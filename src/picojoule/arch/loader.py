"""YAML in, validated frozen ``Arch`` out; every problem reported at once.

Presets live in ``presets/*.yaml`` beside this file, each figure with its source.
"""

from __future__ import annotations

import math
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from picojoule.arch.sparse import LevelSparse, parse_level_sparse
from picojoule.arch.spec import Arch, Bits, StorageLevel
from picojoule.decode import decode, decode_dataclass
from picojoule.errors import Collector, SpecError
from picojoule.fileio import is_file, load_data, parse_yaml, shown
from picojoule.tech.scaling import supported_nodes_nm, voltage_range_v
from picojoule.workload.einsum import OPERAND_NAMES

MAX_PES = 2**24  # compute instances of a whole design


def _file_form(tp: Any, value: Any, where: str, field: str) -> Any:
    """The two shorthands of the arch file the dataclasses do not spell: a level's ``depth``
    (entries of ``width_bits``, instead of ``capacity_bits``) and a level's ``sparse`` entry
    (operands as keys, rank-format aliases; ``picojoule.arch.sparse``)."""
    if tp is LevelSparse:
        c = Collector(where)
        got = parse_level_sparse(c, value, field, OPERAND_NAMES)
        c.raise_if_any()
        return got
    if tp is not StorageLevel or not isinstance(value, dict):
        return NotImplemented
    c = Collector(where)
    rest = {k: v for k, v in value.items() if k != "depth"}
    depth = level = None
    if value.get("depth") is not None:
        try:
            depth = decode(Bits, value["depth"], where, f"{field}.depth", _file_form)
        except SpecError as exc:
            c.extend(exc.problems)
        if rest.get("capacity_bits") is not None:
            c.add(f"{field}.depth", "either depth (entries of width_bits) or capacity_bits")
    try:
        level = decode_dataclass(StorageLevel, rest, where, field, _file_form, also=("depth",))
    except SpecError as exc:
        c.extend(exc.problems)
    if (level is not None and level.capacity_bits is None and value.get("depth") is None
            and level.kind in ("sram", "regfile")):
        c.add(f"{field}.capacity_bits", f"required for on-chip {level.kind} (or give depth)")
    c.raise_if_any()
    if level is None or depth is None:
        return level
    return replace(level, capacity_bits=depth * level.width_bits)


def arch_from_mapping(data: Any, where: str) -> Arch:
    """A validated ``Arch`` from the parsed YAML of an architecture file."""
    if not isinstance(data, dict):
        raise SpecError.single(where, "", "a mapping with name, levels, compute, clock_hz, ...")
    arch = decode_dataclass(Arch, data, where, "", _file_form)
    c = Collector(where)
    _check_design(c, arch)
    c.raise_if_any()
    return arch


def _check_design(c: Collector, arch: Arch) -> None:
    """Rules over several fields: unique level names, what the outermost level keeps, the
    node and its voltage, the array size."""
    names = [lvl.name for lvl in arch.levels]
    for name in sorted({n for n in names if names.count(n) > 1}):
        c.add("levels", f"unique level names, {name!r} appears twice")
    if arch.levels[0].keeps != frozenset(OPERAND_NAMES):
        c.add("levels[0].keeps", "the outermost level must keep inputs, weights and outputs")
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
