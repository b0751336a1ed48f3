"""Whole-network analysis: best mapping per distinct layer, per-layer and total stats."""

from picojoule.analysis.cache import DiskCache, digest
from picojoule.analysis.load import load_network_arg
from picojoule.analysis.network import LayerResult, NetworkAnalysis, analyze
from picojoule.analysis.totals import total_stats

__all__ = ["DiskCache", "LayerResult", "NetworkAnalysis", "analyze", "digest",
           "load_network_arg", "total_stats"]
