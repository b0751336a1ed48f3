"""Whole-network analysis: best mapping per distinct layer, per-layer and total stats."""

from picojoule.analysis.device import AcceleratorDevice
from picojoule.analysis.network import LayerResult, NetworkAnalysis, analyze
from picojoule.analysis.totals import total_stats

__all__ = ["AcceleratorDevice", "LayerResult", "NetworkAnalysis", "analyze", "total_stats"]
