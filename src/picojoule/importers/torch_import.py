"""PyTorch ``nn.Module`` -> Network, by tracing with example inputs.

``torch.export`` (non-strict) comes first: it keeps high-level ATen ops (``aten.conv2d``,
``aten.linear``, ``aten.scaled_dot_product_attention``) and records each op's module path,
so names match ``model.named_modules()`` (``layer1.0.conv1``) and [compression] summaries
line up. If export fails (e.g. data-dependent control flow it cannot handle), ``torch.fx``
symbolic tracing with shape propagation is the fallback. Naming: a layer owning a weight is
named after the weight's module; a leaf module (``nn.ReLU``) after itself; a functional op
inside a module ``PATH.OP`` (``layer1.0.add``); repeats get ``_1``, ``_2`` suffixes.
"""

from __future__ import annotations

import operator
from typing import Any

from picojoule.errors import SpecError
from picojoule.importers.common import GraphBuilder, Shape, Tensor, emit
from picojoule.workload.network import Network

_FX_MODULES = {
    "Conv1d": "conv1d", "Conv2d": "conv2d", "Linear": "linear", "BatchNorm1d": "batch_norm",
    "BatchNorm2d": "batch_norm", "LayerNorm": "layer_norm", "GroupNorm": "group_norm",
    "RMSNorm": "rms_norm", "ReLU": "relu", "ReLU6": "relu6", "GELU": "gelu", "SiLU": "silu",
    "Sigmoid": "sigmoid", "Tanh": "tanh", "Hardswish": "hardswish", "Softmax": "softmax",
    "MaxPool1d": "max_pool1d", "MaxPool2d": "max_pool2d", "AvgPool1d": "avg_pool1d",
    "AvgPool2d": "avg_pool2d", "AdaptiveAvgPool1d": "adaptive_avg_pool1d",
    "AdaptiveAvgPool2d": "adaptive_avg_pool2d", "Dropout": "dropout", "Identity": "alias",
    "Flatten": "flatten", "Embedding": "embedding",
}


def import_torch(model: Any, example_inputs: Any, name: str | None = None,
                 allow_unsupported: bool = False, method: str = "auto") -> Network:
    """Trace ``model`` on ``example_inputs`` (a tensor or a tuple) into a Network.

    ``method``: "export", "fx" or "auto" (export, then fx). The model is traced in eval
    mode and its training flag restored. Unsupported ops raise one SpecError listing them with
    counts unless ``allow_unsupported``; then they are skipped and listed in
    ``meta["skipped_ops"]``.
    """
    import torch

    where = name or type(model).__name__
    if not isinstance(model, torch.nn.Module):
        raise SpecError.single(where, "model", f"a torch.nn.Module, got {type(model).__name__}")
    if method not in ("auto", "export", "fx"):
        raise SpecError.single(where, "method", f"auto, export or fx, got {method!r}")
    args = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    was_training = model.training
    model.eval()
    why_not_export = ""
    try:
        if method in ("auto", "export"):
            try:
                ep = torch.export.export(model, args, strict=False)
            except Exception as exc:
                why_not_export = f"torch.export: {type(exc).__name__}: " \
                                 f"{(str(exc).splitlines() or [''])[0][:200]}"
                if method == "export":
                    raise SpecError.single(where, "torch.export",
                                           f"an exportable model ({why_not_export})") from None
            else:
                return _from_export(ep, where, allow_unsupported)
        return _from_fx(model, args, where, allow_unsupported, why_not_export)
    finally:
        model.train(was_training)


def _shape(value: Any) -> Shape | None:
    if isinstance(value, list | tuple) and value:
        value = value[0]
    shape = getattr(value, "shape", None)
    return tuple(int(s) for s in shape) if shape is not None else None


def _module(node: Any) -> tuple[str, bool]:
    """(module path, whether the op is a leaf torch.nn module's whole forward)."""
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return "", False
    path, kind = list(stack.values())[-1]
    kind_name = kind if isinstance(kind, str) else f"{kind.__module__}.{kind.__qualname__}"
    return str(path), kind_name.startswith("torch.nn.modules.")


def _op_name(target: Any) -> str:
    if target is operator.getitem:
        return "getitem"
    text = str(getattr(target, "__name__", target))
    if hasattr(target, "_overloadpacket"):
        text = target._overloadpacket.__name__
    text = text.split(".")[-1]
    return text[:-1] if text.endswith("_") and not text.startswith("_") else text


def _base_name(path: str, leaf: bool, op: str, weight: str | None) -> str:
    if weight is not None and "." in weight:
        return weight.rsplit(".", 1)[0]
    if leaf and path:
        return path
    if op == "scaled_dot_product_attention":  # its parts: PATH.scores/.softmax/.context
        return path or "attn"
    return f"{path}.{op}" if path else op


def _from_export(ep: Any, where: str, allow_unsupported: bool) -> Network:
    sig = ep.graph_signature
    params: dict[str, str] = dict(sig.inputs_to_parameters)
    sizes = {fqn: int(t.numel()) for fqn, t in ep.state_dict.items() if fqn in params.values()}
    g = GraphBuilder(where)
    producer: dict[Any, str] = {}
    for node in ep.graph.nodes:
        if node.op != "call_function":
            continue
        op = _op_name(node.target)
        tensors = []
        flat = [a for arg in node.args for a in (arg if isinstance(arg, list | tuple) else [arg])]
        for arg in flat:
            shape = _shape(arg.meta.get("val")) if hasattr(arg, "meta") else None
            if shape is not None:
                tensors.append(Tensor(shape, params.get(arg.name), producer.get(arg, "")))
        out = _shape(node.meta.get("val")) or ()
        attrs = _export_attrs(op, node.args)
        path, leaf = _module(node)
        weight = next((t.param for t in tensors if t.param and t.param.endswith(".weight")),
                      None)
        base = _base_name(path, leaf, op, weight)
        made = emit(g, op, base, tensors, out, attrs, sizes)
        first = next((t.producer for t in tensors if t.param is None), "")
        producer[node] = made if made is not None else first
    return g.finish(allow_unsupported, where, importer="torch.export")


def _export_attrs(op: str, args: tuple[Any, ...]) -> dict[str, Any]:
    if op in ("conv1d", "conv2d"):
        return {"stride": _ints(args, 3), "dilation": _ints(args, 5)}
    if op == "convolution":
        return {"stride": _ints(args, 3), "dilation": _ints(args, 5),
                "transposed": bool(args[6]) if len(args) > 6 else False}
    if op == "einsum":
        return {"equation": args[0]}
    return {}


def _ints(args: tuple[Any, ...], index: int) -> list[int]:
    if len(args) <= index or not isinstance(args[index], list | tuple):
        return [1]
    return [int(v) for v in args[index]]


def _from_fx(model: Any, args: tuple[Any, ...], where: str, allow_unsupported: bool,
             why_not_export: str = "") -> Network:
    import torch
    from torch.fx.passes.shape_prop import ShapeProp

    try:
        gm = torch.fx.symbolic_trace(model)
        ShapeProp(gm).propagate(*args)
    except Exception as exc:
        fx_reason = f"torch.fx: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
        reasons = "; ".join(r for r in (why_not_export, fx_reason) if r)
        raise SpecError.single(where, "trace", f"a model torch.export or torch.fx can trace "
                                               f"({reasons})") from None
    modules = dict(gm.named_modules())
    sizes = {n: int(p.numel()) for n, p in gm.named_parameters()}
    g = GraphBuilder(where)
    producer: dict[Any, str] = {}

    def shape_of(n: Any) -> Shape | None:
        meta = n.meta.get("tensor_meta") if hasattr(n, "meta") else None
        if isinstance(meta, list | tuple) and not hasattr(meta, "shape"):
            meta = meta[0] if meta else None
        return tuple(int(s) for s in meta.shape) if meta is not None else None

    for node in gm.graph.nodes:
        if node.op not in ("call_module", "call_function", "call_method"):
            continue
        tensors: list[Tensor] = []
        for arg in node.args:
            shape = shape_of(arg) if hasattr(arg, "op") else None
            if shape is not None:
                param = arg.target if arg.op == "get_attr" else None
                tensors.append(Tensor(shape, param, producer.get(arg, "")))
        attrs: dict[str, Any] = {}
        leaf, path = False, ""
        if node.op == "call_module":
            module = modules[node.target]
            kind = type(module).__name__
            op = _FX_MODULES.get(kind, kind)
            path, leaf = str(node.target), True
            for pname, p in module.named_parameters(recurse=False):
                tensors.append(Tensor(tuple(p.shape), f"{path}.{pname}"))
            if op in ("conv1d", "conv2d"):
                attrs = {"stride": list(module.stride), "dilation": list(module.dilation)}
                tensors = [tensors[0], *(t for t in tensors[1:] if t.param and
                                         t.param.endswith(".weight")),
                           *(t for t in tensors[1:] if t.param and t.param.endswith(".bias"))]
        else:
            op = _op_name(node.target)
            if op == "einsum":
                attrs = {"equation": node.args[0]}
        out = shape_of(node) or ()
        base = _base_name(path, leaf, op, None) if node.op != "call_module" else path
        made = emit(g, op, base, tensors, out, attrs, sizes)
        first = next((t.producer for t in tensors if t.param is None), "")
        producer[node] = made if made is not None else first
    return g.finish(allow_unsupported, where, importer="torch.fx")
