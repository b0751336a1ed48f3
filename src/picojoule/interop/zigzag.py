"""ZigZag's inputs in and out: workload layers (an einsum equation with dimension relations),
hardware (memories innermost first, with the array dimensions each serves), and mappings.

A ZigZag layer is an einsum written ``O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]`` with
relations ``ix=1*ox+1*fx``: the same affine description as a picojoule layer, so both
directions are exact. Dimension names pass through unchanged (upper case in ``loop_dims``,
lower case in the equation, as ZigZag writes them).

ZigZag hardware lists memories innermost first, each with the operands it holds (``I1``
inputs, ``I2`` weights, ``O`` outputs), its size in bits, per-access energies at its full
port width (``bandwidth_max``) and ``served_dimensions``: the array dimensions whose PEs share
one instance. Read
outermost first, that is picojoule's chain: a memory serving every array dimension sits above
the array (the array is its fan-out), one serving none sits in every PE; a memory serving
only some dimensions splits the array between the levels above and below it.
"""

from __future__ import annotations

import re
from typing import Any

from picojoule.errors import Collector, SpecError
from picojoule.workload.einsum import Layer, Operand, Term

ZZ_OPERAND = {"inputs": "I", "weights": "W", "outputs": "O"}
ZZ_MEMORY_OPERAND = {"inputs": "I1", "weights": "I2", "outputs": "O"}
_EQUATION = re.compile(r"^\s*O(?P<o>(\[\w+\])+)\s*\+?=\s*(?P<a>\w)(?P<ax>(\[\w*\])+)\s*\*"
                       r"\s*(?P<b>\w)(?P<bx>(\[\w*\])+)\s*$")
_RELATION = re.compile(r"^\s*(\w+)\s*=\s*(?:(\d+)\s*\*\s*)?(\w+)\s*\+\s*(?:(\d+)\s*\*\s*)?(\w+)"
                       r"\s*$")


def layer_to_zigzag(layer: Layer, layer_id: int = 0) -> dict[str, Any]:
    """One ZigZag workload layer (a dict for its YAML list) describing ``layer`` exactly."""
    relations: list[str] = []
    names: dict[tuple[Term, ...], str] = {}

    def index(axis: tuple[Term, ...]) -> str:
        if len(axis) == 1 and axis[0].coeff == 1:
            return axis[0].dim.lower()
        if axis not in names:
            if len(axis) != 2:
                raise SpecError.single(layer.name, "operands", "axes of one or two terms "
                                       "(ZigZag's dimension relations take two)")
            name = f"i{len(names)}"
            names[axis] = name
            (a, b) = axis
            relations.append(f"{name}={a.coeff}*{a.dim.lower()}+{b.coeff}*{b.dim.lower()}")
        return names[axis]

    def tensor(op: Operand) -> str:
        return "".join(f"[{index(axis)}]" for axis in op.axes)

    ins, w, out = layer.operand("inputs"), layer.operand("weights"), layer.operand("outputs")
    equation = f"O{tensor(out)}+=W{tensor(w)}*I{tensor(ins)}"
    return {
        "id": layer_id, "name": layer.name, "operator_type": "Conv" if layer.kind == "conv2d"
        else "Gemm", "equation": equation, "dimension_relations": relations,
        "loop_dims": [d.upper() for d in layer.dims], "loop_sizes": list(layer.bounds),
        "operand_precision": {"W": w.bits, "I": ins.bits, "O": out.partial_bits,
                              "O_final": out.bits},
    }


def layer_from_zigzag(data: Any, where: str) -> Layer:
    """A picojoule Layer from one ZigZag workload layer (its YAML mapping)."""
    c = Collector(where)
    if not isinstance(data, dict):
        raise SpecError.single(where, "", "a ZigZag layer mapping (equation, loop_dims, ...)")
    m = _EQUATION.match(str(data.get("equation", "")))
    if m is None:
        raise SpecError.single(where, "equation", "O[..]+=W[..]*I[..] (ZigZag's form), got "
                                                  f"{str(data.get('equation'))[:80]!r}")
    dims = [str(d).upper() for d in data.get("loop_dims") or []]
    sizes = data.get("loop_sizes") or []
    if len(dims) != len(sizes) or not dims:
        c.add("loop_dims", "as many loop_dims as loop_sizes")
    relations: dict[str, tuple[Term, ...]] = {}
    for i, rel in enumerate(data.get("dimension_relations") or []):
        r = _RELATION.match(str(rel))
        if r is None:
            c.add(f"dimension_relations[{i}]", f"ix=s*ox+d*fx, got {rel!r:.60}")
            continue
        relations[r.group(1).upper()] = (Term(r.group(3).upper(), int(r.group(2) or 1)),
                                         Term(r.group(5).upper(), int(r.group(4) or 1)))
    prec = data.get("operand_precision") or {}

    def axes(text: str) -> tuple[tuple[Term, ...], ...]:
        out = []
        for name in re.findall(r"\[(\w*)\]", text):
            key = name.upper()
            if key in relations:
                out.append(relations[key])
            elif key in dims:
                out.append((Term(key, 1),))
            elif key:
                c.add("equation", f"indices among loop_dims or related ones, got {name!r}")
        return tuple(out)

    tensors = {m.group("a"): m.group("ax"), m.group("b"): m.group("bx")}
    if set(tensors) != {"W", "I"}:
        c.add("equation", "operands W and I on the right-hand side")
    c.raise_if_any()
    ops = (Operand("inputs", axes(tensors["I"]), int(prec.get("I", 8))),
           Operand("weights", axes(tensors["W"]), int(prec.get("W", 8))),
           Operand("outputs", axes(m.group("o")), int(prec.get("O_final", 8)),
                   psum_bits=int(prec.get("O", prec.get("O_final", 8)))))
    c.raise_if_any()
    return Layer(str(data.get("name") or f"layer{data.get('id', 0)}"), "einsum", tuple(dims),
                 tuple(int(s) for s in sizes), ops)


def arch_data_from_zigzag(data: Any, where: str) -> dict[str, Any]:
    """A picojoule architecture (YAML form) from ZigZag hardware YAML."""
    c = Collector(where)
    if not isinstance(data, dict) or not isinstance(data.get("memories"), dict):
        raise SpecError.single(where, "memories", "a ZigZag hardware file (memories: ...)")
    array = data.get("operational_array") or {}
    dims = list(array.get("dimensions") or [])
    sizes = dict(zip(dims, array.get("sizes") or [], strict=False))
    inverse = {v: k for k, v in ZZ_MEMORY_OPERAND.items()}
    levels: list[dict[str, Any]] = []
    pending: list[str] = list(dims)  # array dims not yet placed (innermost first listing)
    for name, mem in reversed(list(data["memories"].items())):  # outermost first
        at = f"memories.{name}"
        served = list(mem.get("served_dimensions") or [])
        keeps = [inverse[o] for o in mem.get("operands") or [] if o in inverse]
        if not keeps:
            c.add(f"{at}.operands", "some of I1, I2, O")
        ports = mem.get("ports") or []
        # r_cost/w_cost are per access of the port's full width (bandwidth_max)
        width = max((int(p.get("bandwidth_max", p.get("bandwidth_min", 8))) for p in ports),
                    default=8)
        size = int(mem.get("size", 0))
        off_chip = "dram" in str(name).lower() or size >= 2**33
        level: dict[str, Any] = {"name": str(name), "kind": "dram" if off_chip else "sram",
                                 "keeps": keeps, "width_bits": width,
                                 "read_energy_pj": float(mem.get("r_cost", 0.0)),
                                 "write_energy_pj": float(mem.get("w_cost", 0.0)),
                                 "area_um2": float(mem.get("area", 0.0))}
        if not off_chip:
            level["capacity_bits"] = size
        reads = [int(p.get("bandwidth_max", width)) for p in ports
                 if p.get("type") in ("read", "read_write")]
        writes = [int(p.get("bandwidth_max", width)) for p in ports if p.get("type") == "write"]
        if reads:  # bits per cycle per instance, as ZigZag's port bandwidths are
            level["read_bandwidth_bits"] = float(sum(reads))
        if writes:
            level["write_bandwidth_bits"] = float(sum(writes))
        # the dims this memory does not serve are already spread above it
        below = [d for d in pending if d not in served]
        if levels and below:
            fan = levels[-1].setdefault("fanout", {"x": 1, "y": 1})
            for d in below:
                axis = "x" if dims.index(d) == 0 else "y"
                fan[axis] *= int(sizes.get(d, 1))
            pending = [d for d in pending if d in served]
        levels.append(level)
    if pending and levels:
        fan = levels[-1].setdefault("fanout", {"x": 1, "y": 1})
        for d in pending:
            fan["x" if dims.index(d) == 0 else "y"] *= int(sizes.get(d, 1))
    c.raise_if_any()
    return {"name": str(data.get("name", "zigzag")), "clock_hz": 1e9, "voltage_v": 1.0,
            "node_nm": 28, "systolic": bool(array.get("systolic_dimensions")),
            "compute": {"name": "mac", "precisions": ["int8"],
                        "mac_energy_pj": float(array.get("unit_energy", 0.0)),
                        "area_um2": float(array.get("unit_area", 0.0))},
            "levels": levels, "description": f"read from the ZigZag hardware file {where}"}
