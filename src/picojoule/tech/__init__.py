"""What each action costs: energy per action and area per component, each citing a source."""

from picojoule.tech.components import Estimate, Link, Mac, Memory, Tech, Wire
from picojoule.tech.registry import ENTRY_POINT_GROUP, Estimator, NoEstimatorError, Registry
from picojoule.tech.scaling import energy_scale, node_energy_factor, stillmaker_energy_factor

__all__ = ["ENTRY_POINT_GROUP", "Estimate", "Estimator", "Link", "Mac", "Memory",
           "NoEstimatorError", "Registry", "Tech", "Wire", "energy_scale", "node_energy_factor",
           "stillmaker_energy_factor"]
