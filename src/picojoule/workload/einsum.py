"""A layer is an einsum over named dimensions with affine operand projections.

Every tensor axis of an operand indexes with a sum of ``coeff * dim`` terms (a convolution's
input row is ``stride * P + dilation * R``). The cost model needs nothing else: footprints of
tiles, relevance of loops to operands, and the MAC count all follow from this description.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from picojoule.errors import Collector
from picojoule.workload.window import run_footprint

OPERAND_NAMES: tuple[str, str, str] = ("inputs", "weights", "outputs")
#: Largest MAC count, operand size or dim bound: every count stays exact in a float64.
MAX_SIZE = 2**53


@dataclass(frozen=True)
class Term:
    """``coeff * dim`` inside one tensor axis."""

    dim: str
    coeff: int = 1


@dataclass(frozen=True)
class WindowPart:
    """One original pixel dim inside a fused (im2col) dim, with the window dim it slides."""

    dim: str  # e.g. "P"
    bound: int
    stride: int = 1
    window: str | None = None  # e.g. "R" (a dim of the fused layer); None for N
    dilation: int = 1


@dataclass(frozen=True)
class Window:
    """An operand's footprint over a fused pixel dim: ``dim`` (e.g. ``PQ``) runs over the
    row-major flattening of ``parts`` (outer -> inner); the tensor axes of those parts are
    not affine in ``dim`` and are counted by ``picojoule.workload.im2col.run_footprint``."""

    dim: str
    parts: tuple[WindowPart, ...]

    @property
    def dims(self) -> frozenset[str]:
        return frozenset({self.dim, *(p.window for p in self.parts if p.window)})


def window_footprint(window: Window, extents: dict[str, int], start: int = 0) -> int:
    """Points of the window's axes touched by the run of ``extents[window.dim]`` flattened
    pixels from ``start``, with every window dim spanning its extent."""
    *outer, rows, cols = window.parts
    spans = [1 + p.dilation * (extents.get(p.window, 1) - 1) if p.window else 1
             for p in (rows, cols)]
    images = math.prod(p.bound for p in outer)
    got = run_footprint(np.array([start]), extents.get(window.dim, 1), images=images,
                        rows=rows.bound, cols=cols.bound, stride=(rows.stride, cols.stride),
                        span=(spans[0], spans[1]))
    return int(got[0])


@dataclass(frozen=True)
class Operand:
    """One tensor of the einsum: its axes (affine in the dims) and its storage precision."""

    name: str
    axes: tuple[tuple[Term, ...], ...]
    bits: int
    density: float = 1.0  # fraction of non-zeros; sparsity formats come with [compression]
    psum_bits: int | None = None  # outputs only: precision of partial sums (None: = bits)
    # how the non-zeros spread (picojoule.workload.density); None: fixed-structured at density
    density_model: object | None = field(default=None, compare=True,
                                         metadata={"omit_default": True})
    window: Window | None = field(default=None, metadata={"omit_default": True})
    # ^ axes over a fused (im2col) pixel dim, if any

    @property
    def partial_bits(self) -> int:
        return self.psum_bits if self.psum_bits is not None else self.bits

    @property
    def dims(self) -> frozenset[str]:
        """The dimensions this operand depends on (its relevant loops)."""
        own = frozenset(t.dim for axis in self.axes for t in axis)
        return own | self.window.dims if self.window is not None else own

    def footprint(self, extents: dict[str, int]) -> int:
        """Points touched when every dim ``d`` spans ``extents[d]`` consecutive values.

        An axis ``a*x + b*y`` over extents ``X, Y`` spans ``a*(X-1) + b*(Y-1) + 1`` points.
        """
        size = 1
        for axis in self.axes:
            size *= sum(t.coeff * (extents.get(t.dim, 1) - 1) for t in axis) + 1
        if self.window is not None:
            size *= window_footprint(self.window, extents)
        return size


@dataclass(frozen=True)
class Layer:
    """An einsum: ordered dims with bounds, and operands (inputs, weights, outputs)."""

    name: str
    kind: str
    dims: tuple[str, ...]
    bounds: tuple[int, ...]
    operands: tuple[Operand, ...]
    params: tuple[tuple[str, int], ...] = field(default=())  # constructor args, for to_text()

    @property
    def macs(self) -> int:
        return math.prod(self.bounds)

    @property
    def bound(self) -> dict[str, int]:
        return dict(zip(self.dims, self.bounds, strict=True))

    def operand(self, name: str) -> Operand:
        for op in self.operands:
            if op.name == name:
                return op
        raise KeyError(name)

    @property
    def output(self) -> Operand:
        return self.operands[-1]

    def size(self, operand: str) -> int:
        """Elements of an operand over the whole layer (the padded index space)."""
        return self.operand(operand).footprint(self.bound)

    def with_bits(self, **bits: int) -> Layer:
        """A copy with some operands' precision changed, e.g. ``with_bits(weights=4)``."""
        ops = tuple(replace(o, bits=bits.get(o.name, o.bits)) for o in self.operands)
        return Layer(self.name, self.kind, self.dims, self.bounds, ops, self.params)

    def with_density(self, **density: float) -> Layer:
        """A copy with some operands' fraction of non-zeros set, e.g. ``weights=0.3``."""
        ops = tuple(replace(o, density=density[o.name], density_model=None)
                    if o.name in density else o for o in self.operands)
        return Layer(self.name, self.kind, self.dims, self.bounds, ops, self.params)

    def with_name(self, name: str) -> Layer:
        return Layer(name, self.kind, self.dims, self.bounds, self.operands, self.params)

    @property
    def signature(self) -> tuple[object, ...]:
        """Structural identity: equal signatures cost the same on any architecture."""
        return (self.kind, self.dims, self.bounds, self.operands)

    def to_text(self) -> str:
        """The compact text form that ``parse_layer`` reads back."""
        from picojoule.workload.density import model_text

        args = " ".join(f"{k}={v}" for k, v in self.params)
        for op, key in zip(self.operands, ("input_density", "weight_density", "output_density"),
                           strict=True):
            if op.density_model is not None:
                args += f" {key}={model_text(op.density_model, op.density)}"  # type: ignore[arg-type]
            elif op.density != 1.0:
                args += f" {key}={op.density:g}"
        return f"{self.kind} {args}".strip()


def _axis(*terms: tuple[str, int]) -> tuple[Term, ...]:
    return tuple(Term(d, c) for d, c in terms)


def _check_positive(c: Collector, values: dict[str, int]) -> None:
    for key, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_SIZE:
            shown = repr(value) if isinstance(value, int) and value < 10**20 else "more"
            c.add(key, f"a positive integer up to 2**53, got {shown}")


def check_size(layer: Layer, where: str) -> Layer:
    """``layer`` if its MAC count and every operand's size stay below ``MAX_SIZE`` (so float
    counts are exact and int64 products cannot overflow); else a ``SpecError``."""
    c = Collector(where)
    if layer.macs > MAX_SIZE:
        c.add("", f"at most 2**53 MACs (counts must stay exact), got {layer.macs:.3g}")
    for op in layer.operands:
        if op.footprint(layer.bound) > MAX_SIZE:
            c.add(op.name, f"at most 2**53 elements, got {op.footprint(layer.bound):.3g}")
    c.raise_if_any()
    return layer


def _check_bits(c: Collector, bits: dict[str, int]) -> None:
    for key, value in bits.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 64:
            c.add(key, f"a bit width between 1 and 64, got {value!r}")


def conv2d(
    N: int = 1, C: int = 1, M: int = 1, P: int = 1, Q: int = 1, R: int = 1, S: int = 1,
    *, stride: int | tuple[int, int] = 1, dilation: int | tuple[int, int] = 1,
    groups: int = 1, name: str = "conv2d", where: str = "conv2d",
    input_bits: int = 8, weight_bits: int = 8, output_bits: int = 8, psum_bits: int = 16,
) -> Layer:
    """2-D convolution. ``C`` and ``M`` are total channels; ``groups`` splits both.

    With ``groups > 1`` a ``G`` dim appears and channels become per-group ``C // G``,
    ``M // G`` (depthwise: ``groups == C``). P, Q are output rows/cols; padding is implicit in
    the input index space ``stride*(P-1) + dilation*(R-1) + 1``.
    """
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    c = Collector(where)
    _check_positive(c, {"N": N, "C": C, "M": M, "P": P, "Q": Q, "R": R, "S": S,
                        "stride": sh, "stride_w": sw, "dilation": dh, "dilation_w": dw,
                        "groups": groups})
    _check_bits(c, {"input_bits": input_bits, "weight_bits": weight_bits,
                    "output_bits": output_bits, "psum_bits": psum_bits})
    if not c.problems and (C % groups or M % groups):
        c.add("groups", f"a divisor of C={C} and M={M}, got {groups}")
    c.raise_if_any()
    cg, mg = C // groups, M // groups
    g_axis: tuple[tuple[Term, ...], ...] = (_axis(("G", 1)),) if groups > 1 else ()
    dims = ("N", *(("G",) if groups > 1 else ()), "M", "C", "P", "Q", "R", "S")
    bounds_map = {"N": N, "G": groups, "M": mg, "C": cg, "P": P, "Q": Q, "R": R, "S": S}
    inputs = Operand("inputs", (_axis(("N", 1)), *g_axis, _axis(("C", 1)),
                                _axis(("P", sh), ("R", dh)), _axis(("Q", sw), ("S", dw))),
                     input_bits)
    weights = Operand("weights", (*g_axis, _axis(("M", 1)), _axis(("C", 1)),
                                  _axis(("R", 1)), _axis(("S", 1))), weight_bits)
    outputs = Operand("outputs", (_axis(("N", 1)), *g_axis, _axis(("M", 1)),
                                  _axis(("P", 1)), _axis(("Q", 1))), output_bits,
                      psum_bits=psum_bits)
    params: list[tuple[str, int]] = [("N", N), ("C", C), ("M", M), ("P", P), ("Q", Q),
                                     ("R", R), ("S", S)]
    for key, value, default in (("stride", sh, 1), ("stride_w", sw, sh), ("dilation", dh, 1),
                                ("dilation_w", dw, dh), ("groups", groups, 1)):
        if value != default:
            params.append((key, value))
    params += _bit_params(input_bits, weight_bits, output_bits, psum_bits)
    return check_size(Layer(name, "conv2d", dims, tuple(bounds_map[d] for d in dims),
                            (inputs, weights, outputs), tuple(params)), where)


def fc(
    N: int = 1, C: int = 1, M: int = 1, *, name: str = "fc", where: str = "fc",
    input_bits: int = 8, weight_bits: int = 8, output_bits: int = 8, psum_bits: int = 16,
) -> Layer:
    """Fully connected: ``outputs[N, M] += inputs[N, C] * weights[M, C]``."""
    c = Collector(where)
    _check_positive(c, {"N": N, "C": C, "M": M})
    _check_bits(c, {"input_bits": input_bits, "weight_bits": weight_bits,
                    "output_bits": output_bits, "psum_bits": psum_bits})
    c.raise_if_any()
    ops = (Operand("inputs", (_axis(("N", 1)), _axis(("C", 1))), input_bits),
           Operand("weights", (_axis(("M", 1)), _axis(("C", 1))), weight_bits),
           Operand("outputs", (_axis(("N", 1)), _axis(("M", 1))), output_bits,
                   psum_bits=psum_bits))
    params = (("N", N), ("C", C), ("M", M),
              *_bit_params(input_bits, weight_bits, output_bits, psum_bits))
    return check_size(Layer(name, "fc", ("N", "M", "C"), (N, M, C), ops, params), where)


def gemm(
    M: int = 1, N: int = 1, K: int = 1, *, name: str = "gemm", where: str = "gemm",
    input_bits: int = 8, weight_bits: int = 8, output_bits: int = 8, psum_bits: int = 16,
) -> Layer:
    """GEMM ``C[M, N] += A[M, K] * B[K, N]``; A is "inputs", B "weights", C "outputs"."""
    return bmm(1, M, N, K, name=name, where=where, input_bits=input_bits,
               weight_bits=weight_bits, output_bits=output_bits, psum_bits=psum_bits,
               _kind="gemm")


def bmm(
    B: int = 1, M: int = 1, N: int = 1, K: int = 1, *, name: str = "bmm", where: str = "bmm",
    input_bits: int = 8, weight_bits: int = 8, output_bits: int = 8, psum_bits: int = 16,
    _kind: str = "bmm",
) -> Layer:
    """Batched matmul ``C[B, M, N] += A[B, M, K] * B[B, K, N]`` (attention QK^T and AV)."""
    c = Collector(where)
    _check_positive(c, {"B": B, "M": M, "N": N, "K": K})
    _check_bits(c, {"input_bits": input_bits, "weight_bits": weight_bits,
                    "output_bits": output_bits, "psum_bits": psum_bits})
    c.raise_if_any()
    batch: tuple[tuple[Term, ...], ...] = (_axis(("B", 1)),) if _kind == "bmm" else ()
    ops = (Operand("inputs", (*batch, _axis(("M", 1)), _axis(("K", 1))), input_bits),
           Operand("weights", (*batch, _axis(("K", 1)), _axis(("N", 1))), weight_bits),
           Operand("outputs", (*batch, _axis(("M", 1)), _axis(("N", 1))), output_bits,
                   psum_bits=psum_bits))
    bit_params = _bit_params(input_bits, weight_bits, output_bits, psum_bits)
    if _kind == "bmm":
        return check_size(Layer(name, "bmm", ("B", "M", "N", "K"), (B, M, N, K), ops,
                                (("B", B), ("M", M), ("N", N), ("K", K), *bit_params)), where)
    return check_size(Layer(name, "gemm", ("M", "N", "K"), (M, N, K), ops,
                            (("M", M), ("N", N), ("K", K), *bit_params)), where)


def _bit_params(input_bits: int, weight_bits: int, output_bits: int,
                psum_bits: int) -> list[tuple[str, int]]:
    out = []
    for key, value, default in (("input_bits", input_bits, 8), ("weight_bits", weight_bits, 8),
                                ("output_bits", output_bits, 8), ("psum_bits", psum_bits, 16)):
        if value != default:
            out.append((key, value))
    return out
