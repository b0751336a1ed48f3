"""picojoule's architecture, layer and mapping written as Timeloop and ZigZag inputs, so a
user can confirm a mapping found here in the other tool.

Timeloop: a v0.4 architecture (storage components in chain order, each level's fan-out as a
spatial container below it, per-action energies as a companion ERT), a problem (the einsum's
dimensions, data spaces and projections) and a mapping (temporal and spatial targets with
permutations innermost first, datatype bypass per level). ZigZag: a hardware file (memories
innermost first with the array dimensions each serves), a workload layer, and a mapping with
the spatial unrolling and temporal ordering.
"""

from __future__ import annotations

from typing import Any

from picojoule.arch.spec import Arch
from picojoule.cost.energy import energy_model
from picojoule.interop.zigzag import ZZ_MEMORY_OPERAND, ZZ_OPERAND, layer_to_zigzag
from picojoule.mapping.spec import Mapping
from picojoule.workload.einsum import Layer

TL_OPERAND = {"inputs": "Inputs", "weights": "Weights", "outputs": "Outputs"}


def _word_bits(arch: Arch, layer: Layer, level_index: int) -> int:
    lv = arch.levels[level_index]
    if lv.word_bits is not None:
        return lv.word_bits
    return max((layer.operand(o).bits for o in lv.keeps), default=8)


def timeloop_files(arch: Arch, layer: Layer, mapping: Mapping) -> dict[str, Any]:
    """``{"arch.yaml": ..., "ERT.yaml": ..., "problem.yaml": ..., "mapping.yaml": ...}`` as
    plain data (the v0.4 node tags are written by ``dump_timeloop``)."""
    energy = energy_model(arch, layer)
    nodes: list[dict[str, Any]] = [{"_tag": "Container", "name": "system",
                                    "attributes": {"technology": f"{arch.node_nm:g}nm"}}]
    tables = []
    for i, (lv, le) in enumerate(zip(arch.levels, energy.levels, strict=True)):
        word = _word_bits(arch, layer, i)
        attrs: dict[str, Any] = {"width": lv.width_bits, "datawidth": word}
        for key, bw in (("read_bandwidth", lv.read_bandwidth_bits),
                        ("write_bandwidth", lv.write_bandwidth_bits)):
            if bw is not None:  # Timeloop counts bandwidth in words per cycle
                attrs[key] = bw / word
        if lv.capacity_bits is None:
            node = {"_tag": "Component", "name": lv.name, "class": "DRAM",
                    "attributes": {"type": lv.kind.upper(), **attrs}}
        else:
            attrs["depth"] = max(1, lv.capacity_bits // lv.width_bits)
            node = {"_tag": "Component", "name": lv.name, "class": "smartbuffer_SRAM"
                    if lv.kind == "sram" else "smartbuffer_RF", "attributes": attrs}
        node["constraints"] = {"dataspace": {"keep": [TL_OPERAND[o] for o in sorted(lv.keeps)],
                                             "bypass": [TL_OPERAND[o] for o in TL_OPERAND
                                                        if o not in lv.keeps]}}
        nodes.append(node)
        tables.append({"name": f"system_top_level.{lv.name}[1..{arch.instances[i]}]",
                       "actions": [{"name": "read", "arguments": {}, "energy": le.read_pj},
                                   {"name": "write", "arguments": {}, "energy": le.write_pj},
                                   {"name": "update", "arguments": {}, "energy": le.write_pj}]})
        if lv.fanout.size > 1:
            nodes.append({"_tag": "Container", "name": f"{lv.name}_array",
                          "spatial": {"meshX": lv.fanout.x, "meshY": lv.fanout.y}})
    bits = layer.operand("inputs").bits
    nodes.append({"_tag": "Component", "name": "mac", "class": "intmac",
                  "attributes": {"multiplier_width": bits,
                                 "adder_width": layer.output.partial_bits}})
    tables.append({"name": f"system_top_level.mac[1..{arch.num_pes}]",
                   "actions": [{"name": "compute", "arguments": {}, "energy": energy.mac_pj}]})
    return {"arch.yaml": {"architecture": {"version": 0.4, "nodes": nodes}},
            "ERT.yaml": {"ERT": {"version": "0.4", "tables": tables}},
            "problem.yaml": timeloop_problem(layer),
            "mapping.yaml": timeloop_mapping(arch, layer, mapping)}


def timeloop_problem(layer: Layer) -> dict[str, Any]:
    spaces = []
    for op in layer.operands:
        projection = [[[t.dim] if t.coeff == 1 else [t.dim, f"c_{op.name}_{i}_{j}"]
                       for j, t in enumerate(axis)] for i, axis in enumerate(op.axes)]
        space: dict[str, Any] = {"name": TL_OPERAND[op.name], "projection": projection}
        if op.name == "outputs":
            space["read_write"] = True
        spaces.append(space)
    coefficients = [{"name": f"c_{op.name}_{i}_{j}", "default": t.coeff}
                    for op in layer.operands for i, axis in enumerate(op.axes)
                    for j, t in enumerate(axis) if t.coeff != 1]
    instance: dict[str, Any] = dict(layer.bound)
    densities = {TL_OPERAND[o.name]: o.density for o in layer.operands if o.density != 1.0}
    if densities:
        instance["densities"] = densities
    return {"problem": {"version": 0.4, "shape": {
        "name": layer.name, "dimensions": list(layer.dims), "coefficients": coefficients,
        "data_spaces": spaces}, "instance": instance}}


def _factor_text(loops: tuple[tuple[str, int], ...], dims: tuple[str, ...]) -> str:
    f = dict.fromkeys(dims, 1)
    for d, v in loops:
        f[d] *= v
    return " ".join(f"{d}{f[d]}" for d in dims)


def _permutation(loops: tuple[tuple[str, int], ...], dims: tuple[str, ...]) -> str:
    inner_first = [d for d, _ in reversed(loops)]
    return "".join(dict.fromkeys(inner_first + list(dims)))


def timeloop_mapping(arch: Arch, layer: Layer, mapping: Mapping) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for lv in arch.levels:
        lm = mapping.for_level(lv.name)
        items.append({"target": lv.name, "type": "temporal",
                      "factors": _factor_text(lm.temporal, layer.dims),
                      "permutation": _permutation(lm.temporal, layer.dims)})
        if lv.fanout.size > 1:
            xs, ys = lm.spatial_x, lm.spatial_y
            order = [d for d, _ in xs] + [d for d, _ in ys]
            rest = [d for d in layer.dims if d not in order]
            items.append({"target": f"inter_{lv.name}_array_spatial", "type": "spatial",
                          "factors": _factor_text(xs + ys, layer.dims),
                          "permutation": "".join(dict.fromkeys(order + rest)),
                          "split": len(dict.fromkeys(d for d, _ in xs))})
        keep = sorted(lv.keeps - lm.bypass)
        items.append({"target": lv.name, "type": "datatype",
                      "keep": [TL_OPERAND[o] for o in keep],
                      "bypass": [TL_OPERAND[o] for o in TL_OPERAND if o not in keep]})
    return {"mapping": items}


def zigzag_files(arch: Arch, layer: Layer, mapping: Mapping) -> dict[str, Any]:
    """``{"hardware.yaml": ..., "workload.yaml": ..., "mapping.yaml": ...}`` as plain data."""
    energy = energy_model(arch, layer)
    dims = ("D1", "D2")
    memories: dict[str, Any] = {}
    above_array: set[str] = set()  # array dims already spread above the current level
    served_of = []
    for lv in arch.levels:  # outermost first: a level serves the dims not yet spread
        served_of.append([d for d in dims if d not in above_array])
        if lv.fanout.x > 1:
            above_array.add("D1")
        if lv.fanout.y > 1:
            above_array.add("D2")
    for lv, le, served in reversed(list(zip(arch.levels, energy.levels, served_of,
                                            strict=True))):
        ops = [ZZ_MEMORY_OPERAND[o] for o in ("inputs", "weights", "outputs") if o in lv.keeps]
        memories[lv.name] = {
            "size": lv.capacity_bits if lv.capacity_bits is not None else 10**13,
            "r_cost": le.read_pj, "w_cost": le.write_pj, "area": 0, "latency": 1,
            "operands": ops,
            "ports": [{"name": "rw_port_1", "type": "read_write",
                       "bandwidth_min": lv.width_bits, "bandwidth_max": lv.width_bits,
                       "allocation": [f"{o}, {a}" for o in ops for a in
                                      (("fh", "tl", "fl", "th") if o == "O" else ("fh", "tl"))]}],
            "served_dimensions": served}
    x = max((lv.fanout.x for lv in arch.levels), default=1)
    y = max((lv.fanout.y for lv in arch.levels), default=1)
    hardware = {"name": arch.name, "memories": memories,
                "operational_array": {"unit_energy": energy.mac_pj, "unit_area": 1,
                                      "dimensions": list(dims), "sizes": [x, y]}}
    spatial: dict[str, list[str]] = {"D1": [], "D2": []}
    temporal: list[list[Any]] = []
    for lv in reversed(arch.levels):
        lm = mapping.for_level(lv.name)
        spatial["D1"] += [f"{d.upper()}, {f}" for d, f in lm.spatial_x]
        spatial["D2"] += [f"{d.upper()}, {f}" for d, f in lm.spatial_y]
        temporal += [[d.upper(), f] for d, f in reversed(lm.temporal)]
    zz_mapping = [{"name": layer.name, "spatial_mapping": {k: v for k, v in spatial.items() if v},
                   "temporal_ordering": temporal,
                   "memory_operand_links": {ZZ_OPERAND[o]: ZZ_MEMORY_OPERAND[o]
                                            for o in ZZ_OPERAND}}]
    return {"hardware.yaml": hardware, "workload.yaml": [layer_to_zigzag(layer)],
            "mapping.yaml": zz_mapping}


def dump_timeloop(data: Any) -> str:
    """YAML text with ``{"_tag": T, ...}`` dicts written as ``!T`` nodes."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def tagged(dumper: yaml.SafeDumper, value: dict[str, Any]) -> yaml.Node:
        if "_tag" in value:
            body = {k: v for k, v in value.items() if k != "_tag"}
            return dumper.represent_mapping(f"!{value['_tag']}", body)
        return dumper.represent_dict(value)

    Dumper.add_representer(dict, tagged)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False)
