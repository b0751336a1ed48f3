"""What the fan-outs between levels do to traffic: multicast, spatial reduction, partial-sum
refills and the wire length a transfer crosses (helpers of ``picojoule.cost.model``)."""

from __future__ import annotations

import numpy as np

from picojoule.arch.spec import Arch


def spatial_factor(S: np.ndarray, arch: Arch, levels: range, dims: tuple[int, ...],
                   capability: str) -> np.ndarray:
    """Product of spatial factors ``S`` (L, D, B) of ``dims`` over the fan-outs of ``levels``
    that have the network ``capability`` (multicast or reduction)."""
    out = np.ones(S.shape[2], dtype=np.int64)
    for m in levels:
        if getattr(arch.levels[m].fanout, capability):
            for d in dims:
                out = out * S[m, d]
    return out


def refill_multicast(S: np.ndarray, arch: Arch, levels: range,
                     dims: tuple[int, ...]) -> np.ndarray | int:
    """Children filled by one partial-sum read under a spatial reduction: 1 by default (the
    sum returns to one child, the others restart from zero); the reduction factor of the
    fan-outs whose ``psum_refill`` is ``multicast`` (Timeloop: every child counts a fill)."""
    out: np.ndarray | int = 1
    for m in levels:
        fan = arch.levels[m].fanout
        if fan.reduction and fan.psum_refill == "multicast":
            for d in dims:
                out = out * S[m, d]
    return out


def hops_mm(used_x: np.ndarray, used_y: np.ndarray, arch: Arch) -> np.ndarray | None:
    """(L, B) wire length one transfer crosses through each level's fan-out: half the span of
    the used array on each axis (a first-order model); None when no fan-out has a pitch."""
    pitch_mm = np.array([lv.fanout.pe_pitch_um / 1000.0 for lv in arch.levels])
    if not pitch_mm.any():
        return None
    return pitch_mm[:, None] * (used_x + used_y).T / 2.0


def hop(hops: np.ndarray | None, levels: range) -> np.ndarray | float:
    """Wire length through the fan-outs of ``levels``."""
    return 0.0 if hops is None else hops[levels.start:levels.stop].sum(axis=0)
