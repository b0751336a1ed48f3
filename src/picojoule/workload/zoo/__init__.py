"""Built-in models, shapes only (no weights): classic CNNs and transformer configs.

Names are case- and punctuation-insensitive (``ResNet_50`` is ``resnet-50``); an unknown
name is a ``SpecError`` that suggests the close ones.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from picojoule.errors import SpecError
from picojoule.workload.network import Network
from picojoule.workload.zoo import cnn
from picojoule.workload.zoo.configs import CONFIGS


@dataclass(frozen=True)
class ZooEntry:
    """A zoo model: how to build it and where its definition comes from."""

    name: str
    description: str
    source: str
    config: dict[str, Any] | None = None  # transformer models: the HF-style config
    build_cnn: Callable[[int], Network] | None = None

    @property
    def is_transformer(self) -> bool:
        return self.config is not None


_CNNS: tuple[tuple[str, str, str, Callable[[int], Network]], ...] = (
    ("lenet-5", "LeNet-5, 32x32 digits", "LeCun et al. 1998", cnn.lenet5),
    ("alexnet", "AlexNet, torchvision variant", "torchvision.models.alexnet", cnn.alexnet),
    ("vgg-16", "VGG-16 (config D)", "torchvision.models.vgg16", cnn.vgg16),
    ("resnet-18", "ResNet-18", "torchvision.models.resnet18", cnn.resnet18),
    ("resnet-50", "ResNet-50 v1.5", "torchvision.models.resnet50", cnn.resnet50),
    ("mobilenet-v2", "MobileNetV2 1.0", "torchvision.models.mobilenet_v2", cnn.mobilenet_v2),
)


def entries() -> dict[str, ZooEntry]:
    """Every zoo model by canonical name, in listing order."""
    out = {name: ZooEntry(name, desc, src, build_cnn=fn) for name, desc, src, fn in _CNNS}
    for name, (desc, src, config) in CONFIGS.items():
        out[name] = ZooEntry(name, desc, src, config=config)
    return out


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def lookup(name: str, where: str = "model") -> ZooEntry:
    """The zoo entry called ``name`` (punctuation-insensitive), or a SpecError with hints."""
    table = entries()
    keyed = {_key(n): e for n, e in table.items()}
    entry = keyed.get(_key(name))
    if entry is not None:
        return entry
    near = difflib.get_close_matches(name.lower(), list(table), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise SpecError.single(where, name, f"a zoo model ({', '.join(table)}){hint}")


def is_zoo_name(name: str) -> bool:
    return _key(name) in {_key(n) for n in entries()}


def build(name: str, batch: int = 1, phase: str = "prefill", seq_len: int | None = None,
          kv_len: int | None = None) -> Network:
    """Build a zoo model at a batch size (transformers: at a phase and sequence length)."""
    from picojoule.workload.transformer import transformer_network

    entry = lookup(name)
    if entry.build_cnn is not None:
        if phase != "prefill" or seq_len is not None or kv_len is not None:
            raise SpecError.single(entry.name, "--phase/--seq/--kv",
                                   "no phase or sequence options: a CNN has neither")
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise SpecError.single(entry.name, "--batch", f"a positive integer, got {batch!r}")
        return entry.build_cnn(batch)
    return transformer_network(entry.config, batch, phase, seq_len, kv_len, name=entry.name)


__all__ = ["ZooEntry", "build", "entries", "is_zoo_name", "lookup"]
