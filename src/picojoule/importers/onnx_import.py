"""ONNX file -> Network, with ONNX shape inference.

Values are classified as activations (they depend on a graph input), parameters (derived from
one initializer through layout ops only, e.g. the ``Transpose`` of a Linear weight) or
constants; only parameters count as parameters. Linear layers exported as ``MatMul`` + bias
``Add`` become one fc layer owning its bias; ``BatchNormalization`` counts scale and shift,
not its running statistics. Files written by ``torch.onnx.export`` carry each node's module
path (``pkg.torch.onnx.name_scopes``): names then follow the PyTorch importer's rules, so one
model imported both ways gives the same layer list. Scaled-dot-product attention, which the
exporter decomposes, is regrouped into ``attn.scores``/``attn.softmax``/``attn.context``.
"""

from __future__ import annotations

import ast
import dataclasses
import math
from pathlib import Path
from typing import Any

from picojoule.errors import SpecError
from picojoule.importers.common import LAYOUT, POOLS, GraphBuilder, Shape, Tensor, emit
from picojoule.importers.torch_import import _FX_MODULES, _base_name
from picojoule.workload.einsum import Layer
from picojoule.workload.network import Network

_ONNX_LAYOUT = frozenset({
    "unsqueeze", "squeeze", "concat", "slice", "split", "expand", "castlike", "sequenceat",
    "splittosequence", "sequenceconstruct", "constant", "shape", "identity", "cast",
    "dropout", "flatten", "pad", "tile", "range", "transpose", "reshape", "constantofshape",
    "size", "nonzero", "trilu",
})
_SDPA_DROP = frozenset({"mul", "div", "sqrt", "add", "where", "cast", "castlike"})


def import_onnx(path: str | Path, batch: int | None = None, name: str | None = None,
                allow_unsupported: bool = False) -> Network:
    """Read an ONNX file; ``batch`` fills a symbolic leading input dimension.

    Only shapes matter here, so weights stored as external data are not loaded (a model
    shipped without its ``.external`` file, as ZigZag's examples are, still imports)."""
    import onnx

    where = str(path)
    try:
        model = onnx.load(str(path), load_external_data=False)
    except FileNotFoundError:
        raise SpecError.single(where, "", "an existing .onnx file") from None
    except Exception as exc:
        raise SpecError.single(where, "", f"a valid ONNX model (could not parse it: "
                                          f"{type(exc).__name__})") from None
    if not model.graph.node:
        raise SpecError.single(where, "graph", "an ONNX model with at least one node")
    if not _names_are_text(model.graph):
        raise SpecError.single(where, "graph", "an ONNX model whose names are UTF-8 text")
    initializers = {init.name for init in model.graph.initializer}
    for value in model.graph.input:
        dims = value.type.tensor_type.shape.dim
        if dims and batch is not None and not dims[0].dim_value:
            dims[0].dim_value = batch
        elif dims and batch is not None and batch != 1 and value.name not in initializers \
                and dims[0].dim_value != batch:
            raise SpecError.single(where, "--batch", (
                f"1 or the model's own batch: input {value.name[:60]!r} has a fixed batch of "
                f"{dims[0].dim_value} (export it with a dynamic batch axis to choose one)"))
    try:
        model = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as exc:
        raise SpecError.single(where, "", f"an ONNX model whose shapes can be inferred "
                                          f"({type(exc).__name__})") from None
    return _convert(model, name or Path(where).stem, where, allow_unsupported)


def _names_are_text(graph: Any) -> bool:
    """Protobuf hands back ``bytes`` for string fields that are not valid UTF-8."""
    names: list[Any] = [graph.name]
    for node in graph.node:
        names += [node.name, node.op_type, node.domain, *node.input, *node.output]
        names += [a.name for a in node.attribute]
    for value in [*graph.input, *graph.output, *graph.value_info, *graph.initializer]:
        names.append(value.name)
    return all(isinstance(n, str) for n in names)


def _shapes(model: Any) -> dict[str, Shape]:
    out: dict[str, Shape] = {}
    graph = model.graph
    for value in [*graph.input, *graph.value_info, *graph.output]:
        dims = value.type.tensor_type.shape.dim
        if value.type.tensor_type.HasField("shape") and all(d.dim_value > 0 for d in dims):
            out[value.name] = tuple(int(d.dim_value) for d in dims)
    for init in graph.initializer:
        out[init.name] = tuple(int(d) for d in init.dims)
    return out


def _meta(node: Any) -> tuple[str, bool, str]:
    """(module path, leaf torch module?, aten op) from torch exporter metadata, if any."""
    props = {p.key: p.value for p in node.metadata_props}
    try:
        scopes = ast.literal_eval(props.get("pkg.torch.onnx.name_scopes", "[]"))
        classes = ast.literal_eval(props.get("pkg.torch.onnx.class_hierarchy", "[]"))
    except (ValueError, SyntaxError):
        return "", False, ""
    if not scopes or not classes:
        return "", False, ""
    path = str(scopes[-2]) if len(scopes) >= 2 else ""
    leaf = len(classes) >= 2 and str(classes[-2]).startswith("torch.nn.modules.")
    aten = str(classes[-1]).split(".")[1] if str(classes[-1]).startswith("aten.") else ""
    if leaf and aten in POOLS:  # e.g. AdaptiveAvgPool2d decomposed to aten.mean
        aten = _FX_MODULES.get(str(classes[-2]).rsplit(".", 1)[-1], aten)
    return path, leaf, aten + "|" + str(scopes[-1])


def _convert(model: Any, name: str, where: str, allow_unsupported: bool) -> Network:

    shapes = _shapes(model)
    graph = model.graph
    inits = {i.name for i in graph.initializer}
    sizes = {i.name: math.prod(int(d) for d in i.dims) for i in graph.initializer}
    activations = {v.name for v in graph.input if v.name not in inits}
    param_of = {n: n for n in inits}
    g = GraphBuilder(name)
    producer: dict[str, str] = {}
    sdpa_count: dict[str, int] = {}
    for index, node in enumerate(graph.node):
        op = node.op_type.lower()
        ins = [x for x in node.input if x]
        is_act = any(x in activations for x in ins)
        if not is_act:  # parameter or constant arithmetic: not part of the workload
            sources = {param_of[x] for x in ins if x in param_of}
            for out in node.output:
                if len(sources) == 1 and (op in _ONNX_LAYOUT or op in LAYOUT):
                    param_of[out] = sources.pop() if len(node.output) == 1 else next(
                        iter(sources))
            continue
        activations.update(node.output)
        path, leaf, origin = _meta(node)
        aten, _, fx_name = origin.partition("|")
        if op == "batchnormalization":
            ins = ins[:3]
        tensors = []
        for x in ins:
            if x not in shapes:
                continue
            if x in activations:
                tensors.append(Tensor(shapes[x], None, producer.get(x, "")))
            elif x in param_of:
                tensors.append(Tensor(shapes[x], param_of[x]))
            elif op in ("conv", "gemm", "matmul"):
                tensors.append(Tensor(shapes[x], f"const:{x}"))
        out_shape = shapes.get(node.output[0]) if node.output else None
        if out_shape is None and op not in _ONNX_LAYOUT:
            g.unsupported[f"{node.op_type}(shape unknown)"] += 1
            continue
        first = next((t.producer for t in tensors if t.param is None), "")
        if op in _ONNX_LAYOUT or (op == "gather" and not any(t.param for t in tensors)):
            for out in node.output:
                producer[out] = first
            continue
        if aten == "scaled_dot_product_attention":
            made = _sdpa_part(g, op, path or "attn", fx_name, tensors,
                              out_shape or (), sdpa_count)
            for out in node.output:
                producer[out] = made if made is not None else first
            continue
        if op == "add" and _fold_bias(g, tensors, out_shape or (), sizes):
            producer[node.output[0]] = first
            continue
        canonical = {"gather": "embedding", "gemm": "gemm", "conv": "conv"}.get(op, op)
        if aten in POOLS:  # e.g. adaptive_avg_pool2d exported as ReduceMean
            canonical = aten
        weight = next((t.param for t in tensors if t.param and t.param.endswith(".weight")),
                      None)
        base = (_base_name(path, leaf, aten or canonical, weight) if (path or aten or weight)
                else (node.name or f"{node.op_type}_{index}"))
        attrs = _attrs(node)
        made = emit(g, canonical, base, tensors, out_shape or (), attrs,
                    {**sizes, **{t.param: 0 for t in tensors if t.param and
                                 t.param.startswith("const:")}}, label=node.op_type)
        for out in node.output:
            producer[out] = made if made is not None else first
    return g.finish(allow_unsupported, where, importer="onnx")


def _attrs(node: Any) -> dict[str, Any]:
    import onnx

    values = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    out: dict[str, Any] = {}
    if "strides" in values:
        out["stride"] = list(values["strides"])
    if "dilations" in values:
        out["dilation"] = list(values["dilations"])
    if values.get("transA"):
        out["trans_a"] = True
    if "equation" in values:
        eq = values["equation"]
        out["equation"] = eq.decode() if isinstance(eq, bytes) else eq
    return out


def _fold_bias(g: GraphBuilder, tensors: list[Tensor], out: Shape,
               sizes: dict[str, int]) -> bool:
    """``Add(fc_output, bias)`` right after the fc: the bias belongs to the layer."""
    acts = [t for t in tensors if t.param is None]
    params = [t for t in tensors if t.param is not None]
    if len(acts) != 1 or len(params) != 1 or not g.nodes:
        return False
    last = g.nodes[-1]
    bias = params[0]
    if (not isinstance(last.op, Layer) or last.op.kind != "fc" or acts[0].producer != last.name
            or len(bias.shape) != 1 or not out or bias.shape[0] != out[-1]):
        return False
    g.nodes[-1] = dataclasses.replace(last, params=last.params + g.params_of([bias], sizes))
    return True


def _sdpa_part(g: GraphBuilder, op: str, base: str, fx_name: str, tensors: list[Tensor],
               out: Shape, count: dict[str, int]) -> str | None:
    """One node of a decomposed scaled_dot_product_attention: matmuls and softmax only."""
    if op in _SDPA_DROP or op in _ONNX_LAYOUT:
        return None
    if op == "matmul":
        k = count.get(fx_name, 0)
        count[fx_name] = k + 1
        part = "scores" if k % 2 == 0 else "context"
        return emit(g, "matmul", f"{base}.{part}", tensors, out, {}, {})
    if op == "softmax":
        return emit(g, "softmax", f"{base}.softmax", tensors, out, {}, {})
    return emit(g, op, f"{base}.{op}", tensors, out, {}, {})
