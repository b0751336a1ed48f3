"""The compact text form of a layer and its YAML twin.

``"conv2d N=1 C=96 M=256 P=27 Q=27 R=5 S=5 stride=1"``, ``"gemm M=512 N=512 K=512"``: a kind,
then ``KEY=VALUE`` pairs. Optional ``H=``/``W=`` with ``pad=`` compute P and Q; ``bits=`` sets
every operand's precision at once. YAML takes the same keys as a mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from picojoule.errors import Collector, SpecError
from picojoule.fileio import is_file, parse_yaml, read_text, shown
from picojoule.workload.density import apply_densities
from picojoule.workload.einsum import MAX_SIZE, Layer, bmm, conv2d, fc, gemm

_BITS = ("input_bits", "weight_bits", "output_bits", "psum_bits")
_DENSITY = {"input_density": "inputs", "weight_density": "weights",
            "output_density": "outputs"}
# Dims a layer of each kind must state (one of each tuple's alternatives); the batch dims
# N and B default to 1.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "conv2d": (("C",), ("M",), ("P", "H"), ("Q", "W"), ("R",), ("S",)),
    "fc": (("C",), ("M",)),
    "gemm": (("M",), ("N",), ("K",)),
    "bmm": (("M",), ("N",), ("K",)),
}
_KINDS: dict[str, tuple[tuple[str, ...], Callable[..., Layer]]] = {
    "conv2d": (("N", "C", "M", "P", "Q", "R", "S", "stride", "stride_w", "dilation",
                "dilation_w", "groups", "H", "W", "pad", "pad_w"), conv2d),
    "fc": (("N", "C", "M"), fc),
    "gemm": (("M", "N", "K"), gemm),
    "bmm": (("B", "M", "N", "K"), bmm),
}
KINDS = tuple(_KINDS)


def parse_layer(text: str, where: str = "<layer text>") -> Layer:
    """Parse ``"KIND KEY=VALUE ..."``; every problem is reported at once."""
    words = text.split()
    if not words:
        raise SpecError.single(where, "", f"a layer such as 'gemm M=512 N=512 K=512' "
                                          f"(kinds: {', '.join(KINDS)})")
    c = Collector(where)
    values: dict[str, Any] = {}
    repeated: set[str] = set()
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep or not key:
            c.add(shown(word)[1:-1], "KEY=VALUE")
            continue
        if key in values:
            if key not in repeated:
                c.add(shown(key)[1:-1], "each key once")
                repeated.add(key)
            continue
        if key == "name":
            values[key] = value
            continue
        try:
            values[key] = int(value)
        except ValueError:
            try:
                values[key] = float(value) if key in _DENSITY else value
            except ValueError:
                values[key] = value  # reported, with every other problem, by layer_from_mapping
    c.raise_if_any()
    return layer_from_mapping({"kind": words[0], **values}, where)


def layer_from_mapping(spec: Mapping[str, Any], where: str) -> Layer:
    """Build a layer from a mapping of the text form's keys (YAML enters here)."""
    c = Collector(where)
    kind = spec.get("kind")
    if not isinstance(kind, str) or kind not in _KINDS:
        c.add("kind", f"one of {', '.join(KINDS)}, got {shown(kind)}")
        c.raise_if_any()
    allowed, build = _KINDS[str(kind)]
    args: dict[str, Any] = {}
    bits: dict[str, Any] = {}
    density: dict[str, Any] = {}
    for key, value in spec.items():
        if not isinstance(key, str):
            c.add(shown(key), "a key of the text form (a string)")
            continue
        if key == "kind":
            continue
        if key in _DENSITY:  # checked against the layer once it is built
            density[_DENSITY[key]] = value
            continue
        if key == "name":
            if not isinstance(value, str) or not value:
                c.add("name", "a non-empty string")
            else:
                args["name"] = value
        elif key == "bits":
            bits.update(dict.fromkeys(_BITS[:3], value))
        elif key in _BITS:
            bits[key] = value
        elif key in allowed:
            low = 0 if key in ("pad", "pad_w") else 1
            if not isinstance(value, int) or isinstance(value, bool) or \
                    not low <= value <= MAX_SIZE:
                what = "a positive" if low else "a non-negative"
                c.add(key, f"{what} integer up to 2**53, got {shown(value)}")
            else:
                args[key] = value
        else:
            c.add(shown(key)[1:-1], f"one of the {kind} keys {', '.join(allowed)}, name, bits, "
                                    f"{', '.join(_BITS)}, {', '.join(_DENSITY)}")
    required = REQUIRED[str(kind)]
    for options in required:
        if not any(k in spec for k in options):
            c.add(options[0], f"a size for {' or '.join(options)} (a {kind} layer is defined "
                              f"by {', '.join('/'.join(o) for o in required)})")
    c.raise_if_any()
    if kind == "conv2d":
        _resolve_output_size(args, c)
    c.raise_if_any()
    stride_h = args.pop("stride", 1)
    dil_h = args.pop("dilation", 1)
    if kind == "conv2d":
        args["stride"] = (stride_h, args.pop("stride_w", stride_h))
        args["dilation"] = (dil_h, args.pop("dilation_w", dil_h))
    layer: Layer = build(**args, **bits, where=where)
    if not density:
        return layer
    layer = apply_densities(layer, density, c, {v: k for k, v in _DENSITY.items()})
    c.raise_if_any()
    return layer


def _resolve_output_size(args: dict[str, Any], c: Collector) -> None:
    """Turn ``H``/``W`` (+ ``pad``) into P/Q, the output size a conv2d layer is built from."""
    pad_h = args.pop("pad", 0)
    pad_w = args.pop("pad_w", pad_h)
    for size, out, pad, stride_key, dil_key, kernel in (
        ("H", "P", pad_h, "stride", "dilation", "R"),
        ("W", "Q", pad_w, "stride_w" if "stride_w" in args else "stride",
         "dilation_w" if "dilation_w" in args else "dilation", "S"),
    ):
        if size not in args:
            continue
        if out in args:
            c.add(size, f"either {size} (input size) or {out} (output size), not both")
            continue
        stride, dil, k = args.get(stride_key, 1), args.get(dil_key, 1), args.get(kernel, 1)
        span = args.pop(size) + 2 * pad - dil * (k - 1) - 1
        if span < 0 or stride < 1:
            c.add(size, f"an input of at least {dil * (k - 1) + 1 - 2 * pad} for kernel {k}")
            continue
        args[out] = span // stride + 1


def load_layer(path: str | Path) -> Layer:
    """Read a layer from a YAML file (a mapping with ``kind`` and the text form's keys)."""
    where = str(path)
    data = parse_yaml(read_text(path, "layer file"), where)
    if isinstance(data, Mapping) and "layer" in data:
        data = data["layer"]
    if isinstance(data, str):
        return parse_layer(data, where)
    if not isinstance(data, Mapping):
        raise SpecError.single(where, "", "a mapping with 'kind' and dimension sizes")
    return layer_from_mapping(data, where)


def layer_from_arg(value: str) -> Layer:
    """A CLI ``--layer`` value: a YAML file if it names one, else the text form."""
    path = Path(value)
    if value.endswith((".yaml", ".yml")) or is_file(path):
        return load_layer(path)
    return parse_layer(value, "--layer")
