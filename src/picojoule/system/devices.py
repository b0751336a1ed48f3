"""Datasheet devices (GPUs, TPUs) as data, and a picojoule architecture seen as a device.

Every figure comes from ``data/devices.csv`` (one row per device and metric, with its source),
``data/links.csv`` (bandwidth per direction, latency, energy per bit) and
``data/efficiency.csv`` (achievable fractions of the peaks). Peaks are dense; 2:4-sparse peaks
are kept apart and are only returned when asked for with ``sparse=True``.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from picojoule.device import Link, MemoryLevel, arch_memories, arch_peak_ops_per_s
from picojoule.errors import SpecError

if TYPE_CHECKING:
    from picojoule.arch.spec import Arch
    from picojoule.result import Result
    from picojoule.workload.network import Network

PRECISIONS = ("fp32", "tf32", "bf16", "fp16", "fp8", "fp6", "int8", "int4", "fp4")
BITS = {"fp32": 32, "tf32": 32, "bf16": 16, "fp16": 16, "fp8": 8, "fp6": 6, "int8": 8,
        "int4": 4, "fp4": 4}
_UNIT_SCALE = {"TFLOP/s": 1e12, "TOP/s": 1e12, "GB": 1e9, "GB/s": 1e9, "MB": 1e6, "W": 1.0,
               "pJ/bit": 1.0, "devices": 1.0, "name": 1.0}


@dataclass(frozen=True)
class Efficiency:
    """Achievable fractions of the peaks, and a fixed cost per kernel, with their source."""

    compute: float = 1.0
    memory: float = 1.0
    link: float = 1.0
    kernel_overhead_s: float = 0.0
    low_precision: float = 0.0  # fraction of the FP8/INT8/FP4 peak (0: as ``compute``)
    prefill_overhead_s: float = 0.0  # per request batch: setup, first-token sampling
    source: str = ""

    def compute_for(self, precision: str) -> float:
        low = precision in ("fp8", "fp6", "fp4", "int8", "int4")
        return self.low_precision if low and self.low_precision > 0 else self.compute


@dataclass(frozen=True)
class DatasheetDevice:
    """A GPU or TPU described by its datasheet: peaks, memories, links, power."""

    name: str
    dense_ops_per_s: tuple[tuple[str, float], ...]
    sparse_ops_per_s: tuple[tuple[str, float], ...]
    memories: tuple[MemoryLevel, ...]  # outermost (HBM) first
    links: tuple[Link, ...]  # scale-up (NVLink/ICI), scale-out (IB), host (PCIe)
    tdp_w: float
    idle_w: float
    scale_up_size: int
    efficiency: Efficiency = Efficiency()
    sources: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # metric -> source
    # activations that fit the first on-chip level stay there between operations (TPU v1's
    # unified buffer); GPU kernels write them back to HBM, so datasheet devices say False
    activations_on_chip: bool = False
    # matmul reuse at the inner level: each element read there feeds ``tile`` MACs, and
    # ``inner_operands`` operands come from it (GPU tiles: both; a weight-stationary array:
    # the inputs only, one per array column). 0 = the roofline module's default tile.
    tile: int = 0
    inner_operands: int = 2

    @property
    def precisions(self) -> tuple[str, ...]:
        return tuple(p for p, _ in self.dense_ops_per_s)

    def peak_ops_per_s(self, precision: str, sparse: bool = False) -> float:
        table = dict(self.sparse_ops_per_s if sparse else self.dense_ops_per_s)
        if precision not in table:
            kind = "2:4-sparse" if sparse else "dense"
            have = ", ".join(p for p, _ in (self.sparse_ops_per_s if sparse
                                            else self.dense_ops_per_s)) or "none"
            raise SpecError.single("--precision", "", f"a precision {self.name} supports "
                                   f"({kind}: {have}); it has no {precision} peak")
        return table[precision]

    @property
    def hbm(self) -> MemoryLevel:
        return self.memories[0]

    def link(self, role: str) -> Link:
        """``scale_up`` (NVLink/ICI), ``scale_out`` (InfiniBand) or ``host`` (PCIe)."""
        for lk in self.links:
            if lk.name.startswith(f"{role}:"):
                return lk
        raise KeyError(role)

    def compute_power_w(self) -> float:
        """Power the math units draw at peak, by the budget left at TDP once idle and HBM at
        full bandwidth are paid for (a derivation, not a datasheet figure)."""
        hbm_w = self.hbm.bandwidth_bytes_per_s * 8 * self.hbm.energy_pj_per_bit * 1e-12
        return max(self.tdp_w - self.idle_w - hbm_w, 0.1 * self.tdp_w)

    def energy_pj_per_op(self, precision: str) -> float:
        """Compute energy of one operation (half a MAC) at a precision: the compute power
        budget spread over the dense peak of that precision."""
        return self.compute_power_w() / self.peak_ops_per_s(precision) * 1e12

    def run(self, network: Network) -> Result:
        from picojoule.system.roofline import run_network

        return run_network(network, self)


@cache
def _rows() -> dict[str, dict[str, tuple[str, str, str]]]:
    text = resources.files("picojoule.system").joinpath("data/devices.csv").read_text()
    out: dict[str, dict[str, tuple[str, str, str]]] = {}
    for row in csv.DictReader(text.splitlines()):
        out.setdefault(row["device"], {})[row["metric"]] = (row["value"], row["unit"],
                                                             row["source"])
    return out


@cache
def link_table() -> dict[str, tuple[float, float, float, str]]:
    """link name -> (bandwidth bytes/s per direction, latency s, pJ/bit, source)."""
    text = resources.files("picojoule.system").joinpath("data/links.csv").read_text()
    return {r["link"]: (float(r["bandwidth_gb_per_s"]) * 1e9, float(r["latency_us"]) * 1e-6,
                        float(r["energy_pj_per_bit"]), r["source"])
            for r in csv.DictReader(text.splitlines())}


@cache
def efficiency_table() -> dict[str, Efficiency]:
    text = resources.files("picojoule.system").joinpath("data/efficiency.csv").read_text()
    return {r["device"]: Efficiency(float(r["compute_efficiency"]),
                                    float(r["memory_efficiency"]),
                                    float(r["link_efficiency"]),
                                    float(r["kernel_overhead_us"]) * 1e-6,
                                    float(r["low_precision_compute_efficiency"] or 0.0),
                                    float(r["prefill_overhead_us"]) * 1e-6, r["source"])
            for r in csv.DictReader(text.splitlines())}


def device_names() -> tuple[str, ...]:
    return tuple(_rows())


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@cache
def get_device(name: str, where: str = "--device") -> DatasheetDevice:
    """A datasheet device by name (``h100``, ``TPU v4`` ... punctuation-insensitive)."""
    rows = _rows()
    keyed = {_key(n): n for n in rows}
    canonical = keyed.get(_key(name))
    if canonical is None:
        near = difflib.get_close_matches(name.lower(), list(rows), n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise SpecError.single(where, name, f"a device among {', '.join(rows)}{hint}")
    m = rows[canonical]

    def num(metric: str) -> float:
        value, unit, _ = m[metric]
        return float(value) * _UNIT_SCALE[unit]

    dense = tuple((p, num(f"{p}_dense")) for p in PRECISIONS if f"{p}_dense" in m)
    sparse = tuple((p, num(f"{p}_sparse")) for p in PRECISIONS if f"{p}_sparse" in m)
    memories = [MemoryLevel("HBM", num("hbm_capacity"), num("hbm_bandwidth"),
                            num("hbm_energy"))]
    if "l2_capacity" in m:
        # on-chip SRAM energy per bit is well below HBM's: Dally's 14 nm model at ~50 MB gives
        # 50 + 0.022*sqrt(4e8) = 490 fJ/bit (tech/data/energy.csv dally.sram_*)
        memories.append(MemoryLevel("L2", num("l2_capacity"), num("l2_bandwidth"), 0.49))
    links = []
    table = link_table()
    for role in ("scale_up", "scale_out", "host"):
        lk = m[f"{role}_link"][0]
        bw, lat, pj, _ = table[lk]
        links.append(Link(f"{role}:{lk}", bw, lat, pj))
    eff = efficiency_table().get(canonical, Efficiency())
    return DatasheetDevice(
        name=canonical, dense_ops_per_s=dense, sparse_ops_per_s=sparse,
        memories=tuple(memories), links=tuple(links), tdp_w=num("tdp"), idle_w=num("idle"),
        scale_up_size=int(num("scale_up_size")), efficiency=eff,
        sources=tuple((k, v[2]) for k, v in m.items()))


def arch_device(arch: Arch) -> DatasheetDevice:
    """A picojoule architecture as a roofline device: the peak at each precision it lists and
    its levels as memories (outermost first), derived by ``picojoule.device``'s
    ``arch_peak_ops_per_s`` and ``arch_memories`` exactly as for the cost-model
    ``AcceleratorDevice``; no energy per bit (the roofline of an arch gives times and bounds).

    A stand-in for the cost-model device (``analysis``): same peaks, but a layer's time here is
    its roofline bound, not a searched mapping.
    """
    peak = arch_peak_ops_per_s(arch)
    dense = tuple((p, peak) for p in arch.compute.precisions)
    eff = efficiency_table()["arch"]
    return DatasheetDevice(
        name=arch.name, dense_ops_per_s=dense, sparse_ops_per_s=(),
        memories=arch_memories(arch), links=(), tdp_w=0.0, idle_w=0.0, scale_up_size=1,
        efficiency=eff, sources=tuple(("spec", s) for s in arch.sources),
        activations_on_chip=True, tile=max(lv.fanout.x for lv in arch.levels),
        inner_operands=1 if arch.dataflow == "weight-stationary" else 2)
