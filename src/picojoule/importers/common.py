"""Shared by the PyTorch and ONNX importers: canonical ops -> network nodes.

Both importers reduce each graph node to a canonical op name (ATen-style: ``conv2d``,
``linear``, ``matmul``, ``relu``...) with tensor shapes, and this module turns it into
einsum layers and vector ops with one set of rules, so the same model gives the same layers
through either door. Ops that only move or reshape data are dropped by design (``LAYOUT``);
any other op not known here is recorded as unsupported, with a count, never dropped silently.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from picojoule.errors import SpecError
from picojoule.workload.einsum import bmm, conv2d, fc
from picojoule.workload.network import Network, Node, VectorOp

Shape = tuple[int, ...]

LAYOUT = frozenset({
    "view", "reshape", "_unsafe_view", "permute", "transpose", "t", "flatten", "contiguous",
    "clone", "expand", "expand_as", "unsqueeze", "squeeze", "cat", "concat", "stack", "split",
    "split_with_sizes", "chunk", "slice", "select", "getitem", "dropout", "native_dropout",
    "feature_dropout", "alias", "detach", "_to_copy", "to", "type_as", "sym_size", "size",
    "arange", "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "new_zeros",
    "new_ones", "new_full", "unbind", "repeat", "repeat_interleave", "tril", "triu",
    "constant_pad_nd", "pad", "lift_fresh_copy", "_assert_tensor_metadata", "_assert_scalar",
    "scalar_tensor", "empty", "empty_like", "unflatten", "movedim", "narrow", "identity",
    "shape", "constant", "constantofshape", "cast", "range", "gather_layout", "dim", "item",
    "_set_grad_enabled", "sym_constrain_range_for_size", "tile", "index_select", "index",
})
ACTIVATIONS = {
    "relu": "relu", "relu6": "relu6", "hardtanh": "relu6", "clip": "relu6", "gelu": "gelu",
    "silu": "silu", "sigmoid": "sigmoid", "tanh": "tanh", "hardswish": "hardswish",
    "hardsigmoid": "sigmoid", "leaky_relu": "relu", "leakyrelu": "relu", "elu": "relu",
    "mish": "silu", "erf": "gelu",
}
SOFTMAX = frozenset({"softmax", "_softmax", "log_softmax", "_log_softmax", "_safe_softmax",
                     "logsoftmax"})
NORMS = {
    "batch_norm": "batchnorm", "_native_batch_norm_legit_no_training": "batchnorm",
    "_native_batch_norm_legit_functional": "batchnorm", "native_batch_norm": "batchnorm",
    "batchnormalization": "batchnorm", "layer_norm": "layernorm",
    "native_layer_norm": "layernorm", "layernormalization": "layernorm",
    "group_norm": "groupnorm", "native_group_norm": "groupnorm",
    "groupnormalization": "groupnorm", "instance_norm": "groupnorm",
    "instancenormalization": "groupnorm", "rms_norm": "rmsnorm", "rmsnormalization": "rmsnorm",
}
POOLS = {
    "max_pool1d": "maxpool", "max_pool2d": "maxpool", "max_pool2d_with_indices": "maxpool",
    "maxpool": "maxpool", "avg_pool1d": "avgpool", "avg_pool2d": "avgpool",
    "averagepool": "avgpool", "adaptive_avg_pool1d": "avgpool",
    "adaptive_avg_pool2d": "avgpool", "_adaptive_avg_pool2d": "avgpool",
    "adaptive_max_pool2d": "maxpool", "globalaveragepool": "avgpool",
    "globalmaxpool": "maxpool", "mean": "reduce", "sum": "reduce", "reducemean": "reduce",
    "reducesum": "reduce", "amax": "reduce", "reducemax": "reduce",
}
ELEMENTWISE = {
    "add": "add", "sub": "add", "mul": "mul", "div": "mul", "pow": "elementwise",
    "sqrt": "elementwise", "rsqrt": "elementwise", "exp": "elementwise", "neg": "elementwise",
    "reciprocal": "elementwise", "masked_fill": "elementwise", "where": "elementwise",
    "clamp": "elementwise", "abs": "elementwise", "cos": "elementwise", "sin": "elementwise",
    "lt": "elementwise", "gt": "elementwise", "le": "elementwise", "ge": "elementwise",
    "eq": "elementwise", "ne": "elementwise", "logical_not": "elementwise",
    "bitwise_not": "elementwise", "min": "elementwise", "max": "elementwise",
    "minimum": "elementwise", "maximum": "elementwise", "log": "elementwise",
    "floor": "elementwise", "less": "elementwise", "greater": "elementwise",
    "equal": "elementwise", "not": "elementwise", "and": "elementwise",
    "__and__": "elementwise", "__or__": "elementwise", "bitwise_and": "elementwise",
    "bitwise_or": "elementwise", "logical_and": "elementwise", "logical_or": "elementwise",
    "cumsum": "elementwise", "diff": "elementwise",
}
EINSUMS = frozenset({"conv1d", "conv2d", "convolution", "conv", "linear", "matmul", "mm",
                     "bmm", "addmm", "gemm", "einsum", "scaled_dot_product_attention",
                     "attention", "embedding"})


@dataclass(frozen=True)
class Tensor:
    """A tensor argument: its shape, and the parameter it is (if any) with its name."""

    shape: Shape
    param: str | None = None  # parameter / initializer name, None for activations
    producer: str = ""  # network node that produced it ("" for graph inputs/params)


@dataclass
class GraphBuilder:
    """Accumulates nodes with unique names; counts every parameter once (tied weights)."""

    name: str
    nodes: list[Node] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    counted: set[str] = field(default_factory=set)
    unsupported: Counter[str] = field(default_factory=Counter)

    def unique(self, base: str) -> str:
        name, k = base, 0
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name

    def params_of(self, tensors: Sequence[Tensor], sizes: dict[str, int]) -> int:
        total = 0
        for t in tensors:
            if t.param is not None and t.param not in self.counted:
                self.counted.add(t.param)
                total += sizes.get(t.param, math.prod(t.shape))
        return total

    def add(self, op: Any, inputs: Sequence[str], params: int = 0) -> str:
        self.nodes.append(Node(op, tuple(dict.fromkeys(i for i in inputs if i)), params))
        return str(op.name)

    def finish(self, allow_unsupported: bool, where: str, **meta: Any) -> Network:
        if self.unsupported and not allow_unsupported:
            listing = ", ".join(f"{op} x{n}" for op, n in sorted(self.unsupported.items()))
            raise SpecError.single(where, "unsupported ops", f"only supported ops; found "
                                   f"{listing} (pass allow_unsupported=True / --allow-"
                                   f"unsupported to continue without them)")
        if self.unsupported:
            meta["skipped_ops"] = dict(sorted(self.unsupported.items()))
        return Network(self.name, tuple(self.nodes), tuple(sorted(meta.items())))


def emit(g: GraphBuilder, op: str, base: str, args: Sequence[Tensor], out: Shape,
         attrs: dict[str, Any], sizes: dict[str, int], label: str = "") -> str | None:
    """Add the node(s) for one canonical op; returns the name that produces its output
    (``None`` for layout ops: the output is the first input's producer). ``label`` names the
    op in the unsupported list (default: ``op``)."""
    producers = [t.producer for t in args if t.param is None]
    if op in LAYOUT:
        return None
    if op in EINSUMS:
        return _einsum(g, op, base, args, out, attrs, sizes, producers)
    kind = (ACTIVATIONS.get(op) or ("softmax" if op in SOFTMAX else None) or NORMS.get(op)
            or POOLS.get(op) or ELEMENTWISE.get(op))
    if kind is None:
        g.unsupported[label or op] += 1
        return None
    elements = math.prod(out)
    read = sum(math.prod(t.shape) for t in args if t.param is None)
    vec = VectorOp(g.unique(base), kind, elements, read if read != elements else 0)
    return g.add(vec, producers, g.params_of(args, sizes))


def _einsum(g: GraphBuilder, op: str, base: str, args: Sequence[Tensor], out: Shape,
            attrs: dict[str, Any], sizes: dict[str, int], producers: list[str]) -> str | None:
    acts = [t for t in args if t.param is None]
    weights = [t for t in args if t.param is not None]
    if op == "embedding":
        vec = VectorOp(g.unique(base), "embedding", math.prod(out))
        return g.add(vec, producers, g.params_of(args, sizes))
    if op in ("conv1d", "conv2d", "convolution", "conv"):
        return _conv(g, base, args, out, attrs, sizes, producers)
    if op == "scaled_dot_product_attention" or op == "attention":
        q, k, v = (acts + [Tensor((1,))] * 3)[:3]
        batch = math.prod(q.shape[:-3]) if len(q.shape) > 3 else 1
        heads, kv_heads = q.shape[-3], k.shape[-3] if len(k.shape) > 2 else 1
        s, d, length, dv = q.shape[-2], q.shape[-1], k.shape[-2], v.shape[-1]
        group = max(heads // max(kv_heads, 1), 1)
        bh = batch * kv_heads
        scores = g.add(bmm(bh, group * s, length, d, name=g.unique(f"{base}.scores")),
                       [q.producer, k.producer])
        soft = g.add(VectorOp(g.unique(f"{base}.softmax"), "softmax",
                              batch * heads * s * length), [scores])
        return g.add(bmm(bh, group * s, dv, length, name=g.unique(f"{base}.context")),
                     [soft, v.producer])
    if op == "einsum":
        return _einsum_equation(g, base, args, out, attrs, producers)
    # linear / gemm / matmul / mm / bmm / addmm
    if op in ("linear", "gemm", "addmm") or (len(weights) and len(acts) == 1):
        x = acts[0] if acts else args[0]
        w = next((t for t in weights if len(t.shape) >= 2), None)
        if w is None:
            g.unsupported[f"{op}(no weight)"] += 1
            return None
        c_in = x.shape[-1] if op != "gemm" or not attrs.get("trans_a") else x.shape[0]
        rows = math.prod(out[:-1]) if len(out) > 1 else 1
        layer = fc(rows, c_in, out[-1], name=g.unique(base), where=base)
        return g.add(layer, producers, g.params_of(args, sizes))
    a, b = (acts + acts)[:2] if len(acts) == 1 else (acts[0], acts[1])
    a_shape = a.shape if len(a.shape) > 1 else (1, *a.shape)
    b_shape = b.shape if len(b.shape) > 1 else (*b.shape, 1)
    rows, inner, cols = a_shape[-2], a_shape[-1], b_shape[-1]
    batch = math.prod(out[:-2]) if len(out) > 2 else 1
    return g.add(bmm(batch, rows, cols, inner, name=g.unique(base), where=base), producers)


def _conv(g: GraphBuilder, base: str, args: Sequence[Tensor], out: Shape,
          attrs: dict[str, Any], sizes: dict[str, int], producers: list[str]) -> str | None:
    x, w = args[0], args[1]
    if attrs.get("transposed") or len(x.shape) not in (3, 4):
        g.unsupported["conv_transpose" if attrs.get("transposed")
                      else f"conv{len(x.shape) - 2}d"] += 1
        return None
    stride = list(attrs.get("stride") or [1]) * 2
    dilation = list(attrs.get("dilation") or [1]) * 2
    c_in, m, groups = x.shape[1], w.shape[0], x.shape[1] // w.shape[1]
    if len(x.shape) == 3:  # conv1d: Q = S = 1
        p, q, r, s = out[2], 1, w.shape[2], 1
        stride_hw, dil_hw = (stride[0], 1), (dilation[0], 1)
    else:
        p, q, r, s = out[2], out[3], w.shape[2], w.shape[3]
        stride_hw, dil_hw = (stride[0], stride[1]), (dilation[0], dilation[1])
    layer = conv2d(x.shape[0], c_in, m, p, q, r, s, stride=stride_hw, dilation=dil_hw,
                   groups=groups, name=g.unique(base), where=base)
    return g.add(layer, producers, g.params_of(args, sizes))


def _einsum_equation(g: GraphBuilder, base: str, args: Sequence[Tensor], out: Shape,
                     attrs: dict[str, Any], producers: list[str]) -> str | None:
    """Two-operand einsum as a batched matmul: batch, M, N and contracted index sizes."""
    equation = str(attrs.get("equation", "")).replace(" ", "")
    lhs, _, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != 2 or len(args) != 2 or "." in equation:
        g.unsupported["einsum(not two operands)"] += 1
        return None
    size: dict[str, int] = {}
    for term, t in zip(terms, args, strict=True):
        size.update(zip(term, t.shape, strict=False))
    a, b = set(terms[0]), set(terms[1])
    prod = lambda idx: math.prod(size[i] for i in idx)  # noqa: E731
    batch = prod(a & b & set(rhs))
    k = prod((a & b) - set(rhs)) * prod((a ^ b) - set(rhs))
    m, n = prod((a - b) & set(rhs)), prod((b - a) & set(rhs))
    params = 0
    if any(t.param for t in args):
        params = g.params_of(args, {})
    layer = bmm(batch, m, n, k, name=g.unique(base), where=base)
    return g.add(layer, producers, params)
