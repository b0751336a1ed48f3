"""A network: an ordered graph of einsum layers and vector operations.

Einsum layers (conv, fc, gemm, bmm) are what the mapper and cost model see; vector operations
(softmax, norms, activations, pooling, residual adds, embedding lookups) carry only element
counts so a vector unit can be costed later. MACs are counted over einsum layers only.
Per-operand precision and density live on the layers' operands; ``annotate`` fills them from
a [compression] summary, matched by layer name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from picojoule.errors import Collector, SpecError
from picojoule.workload.density import apply_densities
from picojoule.workload.einsum import OPERAND_NAMES, Layer

VECTOR_KINDS: tuple[str, ...] = (
    "softmax", "layernorm", "rmsnorm", "batchnorm", "groupnorm", "relu", "relu6", "gelu",
    "silu", "sigmoid", "tanh", "hardswish", "maxpool", "avgpool", "add", "mul", "embedding",
    "rope", "reduce", "elementwise",
)


@dataclass(frozen=True)
class VectorOp:
    """A non-MAC operation, costed per element by a vector unit.

    ``elements`` is the output size; ``input_elements`` what is read (e.g. a 3x3 pooling reads
    the window); ``bits`` is the element precision.
    """

    name: str
    kind: str
    elements: int
    input_elements: int = 0  # 0 means "same as elements"
    bits: int = 16

    @property
    def elements_read(self) -> int:
        return self.input_elements or self.elements


@dataclass(frozen=True)
class Node:
    """One step of the network: an op, the names of the nodes it reads, its parameter count.

    ``params`` counts learnable parameters owned by this step (weights + bias of a layer, scale
    and shift of a norm, an embedding table); a layer with ``params == 0`` multiplies two
    activations (attention), so its "weights" operand is not a parameter.
    """

    op: Layer | VectorOp
    inputs: tuple[str, ...] = ()
    params: int = 0

    @property
    def name(self) -> str:
        return self.op.name

    @property
    def is_layer(self) -> bool:
        return isinstance(self.op, Layer)

    @property
    def macs(self) -> int:
        return self.op.macs if isinstance(self.op, Layer) else 0

    @property
    def activations(self) -> int:
        """Output elements of this step."""
        if isinstance(self.op, Layer):
            return self.op.size("outputs")
        return self.op.elements

    @property
    def type(self) -> str:
        return self.op.kind

    @property
    def shape(self) -> str:
        if isinstance(self.op, Layer):
            return " ".join(f"{d}={b}" for d, b in zip(self.op.dims, self.op.bounds, strict=True))
        return f"elements={self.op.elements}"


@dataclass(frozen=True)
class Network:
    """An ordered graph of layers and vector operations, with free-form metadata.

    ``meta`` holds facts about how the network was built (batch, phase, sequence length,
    KV-cache bytes per token, stored activations for training) as sorted key/value pairs.
    """

    name: str
    nodes: tuple[Node, ...]
    meta: tuple[tuple[str, Any], ...] = field(default=())

    @property
    def info(self) -> dict[str, Any]:
        return dict(self.meta)

    @property
    def layers(self) -> tuple[Layer, ...]:
        """Einsum layers in order (what the mapper sees)."""
        return tuple(n.op for n in self.nodes if isinstance(n.op, Layer))

    @property
    def vector_ops(self) -> tuple[VectorOp, ...]:
        return tuple(n.op for n in self.nodes if isinstance(n.op, VectorOp))

    @property
    def macs(self) -> int:
        return sum(n.macs for n in self.nodes)

    @property
    def params(self) -> int:
        return sum(n.params for n in self.nodes)

    @property
    def vector_elements(self) -> int:
        return sum(op.elements for op in self.vector_ops)

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def distinct_layers(self) -> list[tuple[Layer, int]]:
        """Each structurally distinct layer once (by ``Layer.signature``) with its count."""
        seen: dict[tuple[object, ...], list[Any]] = {}
        for layer in self.layers:
            entry = seen.setdefault(layer.signature, [layer, 0])
            entry[1] += 1
        return [(layer, count) for layer, count in seen.values()]

    def with_meta(self, **items: Any) -> Network:
        merged = {**self.info, **items}
        return Network(self.name, self.nodes, tuple(sorted(merged.items())))

    def weight_bits(self) -> int:
        """Bits of all parameters at their annotated precisions (vector params at 16 bits)."""
        total = 0
        for n in self.nodes:
            bits = n.op.operand("weights").bits if isinstance(n.op, Layer) else 16
            total += n.params * bits
        return total

    def table(self) -> list[dict[str, Any]]:
        """Rows of the table view: name, type, shape, MACs, params, activations."""
        return [{"name": n.name, "type": n.type, "shape": n.shape, "macs": n.macs,
                 "params": n.params, "activations": n.activations} for n in self.nodes]

    def annotate(self, summary: Mapping[str, Any], where: str = "annotations") -> Network:
        """Apply per-layer ``bits`` and ``density`` from a [compression] summary.

        ``summary = {"layers": [{"name": ..., "bits": {operand: int}, "density": {operand:
        float}}, ...]}``; every name must match a node of this network.
        """
        c = Collector(where)
        entries = summary.get("layers") if isinstance(summary, Mapping) else None
        if not isinstance(entries, list):
            raise SpecError.single(where, "layers", "a list of {name, bits, density} entries")
        names = {n.name: i for i, n in enumerate(self.nodes)}
        updates: dict[int, tuple[dict[str, int], dict[str, float]]] = {}
        for k, entry in enumerate(entries):
            at = f"layers[{k}]"
            if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
                c.add(f"{at}.name", "a mapping with a layer 'name'")
                continue
            name = entry["name"]
            if name not in names:
                c.add(f"{at}.name", f"the name of a layer of {self.name}; {name!r} matches "
                                    f"none{_close(name, names)}")
                continue
            bits = _operand_values(c, f"{at}.bits", entry.get("bits") or {}, int)
            density = _operand_values(c, f"{at}.density", entry.get("density") or {}, float)
            updates[names[name]] = ({k2: int(v) for k2, v in bits.items()},
                                    {k2: float(v) for k2, v in density.items()})
        c.raise_if_any()
        nodes = list(self.nodes)
        for i, (new_bits, new_density) in updates.items():
            op = _annotated(nodes[i].op, new_bits, new_density)
            nodes[i] = dataclasses.replace(nodes[i], op=op)
        return Network(self.name, tuple(nodes), self.meta)


def _operand_values(c: Collector, at: str, values: Any, kind: type) -> dict[str, float]:
    if not isinstance(values, Mapping):
        c.add(at, f"a mapping of {', '.join(OPERAND_NAMES)} to values")
        return {}
    out: dict[str, float] = {}
    for operand, value in values.items():
        if operand not in OPERAND_NAMES:
            c.add(f"{at}.{operand}", f"one of {', '.join(OPERAND_NAMES)}")
        elif value is None:
            continue
        elif kind is int and (isinstance(value, bool) or not isinstance(value, int)
                              or not 1 <= value <= 64):
            c.add(f"{at}.{operand}", f"a bit width between 1 and 64, got {value!r}")
        elif kind is float and (isinstance(value, bool) or not isinstance(value, int | float)
                                or not 0.0 < value <= 1.0):
            c.add(f"{at}.{operand}", f"a density in (0, 1], got {value!r}")
        else:
            out[operand] = value
    return out


def _annotated(op: Layer | VectorOp, bits: dict[str, int],
               density: dict[str, float]) -> Layer | VectorOp:
    if isinstance(op, VectorOp):
        return dataclasses.replace(op, bits=bits.get("outputs", op.bits))
    ops = tuple(dataclasses.replace(o, bits=bits.get(o.name, o.bits),
                                    density=density.get(o.name, o.density))
                for o in op.operands)
    return dataclasses.replace(op, operands=ops)


def _close(name: str, names: Iterable[str]) -> str:
    import difflib

    near = difflib.get_close_matches(name, list(names), n=3)
    return f" (did you mean {', '.join(near)}?)" if near else ""


def summarize(net: Network) -> dict[str, Any]:
    """Totals of a network: einsum MACs, parameters, layer and vector-op counts."""
    return {"name": net.name, "macs": net.macs, "params": net.params,
            "layers": len(net.layers), "distinct_layers": len(net.distinct_layers()),
            "vector_ops": len(net.vector_ops), "vector_elements": net.vector_elements,
            **net.info}


def with_bits(net: Network, bits: dict[str, int]) -> Network:
    """Every layer with the operands named in ``bits`` (inputs, weights, outputs) at those
    precisions, and partial sums at ``bits["psum"]`` if given (else at least the outputs')."""
    nodes = []
    for node in net.nodes:
        op = node.op
        if isinstance(op, Layer):
            op = op.with_bits(**{k: v for k, v in bits.items() if k != "psum"})
            out = op.output
            psum = bits.get("psum", max(out.partial_bits, out.bits))
            op = dataclasses.replace(op, operands=(*op.operands[:-1],
                                                   dataclasses.replace(out, psum_bits=psum)))
        nodes.append(dataclasses.replace(node, op=op))
    return dataclasses.replace(net, nodes=tuple(nodes))


def with_densities(net: Network, densities: dict[str, str], where: str) -> Network:
    """Every einsum layer with the operands named in ``densities`` (inputs, weights, outputs)
    at those densities, each a number or a model's text form (``nm(2,4,C)``); every layer a
    model does not fit (an N:M dim it lacks or does not divide) is one problem, named."""
    c = Collector(where)
    nodes = []
    for node in net.nodes:
        op = node.op
        if isinstance(op, Layer):
            op = apply_densities(op, densities, c, {k: f"{node.name}.{k}" for k in densities})
        nodes.append(dataclasses.replace(node, op=op))
    c.raise_if_any()
    return dataclasses.replace(net, nodes=tuple(nodes))
