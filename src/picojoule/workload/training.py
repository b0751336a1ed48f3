"""Training workloads: the forward pass, then two backward einsums per layer.

For a layer ``Y = X * W`` backpropagation computes ``dX = dY * W^T`` (grad_input) and
``dW = X^T * dY`` (grad_weight). Both run over the forward layer's own iteration space with
the operands' roles permuted, so each has exactly the forward MACs and keeps the affine
structure (a convolution's dX is the transposed convolution, its dW the window correlation).
For attention matmuls (no parameters) the two gradients go to the two activations. ``dX`` of
the first layer is kept (it is cheap and keeps backward = 2x forward exact); vector ops get
one gradient op each of the same size, and one optimizer step touches every parameter.
"""

from __future__ import annotations

from picojoule.workload.einsum import Layer, Operand
from picojoule.workload.network import Network, Node, VectorOp


def grad_input(layer: Layer) -> Layer:
    """``dX = dY * W^T``: inputs dY (output axes), weights W, outputs dX (input axes)."""
    x, w, y = (layer.operand(n) for n in ("inputs", "weights", "outputs"))
    ops = (Operand("inputs", y.axes, y.bits), Operand("weights", w.axes, w.bits, w.density),
           Operand("outputs", x.axes, y.bits, psum_bits=y.psum_bits))
    return Layer(f"{layer.name}.grad_input", f"{layer.kind}_grad_input", layer.dims,
                 layer.bounds, ops)


def grad_weight(layer: Layer) -> Layer:
    """``dW = X^T * dY``: inputs X, weights dY (output axes), outputs dW (weight axes)."""
    x, w, y = (layer.operand(n) for n in ("inputs", "weights", "outputs"))
    ops = (Operand("inputs", x.axes, x.bits, x.density), Operand("weights", y.axes, y.bits),
           Operand("outputs", w.axes, y.bits, psum_bits=y.psum_bits))
    return Layer(f"{layer.name}.grad_weight", f"{layer.kind}_grad_weight", layer.dims,
                 layer.bounds, ops)


def training_network(net: Network) -> Network:
    """Forward nodes, then backward nodes in reverse order, then an optimizer step.

    ``meta`` records ``stored_activation_bits``: every forward output kept for the backward
    pass (at its precision), the memory that training adds over inference.
    """
    nodes = list(net.nodes)
    stored_bits = 0
    for node in net.nodes:
        op = node.op
        stored_bits += node.activations * (op.output.bits if isinstance(op, Layer) else op.bits)
    for node in reversed(net.nodes):
        op = node.op
        if isinstance(op, Layer):
            nodes.append(Node(grad_input(op), (node.name,)))
            nodes.append(Node(grad_weight(op), (node.name,)))
        else:
            nodes.append(Node(VectorOp(f"{op.name}.grad", op.kind, op.elements_read,
                                       op.elements, op.bits), (node.name,)))
    if net.params:
        nodes.append(Node(VectorOp("optimizer.step", "elementwise", net.params, 3 * net.params)))
    out = Network(f"{net.name}-training", tuple(nodes), net.meta)
    return out.with_meta(phase="training", forward_macs=net.macs,
                         stored_activation_bits=stored_bits,
                         stored_activation_bytes=stored_bits // 8)


def backward_macs(net: Network) -> int:
    """MACs of the gradient layers of a training network."""
    return sum(layer.macs for layer in net.layers if "_grad_" in layer.kind)
