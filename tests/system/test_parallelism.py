"""Parallelism by hand: pipeline bubble, interleaving, ZeRO memory, PP/DP/EP in serving."""

from __future__ import annotations

import dataclasses

import pytest

from picojoule.system.devices import Efficiency, get_device
from picojoule.system.llm import LLMSpec, load_llm
from picojoule.system.roofline import chart, network_roofline, svg
from picojoule.system.serve import sweep
from picojoule.system.train import TrainConfig, memory_per_device_bytes, train

SPEC = LLMSpec("toy", hidden=4096, heads=32, kv_heads=32, head_dim=128, layers=32, ffn=16384,
               vocab=32000, gated=False, tied=True)


def test_pipeline_bubble_and_interleaving() -> None:
    dev = get_device("a100")
    # 64 devices, tp 8, pp 4: dp 2; global batch 64 -> m = 32 microbatches per replica.
    # bubble = (pp - 1) / interleave slots: 3 / (32 + 3); interleave 2 -> 1.5 / 33.5
    cfg = TrainConfig(devices=64, tp=8, pp=4, global_batch=64, tokens=1e9)
    r = train(SPEC, dev, cfg)
    assert r["microbatches"] == 32
    assert r["bubble_fraction"] == pytest.approx(3 / 35)
    r2 = train(SPEC, dev, dataclasses.replace(cfg, interleave=2))
    assert r2["bubble_fraction"] == pytest.approx(1.5 / 33.5)
    assert r2["step_s"] < r["step_s"]


def test_zero_stages_split_the_model_state() -> None:
    # P = 32 x 12 x 4096^2 + 32000 x 4096 = 6.57e9; tp 1, pp 1, dp 8; weights 2P, grads 2P,
    # Adam 12P bytes: ZeRO-1 splits the 12P, ZeRO-2 also the 2P of grads, ZeRO-3 everything
    p = SPEC.params
    base = TrainConfig(devices=8, global_batch=8, tokens=1e9, recompute="full")
    mem = {z: memory_per_device_bytes(SPEC, dataclasses.replace(base, zero=z))
           for z in range(4)}
    assert mem[0] - mem[1] == pytest.approx(12 * p * (1 - 1 / 8))
    assert mem[1] - mem[2] == pytest.approx(2 * p * (1 - 1 / 8))
    assert mem[2] - mem[3] == pytest.approx(2 * p * (1 - 1 / 8))


def test_serving_pp_splits_weights_dp_multiplies_throughput() -> None:
    spec = load_llm("llama-2-7b")
    dev = dataclasses.replace(get_device("h100"), efficiency=Efficiency())
    one = sweep(spec, dev, 8, 512, 64, tp=1, pp=1)
    pp2 = sweep(spec, dev, 8, 512, 64, tp=1, pp=2)
    dp4 = sweep(spec, dev, 8, 512, 64, tp=1, pp=1, dp=4)
    assert float(pp2["weights_per_device_bytes"]) == pytest.approx(
        float(one["weights_per_device_bytes"]) / 2)
    # stages run one after the other for a token: same compute and reads in total, plus one
    # send of 8 x 4096 x 2 B between the stages
    assert float(pp2["tpot_s"]) > float(one["tpot_s"])
    assert float(dp4["tokens_per_s"]) == pytest.approx(4 * float(one["tokens_per_s"]))
    assert float(dp4["tokens_per_s_per_device"]) == pytest.approx(
        float(one["tokens_per_s_per_device"]))


def test_roofline_chart_data_and_svg() -> None:
    from picojoule.importers import load_model

    h100 = get_device("h100")
    ops = network_roofline(load_model("llama-2-7b", phase="decode", seq_len=256), h100)
    data = chart(h100, "bf16", ops)
    assert set(data["roofs"]) == {"HBM", "L2"}
    # the HBM roof is min(peak, intensity x 3.35 TB/s) at every x
    for x, y in zip(data["intensity"], data["roofs"]["HBM"], strict=True):
        assert y == pytest.approx(min(989.4e12, x * 3.35e12))
    assert all(p["bound"] != "compute" for p in data["points"])  # decode: all memory-bound
    assert svg(data).count("<circle") == len(data["points"])


def test_expert_parallel_adds_all_to_alls() -> None:
    mixtral = load_llm({"name": "mixtral", "model_type": "mixtral", "hidden_size": 4096,
                        "num_attention_heads": 32, "num_key_value_heads": 8,
                        "num_hidden_layers": 32, "intermediate_size": 14336,
                        "vocab_size": 32000, "num_local_experts": 8,
                        "num_experts_per_tok": 2})
    dev = get_device("h100")
    no_ep = sweep(mixtral, dev, 16, 256, 32, tp=2, ep=1)
    ep2 = sweep(mixtral, dev, 16, 256, 32, tp=2, ep=2)
    # two all-to-alls per MoE layer over 2 devices: 2 x 32 layers x (alpha + half of
    # 16 tokens x top-2 x 4096 x 2 B / bandwidth) more per decode step
    from picojoule.system.collectives import over_link

    a2a = over_link("all_to_all", 2, 16 * 2 * 4096 * 2, dev.link("scale_up"), 0.8)
    assert float(ep2["tpot_s"]) - float(no_ep["tpot_s"]) == pytest.approx(
        2 * 32 * float(a2a.seconds))


def test_train_result_adds_up() -> None:
    from picojoule.system.train import train_result

    cfg = TrainConfig(devices=64, tp=8, pp=4, global_batch=64, tokens=1e9)
    dev = get_device("a100")
    r = train(SPEC, dev, cfg)
    res = train_result(SPEC, dev, cfg)
    assert res.seconds == pytest.approx(r["train_days"] * 86400)
    assert res.energy_j == pytest.approx(r["energy_j"])
    assert {k[0] for k in res.totals(["component"])} == {"compute", "storage", "link", "idle"}
