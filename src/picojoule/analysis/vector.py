"""A vector unit on a picojoule accelerator: softmax, norms, activations, pooling, adds.

Model (stated, simple): the vector unit has one lane per PE column of the array (the largest
fan-out ``x`` of any level: 256 on TPU v1, 14 on Eyeriss), runs at the array clock, and spends
``ops_per_element`` operations per element (``analysis/data/vector_ops.csv``; softmax 5,
layernorm 8 ...), each at the energy of one MAC of the element precision (the estimator's MAC
at those bits; an upper bound for an add, about right for a multiply-add). Its data moves once
through the hierarchy: inputs read and outputs written at the outermost on-chip level whose
capacity holds both, else at the outermost level (DRAM). An embedding is a table read: rows
read from the outermost level, no operations. Time is the larger of the lane time and the
traffic time at that level's bandwidth.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from picojoule.arch.spec import Arch
from picojoule.cost.energy import energy_model
from picojoule.result import Result, Row, Span
from picojoule.workload.einsum import fc
from picojoule.workload.network import VectorOp


@dataclass(frozen=True)
class VectorCost:
    name: str
    kind: str
    ops: float
    level: str  # where its data was read and written
    compute_energy_pj: float
    storage_energy_pj: float
    cycles: float

    @property
    def energy_pj(self) -> float:
        return self.compute_energy_pj + self.storage_energy_pj

    def to_result(self, device: str, clock_hz: float) -> Result:
        """This operation as a Result: compute on the vector unit, traffic at its level."""
        rows = (Row(device, self.name, "", "", "", "compute", self.compute_energy_pj),
                Row(device, self.name, "", self.level, "", "storage", self.storage_energy_pj))
        seconds = self.cycles / clock_hz
        return Result(rows, (Span(device, self.name, "", seconds, self.cycles),), seconds)


@cache
def ops_per_element() -> dict[str, float]:
    text = resources.files("picojoule.analysis").joinpath("data/vector_ops.csv").read_text()
    return {r["kind"]: float(r["ops_per_element"]) for r in csv.DictReader(text.splitlines())}


def lanes(arch: Arch) -> int:
    return max(1, max(lv.fanout.x for lv in arch.levels))


@cache
def _energies(arch: Arch, bits: int) -> tuple[float, tuple[tuple[str, float, float, int], ...]]:
    b = max(2, min(bits, 32))
    model = energy_model(arch, fc(1, 1, 1, input_bits=b, weight_bits=b, output_bits=b,
                                  psum_bits=max(b, 16)))
    return model.mac_pj, tuple((lv.name, lv.read_pj, lv.write_pj, lv.width_bits)
                               for lv in model.levels)


def cost_vector_op(op: VectorOp, arch: Arch) -> VectorCost:
    mac_pj, levels = _energies(arch, op.bits)
    per = ops_per_element().get(op.kind, 1.0)
    ops = per * max(op.elements, op.elements_read)
    read_bits = op.elements_read * op.bits
    write_bits = op.elements * op.bits
    chosen = 0
    if op.kind != "embedding":
        for i, lv in enumerate(arch.levels):
            cap = lv.capacity_bits
            if cap is not None and cap * arch.instances[i] >= read_bits + write_bits:
                chosen = i
                break
    name, read_pj, write_pj, width = levels[chosen]
    storage_pj = math.ceil(read_bits / width) * read_pj + math.ceil(write_bits / width) * write_pj
    level = arch.levels[chosen]
    per_cycle = (level.read_bandwidth_bits if level.read_bandwidth_bits is not None
                 else level.width_bits) * arch.instances[chosen]
    cycles = max(math.ceil(ops / lanes(arch)), math.ceil((read_bits + write_bits) / per_cycle))
    return VectorCost(op.name, op.kind, ops, name, ops * mac_pj, storage_pj, float(cycles))


def cost_vector_ops(ops: tuple[VectorOp, ...], arch: Arch) -> tuple[VectorCost, ...]:
    return tuple(cost_vector_op(op, arch) for op in ops)
