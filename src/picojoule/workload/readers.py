"""File readers for networks: small registered objects that declare the suffixes they read.

A ``Reader`` has a ``name``, the ``suffixes`` it reads, a ``describe`` phrase for error
messages, and ``read(path, request)`` returning a ``Network``. The readers here need nothing
above ``workload``: ``.net`` text networks, ``.txt`` layer lists and ``.yaml``/``.json``
documents (a network with ``nodes`` or a transformer config with ``model_type``). The ONNX
reader lives in ``importers``; ``picojoule.importers.load_model`` holds the registry of all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from picojoule.errors import Collector, SpecError
from picojoule.fileio import load_data, read_text
from picojoule.workload.network import Network, Node


@dataclass(frozen=True)
class ModelRequest:
    """What the caller asked for, besides the file: the batch (zoo models, configs, ONNX with
    a symbolic batch), the transformer phase and lengths, and whether an ONNX import may skip
    ops it cannot model."""

    batch: int = 1
    phase: str = "prefill"
    seq_len: int | None = None
    kv_len: int | None = None
    allow_unsupported: bool = False


@runtime_checkable
class Reader(Protocol):
    """Reads one kind of model file into a ``Network``."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]  # lower case, with the dot
    describe: ClassVar[str]  # for "expected ..." messages: "a .net text network"

    def read(self, path: Path, request: ModelRequest) -> Network: ...


def no_transformer_options(where: str, request: ModelRequest) -> None:
    """Phase and token counts mean something only for transformers built from a config."""
    if request.phase != "prefill" or request.seq_len is not None or request.kv_len is not None:
        raise SpecError.single(where, "--phase/--seq/--kv", "no phase or sequence options: "
                               "only zoo transformers and transformer configs take them")


def fixed_batch(where: str, request: ModelRequest) -> None:
    """A saved network or layer list holds its own batch; another one cannot be applied."""
    if request.batch != 1:
        raise SpecError.single(where, "--batch", f"1 (a saved network keeps the batch it was "
                                                 f"built with; its layers say N), got "
                                                 f"{request.batch}")


@dataclass(frozen=True)
class NetworkTextReader:
    name: ClassVar[str] = "net-text"
    suffixes: ClassVar[tuple[str, ...]] = (".net",)
    describe: ClassVar[str] = "a .net text network"

    def read(self, path: Path, request: ModelRequest) -> Network:
        from picojoule.workload.network_io import network_from_text

        no_transformer_options(str(path), request)
        fixed_batch(str(path), request)
        return network_from_text(read_text(path, "network file"), str(path))


@dataclass(frozen=True)
class LayerListReader:
    """One layer per line (``KIND KEY=VALUE ...`` with optional ``@OPERAND=bits:density``
    overrides, or einsum text; ``#`` comments); unnamed layers become ``layer1``,
    ``layer2`` ...; weight parameters counted (a bmm multiplies activations)."""

    name: ClassVar[str] = "layer-list"
    suffixes: ClassVar[tuple[str, ...]] = (".txt",)
    describe: ClassVar[str] = "a .txt list of layers"

    def read(self, path: Path, request: ModelRequest) -> Network:
        from picojoule.workload.network_io import parse_any_layer

        where = str(path)
        no_transformer_options(where, request)
        fixed_batch(where, request)
        c = Collector(where)
        nodes: list[Node] = []
        for n, raw in enumerate(read_text(path, "layer list").splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                layer = parse_any_layer(line, "", f"{where}: line {n}")
            except SpecError as exc:
                c.extend(exc.problems)
                continue
            if layer.name == layer.kind:
                layer = layer.with_name(f"layer{len(nodes) + 1}")
            params = 0 if layer.kind == "bmm" else layer.size("weights")
            nodes.append(Node(layer, params=params))
        if not nodes and not c.problems:
            c.add("", "at least one layer line such as 'conv2d C=64 M=64 P=56 Q=56 R=3 S=3'")
        c.raise_if_any()
        return Network(path.stem, tuple(nodes))


@dataclass(frozen=True)
class DocumentReader:
    """A YAML/JSON network (with ``nodes``) or transformer config (with ``model_type``)."""

    name: ClassVar[str] = "document"
    suffixes: ClassVar[tuple[str, ...]] = (".yaml", ".yml", ".json")
    describe: ClassVar[str] = "a .yaml/.json network file"

    def read(self, path: Path, request: ModelRequest) -> Network:
        from picojoule.workload.network_io import network_from_dict
        from picojoule.workload.transformer import transformer_network

        where = str(path)
        data: Any = load_data(path, "model file")
        if isinstance(data, dict) and "model_type" in data:
            from picojoule.workload.transformer_config import config_from_mapping

            config = config_from_mapping({"name": path.stem, **data}, where)
            return transformer_network(config, request.batch, request.phase, request.seq_len,
                                       request.kv_len)
        if isinstance(data, dict) and "nodes" in data:
            no_transformer_options(where, request)
            fixed_batch(where, request)
            return network_from_dict(data, where)
        raise SpecError.single(where, "", "a network (with 'nodes') or a transformer config "
                                          "(with 'model_type')")


WORKLOAD_READERS: tuple[Reader, ...] = (DocumentReader(), NetworkTextReader(), LayerListReader())
