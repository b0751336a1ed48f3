"""What to compute: layers as einsums with affine projections."""

from picojoule.workload.einsum import OPERAND_NAMES, Layer, Operand, Term, bmm, conv2d, fc, gemm
from picojoule.workload.text import (
    KINDS,
    layer_from_arg,
    layer_from_mapping,
    load_layer,
    parse_layer,
)

__all__ = ["KINDS", "OPERAND_NAMES", "Layer", "Operand", "Term", "bmm", "conv2d", "fc", "gemm",
           "layer_from_arg", "layer_from_mapping", "load_layer", "parse_layer"]

# [workloads] networks, transformer configs, training, zoo (load_model: picojoule.importers)
from picojoule.workload.footprint import PRECISIONS_BITS, FootprintRow, footprint
from picojoule.workload.network import VECTOR_KINDS, Network, Node, VectorOp, summarize
from picojoule.workload.network_io import (
    load_network,
    network_from_dict,
    network_from_text,
    network_to_dict,
    network_to_text,
    save_network,
)
from picojoule.workload.training import backward_macs, grad_input, grad_weight, training_network
from picojoule.workload.transformer import PHASES, transformer_network
from picojoule.workload.transformer_config import TransformerConfig, load_config

__all__ += [
    "PHASES", "PRECISIONS_BITS", "VECTOR_KINDS", "FootprintRow", "Network", "Node",
    "TransformerConfig", "VectorOp", "backward_macs", "footprint", "grad_input", "grad_weight",
    "load_config", "load_network", "network_from_dict", "network_from_text",
    "network_to_dict", "network_to_text", "save_network", "summarize", "training_network",
    "transformer_network",
]
