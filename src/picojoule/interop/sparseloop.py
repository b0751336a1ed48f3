"""Sparseloop designs (Timeloop v0.4 with sparse features) read as picojoule inputs.

On top of ``timeloop_arch``/``timeloop_problem``: a component's ``sparse_optimizations``
(``representation_format.data_spaces[].ranks[].format`` and ``action_optimization[]`` with
``type: gating|skipping``, ``options[].target`` and ``condition_on``) become the level's
``sparse`` entry (``picojoule.arch.sparse``) with metadata word and access widths from the
``metadata_datawidth`` / ``metadata_storage_width`` attributes and metadata energies from the
ERT's ``metadata_read`` / ``metadata_write``; the problem's ``instance.densities`` become the
operands' densities (``fixed_structured``). Problems whose data spaces are not called
Inputs/Weights/Outputs (Sparseloop's ``A``, ``B``, ``Z``) are renamed by role: the read-write
space is Outputs, the others Inputs then Weights, in file order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from picojoule.arch.loader import arch_from_mapping
from picojoule.errors import Collector, SpecError
from picojoule.fileio import read_text
from picojoule.interop.timeloop_arch import (
    OPERANDS,
    TimeloopDesign,
    design_extras,
    timeloop_arch_data,
)
from picojoule.interop.timeloop_problem import layer_from_timeloop, mapping_from_timeloop
from picojoule.interop.timeloop_yaml import load_timeloop_yaml
from picojoule.mapping.spec import Mapping
from picojoule.workload.density import parse_density, with_models
from picojoule.workload.einsum import Layer

_KINDS = {"gating": "gate", "skipping": "skip"}


def rename_of(problem: Any) -> dict[str, str]:
    """Timeloop data-space name -> Inputs / Weights / Outputs."""
    spaces = ((problem or {}).get("problem") or {}).get("shape", {}).get("data_spaces") or []
    names = [str(s.get("name")) for s in spaces]
    if all(n in OPERANDS for n in names):
        return {n: n for n in names}
    out: dict[str, str] = {}
    rest = iter(("Inputs", "Weights"))
    for s in spaces:
        out[str(s.get("name"))] = "Outputs" if s.get("read_write") else next(rest, "?")
    return out


def renamed(data: Any, names: dict[str, str]) -> Any:
    if isinstance(data, dict):
        return {names.get(k, k) if isinstance(k, str) else k: renamed(v, names)
                for k, v in data.items()}
    if isinstance(data, list):
        return [renamed(v, names) for v in data]
    if isinstance(data, str) and data in names:
        return names[data]
    return data


def _components(nodes: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for node in nodes or []:
        if not isinstance(node, dict):
            continue
        if node.get("_tag") in ("Parallel", "Hierarchical"):
            out.update(_components(node.get("nodes")))
        elif node.get("_tag") == "Component":
            out[str(node.get("name"))] = node
    return out


def _level_sparse(node: dict[str, Any], names: dict[str, str], c: Collector, where: str,
                  ert: dict[str, float]) -> dict[str, Any] | None:
    opt = node.get("sparse_optimizations")
    if not isinstance(opt, dict):
        return None
    attrs = node.get("attributes") or {}
    meta_bits = int(attrs.get("metadata_datawidth", 4))
    out: dict[str, Any] = {}
    spaces = (opt.get("representation_format") or {}).get("data_spaces") or []
    for i, sp in enumerate(spaces):
        name = OPERANDS.get(names.get(str(sp.get("name")), ""))
        ranks = [r.get("format") for r in sp.get("ranks") or [] if isinstance(r, dict)]
        if name is None:
            c.add(f"{where}.representation_format.data_spaces[{i}].name",
                  f"a data space of the problem, got {sp.get('name')!r}")
            continue
        out[name] = {"format": ranks, "metadata_bits": meta_bits}
    actions = []
    for i, act in enumerate(opt.get("action_optimization") or []):
        kind = _KINDS.get(str(act.get("type")))
        if kind is None:
            c.add(f"{where}.action_optimization[{i}].type",
                  f"gating or skipping, got {act.get('type')!r}")
            continue
        for opt_item in act.get("options") or []:
            actions.append({"kind": kind,
                            "target": OPERANDS.get(names.get(str(opt_item.get("target")), ""),
                                                   opt_item.get("target")),
                            "condition_on": [OPERANDS.get(names.get(str(x), ""), x)
                                             for x in opt_item.get("condition_on") or []]})
    out["actions"] = actions
    if "metadata_storage_width" in attrs:
        out["metadata_width_bits"] = int(attrs["metadata_storage_width"])
    if ert:  # Sparseloop charges what the ERT lists: no metadata action, no metadata energy
        out["metadata_read_energy_pj"] = ert.get("metadata_read", 0.0)
        out["metadata_write_energy_pj"] = ert.get("metadata_write", 0.0)
    return out


@dataclass(frozen=True)
class SparseloopCase:
    layer: Layer
    design: TimeloopDesign
    mapping: Mapping | None
    names: dict[str, str]  # Timeloop data-space name -> Inputs / Weights / Outputs


def is_sparseloop(arch: str | Path, problem: str | Path,
                  variables: dict[str, Any] | None = None) -> bool:
    """Whether the files need this reader: sparse features, or data spaces named otherwise
    than Inputs/Weights/Outputs."""
    prob = load_timeloop_yaml(problem, variables)
    if any(k != v for k, v in rename_of(prob).items()):
        return True
    if ((prob or {}).get("problem") or {}).get("instance", {}).get("densities"):
        return True
    raw = load_timeloop_yaml(arch, variables)
    comps = _components(((raw or {}).get("architecture") or {}).get("nodes"))
    return any("sparse_optimizations" in node for node in comps.values())


def load_sparseloop(arch: str | Path, problem: str | Path, mapping: str | Path | None,
                    ert: str | Path | None = None, art: str | Path | None = None,
                    variables: dict[str, Any] | None = None) -> SparseloopCase:
    """A Sparseloop design from its arch, problem and mapping files (and ERT/ART); without
    a mapping file, ``mapping`` is None (search one)."""
    prob = load_timeloop_yaml(problem, variables)
    names = rename_of(prob)
    layer = _with_density_models(layer_from_timeloop(renamed(prob, names), str(problem)),
                                 prob, names, str(problem))
    data = timeloop_arch_data(arch, ert, art, variables)
    extras = design_extras(data)
    raw = load_timeloop_yaml(arch, variables)
    comps = _components(((raw or {}).get("architecture") or {}).get("nodes"))
    ert_acts = _ert_actions(ert)
    c = Collector(str(arch))
    for lv in data["levels"]:
        node = comps.get(lv["name"])
        if node is not None:
            sp = _level_sparse(node, names, c, f"{lv['name']}.sparse_optimizations",
                               ert_acts.get(lv["name"], {}))
            if sp is not None:
                lv["sparse"] = sp
    c.raise_if_any()
    design = TimeloopDesign(arch_from_mapping(data, str(arch)), **extras)
    mp = None if mapping is None else mapping_from_timeloop(
        renamed(load_timeloop_yaml(mapping, variables), names), layer, design, str(mapping))
    return SparseloopCase(layer, design, mp, names)


def _with_density_models(layer: Layer, prob: Any, names: dict[str, str],
                         where: str) -> Layer:
    """The problem's ``densities`` as density models (picojoule.workload.density): a number
    or ``{distribution: fixed_structured | hypergeometric, density}`` or ``{distribution: nm,
    n, m, dim}``; each bad entry is one line."""
    raw = (((prob or {}).get("problem") or {}).get("instance") or {}).get("densities") or {}
    c = Collector(where)
    models = {}
    for tl_name, entry in raw.items() if isinstance(raw, dict) else ():
        op_name = OPERANDS.get(names.get(str(tl_name), str(tl_name)))
        if op_name is None:
            c.add(f"problem.instance.densities.{tl_name}", "a data space of the problem")
            continue
        op = layer.operand(op_name)
        model = parse_density(entry, f"problem.instance.densities.{tl_name}", c, layer.bound,
                              op.footprint(layer.bound))
        if model is not None:
            models[op_name] = model
    c.raise_if_any()
    return with_models(layer, **models) if models else layer


def _ert_actions(ert: str | Path | None) -> dict[str, dict[str, float]]:
    if ert is None:
        return {}
    data = load_timeloop_yaml(ert)
    out: dict[str, dict[str, float]] = {}
    for t in ((data or {}).get("ERT") or {}).get("tables") or []:
        name = re.sub(r"\[\d+\.\.\d+\]$", "", str(t.get("name", ""))).split(".")[-1]
        out[name] = {str(a.get("name")): float(a.get("energy", 0.0))
                     for a in t.get("actions") or [] if isinstance(a, dict)}
    return out


@dataclass(frozen=True)
class SparseStats:
    """Per level and operand (Timeloop names) the counts Sparseloop prints, and totals."""

    cycles: float
    counts: dict[tuple[str, str, str], float]  # (level, operand, key) -> per-instance value
    energy_pj: dict[tuple[str, str], float]  # (level, operand) -> Energy (total)
    mac: dict[str, float]  # Algorithmic/Actual/Gated/Skipped Computes, Energy (total)


_LINE = re.compile(r"^\s+(?P<key>[A-Za-z][A-Za-z ()\-]*?)\s*:\s*(?P<v>[-+]?[0-9][0-9.eE+-]*)")
_RANK = re.compile(r"^\s+Rank (?P<r>\d+) \(metadata, payload\): "
                   r"\((?P<m>[0-9.]+),\s*(?P<p>[0-9.]+)\)")


def load_sparseloop_stats(path: Path) -> SparseStats:
    text = read_text(path, "Sparseloop stats file")
    level = operand = last = ""
    counts: dict[tuple[str, str, str], float] = {}
    energy: dict[tuple[str, str], float] = {}
    mac: dict[str, float] = {}
    cycles = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("=== ") and s.endswith(" ==="):
            level, operand = s[4:-4], ""
            continue
        if s.startswith("Cycles:") and not line.startswith(" "):
            cycles = float(s.split(":")[1])
            continue
        if re.match(r"^ {4}\w+:$", line):
            operand = s[:-1]
            continue
        r = _RANK.match(line)
        if r and operand and last:
            fmt_key = (level, operand, last + " format units")
            counts[fmt_key] = counts.get(fmt_key, 0.0) + float(r.group("m")) + \
                float(r.group("p"))
            continue
        if s.endswith("(per-instance)") and "format" in s:
            last = s.split(" (per-instance)")[0]
            continue
        m = _LINE.match(line)
        if not m:
            continue
        last = ""
        key, v = m.group("key"), float(m.group("v"))
        if level == "mac" and not operand:
            mac[key] = v
        elif operand:
            counts[(level, operand, key)] = v
            if key == "Energy (total)":
                energy[(level, operand)] = v
    if cycles is None:
        raise SpecError.single(str(path), "", "a Sparseloop stats file with 'Cycles:'")
    return SparseStats(cycles, counts, energy, mac)
