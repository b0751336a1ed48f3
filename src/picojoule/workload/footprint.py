"""Memory footprint of a network by precision: weights, and the KV cache of LLMs.

Bytes are decimal (1 GB = 1e9 B) like the published "70 B params = 140 GB at FP16" figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from picojoule.workload.network import Network

PRECISIONS_BITS: dict[str, int] = {"FP32": 32, "FP16": 16, "FP8": 8, "INT4": 4}


@dataclass(frozen=True)
class FootprintRow:
    """Memory at one precision; KV figures are 0 for models without a KV cache."""

    precision: str
    bits: int
    weight_bytes: int
    kv_cache_bytes_per_token: int
    kv_cache_bytes: int  # at the network's batch and context length


def footprint(net: Network, precisions: dict[str, int] | None = None) -> list[FootprintRow]:
    """Weights and KV cache at each precision (all parameters and cache values at ``bits``)."""
    info = net.info
    kv_values = int(info.get("kv_cache_values_per_token", 0))
    positions = int(info.get("batch", 1)) * int(info.get("context", 0)) if kv_values else 0
    rows = []
    for name, bits in (precisions or PRECISIONS_BITS).items():
        per_token = kv_values * bits // 8
        rows.append(FootprintRow(name, bits, net.params * bits // 8, per_token,
                                 per_token * positions))
    return rows
