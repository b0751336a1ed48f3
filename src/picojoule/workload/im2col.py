"""Flattened pixel dims (im2col): a convolution's output pixels as one dim.

Systolic arrays that lower a convolution to a GEMM (SCALE-Sim, TPUs) fill one array axis with
consecutive output pixels ``N*P*Q``, whatever the row length. ``fuse`` rewrites a ``conv2d``
layer so that ``N`` (when above 1), ``P`` and ``Q`` become one dim (``PQ`` or ``NPQ``) with the
product bound: outputs index it directly; the inputs' rows and columns are a ``Window`` over
it (their footprint is ``picojoule.workload.window.run_footprint``). Weights do not change.
The MAC count and every other dim are the layer's own.
"""

from __future__ import annotations

from dataclasses import replace

from picojoule.workload.einsum import Layer, Operand, Term, Window, WindowPart


def fused_group(layer: Layer) -> tuple[str, ...]:
    """The dims ``fuse`` flattens (outer -> inner), or () when nothing would change."""
    if layer.kind != "conv2d" or layer.output.window is not None:
        return ()
    b = layer.bound
    group = tuple(d for d in ("N", "P", "Q") if d in b and (d != "N" or b[d] > 1))
    return group if sum(b[d] > 1 for d in group) >= 2 else ()


def fused_name(layer: Layer) -> str | None:
    group = fused_group(layer)
    return "".join(group) if group else None


def _coeffs(op: Operand, dim: str) -> tuple[int, str | None, int]:
    """(stride, window dim, dilation) of ``dim`` in the operand's axis that holds it."""
    for axis in op.axes:
        terms = {t.dim: t.coeff for t in axis}
        if dim in terms:
            other = [t for t in axis if t.dim != dim]
            return terms[dim], (other[0].dim if other else None), (other[0].coeff if other
                                                                     else 1)
    return 1, None, 1


def fuse(layer: Layer) -> Layer | None:
    """The layer with its pixel dims flattened into one (None when ``fused_group`` is
    empty)."""
    group = fused_group(layer)
    if not group:
        return None
    name = "".join(group)
    b = layer.bound
    ops = []
    for op in layer.operands:
        if not op.dims & set(group):
            ops.append(op)
            continue
        keep = tuple(axis for axis in op.axes if not {t.dim for t in axis} & set(group))
        if op is layer.output:
            ops.append(replace(op, axes=((Term(name, 1),), *keep)))
            continue
        parts = []
        for d in group:
            stride, win, dil = _coeffs(op, d)
            parts.append(WindowPart(d, b[d], stride, win, dil))
        ops.append(replace(op, axes=keep, window=Window(name, tuple(parts))))
    at = len([d for d in layer.dims[:layer.dims.index(group[-2])] if d not in group])
    dims = [d for d in layer.dims if d not in group]
    dims.insert(at, name)
    bounds = tuple(b[group[0]] * b[group[1]] * (b[group[2]] if len(group) > 2 else 1)
                   if d == name else b[d] for d in dims)
    return Layer(layer.name, layer.kind, tuple(dims), bounds, tuple(ops), layer.params)


def layer_for(layer: Layer, dims: set[str]) -> Layer:
    """The form of ``layer`` whose dims a mapping names: the fused one when ``dims`` names
    its flattened pixel dim, else the layer itself."""
    name = fused_name(layer)
    if name is not None and name in dims and name not in layer.dims:
        fused = fuse(layer)
        if fused is not None:
            return fused
    return layer
