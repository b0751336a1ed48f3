"""Building networks step by step: the zoo, transformer configs and importers share this.

A ``Builder`` appends nodes in execution order and remembers the last one, so a plain chain
needs no wiring and a residual names its second input explicitly. For CNNs it also tracks the
activation shape ``(C, H, W)`` so builders read like the model definitions they mirror, with
the same module names as torchvision (``layer1.0.conv1``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from picojoule.workload.einsum import Layer, bmm, conv2d, fc
from picojoule.workload.network import Network, Node, VectorOp


class Builder:
    """Appends layers and vector ops; ``shape`` is the current CNN activation (C, H, W)."""

    def __init__(self, name: str, batch: int = 1, shape: tuple[int, int, int] = (0, 0, 0)):
        self.name = name
        self.batch = batch
        self.nodes: list[Node] = []
        self.last = ""
        self.shape = shape

    def add(self, op: Layer | VectorOp, params: int = 0,
            inputs: Sequence[str] | None = None) -> str:
        ins = tuple(dict.fromkeys(inputs)) if inputs is not None else (
            (self.last,) if self.last else ())
        self.nodes.append(Node(op, ins, params))
        self.last = op.name
        return op.name

    # --- einsum layers -------------------------------------------------------------------
    def conv(self, name: str, out_channels: int, kernel: int, stride: int = 1, pad: int = 0,
             groups: int = 1, bias: bool = False, dilation: int = 1) -> str:
        c_in, h, w = self.shape
        p = (h + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1
        q = (w + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1
        layer = conv2d(self.batch, c_in, out_channels, p, q, kernel, kernel, stride=stride,
                       dilation=dilation, groups=groups, name=name, where=name)
        self.shape = (out_channels, p, q)
        params = out_channels * (c_in // groups) * kernel * kernel + (out_channels if bias else 0)
        return self.add(layer, params)

    def linear(self, name: str, tokens: int, c_in: int, c_out: int, bias: bool = True,
               inputs: Sequence[str] | None = None, tied: bool = False) -> str:
        """``tokens x c_in -> tokens x c_out``; ``tied`` weights (a shared embedding) own no
        parameters."""
        params = 0 if tied else c_in * c_out + (c_out if bias else 0)
        return self.add(fc(tokens, c_in, c_out, name=name, where=name), params, inputs)

    def matmul(self, name: str, batch: int, m: int, n: int, k: int,
               inputs: Sequence[str] | None = None) -> str:
        """Activation x activation (attention): no parameters."""
        return self.add(bmm(batch, m, n, k, name=name, where=name), 0, inputs)

    # --- vector ops ----------------------------------------------------------------------
    def vec(self, name: str, kind: str, elements: int, input_elements: int = 0, params: int = 0,
            inputs: Sequence[str] | None = None) -> str:
        return self.add(VectorOp(name, kind, elements, input_elements), params, inputs)

    def act(self, name: str, kind: str = "relu") -> str:
        return self.vec(name, kind, self.batch * _prod(self.shape))

    def norm(self, name: str, kind: str = "batchnorm") -> str:
        c = self.shape[0]
        return self.vec(name, kind, self.batch * _prod(self.shape), params=2 * c)

    def pool(self, name: str, kind: str, kernel: int, stride: int, pad: int = 0) -> str:
        c, h, w = self.shape
        p = (h + 2 * pad - kernel) // stride + 1
        q = (w + 2 * pad - kernel) // stride + 1
        self.shape = (c, p, q)
        out = self.batch * c * p * q
        return self.vec(name, kind, out, out * kernel * kernel)

    def global_pool(self, name: str, out_hw: int = 1) -> str:
        c, h, w = self.shape
        self.shape = (c, out_hw, out_hw)
        return self.vec(name, "avgpool", self.batch * c * out_hw * out_hw, self.batch * c * h * w)

    def residual(self, name: str, other: str) -> str:
        return self.vec(name, "add", self.batch * _prod(self.shape), 2 * self.batch
                        * _prod(self.shape), inputs=(self.last, other))

    def build(self, **meta: Any) -> Network:
        return Network(self.name, tuple(self.nodes),
                       tuple(sorted({"batch": self.batch, **meta}.items())))


def _prod(shape: Sequence[int]) -> int:
    out = 1
    for s in shape:
        out *= s
    return out
