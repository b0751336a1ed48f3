"""Roofline per operation and per network on any device, and the chart's data.

For each operation: FLOPs (2 per MAC; vector ops by ``analysis/data/vector_ops.csv``), bytes
at each memory level, arithmetic intensity (FLOPs per HBM byte), attainable throughput
``min(peak, intensity x bandwidth)`` at every level, and the bound that holds. HBM bytes are
compulsory traffic (each operand once, at its precision); the next level's bytes (L2 / on-chip
buffer) follow a tiled matmul: every MAC reads its two operands once per tile of ``TILE``
reuse, so inner bytes = 2 x MACs / TILE x bytes per element (at least the HBM bytes). Chart
data (roofs and points) is computed apart from drawing; ``svg`` draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from picojoule.analysis.vector import ops_per_element
from picojoule.result import Result, Row, Span
from picojoule.system.devices import DatasheetDevice
from picojoule.workload.einsum import Layer
from picojoule.workload.network import Network, VectorOp

TILE = 256  # effective reuse of a matmul tile (128x256 tiles, cluster multicast): an assumption


@dataclass(frozen=True)
class OpRoofline:
    name: str
    kind: str
    flops: float
    bytes_by_level: tuple[tuple[str, float], ...]  # outermost first
    seconds: float
    bound: str  # "compute" or the memory level that limits

    @property
    def hbm_bytes(self) -> float:
        return self.bytes_by_level[0][1]

    @property
    def intensity(self) -> float:
        """FLOPs per byte of the outermost memory."""
        return self.flops / self.hbm_bytes if self.hbm_bytes else math.inf

    @property
    def attainable_flops_per_s(self) -> float:
        return self.flops / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "flops": self.flops,
                **{f"{lv.lower()}_bytes": b for lv, b in self.bytes_by_level},
                "intensity_flops_per_byte": self.intensity, "seconds": self.seconds,
                "attainable_tflops_per_s": self.attainable_flops_per_s / 1e12,
                "bound": self.bound}


def precision_for(bits: int, device: DatasheetDevice) -> str:
    """The device precision an operand width runs at (8 -> int8 or fp8, 16 -> bf16/fp16 ...)."""
    have = device.precisions
    order = {4: ("int4", "fp4", "fp8", "int8", "bf16", "fp16"), 8: ("int8", "fp8", "bf16", "fp16"),
             16: ("bf16", "fp16", "fp8", "int8"), 32: ("fp32", "tf32", "bf16", "fp16")}
    for p in order.get(bits if bits in order else (8 if bits < 16 else 16), ()):
        if p in have:
            return p
    return have[0]


def op_roofline(op: Layer | VectorOp, device: DatasheetDevice) -> OpRoofline:
    eff = device.efficiency
    on_chip = (device.memories[1].capacity_bytes
               if device.activations_on_chip and len(device.memories) > 1 else 0.0)
    if isinstance(op, Layer):
        flops = 2.0 * op.macs
        hbm = sum(op.size(o.name) * o.bits / 8 for o in op.operands)
        acts = hbm - op.size("weights") * op.operand("weights").bits / 8
        if 0 < acts <= on_chip and any(o.name == "weights" for o in op.operands):
            hbm -= acts  # inputs and outputs stay in the on-chip buffer
        elem = max(op.operand("inputs").bits, op.operand("weights").bits) / 8
        tile = device.tile or TILE
        inner = max(hbm, device.inner_operands * op.macs / tile * elem)
        precision = precision_for(max(op.operand("inputs").bits, op.operand("weights").bits),
                                  device)
        kind = "einsum"
    else:
        flops = ops_per_element().get(op.kind, 1.0) * max(op.elements, op.elements_read)
        inner = (op.elements_read + op.elements) * op.bits / 8
        hbm = 0.0 if inner <= on_chip and op.kind != "embedding" else inner
        precision = precision_for(op.bits, device)
        kind = op.kind
    by_level = [(device.memories[0].name, hbm)]
    by_level += [(m.name, inner) for m in device.memories[1:]]
    peak = device.peak_ops_per_s(precision) * eff.compute
    times = {"compute": flops / peak}
    for (name, b), mem in zip(by_level, device.memories, strict=True):
        bw = mem.bandwidth_bytes_per_s * eff.memory
        times[name] = b / bw if bw > 0 else 0.0
    bound = max(times, key=lambda k: times[k])
    return OpRoofline(op.name, kind, flops, tuple(by_level), times[bound] + eff.kernel_overhead_s,
                      bound)


def network_roofline(network: Network, device: DatasheetDevice) -> tuple[OpRoofline, ...]:
    return tuple(op_roofline(n.op, device) for n in network.nodes)


def summary(ops: tuple[OpRoofline, ...], device: DatasheetDevice) -> dict[str, Any]:
    flops = math.fsum(o.flops for o in ops)
    hbm = math.fsum(o.hbm_bytes for o in ops)
    seconds = math.fsum(o.seconds for o in ops)
    bounds: dict[str, int] = {}
    for o in ops:
        bounds[o.bound] = bounds.get(o.bound, 0) + 1
    return {"device": device.name, "ops": len(ops), "flops": flops, "hbm_bytes": hbm,
            "intensity_flops_per_byte": flops / hbm if hbm else math.inf, "seconds": seconds,
            "attainable_tflops_per_s": flops / seconds / 1e12 if seconds else 0.0,
            "bound_counts": bounds}


def ridge(device: DatasheetDevice, precision: str, level: int = 0) -> float:
    """FLOPs per byte where the memory roof meets the compute roof (datasheet peaks)."""
    return device.peak_ops_per_s(precision) / device.memories[level].bandwidth_bytes_per_s


def run_network(network: Network, device: DatasheetDevice) -> Result:
    """The network on the device by its roofline: one span per op; energy rows for compute
    (FLOPs x J/op), storage (bytes x pJ/bit per level) and idle (idle power x time)."""
    from picojoule.system.serve import energy_j_per_op

    rows: list[Row] = []
    spans: list[Span] = []
    for o, node in zip(network_roofline(network, device), network.nodes, strict=True):
        bits = (max(node.op.operand("inputs").bits, node.op.operand("weights").bits)
                if isinstance(node.op, Layer) else node.op.bits)
        e_op = energy_j_per_op(device, precision_for(bits, device)) * 1e12
        rows.append(Row(device.name, o.name, "", "", "", "compute", o.flops * e_op,
                        macs=o.flops / 2))
        for (lv, b), mem in zip(o.bytes_by_level, device.memories, strict=True):
            rows.append(Row(device.name, o.name, "", lv, "", "storage",
                            b * 8 * mem.energy_pj_per_bit, bits=b * 8))
        rows.append(Row(device.name, o.name, "", "", "", "idle",
                        device.idle_w * o.seconds * 1e12))
        spans.append(Span(device.name, o.name, "", o.seconds))
    return Result(tuple(rows), tuple(spans), math.fsum(s.seconds for s in spans))


def chart(device: DatasheetDevice, precision: str, points: tuple[OpRoofline, ...] = ()
          ) -> dict[str, Any]:
    """Roofs (one per memory level, and the compute roof) over intensity, plus op points."""
    peak = device.peak_ops_per_s(precision)
    lo = min([0.1] + [p.intensity for p in points if p.intensity > 0])
    hi = max([10 * ridge(device, precision)] + [p.intensity for p in points
                                                if math.isfinite(p.intensity)])
    xs = [lo * (hi / lo) ** (i / 63) for i in range(64)]
    roofs = {m.name: [min(peak, x * m.bandwidth_bytes_per_s) for x in xs]
             for m in device.memories if m.bandwidth_bytes_per_s > 0}
    return {"device": device.name, "precision": precision, "peak_flops_per_s": peak,
            "intensity": xs, "roofs": roofs,
            "points": [{"name": p.name, "intensity": p.intensity,
                        "flops_per_s": p.attainable_flops_per_s, "bound": p.bound}
                       for p in points if math.isfinite(p.intensity) and p.flops > 0]}


def svg(data: dict[str, Any], width: int = 640, height: int = 420) -> str:
    """A log-log roofline chart as SVG text (every name escaped)."""
    from html import escape

    xs = data["intensity"]
    peak = data["peak_flops_per_s"]
    ys_all = [y for r in data["roofs"].values() for y in r if y > 0]
    ys_all += [p["flops_per_s"] for p in data["points"] if p["flops_per_s"] > 0]
    x0, x1 = math.log10(xs[0]), math.log10(xs[-1])
    y0, y1 = math.log10(min(ys_all)), math.log10(peak * 1.5)

    def px(x: float, y: float) -> str:
        u = 50 + (math.log10(x) - x0) / (x1 - x0) * (width - 70)
        v = height - 40 - (math.log10(max(y, 10 ** y0)) - y0) / (y1 - y0) * (height - 60)
        return f"{u:.1f},{v:.1f}"

    colors = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">',
             f'<text x="50" y="15" font-size="13">roofline: {escape(data["device"])} '
             f'({escape(data["precision"])}), FLOP/s vs FLOPs per byte (log-log)</text>']
    for (name, ys), color in zip(data["roofs"].items(), colors, strict=False):
        pts = " ".join(px(x, y) for x, y in zip(xs, ys, strict=True))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{pts}">'
                     f'<title>{escape(name)}</title></polyline>')
    for p in data["points"]:
        fill = "#d62728" if p["bound"] == "compute" else "#ff7f0e"
        u, v = px(p["intensity"], p["flops_per_s"]).split(",")
        parts.append(f'<circle cx="{u}" cy="{v}" r="3" fill="{fill}"><title>'
                     f'{escape(p["name"])}: {escape(p["bound"])}-bound</title></circle>')
    parts.append("</svg>")
    return "\n".join(parts)


def tpu_v1_apps(device: DatasheetDevice) -> list[dict[str, Any]]:
    """The TPU v1 paper's six applications against a device's roofline (MACs per byte)."""
    import csv
    from importlib import resources

    text = resources.files("picojoule.system").joinpath("data/tpu_v1_apps.csv").read_text()
    precision = device.precisions[0]
    ridge_macs = ridge(device, precision) / 2
    out = []
    for r in csv.DictReader(text.splitlines()):
        oi = float(r["macs_per_weight_byte"])
        attainable = min(device.peak_ops_per_s(precision),
                         2 * oi * device.memories[0].bandwidth_bytes_per_s)
        out.append({"app": r["app"], "macs_per_byte": oi, "ridge_macs_per_byte": ridge_macs,
                    "bound": "memory" if oi < ridge_macs else "compute",
                    "attainable_tops": attainable / 1e12,
                    "achieved_tops": float(r["achieved_tops"])})
    return out
