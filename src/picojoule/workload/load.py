"""One entry point for "a model" wherever the CLI or the mapper takes one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from picojoule.errors import Collector, SpecError
from picojoule.fileio import is_file, load_data, read_text, shown
from picojoule.workload.network import Network

MAX_BATCH = 2**20  # larger batches overflow no count, but are certainly a typo
MAX_TOKENS = 2**24
ACCEPTED = ("a zoo name (picojoule zoo list), a .onnx file, a .yaml/.json network file, "
            "a .net text network, a .txt list of layers, or a transformer config .json")


def load_model(spec: str | Path, batch: int = 1, phase: str = "prefill", seq_len: int | None = None,
               kv_len: int | None = None, where: str = "model",
               allow_unsupported: bool = False) -> Network:
    """A zoo name, ``.onnx``, ``.yaml``/``.json`` network, ``.net`` text, ``.txt`` layer list
    (one ``KIND KEY=VALUE ...`` per line, ``#`` comments) or HF config JSON.

    ``batch`` applies to zoo models, configs and ONNX files with a symbolic batch dimension;
    a saved network keeps the batch it was built with. ``allow_unsupported`` lets an ONNX
    import skip ops it cannot model (listed in ``meta["skipped_ops"]``) instead of failing.
    """
    from picojoule.workload import zoo

    if not isinstance(spec, str | Path):
        raise SpecError.single(where, "", f"{ACCEPTED}; got a {type(spec).__name__}")
    spec = str(spec)
    c = Collector(where)
    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_BATCH:
        c.add("batch", f"a positive integer up to {MAX_BATCH:,}, got {shown(batch)}")
    if phase not in ("prefill", "decode"):
        c.add("phase", f"prefill or decode, got {shown(phase)}")
    for key, value in (("seq_len", seq_len), ("kv_len", kv_len)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 1 <= value <= MAX_TOKENS):
            c.add(key, f"a positive integer up to {MAX_TOKENS:,}, got {shown(value)}")
    c.raise_if_any()
    path = Path(spec)
    found = is_file(path)
    if zoo.is_zoo_name(spec) and not found:
        return zoo.build(spec, batch, phase, seq_len, kv_len)
    suffix = path.suffix.lower()
    if suffix in (".onnx", ".yaml", ".yml", ".json", ".net", ".txt") and not found:
        raise SpecError.single(shown(spec, 200)[1:-1], "", "an existing file")
    if suffix != ".json" and suffix not in (".yaml", ".yml"):
        _no_transformer_options(spec, phase, seq_len, kv_len)
    if suffix == ".onnx":
        from picojoule.importers.onnx_import import import_onnx

        return import_onnx(path, batch=batch, allow_unsupported=allow_unsupported)
    if suffix in (".net", ".txt"):
        _fixed_batch(spec, batch)
    if suffix == ".net":
        from picojoule.workload.network_io import network_from_text

        return network_from_text(read_text(path, "network file"), spec)
    if suffix == ".txt":
        return _layer_list(read_text(path, "layer list"), path.stem, spec)
    if suffix in (".yaml", ".yml", ".json"):
        return _load_document(path, batch, phase, seq_len, kv_len)
    if path.suffix:
        raise SpecError.single(where, spec, ACCEPTED)
    zoo.lookup(spec, where)  # raises with close names
    raise SpecError.single(where, spec, ACCEPTED)  # pragma: no cover - lookup raised


def _load_document(path: Path, batch: int, phase: str, seq_len: int | None,
                   kv_len: int | None) -> Network:
    from picojoule.workload.network_io import network_from_dict
    from picojoule.workload.transformer import transformer_network

    where = str(path)
    data: Any = load_data(path, "model file")
    if isinstance(data, dict) and "model_type" in data:
        from picojoule.workload.transformer_config import config_from_mapping

        config = config_from_mapping({"name": path.stem, **data}, where)
        return transformer_network(config, batch, phase, seq_len, kv_len)
    if isinstance(data, dict) and "nodes" in data:
        _no_transformer_options(where, phase, seq_len, kv_len)
        _fixed_batch(where, batch)
        return network_from_dict(data, where)
    raise SpecError.single(where, "", "a network (with 'nodes') or a transformer config "
                                      "(with 'model_type')")


def _no_transformer_options(where: str, phase: str, seq_len: int | None,
                            kv_len: int | None) -> None:
    """Phase and token counts mean something only for transformers built from a config."""
    if phase != "prefill" or seq_len is not None or kv_len is not None:
        raise SpecError.single(where, "--phase/--seq/--kv", "no phase or sequence options: "
                               "only zoo transformers and transformer configs take them")


def _fixed_batch(where: str, batch: int) -> None:
    """A saved network or layer list holds its own batch; another one cannot be applied."""
    if batch != 1:
        raise SpecError.single(where, "--batch", f"1 (a saved network keeps the batch it was "
                                                 f"built with; its layers say N), got {batch}")


def _layer_list(text: str, name: str, where: str) -> Network:
    """A network from one layer per line; unnamed layers become ``layer1``, ``layer2``..."""
    from picojoule.workload.network import Node
    from picojoule.workload.text import parse_layer

    c = Collector(where)
    nodes: list[Node] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            layer = parse_layer(line, f"{where}: line {n}")
        except SpecError as exc:
            c.extend(exc.problems)
            continue
        if layer.name == layer.kind:
            layer = layer.with_name(f"layer{len(nodes) + 1}")
        # a bmm multiplies two activations; the other kinds' second operand is parameters
        params = 0 if layer.kind == "bmm" else layer.size("weights")
        nodes.append(Node(layer, params=params))
    if not nodes and not c.problems:
        c.add("", "at least one layer line such as 'conv2d C=64 M=64 P=56 Q=56 R=3 S=3'")
    c.raise_if_any()
    return Network(name, tuple(nodes))
