"""Hugging Face-style transformer configs, read without ``transformers``.

A plain dict (or a ``config.json``) with the usual HF keys is enough; a ``transformers``
``PretrainedConfig`` also works (its ``to_dict()`` is read). Each family (BERT, GPT-2, LLaMA,
ViT) accepts its own key spellings (``n_embd`` or ``hidden_size``); a missing field is reported
by name with every other problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from picojoule.errors import Collector, SpecError
from picojoule.fileio import parse_json, read_text

FAMILIES: dict[str, str] = {
    "bert": "bert", "roberta": "bert", "gpt2": "gpt2", "llama": "llama", "mistral": "llama",
    "qwen2": "llama", "vit": "vit",
}

# The network is built one block at a time, so the layer count bounds memory and time; the
# deepest published transformers have ~10^2 layers.
MAX_LAYERS = 10_000

# field -> accepted HF spellings, first wins
_ALIASES: dict[str, tuple[str, ...]] = {
    "hidden_size": ("hidden_size", "n_embd", "d_model"),
    "num_heads": ("num_attention_heads", "n_head"),
    "num_kv_heads": ("num_key_value_heads",),
    "num_layers": ("num_hidden_layers", "n_layer"),
    "ffn_size": ("intermediate_size", "n_inner"),
    "vocab_size": ("vocab_size",),
    "activation": ("hidden_act", "activation_function"),
    "max_positions": ("max_position_embeddings", "n_positions"),
    "type_vocab_size": ("type_vocab_size",),
    "image_size": ("image_size",),
    "patch_size": ("patch_size",),
    "num_channels": ("num_channels",),
    "head_dim": ("head_dim",),
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "bert": ("hidden_size", "num_heads", "num_layers", "ffn_size", "vocab_size",
             "max_positions"),
    "gpt2": ("hidden_size", "num_heads", "num_layers", "vocab_size", "max_positions"),
    "llama": ("hidden_size", "num_heads", "num_layers", "ffn_size", "vocab_size"),
    "vit": ("hidden_size", "num_heads", "num_layers", "ffn_size", "image_size", "patch_size"),
}


@dataclass(frozen=True)
class TransformerConfig:
    """The shape-relevant part of a transformer config, validated."""

    name: str
    family: str  # bert | gpt2 | llama | vit
    hidden_size: int
    num_heads: int
    num_kv_heads: int  # < num_heads: grouped-query attention (GQA)
    num_layers: int
    ffn_size: int
    vocab_size: int = 0
    activation: str = "gelu"
    max_positions: int = 0
    type_vocab_size: int = 0
    image_size: int = 0
    patch_size: int = 0
    num_channels: int = 3
    num_labels: int = 1000
    tie_embeddings: bool = False
    head_dim: int = 0

    @property
    def head_size(self) -> int:
        return self.head_dim or self.hidden_size // self.num_heads

    @property
    def kv_size(self) -> int:
        """Width of the K (or V) projection: KV heads x head size."""
        return self.num_kv_heads * self.head_size

    def kv_cache_bytes_per_token(self, bits: int = 16) -> int:
        """K and V of one token across all layers (per sequence)."""
        return 2 * self.num_layers * self.kv_size * bits // 8


def load_config(source: Any, where: str = "config") -> TransformerConfig:
    """Read a config from a dict, a ``PretrainedConfig``, or a JSON file path."""
    if isinstance(source, str | Path):
        where = str(source)
        data = parse_json(read_text(source, "config file"), where)
    elif hasattr(source, "to_dict"):
        data = source.to_dict()
    else:
        data = source
    if not isinstance(data, Mapping):
        raise SpecError.single(where, "", "a mapping of Hugging Face config keys")
    return config_from_mapping(data, where)


def config_from_mapping(data: Mapping[str, Any], where: str = "config") -> TransformerConfig:
    c = Collector(where)
    model_type = data.get("model_type")
    family = FAMILIES.get(str(model_type).lower()) if model_type is not None else None
    if family is None:
        raise SpecError.single(where, "model_type", f"one of {', '.join(sorted(FAMILIES))}, "
                                                    f"got {model_type!r}")
    values: dict[str, Any] = {}
    for key, spellings in _ALIASES.items():
        for spelling in spellings:
            if data.get(spelling) is not None:
                values[key] = data[spelling]
                break
    for key in _REQUIRED[family]:
        if key not in values:  # named as this family's config.json spells it
            names = _ALIASES[key]
            spelling = names[1] if family == "gpt2" and len(names) > 1 else names[0]
            c.add(spelling, f"a positive integer (required for {family} configs)")
    for key, value in values.items():
        if key == "activation":
            if not isinstance(value, str):
                c.add(_ALIASES[key][0], f"an activation name, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
            c.add(_ALIASES[key][0], f"a positive integer, got {value!r}")
        elif key == "num_layers" and value > MAX_LAYERS:
            shown = value if value < 10**20 else "more"
            c.add(_ALIASES[key][0], f"at most {MAX_LAYERS:,} layers (the network is built "
                                    f"layer by layer), got {shown}")
    c.raise_if_any()
    hidden, heads = values["hidden_size"], values["num_heads"]
    kv_heads = values.get("num_kv_heads", heads)
    if "head_dim" not in values and hidden % heads:
        c.add("num_attention_heads", f"a divisor of hidden_size={hidden}, got {heads}")
    if heads % kv_heads:
        c.add("num_key_value_heads", f"a divisor of num_attention_heads={heads}, "
                                     f"got {kv_heads}")
    c.raise_if_any()
    labels = data.get("num_labels") or (len(data["id2label"]) if data.get("id2label") else 1000)
    tie_default = family in ("gpt2", "bert")
    return TransformerConfig(
        name=str(data.get("name") or data.get("_name_or_path") or model_type),
        family=family, hidden_size=hidden, num_heads=heads, num_kv_heads=kv_heads,
        num_layers=values["num_layers"], ffn_size=values.get("ffn_size", 4 * hidden),
        vocab_size=values.get("vocab_size", 0),
        activation=str(values.get("activation", "silu" if family == "llama" else "gelu")),
        max_positions=values.get("max_positions", 0),
        type_vocab_size=values.get("type_vocab_size", 2 if family == "bert" else 0),
        image_size=values.get("image_size", 0), patch_size=values.get("patch_size", 0),
        num_channels=values.get("num_channels", 3), num_labels=int(labels),
        tie_embeddings=bool(data.get("tie_word_embeddings", tie_default)),
        head_dim=values.get("head_dim", 0),
    )
