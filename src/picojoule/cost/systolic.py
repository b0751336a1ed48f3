"""Systolic timing: fill and drain per fold, as SCALE-Sim models OS, WS and IS arrays.

Timeloop (and ``picojoule.cost``) count cycles as the throughput bound: one MAC per PE per
cycle, or the slowest level's bandwidth. A systolic array also pays, in every *fold* (one
residency of the stationary operand in the array), the skew to fill the array and to drain
it. SCALE-Sim (3.0) charges each fold of an array of ``rows x cols`` (physical, used or not)
streaming ``T`` vectors ``T + rows + cols - 2`` cycles output-stationary and
``T + 2 rows + cols - 2`` weight- or input-stationary (measured from its demand matrices).
Here ``T`` is the innermost run of temporal loops irrelevant to the stationary operand (the
loops that stream while it stays) and folds are every other temporal iteration.
"""

from __future__ import annotations

import numpy as np

from picojoule.arch.spec import Arch
from picojoule.mapping.batch import MappingBatch
from picojoule.workload.einsum import Layer


def stream_length(batch: MappingBatch, layer: Layer, stationary: str) -> np.ndarray:
    """Product of the innermost temporal loops irrelevant to ``stationary``, walking from
    the innermost level outward until the first relevant non-unit loop (B,)."""
    relevant = np.array([d in layer.operand(stationary).dims for d in layer.dims])
    B = batch.temporal.shape[0]
    f_seq = np.take_along_axis(batch.temporal, batch.order, axis=2).reshape(B, -1)
    d_seq = batch.order.reshape(B, -1)
    out = np.ones(B, dtype=np.int64)
    live = np.ones(B, dtype=bool)
    for i in range(f_seq.shape[1] - 1, -1, -1):
        f = f_seq[:, i]
        stop = live & (f > 1) & relevant[d_seq[:, i]]
        live &= ~stop
        out = np.where(live, out * f, out)
    return out


def fold_overhead(arch: Arch, stationary: str) -> int:
    """Fill + drain cycles of one fold on the physical array, as SCALE-Sim counts them: an
    output-stationary fold pays ``rows + cols - 2`` (operands skew in from two edges, results
    leave as they finish), a weight- or input-stationary fold ``2 rows + cols - 2`` (the
    stationary operand is loaded row by row first)."""
    fan = [lv.fanout for lv in arch.levels if lv.fanout.size > 1]
    if not fan:
        return 0
    rows, cols = fan[-1].y, fan[-1].x
    return rows + cols - 2 if stationary == "outputs" else 2 * rows + cols - 2


def systolic_cycles(batch: MappingBatch, layer: Layer, arch: Arch,
                    stationary: str | None) -> np.ndarray:
    """Compute cycles with fill and drain per fold (B,), for the given stationary operand
    (or, with none, the operand that streams longest per fold)."""
    total = batch.temporal.prod(axis=(1, 2)).astype(np.float64)
    ops = [stationary] if stationary else [op.name for op in layer.operands]
    streams = np.array([stream_length(batch, layer, op) for op in ops], dtype=np.float64)
    pick = np.argmax(streams, axis=0)
    stream = streams[pick, np.arange(len(total))]
    overhead = np.array([fold_overhead(arch, op) for op in ops], dtype=np.float64)[pick]
    return total / stream * (stream + overhead)
