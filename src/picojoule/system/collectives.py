"""Collectives by the alpha-beta model: time = steps x alpha + bytes on the wire / bandwidth.

``n`` devices, ``size_bytes`` the per-device buffer (the full vector for an all-reduce, the
gathered result for an all-gather, the data each device sends for an all-to-all); ``alpha`` is
the per-step latency and ``bandwidth`` the per-device, per-direction bandwidth. Every function
takes numpy arrays or floats and returns the same shape (sweeps are vectorized).

* all-reduce: the faster of ring and tree for the message size;
* ring all-reduce: 2(n-1) steps, each device sends 2(n-1)/n of the buffer;
* tree all-reduce (reduce then broadcast over a binary tree, pipelined): 2 log2(n) steps, each
  device sends about 2x the buffer;
* all-gather and reduce-scatter (ring): n-1 steps, (n-1)/n of the buffer;
* all-to-all (pairwise): n-1 steps, (n-1)/n of the buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from picojoule.device import Link
from picojoule.errors import SpecError

KINDS = ("all_reduce", "ring_all_reduce", "tree_all_reduce", "all_gather", "reduce_scatter",
         "all_to_all", "send")


@dataclass(frozen=True)
class Collective:
    """One collective's time and the bytes each device puts on the wire."""

    seconds: Any
    wire_bytes_per_device: Any


def wire_fraction(kind: str, n: Any) -> Any:
    """Bytes each device sends, as a multiple of ``size_bytes``."""
    n = np.asarray(n, dtype=float)
    if kind in ("all_reduce", "ring_all_reduce"):
        return np.where(n > 1, 2 * (n - 1) / n, 0.0)
    if kind == "tree_all_reduce":
        return np.where(n > 1, 2.0, 0.0)
    if kind in ("all_gather", "reduce_scatter", "all_to_all"):
        return np.where(n > 1, (n - 1) / n, 0.0)
    if kind == "send":
        return np.ones_like(n)
    raise SpecError.single("collective", kind, f"one of {', '.join(KINDS)}")


def steps(kind: str, n: Any) -> Any:
    n = np.asarray(n, dtype=float)
    if kind in ("all_reduce", "ring_all_reduce"):
        return np.where(n > 1, 2 * (n - 1), 0.0)
    if kind == "tree_all_reduce":
        return np.where(n > 1, 2 * np.ceil(np.log2(np.maximum(n, 1))), 0.0)
    if kind in ("all_gather", "reduce_scatter", "all_to_all"):
        return np.where(n > 1, n - 1, 0.0)
    if kind == "send":
        return np.ones_like(n)
    raise SpecError.single("collective", kind, f"one of {', '.join(KINDS)}")


def collective(kind: str, n: Any, size_bytes: Any, alpha_s: float, bandwidth_bytes_per_s: float
               ) -> Collective:
    """Time of one collective over ``n`` devices by the alpha-beta model; ``all_reduce``
    takes the faster of ring and tree, as NCCL picks per message size."""
    if kind == "all_reduce":
        ring = collective("ring_all_reduce", n, size_bytes, alpha_s, bandwidth_bytes_per_s)
        tree = collective("tree_all_reduce", n, size_bytes, alpha_s, bandwidth_bytes_per_s)
        use_tree = np.asarray(tree.seconds) < np.asarray(ring.seconds)
        return Collective(np.where(use_tree, tree.seconds, ring.seconds),
                          np.where(use_tree, tree.wire_bytes_per_device,
                                   ring.wire_bytes_per_device))
    wire = wire_fraction(kind, n) * np.asarray(size_bytes, dtype=float)
    seconds = steps(kind, n) * alpha_s + wire / bandwidth_bytes_per_s
    return Collective(seconds, wire)


def over_link(kind: str, n: Any, size_bytes: Any, link: Link, efficiency: float = 1.0
              ) -> Collective:
    """A collective over one of a device's links, at a fraction of its bandwidth."""
    return collective(kind, n, size_bytes, link.latency_s,
                      link.bandwidth_bytes_per_s * efficiency)
