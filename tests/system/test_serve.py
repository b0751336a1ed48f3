"""Serving: decode bandwidth bound, fit checks, TP all-reduces, memory table, bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from picojoule.errors import SpecError
from picojoule.system.devices import Efficiency, get_device
from picojoule.system.llm import load_llm, weight_format
from picojoule.system.serve import ServeConfig, serve, sweep


def ideal(name: str):
    """A device at its datasheet peaks: efficiency 1, no kernel overhead."""
    return dataclasses.replace(get_device(name), efficiency=Efficiency())


def test_decode_batch1_is_weight_bytes_over_hbm_bandwidth() -> None:
    # LLaMA-2-70B: 68.98e9 params x 2 bytes = 137.95 GB; H100 3.35 TB/s -> 41.2 ms/token
    # (the ISSCC course's ~42 ms = 140 GB / 3.35 TB/s). KV at batch 1, context 128 + 1 is
    # 2 x 80 x 8 x 128 x 2 B = 327,680 B per token x 129 = 42 MB: +0.3%.
    spec = load_llm("llama-2-70b")
    h100 = ideal("h100")
    out = sweep(spec, h100, batch=1, prompt=128, output=2, tp=1)
    expected = 137.95e9 / 3.35e12
    assert float(out["tpot_s"]) == pytest.approx(expected, rel=0.02)
    assert 0.040 < float(out["tpot_s"]) < 0.043
    assert not bool(out["decode_compute_bound"])


def test_one_h100_refuses_llama70b_fp16_by_how_much() -> None:
    spec = load_llm("llama-2-70b")
    with pytest.raises(SpecError) as exc:
        serve(spec, get_device("h100"), ServeConfig(batch=1, prompt=128, output=16))
    text = str(exc.value)
    # 137.95 GB of weights > 80 GiB (85.5 GB as nvidia-smi counts it): 52.5 GB too much for
    # the weights alone, a little more with the KV cache (42 MB) and prefill activations
    assert "does not fit" in text and "85.5 GB" in text
    over = float(text.split(": ")[-1].split(" GB")[0])
    assert 52.4 < over < 54.0


def test_tp2_halves_decode_and_adds_two_all_reduces_per_layer() -> None:
    spec = load_llm("llama-2-70b")
    h100 = ideal("h100")
    one = float(sweep(spec, h100, 1, 128, 2, tp=1)["tpot_s"])
    two = sweep(spec, h100, 1, 128, 2, tp=2)
    # per layer, two ring all-reduces of 1 token x 8192 x 2 B = 16,384 B over NVLink4
    # (450 GB/s, alpha 3 us): 2(n-1) alpha + 2(n-1)/n x 16384 / 450e9 = 6 us + 0.036 us
    ar = 2 * 3e-6 + 16384 / 450e9
    expected = one / 2 + 2 * 80 * ar
    assert float(two["tpot_s"]) == pytest.approx(expected, rel=0.01)
    assert 0.0205 < one / 2 < 0.0210  # ~21 ms of weight reads per device


@pytest.mark.parametrize(("name", "gb"), [("llama-3-8b", (16, 8, 4)),
                                          ("llama-3-70b", (140, 70, 35)),
                                          ("llama-3-405b", (810, 405, 203))])
def test_memory_table_from_the_zoo(name: str, gb: tuple[int, int, int]) -> None:
    # seed-001 table: weight bytes at FP16/FP8/INT4 = params x 2 / 1 / 0.5 (no scales)
    from picojoule.workload import zoo

    spec = load_llm(name)
    assert spec.params == pytest.approx(zoo.build(name).params, rel=1e-3)
    for bits, expected in zip((16, 8, 4), gb, strict=True):
        assert spec.weight_bytes(bits) / 1e9 == pytest.approx(expected, rel=0.03)
    # INT4 with one FP16 scale per 128 weights stores 4 + 16/128 = 4.125 bits per weight
    assert weight_format("int4").bits_per_weight == 4.125
    assert spec.weight_bytes(weight_format("int4").bits_per_weight) == pytest.approx(
        spec.weight_bytes(4) * 4.125 / 4)


def test_bad_inputs_one_line_each() -> None:
    spec = load_llm("llama-2-70b")
    with pytest.raises(SpecError, match="divisor of the 64 attention heads, got 3"):
        serve(spec, get_device("h100"), ServeConfig(tp=3))
    with pytest.raises(SpecError, match="no fp8 peak"):
        serve(spec, get_device("a100"), ServeConfig(tp=2, precision="fp8"))


def test_gqa_kv_cache_and_fp8_halves_it() -> None:
    spec = load_llm("llama-2-70b")
    # 2 (K,V) x 80 layers x 8 KV heads x 128 x 2 bytes = 327,680 bytes per token
    assert spec.kv_bytes_per_token(16) == 327_680
    assert spec.kv_bytes_per_token(8) == 163_840


def test_moe_reads_only_routed_experts_at_batch_one() -> None:
    mixtral = load_llm({"name": "mixtral", "model_type": "mixtral", "hidden_size": 4096,
                        "num_attention_heads": 32, "num_key_value_heads": 8,
                        "num_hidden_layers": 32, "intermediate_size": 14336,
                        "vocab_size": 32000, "num_local_experts": 8,
                        "num_experts_per_tok": 2})
    assert mixtral.experts == 8 and mixtral.top_k == 2
    dev = ideal("h100")
    one = sweep(mixtral, dev, 1, 128, 2, tp=1)
    big = sweep(mixtral, dev, 64, 128, 2, tp=1)
    # batch 1 touches 2 of 8 experts: weight bytes = dense + 2/8 of the experts
    dense = mixtral.params - mixtral.expert_params_total
    expected = (dense + mixtral.expert_params_total * 2 / 8) * 2
    assert float(one["weights_per_device_bytes"]) == pytest.approx(mixtral.params * 2)
    t_one = float(one["tpot_s"])
    assert t_one == pytest.approx(expected / 3.35e12, rel=0.02)
    assert float(big["tpot_s"]) > t_one  # batch 64 touches (almost) every expert


def test_sweep_is_vectorized_and_matches_single_points() -> None:
    spec = load_llm("llama-2-7b")
    dev = get_device("h100")
    batch = np.array([1, 8, 64])
    out = sweep(spec, dev, batch, 512, 64, tp=1)
    for i, b in enumerate(batch):
        single = sweep(spec, dev, int(b), 512, 64, tp=1)
        assert float(out["tpot_s"][i]) == float(single["tpot_s"])
    # throughput grows with batch, and J/token falls: the latency-throughput trade-off
    assert np.all(np.diff(out["tokens_per_s"]) > 0)
    assert np.all(np.diff(out["energy_per_token_j"]) < 0)
    split = sum(out[k] for k in ("compute_j_per_token", "memory_j_per_token",
                                 "communication_j_per_token", "idle_j_per_token"))
    assert np.allclose(split, out["energy_per_token_j"])


def test_serve_result_agrees_with_the_sweep_and_frames() -> None:
    from picojoule.system.serve import serve_result, to_frame

    spec = load_llm("llama-2-70b")
    dev = get_device("h100")
    cfg = ServeConfig(batch=8, prompt=512, output=64, tp=4)
    r = serve_result(spec, dev, cfg)
    row = serve(spec, dev, cfg)
    # request time = TTFT + (output - 1) x TPOT; energy = J/token x output tokens
    assert r.seconds == pytest.approx(row["ttft_s"] + 63 * row["tpot_s"])
    assert r.energy_j == pytest.approx(row["energy_per_token_j"] * 8 * 64)
    phases = {k[0] for k in r.totals(["phase"])}
    assert phases == {"prefill", "decode"}
    comps = {k[0] for k in r.totals(["component"])}
    assert comps == {"compute", "storage", "link", "idle"}
    df = to_frame(sweep(spec, dev, np.array([1, 8])[:, None], 512, 64, np.array([2, 4, 8])))
    assert len(df) == 6 and {"ttft_s", "tpot_s", "energy_per_token_j"} <= set(df.columns)


def test_kv_reads_per_query_head_multiply_the_decode_kv_traffic_by_the_group_size() -> None:
    # LLaMA-2-70B, FP8 weights and KV, TP2, batch 64, prompt 2048, output 2: decode runs at
    # context 2048 + 2/2 = 2049. Per device 64/2 = 32 query heads, 8/2 = 4 KV heads. Read
    # once per KV head: 64 x 2049 x (2 x 80 x 4 x 128 x 1 B = 81,920 B) = 10.743 GB per step;
    # once per query head: 8x that. The extra 7 x 10.743 = 75.20 GB at 3.35 TB/s = 22.45 ms.
    # Attention stays memory-bound (~1.7e11 FLOPs per device = 0.09 ms at 1,979 TFLOP/s).
    spec, h100 = load_llm("llama-2-70b"), ideal("h100")
    args = dict(batch=64, prompt=2048, output=2, tp=2, precision="fp8")
    per_kv = float(sweep(spec, h100, **args)["tpot_s"])
    per_q = float(sweep(spec, h100, **args, kv_reads="query_head")["tpot_s"])
    extra_bytes = 7 * 64 * 2049 * (2 * 80 * 4 * 128 * 1)
    assert per_q - per_kv == pytest.approx(extra_bytes / 3.35e12, rel=1e-6)
    assert 0.0224 < per_q - per_kv < 0.0225


def test_kv_reads_change_nothing_for_multi_head_attention_or_prefill() -> None:
    # LLaMA-2-7B has 32 KV heads for 32 query heads: both kernels read the same bytes. Prefill
    # (ttft) reads no cache in either mode.
    h100 = get_device("h100")
    seven = sweep(load_llm("llama-2-7b"), h100, 48, 2048, 2048, precision="fp8")
    seven_q = sweep(load_llm("llama-2-7b"), h100, 48, 2048, 2048, precision="fp8",
                    kv_reads="query_head")
    assert all(np.array_equal(seven[k], seven_q[k]) for k in seven)
    big = load_llm("llama-2-70b")
    a = sweep(big, h100, 64, 2048, 2048, tp=2, precision="fp8")
    b = sweep(big, h100, 64, 2048, 2048, tp=2, precision="fp8", kv_reads="query_head")
    assert float(a["ttft_s"]) == float(b["ttft_s"])
    assert float(b["tpot_s"]) > 2 * float(a["tpot_s"])  # 8x KV traffic dominates this decode


def test_kv_reads_bad_value_is_one_line() -> None:
    with pytest.raises(SpecError, match="--kv-reads: one of kv_head, query_head"):
        serve(load_llm("llama-2-70b"), get_device("h100"),
              ServeConfig(tp=2, precision="fp8", kv_reads="per_head"))


def test_tensorrt_llm_batch_480_long_outputs_fit_without_limiting_the_batch() -> None:
    # The published TensorRT-LLM row "LLaMA-70B, H100 FP8 (FP8 KV), TP4, batch 480, 128 in /
    # 2048 out": KV per device = 480 x 2176 tokens x 2 x 80 layers x (8/4 = 2 KV heads) x 128
    # x 1 B = 42.78 GB; weights 68.98e9 x 1 B / 4 = 17.25 GB. 60 GB of an 85.5 GB H100: the
    # whole batch fits (even in 0.9 x the 68 GB left after weights, TensorRT-LLM's default
    # paged-cache share), so KV capacity does not limit its concurrency.
    row = serve(load_llm("llama-2-70b"), get_device("h100"),
                ServeConfig(batch=480, prompt=128, output=2048, tp=4, precision="fp8"))
    assert row["kv_per_device_bytes"] == pytest.approx(480 * 2176 * 2 * 80 * 2 * 128, rel=1e-9)
    assert row["weights_per_device_bytes"] == pytest.approx(68.98e9 / 4, rel=0.005)
    assert row["kv_per_device_bytes"] < 0.9 * (85.5e9 - row["weights_per_device_bytes"])
