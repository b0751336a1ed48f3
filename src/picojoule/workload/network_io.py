"""The stable forms of a network: a dict (saved as JSON or YAML) and a line-per-node text.

A layer is written in its constructor text (``conv2d N=1 C=3 ...``, plus
``@weights=4:0.5`` for precisions/densities annotated since) when that reads back exactly, and
otherwise in the general einsum text, which any layer has::

    einsum kind=fc_grad_input N=8 M=10 C=20 inputs=[N,M]:16 weights=[M,C]:8 outputs=[N,C]:16

An axis is a ``+`` of ``coeff*dim`` terms (``2*P+R``); ``:bits[:density[:psum_bits]]`` follows each
operand. The text form of a network is one node per line: ``NAME [<- A,B] [params=N] :: TEXT``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from picojoule.errors import Collector, SpecError
from picojoule.fileio import load_data, shown
from picojoule.workload.density import TEXT_FORMS, apply_densities, model_text
from picojoule.workload.einsum import MAX_SIZE, OPERAND_NAMES, Layer, Operand, Term, check_size
from picojoule.workload.network import Network, Node, VectorOp
from picojoule.workload.text import layer_from_mapping, parse_layer

FORMAT = "picojoule-network/1"


def layer_text(layer: Layer) -> str:
    """Constructor text (with ``@operand=bits[:density[:psum_bits]]`` overrides for annotated
    precisions) if it reads back exactly, else the einsum text."""
    if layer.params:
        text = layer.to_text()
        try:
            base = parse_layer(text).with_name(layer.name)
        except SpecError:
            base = None
        if base is not None and _same_structure(base, layer):
            overrides = [f"@{o.name}={_precision_text(o)}"
                         for o, b in zip(layer.operands, base.operands, strict=True) if o != b]
            return " ".join([text, *overrides])
    dims = " ".join(f"{d}={b}" for d, b in zip(layer.dims, layer.bounds, strict=True))
    ops = " ".join(f"{o.name}=[{','.join(_axis_text(a) for a in o.axes)}]:{_precision_text(o)}"
                   for o in layer.operands)
    return f"einsum kind={layer.kind} {dims} {ops}"


def _same_structure(a: Layer, b: Layer) -> bool:
    return (a.kind, a.dims, a.bounds, a.params, [o.axes for o in a.operands]) == (
        b.kind, b.dims, b.bounds, b.params, [o.axes for o in b.operands])


def _precision_text(o: Operand) -> str:
    text = str(o.bits)
    if o.density != 1.0 or o.psum_bits or o.density_model is not None:
        text += f":{model_text(o.density_model, o.density)}"  # type: ignore[arg-type]
    return text + (f":{o.psum_bits}" if o.psum_bits else "")


def _axis_text(axis: tuple[Term, ...]) -> str:
    return "+".join(t.dim if t.coeff == 1 else f"{t.coeff}*{t.dim}" for t in axis)


def parse_any_layer(text: str, name: str, where: str) -> Layer:
    """Read constructor text or einsum text. An operand's density may be a number or a
    density model's text form (``nm(2,4,C)``, ``hypergeometric(0.3)``; see
    ``picojoule.workload.density.TEXT_FORMS``), checked against the layer once it is built."""
    words = text.split()
    models: dict[str, str] = {}  # operand -> density text that is not a plain number
    if not words or words[0] != "einsum":
        c = Collector(where)
        plain = " ".join(w for w in words if not w.startswith("@"))
        layer = parse_layer(plain, where)
        layer = layer.with_name(name) if name else layer  # "": the text's own name= (or kind)
        changed = {}
        for word in words:
            if word.startswith("@"):
                key, _, value = word[1:].partition("=")
                if key not in OPERAND_NAMES:
                    c.add(word, f"@OPERAND=bits[:density[:psum_bits]], OPERAND one of "
                                f"{', '.join(OPERAND_NAMES)}")
                    continue
                changed[key] = _parse_operand(c, key, f"[]:{value}", models)
        c.raise_if_any()
        ops = tuple(dataclasses.replace(o, bits=changed[o.name].bits,
                                        density=changed[o.name].density,
                                        density_model=None,
                                        psum_bits=changed[o.name].psum_bits)
                    if o.name in changed else o for o in layer.operands)
        return _with_models(dataclasses.replace(layer, operands=ops), models, where, "@")
    c = Collector(where)
    kind, dims, bounds, operands = "einsum", [], [], {}
    for word in words[1:]:
        key, _, value = word.partition("=")
        if key == "kind":
            kind = value
        elif key in OPERAND_NAMES:
            operands[key] = _parse_operand(c, key, value, models)
        elif value.isdigit() and len(value) <= 16 and 0 < int(value) <= MAX_SIZE and \
                key not in dims:
            dims.append(key)
            bounds.append(int(value))
        else:
            c.add(shown(key or word)[1:-1], "DIM=positive integer up to 2**53 (each dim "
                                            "once), kind=NAME or OPERAND=[axes]:bits")
    missing = [n for n in OPERAND_NAMES if n not in operands]
    if missing:
        c.add("operands", f"all of {', '.join(OPERAND_NAMES)}; missing {', '.join(missing)}")
    c.raise_if_any()
    ops = tuple(operands[n] for n in OPERAND_NAMES)
    unknown = {t.dim for o in ops for a in o.axes for t in a} - set(dims)
    if unknown:
        raise SpecError.single(where, "dims", f"a bound for {', '.join(sorted(unknown))}")
    layer = check_size(Layer(name or kind, kind, tuple(dims), tuple(bounds), ops), where)
    return _with_models(layer, models, where)


def _with_models(layer: Layer, models: dict[str, str], where: str, prefix: str = "") -> Layer:
    if not models:
        return layer
    c = Collector(where)
    layer = apply_densities(layer, models, c, {k: f"{prefix}{k}" for k in models})
    c.raise_if_any()
    return layer


def _parse_operand(c: Collector, name: str, value: str, models: dict[str, str]) -> Operand:
    body, _, rest = value.partition("]")
    parts = rest.lstrip(":").split(":") if rest else []
    try:
        axes = []
        for axis in filter(None, body.lstrip("[").split(",")):
            terms = []
            for term in axis.split("+"):
                coeff, _, dim = term.rpartition("*")
                terms.append(Term(dim, int(coeff) if coeff else 1))
            axes.append(tuple(terms))
        bits = int(parts[0]) if parts and parts[0] else 16
        density = 1.0
        if len(parts) > 1:
            try:
                density = float(parts[1])
            except ValueError:  # a density model's text form, applied to the built layer
                models[name] = parts[1]
        psum_bits = int(parts[2]) if len(parts) > 2 else None
        if not (1 <= bits <= 64 and 0 < density <= 1 and len(parts) <= 3
                and (psum_bits is None or 1 <= psum_bits <= 64)
                and all(1 <= t.coeff <= MAX_SIZE and t.dim for a in axes for t in a)):
            raise ValueError(value)
    except ValueError:
        c.add(name, "[axis,...]:bits[:density[:psum_bits]] with axes like 2*P+R, bits 1-64, "
                    f"density {TEXT_FORMS}")
        return Operand(name, (), 16)
    return Operand(name, tuple(axes), bits, density, psum_bits)


def network_to_dict(net: Network) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = []
    for n in net.nodes:
        entry: dict[str, Any] = {"name": n.name}
        if isinstance(n.op, Layer):
            entry["layer"] = layer_text(n.op)
        else:
            entry.update(vector=n.op.kind, elements=n.op.elements)
            if n.op.input_elements:
                entry["input_elements"] = n.op.input_elements
            if n.op.bits != 16:
                entry["bits"] = n.op.bits
        if n.params:
            entry["params"] = n.params
        entry["inputs"] = list(n.inputs)
        nodes.append(entry)
    return {"format": FORMAT, "name": net.name, "meta": dict(net.meta), "nodes": nodes}


def network_from_dict(data: Any, where: str = "network") -> Network:
    """Validate a network dict (from JSON/YAML); every problem is reported at once."""
    if not isinstance(data, Mapping) or not isinstance(data.get("nodes"), list):
        raise SpecError.single(where, "nodes", "a list of nodes (each with name and 'layer' "
                                               "or 'vector')")
    c = Collector(where)
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        c.add("format", f"{FORMAT!r} (the version this picojoule reads), got {shown(fmt)}")
    if not data["nodes"]:
        c.add("nodes", "at least one node")
    nodes: list[Node] = []
    seen: set[str] = set()
    for i, entry in enumerate(data["nodes"]):
        at = f"nodes[{i}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            c.add(f"{at}.name", "a mapping with a string 'name'")
            continue
        name = entry["name"]
        inputs = entry.get("inputs", [seen_last] if (seen_last := _last(nodes)) else [])
        params = entry.get("params", 0)
        if not isinstance(params, int) or isinstance(params, bool) or params < 0:
            c.add(f"{at}.params", f"a non-negative integer, got {shown(params)}")
            params = 0
        if not isinstance(inputs, list) or not all(isinstance(x, str) for x in inputs):
            c.add(f"{at}.inputs", "a list of node names")
            inputs = []
        for x in inputs:
            if x not in seen:
                c.add(f"{at}.inputs", f"names of earlier nodes; {shown(x)} is not one")
        if name in seen:
            c.add(f"{at}.name", f"a name no other node has; {shown(name)} is taken")
        try:
            op = _node_op(entry, name, f"{where}: {at}")
        except SpecError as exc:
            c.extend(exc.problems)
            continue
        seen.add(name)
        nodes.append(Node(op, tuple(inputs), params))
    meta = data.get("meta") or {}
    if not isinstance(meta, Mapping) or not all(isinstance(k, str) for k in meta):
        c.add("meta", "a mapping with string keys")
        meta = {}
    c.raise_if_any()
    return Network(str(data.get("name", Path(where).stem)), tuple(nodes),
                   tuple(sorted(meta.items())))


def _last(nodes: list[Node]) -> str:
    return nodes[-1].name if nodes else ""


def _node_op(entry: Mapping[str, Any], name: str, where: str) -> Layer | VectorOp:
    if "layer" in entry:
        spec = entry["layer"]
        if isinstance(spec, str):
            return parse_any_layer(spec, name, where)
        if isinstance(spec, Mapping):
            return layer_from_mapping({**spec, "name": name}, where)
        raise SpecError.single(where, "layer", "layer text or a mapping with 'kind'")
    if "vector" in entry:
        c = Collector(where)
        values = {}
        for key, default, low in (("elements", None, 1), ("input_elements", 0, 0),
                                  ("bits", 16, 1)):
            value = entry.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int) or not \
                    low <= value <= MAX_SIZE:
                c.add(key, f"an integer from {low} to 2**53, got {shown(value)}")
            values[key] = value
        c.raise_if_any()
        if not isinstance(entry["vector"], str) or not entry["vector"]:
            raise SpecError.single(where, "vector", f"a kind name, got {shown(entry['vector'])}")
        return VectorOp(name, entry["vector"], values["elements"],
                        values["input_elements"], values["bits"])
    raise SpecError.single(where, "", "a 'layer' (einsum) or 'vector' (kind) entry")


def network_to_text(net: Network) -> str:
    lines = [f"# {FORMAT} {net.name}"]
    for n in net.nodes:
        head = n.name + (f" <- {','.join(n.inputs)}" if n.inputs else "")
        head += f" params={n.params}" if n.params else ""
        if isinstance(n.op, Layer):
            body = layer_text(n.op)
        else:
            body = f"vector {n.op.kind} elements={n.op.elements}"
            body += f" input_elements={n.op.input_elements}" if n.op.input_elements else ""
            body += f" bits={n.op.bits}" if n.op.bits != 16 else ""
        lines.append(f"{head} :: {body}")
    return "\n".join(lines) + "\n"


def network_from_text(text: str, where: str = "<network text>") -> Network:
    """Read the form ``network_to_text`` writes."""
    c = Collector(where)
    name, nodes = Path(where).stem, []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"# {FORMAT}"):
            name = line[len(f"# {FORMAT}"):].strip() or name
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        head, sep, body = line.partition(" :: ")
        words = head.split()
        if not sep or not words:
            c.add(f"line {number}", "NAME [<- A,B] [params=N] :: LAYER TEXT or vector KIND ...")
            continue
        entry: dict[str, Any] = {"name": words[0], "inputs": []}
        for word in words[1:]:
            if word.startswith("params="):
                entry["params"] = _int_or_text(word[7:])
            elif word != "<-":
                entry["inputs"] = word.split(",")
        body_words = body.split()
        if body_words[:1] == ["vector"] and len(body_words) > 1:
            entry["vector"] = body_words[1]
            for word in body_words[2:]:
                key, _, value = word.partition("=")
                entry[key] = _int_or_text(value)
        else:
            entry["layer"] = body
        nodes.append(entry)
    c.raise_if_any()
    return network_from_dict({"name": name, "nodes": nodes}, where)


def _int_or_text(value: str) -> int | str:
    """An integer if ``value`` spells one of at most 18 digits, else the text (reported by
    the validator with every other problem)."""
    return int(value) if value.isdigit() and len(value) <= 18 else value


def save_network(net: Network, path: str | Path) -> None:
    """Write JSON (``.json``) or YAML (otherwise)."""
    data = network_to_dict(net)
    text = (json.dumps(data, indent=1) if str(path).endswith(".json")
            else yaml.safe_dump(data, sort_keys=False))
    Path(path).write_text(text)


def load_network(path: str | Path) -> Network:
    return network_from_dict(load_data(path, "network file"), str(path))
