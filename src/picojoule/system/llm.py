"""A decoder LLM as the system level sees it: parameter counts, bytes, FLOPs, KV cache.

Built from a zoo name, a Hugging Face ``config.json`` (path or dict) or a
``TransformerConfig``; mixture-of-experts fields (``num_local_experts``,
``num_experts_per_tok``) are read from the config when present. Counts are closed-form so a
sweep over batch, lengths and parallelism stays a few numpy operations.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from picojoule.errors import SpecError
from picojoule.workload.transformer_config import TransformerConfig, config_from_mapping


@dataclass(frozen=True)
class WeightFormat:
    precision: str
    bits: int
    scale_bits: int
    group_size: int  # 0: no per-group scales
    compute: str  # the precision the matmuls run at
    source: str

    @property
    def bits_per_weight(self) -> float:
        """Stored bits per weight including the quantization scales."""
        extra = self.scale_bits / self.group_size if self.group_size else 0.0
        return self.bits + extra


@cache
def weight_formats() -> dict[str, WeightFormat]:
    text = resources.files("picojoule.system").joinpath("data/precisions.csv").read_text()
    return {r["precision"]: WeightFormat(r["precision"], int(r["bits"]), int(r["scale_bits"]),
                                         int(r["group_size"]), r["compute"], r["source"])
            for r in csv.DictReader(text.splitlines())}


def weight_format(precision: str, where: str = "--precision") -> WeightFormat:
    formats = weight_formats()
    if precision not in formats:
        raise SpecError.single(where, "", f"one of {', '.join(formats)}, got {precision!r}")
    return formats[precision]


@dataclass(frozen=True)
class LLMSpec:
    """Shapes of a decoder (or encoder) transformer; experts=1 means a dense FFN."""

    name: str
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    layers: int
    ffn: int
    vocab: int
    gated: bool = True  # SwiGLU: three FFN matrices (LLaMA); else two (GPT)
    tied: bool = False
    positions: int = 0  # learned position embeddings (GPT-2/3)
    experts: int = 1
    top_k: int = 1

    # -- parameters -------------------------------------------------------------------------
    @property
    def attn_params(self) -> int:
        q = self.heads * self.head_dim
        return self.hidden * q + 2 * self.hidden * self.kv_heads * self.head_dim + q * self.hidden

    @property
    def expert_params(self) -> int:
        return (3 if self.gated else 2) * self.hidden * self.ffn

    @property
    def router_params(self) -> int:
        return self.hidden * self.experts if self.experts > 1 else 0

    @property
    def layer_params(self) -> int:
        return self.attn_params + self.experts * self.expert_params + self.router_params

    @property
    def embed_params(self) -> int:
        return self.vocab * self.hidden + self.positions * self.hidden

    @property
    def head_params(self) -> int:
        return 0 if self.tied else self.vocab * self.hidden

    @property
    def params(self) -> int:
        """Every parameter (matmul weights and embeddings; norms and biases are < 0.1%)."""
        return self.layers * self.layer_params + self.embed_params + self.head_params

    @property
    def expert_params_total(self) -> int:
        return self.layers * self.experts * self.expert_params

    @property
    def matmul_params_per_token(self) -> int:
        """Weights one token multiplies by: attention, top-k experts, router, LM head."""
        per_layer = self.attn_params + self.top_k * self.expert_params + self.router_params
        return self.layers * per_layer + self.vocab * self.hidden

    def weight_bytes(self, bits_per_weight: float) -> float:
        return self.params * bits_per_weight / 8

    # -- attention and KV cache -------------------------------------------------------------
    def kv_bytes_per_token(self, bits: float) -> float:
        """K and V of one token over all layers."""
        return 2 * self.layers * self.kv_heads * self.head_dim * bits / 8

    def attention_flops_per_token(self, context: Any) -> Any:
        """Scores and context products of one query token against ``context`` keys."""
        return 4 * self.layers * self.heads * self.head_dim * context


def spec_from_config(config: TransformerConfig, raw: dict[str, Any] | None = None) -> LLMSpec:
    raw = raw or {}
    experts = int(raw.get("num_local_experts") or raw.get("num_experts") or 1)
    top_k = int(raw.get("num_experts_per_tok") or (2 if experts > 1 else 1))
    positions = config.max_positions if config.family in ("gpt2", "bert") else 0
    return LLMSpec(name=config.name, hidden=config.hidden_size, heads=config.num_heads,
                   kv_heads=config.num_kv_heads, head_dim=config.head_size,
                   layers=config.num_layers, ffn=config.ffn_size, vocab=config.vocab_size,
                   gated=config.family == "llama", tied=config.tie_embeddings,
                   positions=positions, experts=experts, top_k=top_k)


_MOE_TYPES = {"mixtral": "llama", "qwen2_moe": "llama"}


def load_llm(model: str | dict[str, Any] | LLMSpec, where: str = "MODEL") -> LLMSpec:
    """An LLMSpec from a zoo name, a config.json path or a config dict."""
    if isinstance(model, LLMSpec):
        return model
    if isinstance(model, dict):
        raw = dict(model)
    elif Path(model).suffix.lower() == ".json":
        from picojoule.fileio import parse_json, read_text

        raw = parse_json(read_text(model, "config file"), model)
        if not isinstance(raw, dict):
            raise SpecError.single(model, "", "a Hugging Face config (a JSON object)")
        raw.setdefault("name", Path(model).stem)
        where = model
    else:
        from picojoule.workload import zoo

        entry = zoo.lookup(model, where)
        if entry.config is None:
            raise SpecError.single(where, model, "a transformer (LLM) model; "
                                   f"{entry.name} is a CNN: use `picojoule roofline` for it")
        raw = {"name": entry.name, **entry.config}
    family = _MOE_TYPES.get(str(raw.get("model_type", "")).lower())
    data = {**raw, "model_type": family} if family else raw
    return spec_from_config(config_from_mapping(data, where), raw)


def json_dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=float)
