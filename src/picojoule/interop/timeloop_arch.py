"""Timeloop/Accelergy architectures (v0.4 nodes, v0.3 trees) and their ERT/ART, as picojoule
architectures with Timeloop's semantics.

Timeloop describes a hierarchy of storage components with spatial containers between them;
picojoule describes a chain of storage levels, each with the fan-out below it. The two say
the same thing: storage components become levels in order (a ``!Parallel`` group becomes
consecutive levels, as Timeloop itself flattens it), the meshes of the containers below a
level multiply into that level's fan-out, and the compute component becomes the MAC. Each
level stores every operand at its ``datawidth`` (``word_bits``) and partial sums read back to
a spatial reduction are multicast, each child counting a fill (``psum_refill: multicast``):
Timeloop's conventions, so the numbers compare. Per-action energies and areas come from the
ERT/ART files when given (read = ``read``, fill and update = ``write``); leakage is left out,
as Timeloop's totals leave it out. A component the ERT does not price is estimated from its
Accelergy class and attributes (``accelergy_classes``). The constraints written on nodes
(a container's ``spatial``, a component's ``temporal``) are kept for the mapper
(``timeloop_constraints``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from picojoule.arch.spec import Arch
from picojoule.errors import Collector, SpecError
from picojoule.interop.accelergy_classes import (
    estimate_mac,
    estimate_storage,
    known_names,
    resolve,
    storage_kind,
)
from picojoule.interop.timeloop_yaml import load_timeloop_yaml, version_of
from picojoule.tech.components import Tech
from picojoule.tech.registry import Registry

OPERANDS = {"Inputs": "inputs", "Weights": "weights", "Outputs": "outputs"}
_INSTANCES = re.compile(r"^(?P<name>[^\[]+)\[(?P<lo>\d+)\.\.(?P<hi>\d+)\]$")


def _operands(names: Any, c: Collector, where: str) -> list[str]:
    if names is None:
        return []
    if not isinstance(names, list) or any(n not in OPERANDS for n in names):
        c.add(where, f"a list of {', '.join(OPERANDS)}, got {names!r:.80}")
        return []
    return [OPERANDS[n] for n in names]


def _keeps(constraints: Any, c: Collector, where: str) -> list[str]:
    space = (constraints or {}).get("dataspace") or {} if isinstance(constraints, dict) else {}
    keep = _operands(space.get("keep"), c, f"{where}.constraints.dataspace.keep")
    bypass = _operands(space.get("bypass"), c, f"{where}.constraints.dataspace.bypass")
    if keep:
        return keep
    return [o for o in OPERANDS.values() if o not in bypass]


def _level(name: str, cls: str, subclass: str, attrs: dict[str, Any], constraints: Any,
           c: Collector, where: str, datawidth: int) -> dict[str, Any] | None:
    word = attrs.get("datawidth", attrs.get("word-bits", datawidth))
    width = attrs.get("width", attrs.get("block-size", 1) * word if "block-size" in attrs
                      else word)
    info = resolve(cls, subclass)
    kind_of = f"{cls} {subclass}".strip().split(" ")[0]
    out: dict[str, Any] = {"name": name,
                           "kind": storage_kind(info, kind_of if info is None else cls,
                                                str(attrs.get("type", "lpddr4"))),
                           "width_bits": width, "word_bits": word,
                           "keeps": _keeps(constraints, c, where),
                           "_class": (f"{cls}/{subclass}" if subclass else cls, info, where)}
    depth = attrs.get("depth")
    if out["kind"] in ("sram", "regfile"):
        out["depth"] = depth if depth is not None else 1
    for tl_key, key in (("read_bandwidth", "read_bandwidth_bits"),
                        ("write_bandwidth", "write_bandwidth_bits")):
        if attrs.get(tl_key) is not None:  # Timeloop: words per cycle
            out[key] = attrs[tl_key] * word
    return out


def _node_nm(attrs: dict[str, Any]) -> float | None:
    tech = attrs.get("technology")
    if tech is None:
        return None
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*nm\s*$", str(tech))
    return float(m.group(1)) if m else None


class _Builder:
    """Collects levels, fan-outs and the compute in order, whatever the file version."""

    def __init__(self, where: str) -> None:
        self.c = Collector(where)
        self.levels: list[dict[str, Any]] = []
        self.compute: dict[str, Any] | None = None
        self.node_nm: float | None = None
        self.pending_x = self.pending_y = 1  # meshes seen before any level
        self.containers: dict[str, str] = {}  # spatial container -> the level above it
        self.meshes: dict[str, tuple[int, int]] = {}  # spatial container -> (meshX, meshY)
        self.constraints: list[dict[str, Any]] = []  # constraints written on nodes

    def mesh(self, x: int, y: int, where: str, container: str = "") -> None:
        if container:
            self.meshes[container] = (x, y)
        if self.levels and container:
            self.containers[container] = self.levels[-1]["name"]
        if not self.levels:
            self.pending_x, self.pending_y = self.pending_x * x, self.pending_y * y
            return
        fanout = self.levels[-1].setdefault(
            "fanout", {"x": 1, "y": 1, "multicast": True, "reduction": True,
                       "psum_refill": "multicast"})
        fanout["x"] *= x
        fanout["y"] *= y

    def component(self, name: str, cls: str, subclass: str, attrs: dict[str, Any],
                  constraints: Any, where: str, datawidth: int) -> None:
        if self.node_nm is None:
            self.node_nm = _node_nm(attrs)
        if constraints:
            self.constraints.append({"node": name, "kind": "component",
                                     "constraints": constraints, "where": where})
        info = resolve(cls, subclass)
        if info is not None and info.role == "compute":
            if self.compute is not None:
                self.c.add(where, "one compute component (found a second: "
                                  f"{self.compute['name']} and {name})")
            bits = attrs.get("multiplier_width", attrs.get("width",
                                                           attrs.get("datawidth", datawidth)))
            acc = attrs.get("adder_width", bits)
            number = "fp" if info.number == "fp" else "int"
            self.compute = {"name": name, "precisions": [f"{number}{bits}"],
                            "_class": (info.name, number, bits, acc, where)}
            return
        level = _level(name, cls, subclass, attrs, constraints, self.c, where, datawidth)
        if level is not None:
            self.levels.append(level)


def _walk_v04(b: _Builder, nodes: Any, where: str, datawidth: int) -> None:
    if not isinstance(nodes, list):
        b.c.add(where, "a list of !Container, !Component and !Parallel nodes")
        return
    for i, node in enumerate(nodes):
        at = f"{where}[{i}]"
        if not isinstance(node, dict) or "_tag" not in node:
            b.c.add(at, "a tagged node (!Container, !Component, !Parallel, !Nothing)")
            continue
        tag, attrs = node["_tag"], node.get("attributes") or {}
        dw = int(attrs.get("datawidth", datawidth)) if isinstance(attrs, dict) else datawidth
        if tag == "Nothing":
            continue
        if tag in ("Parallel", "Hierarchical"):
            _walk_v04(b, node.get("nodes"), f"{at}.nodes", dw)
            continue
        name = str(node.get("name", f"node{i}"))
        if tag == "Container":
            if b.node_nm is None:
                b.node_nm = _node_nm(attrs)
            spatial = node.get("spatial") or {}
            if spatial:
                b.mesh(int(spatial.get("meshX", 1)), int(spatial.get("meshY", 1)), at, name)
            if node.get("constraints"):
                b.constraints.append({"node": name, "kind": "container",
                                      "constraints": node["constraints"], "where": at})
            datawidth = dw if "datawidth" in attrs else datawidth
            continue
        b.component(name, str(node.get("class", "")), str(node.get("subclass", "")), attrs,
                    node.get("constraints"), f"{at} ({name})", dw)


def _walk_v03(b: _Builder, tree: Any, where: str, datawidth: int, instances: int) -> None:
    for i, sub in enumerate(tree or []):
        at = f"{where}[{i}]"
        if not isinstance(sub, dict):
            b.c.add(at, "a mapping with name, local and subtree")
            continue
        name, count = _instances(str(sub.get("name", "")))
        attrs = sub.get("attributes") or {}
        if b.node_nm is None:
            b.node_nm = _node_nm(attrs)
        if count > 1:  # a PE[0..167] array: mesh from the components' meshX
            mesh_x = next((int((comp.get("attributes") or {}).get("meshX", 0))
                           for comp in sub.get("local") or [] if isinstance(comp, dict)
                           and (comp.get("attributes") or {}).get("meshX")), count)
            if count % mesh_x:
                b.c.add(at, f"meshX dividing the {count} instances of {name}, got {mesh_x}")
                mesh_x = count
            b.mesh(mesh_x, count // mesh_x, at, name)
        for j, comp in enumerate(sub.get("local") or []):
            if not isinstance(comp, dict):
                b.c.add(f"{at}.local[{j}]", "a component mapping")
                continue
            cname, _ = _instances(str(comp.get("name", f"local{j}")))
            cattrs = {k.replace("-", "_") if k not in ("word-bits", "block-size") else k: v
                      for k, v in (comp.get("attributes") or {}).items()}
            b.component(cname, str(comp.get("class", "")), str(comp.get("subclass", "")),
                        cattrs, comp.get("constraints"), f"{at}.local[{j}] ({cname})",
                        int(cattrs.get("datawidth", datawidth)))
        _walk_v03(b, sub.get("subtree"), f"{at}.subtree", datawidth, instances * count)


def _instances(name: str) -> tuple[str, int]:
    m = _INSTANCES.match(name)
    if not m:
        return name, 1
    return m.group("name"), int(m.group("hi")) - int(m.group("lo")) + 1


def _tables(path: str | Path | None, key: str) -> dict[str, Any]:
    """ERT/ART tables by component name (``system_top_level.psum_spad[1..168]`` -> psum_spad)."""
    if path is None:
        return {}
    data = load_timeloop_yaml(path)
    body = data.get(key) if isinstance(data, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("tables"), list):
        raise SpecError.single(str(path), key, f"an Accelergy {key} file ({key}: tables: ...)")
    out = {}
    for t in body["tables"]:
        name = _instances(str(t.get("name", "")))[0].split(".")[-1]
        out[name] = t
    return out


def timeloop_arch_data(path: str | Path, ert: str | Path | None = None,
                       art: str | Path | None = None,
                       variables: dict[str, Any] | None = None,
                       clock_hz: float = 1e9) -> dict[str, Any]:
    """The picojoule architecture (YAML form) of a Timeloop arch file and its ERT/ART."""
    where = str(path)
    data = load_timeloop_yaml(path, variables)
    version = version_of(data, "architecture", where)
    body = data["architecture"]
    b = _Builder(where)
    if version == "0.4":
        _walk_v04(b, body.get("nodes"), "architecture.nodes", 8)
    else:
        _walk_v03(b, body.get("subtree"), "architecture.subtree", 8, 1)
    if not b.levels:
        b.c.add("architecture", "at least one storage component")
    if b.compute is None:
        b.c.add("architecture", "a compute component (class intmac or mac)")
    b.c.raise_if_any()
    energies, areas = _tables(ert, "ERT"), _tables(art, "ART")
    tech, registry = Tech(b.node_nm or 45.0, 1.0), Registry.default()
    estimates: list[str] = []
    c = Collector(where)
    for lv in b.levels:
        cls, info, at = lv.pop("_class")
        acts = {a.get("name"): a.get("energy") for a in energies.get(lv["name"], {})
                .get("actions", [])}
        if "read" in acts:
            lv["read_energy_pj"] = float(acts["read"])
            lv["write_energy_pj"] = float(acts.get("write", acts["read"]))
        elif info is None:
            c.add(f"{at}.class", f"an Accelergy class picojoule can price without an ERT "
                                 f"({known_names()}), got {cls!r:.60}; or give --ert")
        else:
            width = int(lv["width_bits"])
            est = estimate_storage(lv["name"], cls, lv["kind"], width,
                                   int(lv["depth"]) * width if "depth" in lv else None,
                                   tech, registry)
            lv["read_energy_pj"], lv["write_energy_pj"] = (est.energy_pj["read"],
                                                           est.energy_pj["write"])
            if lv["name"] not in areas:
                lv["area_um2"] = est.area_um2
            estimates.append(est.line())
        if lv["name"] in areas:
            lv["area_um2"] = float(areas[lv["name"]].get("area", 0.0))
    compute = dict(b.compute or {})
    cls_name, number, bits, acc, at = compute.pop("_class", ("", "int", 8, 8, where))
    acts = {a.get("name"): a.get("energy") for a in energies.get(compute.get("name", ""), {})
            .get("actions", [])}
    if "compute" in acts:
        compute["mac_energy_pj"] = float(acts["compute"])
    elif compute:
        if not all(isinstance(v, int) and 1 <= v <= 64 for v in (bits, acc)):
            c.add(at, f"integer multiplier/adder widths from 1 to 64, got {bits!r:.20} and "
                      f"{acc!r:.20}")
        else:
            est = estimate_mac(compute["name"], cls_name, number, bits, acc, tech, registry)
            compute["mac_energy_pj"] = est.energy_pj["compute"]
            if compute["name"] not in areas:
                compute["area_um2"] = est.area_um2
            estimates.append(est.line())
    if compute.get("name") in areas:
        compute["area_um2"] = float(areas[compute["name"]].get("area", 0.0))
    c.raise_if_any()
    return {"name": Path(where).parent.name or Path(where).stem, "clock_hz": clock_hz,
            "containers": b.containers, "meshes": b.meshes,
            "node_constraints": b.constraints, "estimates": estimates,
            "voltage_v": 1.0, "node_nm": b.node_nm or 45.0, "compute": compute,
            "levels": b.levels,
            "description": f"read from the Timeloop v{version} file {where}",
            "sources": [f"Timeloop/Accelergy files: {where}"
                        + (f", {ert}" if ert else "") + (f", {art}" if art else "")]}


@dataclass(frozen=True)
class TimeloopDesign:
    """An architecture read from Timeloop files, and which storage level each of its spatial
    containers sits under (Timeloop mappings name spatial levels after containers)."""

    arch: Arch
    containers: dict[str, str]
    meshes: dict[str, tuple[int, int]] = field(default_factory=dict)  # container -> (X, Y)
    node_constraints: tuple[dict[str, Any], ...] = ()  # constraints written on nodes
    estimates: tuple[str, ...] = ()  # the components priced without an ERT, with sources

    def level_of(self, target: str) -> str | None:
        names = [lv.name for lv in self.arch.levels]
        if target in names:
            return target
        m = re.match(r"^inter_(.+)_spatial$", target)
        return self.containers.get(m.group(1)) if m else None


def load_timeloop_arch(path: str | Path, ert: str | Path | None = None,
                       art: str | Path | None = None,
                       variables: dict[str, Any] | None = None) -> TimeloopDesign:
    """A Timeloop arch file (and optional ERT/ART) as a validated picojoule design."""
    from picojoule.arch.loader import arch_from_mapping

    data = timeloop_arch_data(path, ert, art, variables)
    extras = design_extras(data)
    if not math.isfinite(data["node_nm"]):
        raise SpecError.single(str(path), "technology", "a node in nm")
    return TimeloopDesign(arch_from_mapping(data, str(path)), **extras)


def design_extras(data: dict[str, Any]) -> dict[str, Any]:
    """Take what is not picojoule architecture out of ``timeloop_arch_data``'s result: the
    ``TimeloopDesign`` fields besides ``arch``."""
    return {"containers": data.pop("containers"), "meshes": data.pop("meshes"),
            "node_constraints": tuple(data.pop("node_constraints")),
            "estimates": tuple(data.pop("estimates"))}
