"""Transformer layers from a config, without weights: BERT, GPT-2, LLaMA and ViT styles.

Phases: **prefill** processes S tokens at once (attention over S positions, full S x S scores:
the causal mask does not remove work from a dense matmul); **decode** processes one new token
per sequence against a KV cache of L positions (L includes the token just appended). The
attention matmuls are batched over KV heads with the query heads of a group stacked into M,
so under grouped-query attention the "weights" operand of ``attn.scores`` / ``attn.context``
is exactly the K / V cache that must be read: KV-cache traffic is an operand.
"""

from __future__ import annotations

from typing import Any

from picojoule.errors import Problem, SpecError
from picojoule.workload.builder import Builder
from picojoule.workload.network import Network
from picojoule.workload.transformer_config import TransformerConfig, load_config

PHASES = ("prefill", "decode")
_ACTS = {"gelu": "gelu", "gelu_new": "gelu", "gelu_pytorch_tanh": "gelu", "relu": "relu",
         "silu": "silu", "swish": "silu", "quick_gelu": "gelu"}


def transformer_network(
    config: Any, batch: int = 1, phase: str = "prefill", seq_len: int | None = None,
    kv_len: int | None = None, name: str | None = None,
) -> Network:
    """Build the layers of a config (dict, JSON path, ``PretrainedConfig`` or
    ``TransformerConfig``) for one phase.

    ``seq_len`` defaults to 128 (BERT, GPT-2, LLaMA) or the patch count + 1 (ViT); ``kv_len``
    (decode only) defaults to ``seq_len``.
    """
    cfg = config if isinstance(config, TransformerConfig) else load_config(config)
    _check_phase(cfg, name or cfg.name, batch, phase, seq_len, kv_len)
    if cfg.family == "vit":
        tokens = (cfg.image_size // cfg.patch_size) ** 2 + 1
        context = tokens
    else:
        seq = seq_len or 128
        tokens = 1 if phase == "decode" else seq
        context = (kv_len or seq) if phase == "decode" else seq
    b = Builder(name or cfg.name, batch)
    rows = batch * tokens
    _embeddings(b, cfg, rows)
    prefix = {"bert": "encoder.layer", "gpt2": "transformer.h", "llama": "model.layers",
              "vit": "vit.encoder.layer"}[cfg.family]
    for i in range(cfg.num_layers):
        _block(b, cfg, f"{prefix}.{i}", batch, tokens, context)
    _head(b, cfg, batch, rows)
    meta: dict[str, Any] = {"phase": phase, "tokens": tokens, "context": context,
                            "family": cfg.family}
    if cfg.family in ("gpt2", "llama"):
        per_token = cfg.kv_cache_bytes_per_token(16)
        meta.update(kv_cache_bytes_per_token=per_token,
                    kv_cache_values_per_token=2 * cfg.num_layers * cfg.kv_size,
                    kv_cache_bytes=per_token * batch * context, seq_len=seq_len or 128)
        if phase == "decode":
            meta["kv_len"] = context
    return b.build(**meta)


def _check_phase(cfg: TransformerConfig, where: str, batch: int, phase: str,
                 seq_len: int | None, kv_len: int | None) -> None:
    problems = []
    if phase not in PHASES:
        problems.append(("--phase", f"one of {', '.join(PHASES)}, got {phase!r}"))
    elif phase == "decode" and cfg.family in ("bert", "vit"):
        problems.append(("--phase", f"prefill: {where} is an encoder without a KV cache"))
    for flag, value in (("--batch", batch), ("--seq", seq_len), ("--kv", kv_len)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            problems.append((flag, f"a positive integer, got {value!r}"))
    if kv_len is not None and phase != "decode":
        problems.append(("--kv", "only with --phase decode"))
    if seq_len is not None and cfg.family == "vit":
        problems.append(("--seq", "no value: ViT tokens come from image_size and patch_size"))
    if problems:
        raise SpecError([Problem(where, f, e) for f, e in problems])


def _embeddings(b: Builder, cfg: TransformerConfig, rows: int) -> None:
    h = cfg.hidden_size
    if cfg.family == "bert":
        b.vec("embeddings.word_embeddings", "embedding", rows * h, params=cfg.vocab_size * h)
        b.vec("embeddings.position_embeddings", "embedding", rows * h,
              params=cfg.max_positions * h, inputs=())
        b.vec("embeddings.token_type_embeddings", "embedding", rows * h,
              params=cfg.type_vocab_size * h, inputs=())
        b.vec("embeddings.add", "add", rows * h, 3 * rows * h,
              inputs=[f"embeddings.{k}_embeddings" for k in ("word", "position", "token_type")])
        b.vec("embeddings.LayerNorm", "layernorm", rows * h, params=2 * h)
    elif cfg.family == "gpt2":
        b.vec("transformer.wte", "embedding", rows * h, params=cfg.vocab_size * h)
        b.vec("transformer.wpe", "embedding", rows * h, params=cfg.max_positions * h, inputs=())
        b.vec("transformer.add", "add", rows * h, 2 * rows * h,
              inputs=("transformer.wte", "transformer.wpe"))
    elif cfg.family == "llama":
        b.vec("model.embed_tokens", "embedding", rows * h, params=cfg.vocab_size * h)
    else:
        batch = rows // ((cfg.image_size // cfg.patch_size) ** 2 + 1)
        b.shape = (cfg.num_channels, cfg.image_size, cfg.image_size)
        b.conv("vit.embeddings.patch_embeddings.projection", h, cfg.patch_size,
               cfg.patch_size, bias=True)
        b.vec("vit.embeddings.cls_token", "elementwise", rows * h, params=h)
        b.vec("vit.embeddings.position_embeddings", "add", rows * h, 2 * rows * h,
              params=rows // batch * h)


def _block(b: Builder, cfg: TransformerConfig, p: str, batch: int, tokens: int,
           context: int) -> None:
    h, rows = cfg.hidden_size, batch * tokens
    bert, vit = cfg.family == "bert", cfg.family == "vit"
    bias = cfg.family != "llama"
    entry = b.last
    pre_norm = {"gpt2": f"{p}.ln_1", "llama": f"{p}.input_layernorm",
                "vit": f"{p}.layernorm_before"}
    if not bert:
        _norm(b, cfg, pre_norm[cfg.family], rows * h)
    normed = b.last
    # projections
    if cfg.family == "gpt2":
        att = f"{p}.attn"
        b.linear(f"{att}.c_attn", rows, h, h + 2 * cfg.kv_size, bias)
        q = k = v = b.last
    else:
        att = {"bert": f"{p}.attention.self", "llama": f"{p}.self_attn",
               "vit": f"{p}.attention.attention"}[cfg.family]
        names = ("query", "key", "value") if cfg.family != "llama" else ("q_proj", "k_proj",
                                                                         "v_proj")
        q = b.linear(f"{att}.{names[0]}", rows, h, cfg.num_heads * cfg.head_size, bias,
                     inputs=[normed])
        k = b.linear(f"{att}.{names[1]}", rows, h, cfg.kv_size, bias, inputs=[normed])
        v = b.linear(f"{att}.{names[2]}", rows, h, cfg.kv_size, bias, inputs=[normed])
        if cfg.family == "llama":
            b.vec(f"{att}.rope", "rope", rows * (cfg.num_heads * cfg.head_size + cfg.kv_size),
                  inputs=(q, k))
            q = k = b.last
    # attention: batched over KV heads, the queries of a group stacked into M
    group = cfg.num_heads // cfg.num_kv_heads
    bh, m = batch * cfg.num_kv_heads, group * tokens
    b.matmul(f"{att}.scores", bh, m, context, cfg.head_size, inputs=(q, k))
    b.vec(f"{att}.softmax", "softmax", batch * cfg.num_heads * tokens * context)
    b.matmul(f"{att}.context", bh, m, cfg.head_size, context, inputs=(b.last, v))
    out = {"bert": f"{p}.attention.output.dense", "gpt2": f"{att}.c_proj",
           "llama": f"{att}.o_proj", "vit": f"{p}.attention.output.dense"}[cfg.family]
    b.linear(out, rows, cfg.num_heads * cfg.head_size, h, bias)
    b.vec(f"{p}.attention.add" if not bert else f"{p}.attention.output.add", "add", rows * h,
          2 * rows * h, inputs=(b.last, entry))
    if bert:
        _norm(b, cfg, f"{p}.attention.output.LayerNorm", rows * h)
    mid = b.last
    if not bert:
        _norm(b, cfg, {"gpt2": f"{p}.ln_2", "llama": f"{p}.post_attention_layernorm",
                       "vit": f"{p}.layernorm_after"}[cfg.family], rows * h)
    _ffn(b, cfg, p, rows)
    b.vec(f"{p}.output.add" if bert or vit else f"{p}.mlp.add", "add", rows * h, 2 * rows * h,
          inputs=(b.last, mid))
    if bert:
        _norm(b, cfg, f"{p}.output.LayerNorm", rows * h)


def _ffn(b: Builder, cfg: TransformerConfig, p: str, rows: int) -> None:
    h, f = cfg.hidden_size, cfg.ffn_size
    act = _ACTS.get(cfg.activation, "elementwise")
    if cfg.family == "gpt2":
        b.linear(f"{p}.mlp.c_fc", rows, h, f)
        b.vec(f"{p}.mlp.act", act, rows * f)
        b.linear(f"{p}.mlp.c_proj", rows, f, h)
    elif cfg.family == "llama":
        x = b.last
        b.linear(f"{p}.mlp.gate_proj", rows, h, f, bias=False)
        act_out = b.vec(f"{p}.mlp.act_fn", act, rows * f)
        up = b.linear(f"{p}.mlp.up_proj", rows, h, f, bias=False, inputs=[x])
        b.vec(f"{p}.mlp.mul", "mul", rows * f, 2 * rows * f, inputs=(act_out, up))
        b.linear(f"{p}.mlp.down_proj", rows, f, h, bias=False)
    else:
        b.linear(f"{p}.intermediate.dense", rows, h, f)
        b.vec(f"{p}.intermediate.act", act, rows * f)
        b.linear(f"{p}.output.dense", rows, f, h)


def _norm(b: Builder, cfg: TransformerConfig, name: str, elements: int) -> None:
    if cfg.family == "llama":
        b.vec(name, "rmsnorm", elements, params=cfg.hidden_size)
    else:
        b.vec(name, "layernorm", elements, params=2 * cfg.hidden_size)


def _head(b: Builder, cfg: TransformerConfig, batch: int, rows: int) -> None:
    h = cfg.hidden_size
    if cfg.family == "bert":
        b.linear("pooler.dense", batch, h, h)
        b.vec("pooler.activation", "tanh", batch * h)
    elif cfg.family == "gpt2":
        _norm(b, cfg, "transformer.ln_f", rows * h)
        b.linear("lm_head", rows, h, cfg.vocab_size, bias=False, tied=cfg.tie_embeddings)
    elif cfg.family == "llama":
        _norm(b, cfg, "model.norm", rows * h)
        b.linear("lm_head", rows, h, cfg.vocab_size, bias=False, tied=cfg.tie_embeddings)
    else:
        _norm(b, cfg, "vit.layernorm", rows * h)
        b.linear("classifier", batch, h, cfg.num_labels)
