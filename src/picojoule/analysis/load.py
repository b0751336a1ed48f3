"""What ``analyze`` accepts as a network: anything ``workload.load_model`` takes, or a plain
text file of layers (one ``KIND KEY=VALUE ...`` per line, ``#`` comments)."""

from __future__ import annotations

from pathlib import Path

from picojoule.errors import Collector, SpecError
from picojoule.workload import load_model, parse_layer
from picojoule.workload.network import Network, Node


def load_network_arg(spec: str, batch: int = 1, where: str = "MODEL") -> Network:
    path = Path(spec)
    if path.suffix.lower() in (".txt", ".layers"):
        try:
            text = path.read_text()
        except OSError as exc:
            raise SpecError.single(spec, "", f"a readable layer list ({exc.strerror})") \
                from None
        c = Collector(spec)
        nodes: list[Node] = []
        for n, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                layer = parse_layer(line, f"{spec}: line {n}")
            except SpecError as exc:
                c.extend(exc.problems)
                continue
            if layer.name == layer.kind:
                layer = layer.with_name(f"layer{len(nodes) + 1}")
            nodes.append(Node(layer))
        if not nodes and not c.problems:
            c.add("", "at least one layer line such as 'conv2d C=64 M=64 P=56 Q=56 R=3 S=3'")
        c.raise_if_any()
        return Network(path.stem, tuple(nodes))
    return load_model(spec, batch=batch, where=where)
