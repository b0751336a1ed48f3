"""Whole-network analysis: best mapping per distinct layer, per-layer and total stats."""

from picojoule.analysis.cache import DiskCache, digest
from picojoule.analysis.network import LayerResult, NetworkAnalysis, analyze
from picojoule.analysis.totals import total_stats

__all__ = ["DiskCache", "LayerResult", "NetworkAnalysis", "analyze", "digest", "total_stats"]
