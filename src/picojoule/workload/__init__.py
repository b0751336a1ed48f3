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
